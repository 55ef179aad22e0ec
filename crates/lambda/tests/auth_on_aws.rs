//! A system with a token policy, deployed on the emulator from the template xtask generates for
//! it: its protected route sits behind the authorizer (HTTP API's own 401/403 for a missing or
//! refused token) and the function's entry checks the role (403 problem+json).
#![allow(clippy::unwrap_used, clippy::expect_used)]

use kernel::{
    AppResult, BoundedContext, Call, Context, ContextId, FnSpec, Platform, Secrets, System,
    auth::{TokenKind, TokenPolicy, Tokens},
    input::Json,
};
use lambda::{
    Settings,
    emulator::{
        Moto,
        system::{Deployment, unwrapped},
    },
    secrets::SecretsManager,
};

const POLICY: TokenPolicy = TokenPolicy {
    issuer: "demo",
    audience: "demo-api",
    signing_key: "DEMO_SIGNING_KEY",
};

struct DemoContext;

impl BoundedContext for DemoContext {
    const ID: ContextId = ContextId::new("demo", "demo");
    type Deps = ();

    fn deps(_: &dyn Platform) -> anyhow::Result<()> {
        Ok(())
    }

    fn functions() -> Vec<FnSpec<()>> {
        vec![
            FnSpec::http("demo-demo-hello", http::Method::GET, "/hello", hello),
            FnSpec::http("demo-demo-admin", http::Method::GET, "/admin", whoami).role("ROLE_ADMIN"),
        ]
    }
}

async fn hello(_: &(), _: (), _: &Call) -> AppResult<Json<String>> {
    Ok(Json("hello".into()))
}

async fn whoami(_: &(), _: (), cx: &Call) -> AppResult<Json<Option<String>>> {
    Ok(Json(cx.principal.as_ref().map(|p| p.subject.clone())))
}

fn demo() -> System {
    System {
        name: "demo",
        title: "Demo",
        contexts: vec![Context::of::<DemoContext>()],
        auth: Some(POLICY),
        ui: None,
        streams: Vec::new(),
        samples: Vec::new,
        sample_id: |_, _| "01KADEMO000000000000000001",
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn protected_routes_pass_the_authorizer_and_the_functions_role_check() {
    let dir = tempfile::tempdir().unwrap();
    let template = dir.path().join("demo.yaml");
    std::fs::write(&template, xtask::template::system(&demo())).unwrap();
    let moto = Moto::start().await.unwrap();
    let m = Deployment::start(demo(), &template, moto.config(), &[], &unwrapped)
        .await
        .unwrap();

    // The key is the one the template's secret holds, as the authorizer reads it.
    let env = m
        .stack
        .function("demo-auth-authorize")
        .unwrap()
        .environment
        .clone();
    let key = SecretsManager::new(moto.config().clone(), Settings::from_pairs(env))
        .secret(&kernel::SecretSpec::new("DEMO_SIGNING_KEY", ""))
        .await
        .unwrap();
    let tokens = Tokens::new(POLICY, &key).unwrap();
    let now = time::OffsetDateTime::now_utc();
    let token = |roles: &[&str]| {
        let roles: Vec<String> = roles.iter().map(|r| (*r).to_owned()).collect();
        tokens
            .issue(
                "kim",
                &roles,
                TokenKind::Access,
                "j",
                now,
                time::Duration::hours(1),
            )
            .unwrap()
    };
    let client = reqwest::Client::new();
    let get = |path: &str, bearer: Option<String>| {
        let mut request = client.get(format!("{}{path}", m.api.url));
        if let Some(b) = bearer {
            request = request.header("authorization", format!("Bearer {b}"));
        }
        async move {
            let r = request.send().await.unwrap();
            let status = r.status().as_u16();
            let kind = r
                .headers()
                .get("content-type")
                .map(|v| v.to_str().unwrap().to_owned());
            (status, kind, r.text().await.unwrap())
        }
    };

    assert_eq!(
        get("/demo/hello", None).await.0,
        200,
        "a public route needs no token"
    );
    let (status, _, body) = get("/demo/admin", None).await;
    assert_eq!(
        (status, body.as_str()),
        (401, r#"{"message":"Unauthorized"}"#)
    );
    let (status, _, body) = get("/demo/admin", Some("garbage".into())).await;
    assert_eq!((status, body.as_str()), (403, r#"{"message":"Forbidden"}"#));
    let (status, kind, _) = get("/demo/admin", Some(token(&["ROLE_USER"]))).await;
    assert_eq!(status, 403);
    assert_eq!(
        kind.as_deref(),
        Some("application/problem+json"),
        "the function's own refusal"
    );
    let (status, _, body) = get("/demo/admin", Some(token(&["ROLE_ADMIN"]))).await;
    assert_eq!((status, body.as_str()), (200, r#""kim""#));
}
