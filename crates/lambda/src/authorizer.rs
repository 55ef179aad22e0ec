//! The HTTP API's Lambda authorizer of a system with a token policy: a REQUEST authorizer
//! (payload 2.0, simple responses) that verifies the bearer token with the same
//! `kernel::auth::Tokens` as the local gateway and passes `sub` and `roles` in its context, which
//! the HTTP entry turns into the call's principal. Roles are checked there, per function.

use aws_lambda_events::event::apigw::{
    ApiGatewayV2CustomAuthorizerSimpleResponse, ApiGatewayV2CustomAuthorizerV2Request,
};
use kernel::{
    SecretSpec, Secrets,
    auth::{TokenPolicy, Tokens, bearer},
    telemetry::{self, LogFormat},
};
use lambda_runtime::{Error, LambdaEvent, service_fn};
use serde_json::json;
use time::OffsetDateTime;

use crate::{
    entry::http::{ROLES, SUBJECT},
    platform::Settings,
    secrets::SecretsManager,
};

/// The function name of a system's authorizer.
pub fn function_name(system: &str) -> String {
    format!("{system}-auth-authorize")
}

/// The answer for one request: authorized with the token's principal, or not.
pub fn authorize(
    tokens: &Tokens,
    request: &ApiGatewayV2CustomAuthorizerV2Request,
    now: OffsetDateTime,
) -> ApiGatewayV2CustomAuthorizerSimpleResponse {
    let mut response = ApiGatewayV2CustomAuthorizerSimpleResponse::default();
    let principal = bearer(&request.headers)
        .ok()
        .flatten()
        .and_then(|token| tokens.principal(token, now).ok());
    if let Some(p) = principal {
        response.is_authorized = true;
        response.context = json!({ SUBJECT: p.subject, ROLES: p.roles.join(",") });
    }
    response
}

/// The `main` of a system's authorizer: the signing key is read once, from Secrets Manager.
pub async fn run(policy: TokenPolicy) -> Result<(), Error> {
    telemetry::init(LogFormat::Json);
    let config = crate::AwsPlatform::config_from_env().await;
    let secrets = SecretsManager::new(config, Settings::from_env());
    let key = secrets
        .secret(&SecretSpec::new(
            policy.signing_key,
            "the token signing key",
        ))
        .await?;
    let tokens = Tokens::new(policy, &key)?;
    let serve = |event: LambdaEvent<ApiGatewayV2CustomAuthorizerV2Request>| {
        let tokens = &tokens;
        async move { Ok::<_, Error>(authorize(tokens, &event.payload, OffsetDateTime::now_utc())) }
    };
    lambda_runtime::run(service_fn(serve)).await
}

#[cfg(test)]
mod tests {
    use super::*;
    use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};
    use kernel::{Secret, auth::TokenKind};

    const POLICY: TokenPolicy = TokenPolicy {
        issuer: "petmily",
        audience: "petmily-api",
        signing_key: "PETMILY_SIGNING_KEY",
    };

    fn tokens() -> Tokens {
        Tokens::new(
            POLICY,
            &Secret::new("0123456789abcdef0123456789abcdef".into()),
        )
        .unwrap()
    }

    fn now() -> OffsetDateTime {
        OffsetDateTime::from_unix_timestamp(1_800_000_000).unwrap()
    }

    fn token(issued: OffsetDateTime) -> String {
        tokens()
            .issue(
                "kim",
                &["ROLE_USER".into(), "ROLE_ADMIN".into()],
                TokenKind::Access,
                "j1",
                issued,
                time::Duration::hours(1),
            )
            .unwrap()
    }

    fn request(authorization: Option<&str>) -> ApiGatewayV2CustomAuthorizerV2Request {
        let mut event = json!({
            "version": "2.0",
            "type": "REQUEST",
            "routeArn": "arn:aws:execute-api:us-east-1:123456789012:api/$default/GET/petmily/pets",
            "routeKey": "GET /petmily/pets",
            "rawPath": "/petmily/pets",
            "rawQueryString": "",
            "headers": {},
            "requestContext": { "http": { "method": "GET", "path": "/petmily/pets" }, "timeEpoch": 0 },
        });
        if let Some(value) = authorization {
            event["headers"]["authorization"] = json!(value);
            event["identitySource"] = json!([value]);
        }
        serde_json::from_value(event).unwrap()
    }

    #[test]
    fn a_valid_token_is_authorized_with_its_subject_and_roles() {
        let answer = authorize(
            &tokens(),
            &request(Some(&format!("Bearer {}", token(now())))),
            now(),
        );
        assert!(answer.is_authorized);
        assert_eq!(
            answer.context,
            json!({ "sub": "kim", "roles": "ROLE_USER,ROLE_ADMIN" })
        );
        let wire = serde_json::to_value(&answer).unwrap();
        assert_eq!(
            wire["isAuthorized"], true,
            "the simple response's field name"
        );
    }

    #[test]
    fn an_expired_forged_or_missing_token_is_not_authorized() {
        let t = tokens();
        let expired = token(now() - time::Duration::hours(2));
        let valid = token(now());
        let parts: Vec<&str> = valid.split('.').collect();
        let none = format!(
            "{}.{}.",
            URL_SAFE_NO_PAD.encode(br#"{"alg":"none","typ":"JWT"}"#),
            parts[1]
        );
        let other_key = Tokens::new(
            POLICY,
            &Secret::new("another key, also thirty-two bytes!".into()),
        )
        .unwrap()
        .issue(
            "kim",
            &[],
            TokenKind::Access,
            "j2",
            now(),
            time::Duration::hours(1),
        )
        .unwrap();
        for header in [
            format!("Bearer {expired}"),
            format!("Bearer {none}"),
            format!("Bearer {other_key}"),
            "Bearer garbage".to_owned(),
            format!("Basic {valid}"),
        ] {
            let answer = authorize(&t, &request(Some(&header)), now());
            assert!(!answer.is_authorized, "{header}");
            assert_eq!(
                answer.context,
                serde_json::Value::Null,
                "no context for a refusal"
            );
        }
        assert!(!authorize(&t, &request(None), now()).is_authorized);
    }
}
