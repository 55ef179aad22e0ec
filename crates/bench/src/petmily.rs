//! The petmily system's side of the benchmarks: members signed in with their own tokens, each
//! with a pet; an approved sitter; the care requests the load generator writes, the care-status
//! view it reads, and the wait for an asked match to show in that view. Every request carries
//! the caller's access token, as a client's does.

use std::{
    sync::Arc,
    time::{Duration, Instant},
};

use anyhow::Context as _;
use futures::{StreamExt, TryStreamExt, stream};
use serde_json::{Value, json};

use crate::load::{self, Request, Requests};

/// Where petmily's API is mounted on the gateway.
const API: &str = "/petmily/api/v1";
const PASSWORD: &str = "bench password 1234";
/// Sign-ups and sign-ins in flight while setting up: each hashes a password (argon2id), which
/// the gateway does a few at a time.
const SETUP_CONCURRENCY: usize = 4;
const SITTER: &str = "bsitter";

/// A member signed in, with the pet their care requests are for.
#[derive(Clone, Debug)]
pub struct Member {
    pub id: String,
    pub token: String,
    pub pet: String,
}

/// A JSON client of petmily's API that signs each request with a token.
#[derive(Clone)]
pub struct Client {
    http: reqwest::Client,
    base: String,
}

impl Client {
    /// A client of the gateway at `base` (`http://127.0.0.1:PORT`).
    pub fn new(base: &str) -> anyhow::Result<Self> {
        let http = reqwest::Client::builder()
            .timeout(Duration::from_secs(30))
            .build()
            .context("building the HTTP client")?;
        Ok(Self {
            http,
            base: format!("{base}{API}"),
        })
    }

    async fn send(
        &self,
        method: reqwest::Method,
        path: &str,
        token: Option<&str>,
        body: Option<&Value>,
    ) -> anyhow::Result<Value> {
        let mut request = self
            .http
            .request(method.clone(), format!("{}{path}", self.base));
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        if let Some(body) = body {
            request = request.json(body);
        }
        let response = request.send().await?;
        let status = response.status();
        let text = response.text().await?;
        anyhow::ensure!(
            status.is_success(),
            "{method} {API}{path} answered {status}: {text}"
        );
        Ok(serde_json::from_str(&text).unwrap_or(Value::String(text)))
    }

    pub async fn get(&self, path: &str, token: &str) -> anyhow::Result<Value> {
        self.send(reqwest::Method::GET, path, Some(token), None)
            .await
    }

    pub async fn post(
        &self,
        path: &str,
        token: Option<&str>,
        body: &Value,
    ) -> anyhow::Result<Value> {
        self.send(reqwest::Method::POST, path, token, Some(body))
            .await
    }

    /// Signs `login_id` up (address in Mapo, where the bench sitter serves) and in; returns the
    /// access token.
    pub async fn sign_up(&self, login_id: &str) -> anyhow::Result<String> {
        let account = json!({
            "loginId": login_id,
            "password": PASSWORD,
            "name": "Bench",
            "address": "Seoul Mapo-gu",
        });
        self.post("/user/create", None, &account).await?;
        self.sign_in(login_id, PASSWORD).await
    }

    pub async fn sign_in(&self, login_id: &str, password: &str) -> anyhow::Result<String> {
        let login = json!({ "loginId": login_id, "password": password });
        let tokens = self.post("/user/login", None, &login).await?;
        string(&tokens, "accessToken")
    }

    /// Signs up the bench sitter and has the admin (the gateway's first admin) approve them;
    /// returns the sitter's id.
    pub async fn approved_sitter(&self) -> anyhow::Result<String> {
        let token = self.sign_up(SITTER).await?;
        let application =
            json!({ "intro": "I walk dogs", "address": "Seoul Mapo-gu", "experience": 3 });
        self.post("/user/sitter/apply", Some(&token), &application)
            .await?;
        let admin = self.sign_in("admin", "admin").await?;
        self.send(
            reqwest::Method::PUT,
            &format!("/sitter/update/{SITTER}"),
            Some(&admin),
            Some(&json!({ "decision": "APPROVED" })),
        )
        .await?;
        Ok(SITTER.to_owned())
    }

