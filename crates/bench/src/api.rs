//! A JSON client for a gateway's API, for setting up measurements and reading state back: not
//! the load generator (see `load`), which keeps its own connections to stay out of the numbers.

use std::time::{Duration, Instant};

use anyhow::Context as _;
use serde_json::Value;

/// Largest page every list endpoint serves.
pub const MAX_PAGE: usize = 500;

#[derive(Clone)]
pub struct Api {
    http: reqwest::Client,
    base: String,
}

/// A response: its status and its body, as JSON when it is JSON.
#[derive(Clone, Debug)]
pub struct Reply {
    pub status: u16,
    pub body: Value,
}

impl Reply {
    pub fn is_success(&self) -> bool {
        (200..300).contains(&self.status)
    }
}

impl Api {
    /// A client of the gateway at `base` (`http://127.0.0.1:PORT`) whose requests give up after
    /// `timeout`.
    pub fn new(base: impl Into<String>, timeout: Duration) -> anyhow::Result<Self> {
        let http = reqwest::Client::builder()
            .timeout(timeout)
            .build()
            .context("building the HTTP client")?;
        Ok(Self {
            http,
            base: base.into(),
        })
    }

    pub fn base(&self) -> &str {
        &self.base
    }

    async fn send(&self, request: reqwest::RequestBuilder) -> reqwest::Result<Reply> {
        let response = request.send().await?;
        let status = response.status().as_u16();
        let text = response.text().await?;
        let body = serde_json::from_str(&text).unwrap_or(Value::String(text));
        Ok(Reply { status, body })
    }

    pub async fn get(&self, path: &str) -> reqwest::Result<Reply> {
        self.send(self.http.get(format!("{}{path}", self.base)))
            .await
    }

    pub async fn post(&self, path: &str, body: &Value) -> reqwest::Result<Reply> {
        self.send(self.http.post(format!("{}{path}", self.base)).json(body))
            .await
    }

    pub async fn put(&self, path: &str, body: &Value) -> reqwest::Result<Reply> {
        self.send(self.http.put(format!("{}{path}", self.base)).json(body))
            .await
    }

    pub async fn delete(&self, path: &str) -> reqwest::Result<Reply> {
        self.send(self.http.delete(format!("{}{path}", self.base)))
            .await
    }

    /// The body of a 2xx answer; any other answer is an error that shows it.
    pub async fn get_ok(&self, path: &str) -> anyhow::Result<Value> {
        expect_success("GET", path, self.get(path).await?)
    }

    pub async fn post_ok(&self, path: &str, body: &Value) -> anyhow::Result<Value> {
        expect_success("POST", path, self.post(path, body).await?)
    }

    /// Like `post_ok`, but an answer of 503 (a breaker still open after its dependency came back)
    /// is tried again, as a client told "try later" does, until `patience` has passed.
    pub async fn post_ok_when_available(
        &self,
        path: &str,
        body: &Value,
        patience: Duration,
    ) -> anyhow::Result<Value> {
        let started = Instant::now();
        loop {
            let reply = self.post(path, body).await?;
            if reply.status != 503 || started.elapsed() >= patience {
                return expect_success("POST", path, reply);
            }
            tokio::time::sleep(Duration::from_millis(250)).await;
        }
    }

    /// Every item of a paged list (`{"items": [...], "nextCursor": ...}`), following the cursor.
    pub async fn list_all(&self, path: &str) -> anyhow::Result<Vec<Value>> {
        let joiner = if path.contains('?') { '&' } else { '?' };
        let mut items = Vec::new();
        let mut cursor: Option<String> = None;
        loop {
            let page_path = match &cursor {
                Some(c) => format!("{path}{joiner}limit={MAX_PAGE}&cursor={c}"),
                None => format!("{path}{joiner}limit={MAX_PAGE}"),
            };
            let mut page = self.get_ok(&page_path).await?;
            match page["items"].take() {
                Value::Array(batch) => items.extend(batch),
                other => anyhow::bail!("GET {page_path}: `items` is not a list: {other}"),
            }
            match page["nextCursor"].as_str() {
                Some(next) => cursor = Some(next.to_owned()),
                None => return Ok(items),
            }
        }
    }

    /// Events recorded but not yet delivered to every subscriber.
    pub async fn backlog(&self) -> anyhow::Result<u64> {
        let reply = self.get_ok("/admin/backlog").await?;
        reply["backlog"]
            .as_u64()
            .with_context(|| format!("/admin/backlog answered {reply}"))
    }

    /// Waits until the bus has delivered everything; returns how long that took.
    pub async fn drained(&self, timeout: Duration) -> anyhow::Result<Duration> {
        let started = Instant::now();
        loop {
            match self.backlog().await {
                Ok(0) => return Ok(started.elapsed()),
                Ok(n) if started.elapsed() > timeout => {
                    anyhow::bail!("the bus still holds {n} events after {timeout:?}")
                }
                Err(e) if started.elapsed() > timeout => return Err(e),
                _ => tokio::time::sleep(Duration::from_millis(50)).await,
            }
        }
    }

    /// Whether the gateway answers its health check.
    pub async fn is_healthy(&self) -> bool {
        self.get("/health").await.is_ok_and(|r| r.status == 200)
    }
}

fn expect_success(method: &str, path: &str, reply: Reply) -> anyhow::Result<Value> {
    if reply.is_success() {
        Ok(reply.body)
    } else {
        anyhow::bail!("{method} {path} answered {}: {}", reply.status, reply.body)
    }
}
