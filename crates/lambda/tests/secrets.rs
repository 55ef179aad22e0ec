//! Secrets Manager on AWS's protocol (moto): a declared secret is read through the ARN the
//! template puts in `<NAME>_SECRET_ARN`; no variable, or no such secret, is an error.
#![allow(clippy::unwrap_used)]

use kernel::{SecretSpec, Secrets};
use lambda::{Settings, emulator::Moto, secrets::SecretsManager};

#[tokio::test]
async fn a_declared_secret_is_read_from_its_arn_and_a_missing_one_is_an_error() {
    let moto = Moto::start().await.unwrap();
    let client = aws_sdk_secretsmanager::Client::new(moto.config());
    let arn = client
        .create_secret()
        .name("emu/demo/DEMO_SIGNING_KEY")
        .secret_string("0123456789abcdef0123456789abcdef")
        .send()
        .await
        .unwrap()
        .arn
        .unwrap();
    let spec = SecretSpec::new("DEMO_SIGNING_KEY", "signs tokens");
    let settings = Settings::from_pairs([("DEMO_SIGNING_KEY_SECRET_ARN", arn.as_str())]);
    let secrets = SecretsManager::new(moto.config().clone(), settings);
    let value = secrets.secret(&spec).await.unwrap();
    assert_eq!(value.expose(), "0123456789abcdef0123456789abcdef");
    assert_eq!(format!("{value:?}"), "Secret(<redacted>)");

    let wrong = Settings::from_pairs([(
        "DEMO_SIGNING_KEY_SECRET_ARN",
        "arn:aws:secretsmanager:us-east-1:123456789012:secret:no-such-secret",
    )]);
    let missing = SecretsManager::new(moto.config().clone(), wrong);
    let e = missing.secret(&spec).await.unwrap_err().to_string();
    assert!(e.contains("DEMO_SIGNING_KEY"), "{e}");
}