    /// Signs up `count` members, each registering one pet.
    pub async fn members(&self, count: u64) -> anyhow::Result<Vec<Member>> {
        stream::iter(0..count)
            .map(|i| async move {
                let id = member(i);
                let token = self.sign_up(&id).await?;
                let pet = json!({ "name": "Bori", "species": "dog", "age": 3 });
                let pet = string(&self.post("/pet", Some(&token), &pet).await?, "id")?;
                Ok::<_, anyhow::Error>(Member { id, token, pet })
            })
            .buffered(SETUP_CONCURRENCY)
            .try_collect()
            .await
    }

    /// The member writes a care request for their pet and asks `sitter` to take it; returns the
    /// match's id.
    pub async fn ask(&self, member: &Member, sitter: &str) -> anyhow::Result<String> {
        let application = self
            .post(
                "/match/application",
                Some(&member.token),
                &care_request(&member.pet),
            )
            .await?;
        let asked = json!({ "applicationId": string(&application, "id")?, "sitterId": sitter });
        string(
            &self.post("/match", Some(&member.token), &asked).await?,
            "id",
        )
    }

    /// Asks `sitter` for a new care request of `member`, then polls the member's care-status
    /// view until the match shows REQUESTED; `None` if not within `timeout`.
    pub async fn ask_until_viewed(
        &self,
        member: &Member,
        sitter: &str,
        poll: Duration,
        timeout: Duration,
    ) -> anyhow::Result<Option<Duration>> {
        let matched = self.ask(member, sitter).await?;
        let answered = Instant::now();
        let path = format!("/match/status?memberId={}&limit=500", member.id);
        while answered.elapsed() < timeout {
            let page = self.get(&path, &member.token).await?;
            let shown = page["items"].as_array().is_some_and(|rows| {
                rows.iter()
                    .any(|r| r["id"] == matched.as_str() && r["status"] == "REQUESTED")
            });
            if shown {
                return Ok(Some(answered.elapsed()));
            }
            tokio::time::sleep(poll).await;
        }
        Ok(None)
    }
}

/// The name of the `i`th bench member.
pub fn member(i: u64) -> String {
    format!("bmember{i:05}")
}

fn care_request(pet: &str) -> Value {
    json!({ "petId": pet, "startDate": "2030-12-24", "endDate": "2030-12-26" })
}

fn string(resource: &Value, field: &str) -> anyhow::Result<String> {
    resource[field]
        .as_str()
        .map(str::to_owned)
        .with_context(|| format!("no `{field}` in {resource}"))
}

fn with_token(mut request: Request, token: &str) -> Request {
    if let Ok(v) = http::HeaderValue::from_str(&format!("Bearer {token}")) {
        request.headers_mut().insert(http::header::AUTHORIZATION, v);
    }
    request
}

/// `GET /petmily/api/v1/match/status?memberId=`: one of `members`' care-status views per turn,
/// read with that member's token.
pub fn care_status_query(host: String, members: Arc<Vec<Member>>) -> Requests {
    Arc::new(move |turn| {
        let m = &members[turn.spread(members.len() as u64) as usize];
        let path = format!("{API}/match/status?memberId={}", m.id);
        with_token(load::get(&host, &path), &m.token)
    })
}

/// `POST /petmily/api/v1/match/application`: a care request for the worker's member's pet (match
/// reads the pet synchronously from pet's internal function, then records the request).
pub fn care_request_command(host: String, members: Arc<Vec<Member>>) -> Requests {
    Arc::new(move |turn| {
        let m = &members[turn.worker % members.len().max(1)];
        let path = format!("{API}/match/application");
        with_token(
            load::post_json(&host, &path, &care_request(&m.pet)),
            &m.token,
        )
    })
}
