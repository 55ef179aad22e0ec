//! The front door holds: connection limits and timeouts, browser safety (JSON content type,
//! Origin, Host), the admin API's guard and its problem+json errors, tokens checked before a
//! function runs, internal functions unreachable from outside, and a cap on live streams. A tiny
//! system of its own keeps these tests independent of any real one.
#![allow(clippy::unwrap_used)]

use std::{net::SocketAddr, sync::Arc, time::Duration};

use flowtest::{Api, GatewayConfig, eventually};
use frontdoor::server::Limits;
use kernel::{
    AppResult, BoundedContext, Call, Context, ContextId, FnSpec, LiveStream, Platform, SecretSpec,
    System,
    auth::{TokenKind, TokenPolicy, Tokens},
    input::Json,
    output::Created,
    platform::{Notification, Notifier},
    validate::Text,
};
use reqwest::Method;
use serde::{Deserialize, Serialize};
use serde_json::json;
use tokio::{
    io::{AsyncReadExt, AsyncWriteExt},
    net::TcpStream,
};

const ECHO: ContextId = ContextId::new("demo", "echo");
const KEY: &str = "a test signing key of at least thirty-two bytes";
const POLICY: TokenPolicy = TokenPolicy {
    issuer: "demo",
    audience: "demo-api",
    signing_key: "DEMO_SIGNING_KEY",
};

struct Echo;

struct Deps {
    notifier: Arc<dyn Notifier>,
}

type Words = Text<100>;

#[derive(Deserialize, Serialize, utoipa::ToSchema)]
struct Say {
    who: kernel::validate::Id,
    text: Words,
}

async fn say(d: &Deps, Json(s): Json<Say>, _: &Call) -> AppResult<Created<Say>> {
    d.notifier
        .notify(Notification {
            channel: "said".into(),
            recipient: s.who.to_string(),
            text: s.text.to_string(),
            data: json!({ "text": s.text.as_str() }),
        })
        .await?;
    Ok(Created::at("/demo/say", s))
}

async fn whoami(_: &Deps, _: (), cx: &Call) -> AppResult<Json<String>> {
    Ok(Json(
        cx.principal
            .as_ref()
            .map(|p| p.subject.clone())
            .unwrap_or_default(),
    ))
}

async fn inside(_: &Deps, _: (), _: &Call) -> AppResult<Json<String>> {
    Ok(Json("only other contexts see this".into()))
}

impl BoundedContext for Echo {
    const ID: ContextId = ECHO;
    const NOTIFIES: bool = true;
    const SECRETS: &'static [SecretSpec] = &[];
    type Deps = Deps;

    fn deps(p: &dyn Platform) -> anyhow::Result<Deps> {
        Ok(Deps {
            notifier: p.notifier(ECHO)?,
        })
    }

    fn functions() -> Vec<FnSpec<Deps>> {
        vec![
            FnSpec::http("demo-echo-say", Method::POST, "/say", say),
            FnSpec::http("demo-echo-whoami", Method::GET, "/whoami", whoami).authenticated(),
            FnSpec::http("demo-echo-admin", Method::GET, "/admin-only", whoami).role("ROLE_ADMIN"),
            FnSpec::http("demo-echo-inside", Method::GET, "/inside", inside).internal(),
        ]
    }
}

fn demo() -> System {
    System {
        name: "demo",
        title: "a system for the front door's tests",
        contexts: vec![Context::of::<Echo>()],
        auth: Some(POLICY),
        ui: None,
        streams: vec![LiveStream {
            path: "/said/stream",
            channel: "said",
            recipient: "who",
        }],
        samples: Vec::new,
        sample_id: |_, _| "",
    }
}

async fn start(tune: impl FnOnce(&mut GatewayConfig)) -> Api {
    Api::start_with(vec![demo()], |c| {
        c.secrets.insert(POLICY.signing_key.into(), KEY.into());
        tune(c);
    })
    .await
}

