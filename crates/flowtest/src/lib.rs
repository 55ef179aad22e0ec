//! Flow tests over HTTP: a local gateway per test, on a port of its own and its own data folder,
//! serving the systems the test names, and an HTTP client that speaks to it as a user's curl would.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::{future::Future, net::SocketAddr, time::Duration};

use embedded::BusConfig;
pub use frontdoor::{Gateway, GatewayConfig};
use kernel::System;
use kernel::breaker::BreakerPolicy;
use serde_json::{Value, json};

pub use serde_json;

pub struct Api {
    pub gateway: Option<Gateway>,
    pub base: String,
    pub http: reqwest::Client,
    pub dir: tempfile::TempDir,
}

/// Quick retries and a short handler timeout; the bus's other settings at their defaults.
#[allow(clippy::needless_update)] // the bus grows settings; tests take their defaults
pub fn fast_bus() -> BusConfig {
    BusConfig {
        max_attempts: 5,
        first_retry: Duration::from_millis(20),
        max_retry: Duration::from_millis(200),
        concurrency: 8,
        handler_timeout: Duration::from_secs(5),
        ..BusConfig::default()
    }
}

pub fn config(dir: &std::path::Path) -> GatewayConfig {
    let mut c = GatewayConfig::new(SocketAddr::from(([127, 0, 0, 1], 0)), dir);
    c.bus = fast_bus();
    c.breaker = BreakerPolicy {
        failures_to_open: 3,
        open_for: Duration::from_secs(2),
        probe_timeout: Duration::from_secs(1),
    };
    c
}

impl Api {
    /// A gateway serving `systems` with the test defaults (a fast bus, a quick breaker).
    pub async fn start(systems: Vec<System>) -> Self {
        Self::start_with(systems, |_| {}).await
    }

    pub async fn start_with(systems: Vec<System>, tune: impl FnOnce(&mut GatewayConfig)) -> Self {
        let dir = tempfile::tempdir().unwrap();
        let mut c = config(dir.path());
        tune(&mut c);
        let gateway = Gateway::start(c, systems).await.unwrap();
        let base = format!("http://{}", gateway.addr);
        Self {
            gateway: Some(gateway),
            base,
            http: reqwest::Client::new(),
            dir,
        }
    }

    pub async fn send(&self, method: reqwest::Method, path: &str, body: Option<&str>) -> Reply {
        let mut req = self.request(method, path);
        if let Some(b) = body {
            req = req
                .header("content-type", "application/json")
                .body(b.to_owned());
        }
        self.reply(req).await
    }

    /// A request to the gateway, for a test that sets its own headers; send it with `reply`.
    pub fn request(&self, method: reqwest::Method, path: &str) -> reqwest::RequestBuilder {
        self.http.request(method, format!("{}{path}", self.base))
    }

    /// Sends `req` and reads the whole reply.
    pub async fn reply(&self, req: reqwest::RequestBuilder) -> Reply {
        let started = std::time::Instant::now();
        let r = req.send().await.unwrap();
        let elapsed = started.elapsed();
        let status = r.status().as_u16();
        let content_type = r
            .headers()
            .get("content-type")
            .map(|v| v.to_str().unwrap().to_owned())
            .unwrap_or_default();
        let location = r
            .headers()
            .get("location")
            .map(|v| v.to_str().unwrap().to_owned());
        let retry_after = r
            .headers()
            .get("retry-after")
            .map(|v| v.to_str().unwrap().to_owned());
        let text = r.text().await.unwrap();
        let body = serde_json::from_str(&text).unwrap_or(Value::String(text));
        Reply {
            status,
            content_type,
            location,
            retry_after,
            body,
            elapsed,
        }
    }

    /// Calls an internal function as another context's synchronous call does (in process, past
    /// the front door): what a test needs to set up a state only a context can make.
    pub async fn internal(
        &self,
        method: reqwest::Method,
        path: &str,
        body: Option<Value>,
    ) -> Reply {
        let gateway = self.gateway.as_ref().expect("the gateway is running");
        let request = http::Request::builder()
            .method(method.as_str())
            .uri(path)
            .header("content-type", "application/json")
            .body(bytes::Bytes::from(
                body.map(|b| b.to_string()).unwrap_or_default(),
            ))
            .unwrap();
        let started = std::time::Instant::now();
        let response = gateway.call_internal(request).await;
        let header = |name: &str| {
            response
                .headers()
                .get(name)
                .map(|v| v.to_str().unwrap().to_owned())
        };
        let text = String::from_utf8_lossy(response.body()).into_owned();
        Reply {
            status: response.status().as_u16(),
            content_type: header("content-type").unwrap_or_default(),
            location: header("location"),
            retry_after: header("retry-after"),
            body: serde_json::from_str(&text).unwrap_or(Value::String(text)),
            elapsed: started.elapsed(),
        }
    }

    pub async fn get(&self, path: &str) -> Reply {
        self.send(reqwest::Method::GET, path, None).await
    }

    pub async fn post(&self, path: &str, body: Value) -> Reply {
        self.send(reqwest::Method::POST, path, Some(&body.to_string()))
            .await
    }

    pub async fn post_raw(&self, path: &str, body: &str) -> Reply {
        self.send(reqwest::Method::POST, path, Some(body)).await
    }

    pub async fn delete(&self, path: &str) -> Reply {
        self.send(reqwest::Method::DELETE, path, None).await
    }

    pub async fn switch(&self, function: &str, up: bool) {
        let r = self
            .post(
                &format!(
                    "/admin/functions/{function}/{}",
                    if up { "up" } else { "down" }
                ),
                json!({}),
            )
            .await;
        assert_eq!(r.status, 200, "{:?}", r.body);
    }

    /// Waits until every recorded event has been delivered.
    pub async fn drained(&self) {
        eventually("the bus drains", || async {
            self.get("/admin/backlog").await.body["backlog"] == 0
        })
        .await;
    }

    /// Asserts that `/<system>/openapi.json` documents each of `routes` (`(path, method)`, the
    /// path with the system's prefix) and exactly as many operations as the system has public
    /// routes: internal functions stay out of it.
    pub async fn assert_openapi_documents(&self, system: &str, routes: &[(&str, &str)]) {
        let doc = self.get(&format!("/{system}/openapi.json")).await;
        assert_eq!(doc.status, 200, "{:?}", doc.body);
        let paths = doc.body["paths"].as_object().unwrap();
        for (path, method) in routes {
            assert!(paths[*path][*method].is_object(), "{method} {path} missing");
        }
        let functions = self.get("/admin/functions").await.body;
        let public_routes: usize = functions
            .as_array()
            .unwrap()
            .iter()
            .filter(|f| f["internal"] == false)
            .filter(|f| {
                f["name"]
                    .as_str()
                    .is_some_and(|n| n.starts_with(&format!("{system}-")))
            })
            .map(|f| f["routes"].as_array().map_or(0, Vec::len))
            .sum();
        let documented: usize = paths.values().map(|p| p.as_object().unwrap().len()).sum();
        assert_eq!(
            documented, public_routes,
            "every public route and only those"
        );
    }

    pub async fn stop(&mut self) {
        if let Some(g) = self.gateway.take() {
            g.stop().await;
        }
    }
}

#[derive(Debug)]
pub struct Reply {
    pub status: u16,
    pub content_type: String,
    pub location: Option<String>,
    pub retry_after: Option<String>,
    pub body: Value,
    pub elapsed: Duration,
}

impl Reply {
    /// Asserts an RFC 9457 problem with this status.
    pub fn assert_problem(&self, status: u16) {
        assert_eq!(self.status, status, "{:?}", self.body);
        assert_eq!(
            self.content_type, "application/problem+json",
            "{:?}",
            self.body
        );
        assert_eq!(self.body["status"], status);
        assert!(
            self.body["title"].is_string() && self.body["detail"].is_string(),
            "{:?}",
            self.body
        );
    }
}

/// Polls `check` until it holds, for up to 10 s.
pub async fn eventually<F, Fut>(what: &str, mut check: F)
where
    F: FnMut() -> Fut,
    Fut: Future<Output = bool>,
{
    for _ in 0..400 {
        if check().await {
            return;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    panic!("timed out waiting until {what}");
}