fn token(subject: &str, roles: &[&str]) -> String {
    let tokens = Tokens::new(POLICY, &kernel::Secret::new(KEY.into())).unwrap();
    let roles: Vec<String> = roles.iter().map(|r| (*r).to_owned()).collect();
    tokens
        .issue(
            subject,
            &roles,
            TokenKind::Access,
            "t1",
            time::OffsetDateTime::now_utc(),
            time::Duration::hours(1),
        )
        .unwrap()
}

fn port(api: &Api) -> SocketAddr {
    api.gateway.as_ref().unwrap().addr
}

/// The resident set size of this process (the gateway runs in it), in KiB.
fn rss_kib() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.split_whitespace().next())
        .and_then(|v| v.parse().ok())
        .unwrap()
}

/// Whether the server closed the connection: reads (and drops) whatever it sent until the end of
/// the stream or a reset.
async fn closed(stream: &mut TcpStream) -> bool {
    let mut buf = [0u8; 256];
    loop {
        match stream.read(&mut buf).await {
            Ok(0) | Err(_) => return true,
            Ok(_) => {}
        }
    }
}

#[tokio::test]
async fn a_json_body_sent_as_text_plain_is_refused_and_changes_nothing() {
    let api = start(|_| {}).await;
    let r = api
        .reply(
            api.request(Method::POST, "/demo/say")
                .header("content-type", "text/plain")
                .body(r#"{"who":"kim","text":"hi"}"#),
        )
        .await;
    r.assert_problem(415);
    let ok = api
        .post("/demo/say", json!({ "who": "kim", "text": "hi" }))
        .await;
    assert_eq!(ok.status, 201, "{:?}", ok.body);
}

#[tokio::test]
async fn a_state_change_from_another_origin_is_refused_and_the_own_origin_passes() {
    let api = start(|_| {}).await;
    let body = r#"{"who":"kim","text":"hi"}"#;
    let from = |origin: &str| {
        api.request(Method::POST, "/demo/say")
            .header("content-type", "application/json")
            .header("origin", origin)
            .body(body)
    };
    api.reply(from("http://evil.example"))
        .await
        .assert_problem(403);
    api.reply(from("null")).await.assert_problem(403);
    let own = format!("http://localhost:{}", port(&api).port());
    assert_eq!(api.reply(from(&own)).await.status, 201);
    let down = api
        .reply(
            api.request(Method::POST, "/admin/functions/demo-echo-say/down")
                .header("origin", "http://evil.example"),
        )
        .await;
    down.assert_problem(403);
    assert_eq!(
        api.post("/demo/say", json!({ "who": "kim", "text": "still up" }))
            .await
            .status,
        201
    );
}

#[tokio::test]
async fn a_dns_rebinding_host_name_is_refused() {
    let api = start(|_| {}).await;
    let r = api
        .reply(
            api.request(Method::GET, "/health")
                .header("host", "rebind.evil.example"),
        )
        .await;
    r.assert_problem(403);
    let named = start(|c| c.allowed_hosts = vec!["devbox.local".into()]).await;
    let r = named
        .reply(
            named
                .request(Method::GET, "/health")
                .header("host", "devbox.local:3000"),
        )
        .await;
    assert_eq!(r.status, 200);
}

#[tokio::test]
async fn tokens_are_checked_at_the_door_before_the_function_runs() {
    let api = start(|_| {}).await;
    api.get("/demo/whoami").await.assert_problem(401);
    let with = |t: &str| {
        api.request(Method::GET, "/demo/whoami")
            .header("authorization", format!("Bearer {t}"))
    };
    api.reply(with("not-a-token")).await.assert_problem(401);
    let kim = api.reply(with(&token("kim", &["ROLE_USER"]))).await;
    assert_eq!((kim.status, kim.body.as_str()), (200, Some("kim")));
    let admin_only = |t: String| {
        api.request(Method::GET, "/demo/admin-only")
            .header("authorization", format!("Bearer {t}"))
    };
    api.reply(admin_only(token("kim", &["ROLE_USER"])))
        .await
        .assert_problem(403);
    assert_eq!(
        api.reply(admin_only(token("root", &["ROLE_ADMIN"])))
            .await
            .status,
        200
    );
}

#[tokio::test]
async fn an_internal_function_is_no_route_from_outside() {
    let api = start(|_| {}).await;
    api.get("/demo/inside").await.assert_problem(404);
    let inside = api.internal(Method::GET, "/demo/inside", None).await;
    assert_eq!(inside.status, 200);
    let spec = api.get("/demo/openapi.json").await.body;
    assert!(spec["paths"].get("/demo/inside").is_none(), "{spec}");
}

#[tokio::test]
async fn with_a_token_the_admin_api_needs_it_and_the_console_gets_a_cookie() {
    let token = "an admin token of some length";
    let api = start(|c| c.admin_token = Some(token.into())).await;
    api.get("/admin/functions").await.assert_problem(401);
    let bearer = api
        .reply(
            api.request(Method::GET, "/admin/functions")
                .header("authorization", format!("Bearer {token}")),
        )
        .await;
    assert_eq!(bearer.status, 200);
    api.post("/admin/session", json!({ "token": "wrong" }))
        .await
        .assert_problem(401);
    let session = api
        .reply(
            api.request(Method::POST, "/admin/session")
                .header("content-type", "application/json")
                .body(json!({ "token": token }).to_string()),
        )
        .await;
    assert_eq!(session.status, 200);
    let cookie = format!("gateway_admin={token}");
    let with_cookie = api
        .reply(
            api.request(Method::GET, "/admin/backlog")
                .header("cookie", cookie),
        )
        .await;
    assert_eq!(with_cookie.status, 200);
    assert_eq!(api.get("/health").await.status, 200, "the rest stays open");
}

#[tokio::test]
async fn listening_beyond_loopback_without_an_admin_token_is_refused_at_start() {
    let dir = tempfile::tempdir().unwrap();
    let mut c = flowtest::config(dir.path());
    c.addr = SocketAddr::from(([0, 0, 0, 0], 0));
    let refused = frontdoor::Gateway::start(c.clone(), vec![demo()]).await;
    let why = refused.err().unwrap().to_string();
    assert!(why.contains("admin token"), "{why}");
    c.admin_token = Some("short".into());
    assert!(frontdoor::Gateway::start(c, vec![demo()]).await.is_err());
}

#[tokio::test]
async fn every_admin_error_is_problem_json() {
    let api = start(|_| {}).await;
    api.post("/admin/dead-letters/abc/redrive", json!({}))
        .await
        .assert_problem(400);
    api.post_raw("/admin/functions/demo-echo-say/deliveries", "{")
        .await
        .assert_problem(400);
    let plain = api
        .reply(
            api.request(Method::POST, "/admin/functions/demo-echo-say/deliveries")
                .header("content-type", "text/plain")
                .body(r#"{"eventId":"x"}"#),
        )
        .await;
    plain.assert_problem(415);
    api.get("/admin/functions/demo-echo-say/down")
        .await
        .assert_problem(405);
    api.get("/admin/events?context=demo/echo&bogus=1")
        .await
        .assert_problem(400);
    api.post("/admin/functions/nobody/down", json!({}))
        .await
        .assert_problem(404);
    api.get("/admin/nothing-here").await.assert_problem(404);
}

#[tokio::test]
async fn a_notification_reaches_its_recipients_live_stream_and_streams_are_capped() {
    let api = start(|c| c.limits.max_streams = 2).await;
    let mut kim = api
        .request(Method::GET, "/demo/said/stream?who=kim")
        .send()
        .await
        .unwrap();
    assert_eq!(kim.status(), 200);
    let _lee = api
        .request(Method::GET, "/demo/said/stream?who=lee")
        .send()
        .await
        .unwrap();
    api.get("/demo/said/stream?who=third")
        .await
        .assert_problem(503);
    api.get("/demo/said/stream").await.assert_problem(400);
    api.post("/demo/say", json!({ "who": "lee", "text": "not for kim" }))
        .await;
    api.post("/demo/say", json!({ "who": "kim", "text": "hello kim" }))
        .await;
    let mut seen = String::new();
    let found = tokio::time::timeout(Duration::from_secs(5), async {
        while let Some(chunk) = kim.chunk().await.unwrap() {
            seen.push_str(&String::from_utf8_lossy(&chunk));
            if seen.contains("hello kim") {
                return true;
            }
        }
        false
    })
    .await;
    assert_eq!(found, Ok(true), "{seen}");
    assert!(!seen.contains("not for kim"), "{seen}");
    assert!(seen.contains("event: said"), "{seen}");
    drop(kim);
    eventually("a closed stream gives its slot back", || async {
        let again = api
            .request(Method::GET, "/demo/said/stream?who=again")
            .send()
            .await;
        again.unwrap().status() == 200
    })
    .await;
}

#[tokio::test]
async fn unfinished_headers_and_idle_connections_are_closed_after_the_timeout() {
    let api = start(|c| {
        c.limits.header_timeout = Duration::from_millis(300);
    })
    .await;
    let mut slow = TcpStream::connect(port(&api)).await.unwrap();
    slow.write_all(b"GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\n")
        .await
        .unwrap();
    let mut idle = TcpStream::connect(port(&api)).await.unwrap();
    let started = std::time::Instant::now();
    let both = tokio::time::timeout(Duration::from_secs(5), async {
        (closed(&mut slow).await, closed(&mut idle).await)
    })
    .await;
    assert_eq!(both, Ok((true, true)));
    assert!(
        started.elapsed() >= Duration::from_millis(250),
        "{:?}",
        started.elapsed()
    );
}

#[tokio::test]
async fn a_body_that_never_finishes_gets_408() {
    let api = start(|c| c.limits.body_timeout = Duration::from_millis(300)).await;
    let mut s = TcpStream::connect(port(&api)).await.unwrap();
    s.write_all(
        b"POST /demo/say HTTP/1.1\r\nHost: 127.0.0.1\r\ncontent-type: application/json\r\ncontent-length: 50\r\n\r\n{\"who\":",
    )
    .await
    .unwrap();
    let mut answer = vec![0u8; 512];
    let n = tokio::time::timeout(Duration::from_secs(5), s.read(&mut answer))
        .await
        .unwrap()
        .unwrap();
    let answer = String::from_utf8_lossy(&answer[..n]);
    assert!(answer.starts_with("HTTP/1.1 408"), "{answer}");
    assert!(answer.contains("application/problem+json"), "{answer}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_connection_storm_is_capped_closed_and_its_memory_returned() {
    let api = start(|c| {
        c.limits = Limits {
            max_connections: 100,
            header_timeout: Duration::from_millis(500),
            ..Limits::default()
        };
    })
    .await;
    assert_eq!(api.get("/health").await.status, 200);
    let baseline = rss_kib();
    let mut storm = Vec::new();
    for _ in 0..600 {
        storm.push(TcpStream::connect(port(&api)).await.unwrap());
    }
    // Over the cap: answered 503 at once and closed.
    let mut refused = 0;
    for s in storm.iter_mut().skip(100) {
        let mut buf = [0u8; 64];
        if let Ok(Ok(n)) = tokio::time::timeout(Duration::from_secs(2), s.read(&mut buf)).await
            && buf[..n].starts_with(b"HTTP/1.1 503")
        {
            refused += 1;
        }
    }
    // The client pool's keep-alive connection from the first request holds one slot.
    assert!(refused >= 490, "{refused} of 500 over the cap were refused");
    let mut all_closed = true;
    for s in storm.iter_mut().take(100) {
        all_closed &= tokio::time::timeout(Duration::from_secs(5), closed(s)).await == Ok(true);
    }
    assert!(
        all_closed,
        "idle connections are closed after the header timeout"
    );
    drop(storm);
    eventually("the gateway answers again", || async {
        api.get("/health").await.status == 200
    })
    .await;
    let after = rss_kib();
    assert!(
        after < baseline + 16 * 1024,
        "RSS {baseline} KiB before the storm, {after} KiB after"
    );
}
