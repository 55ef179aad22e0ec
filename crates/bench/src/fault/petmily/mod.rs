//! petmily's fault run: members register pets and write care requests, ask sitters; sitters
//! accept, write the diary; members end the care and rate the sitter; everyone reads the match,
//! the diary and the care status. Every request carries its person's access token. Afterwards
//! every match, application, care-status row, diary and sitter rating is checked against what
//! the clients were told (`invariants`).

mod invariants;

use std::{
    collections::{BTreeMap, BTreeSet},
    sync::{Mutex, MutexGuard, PoisonError},
    time::{Duration, Instant},
};

use anyhow::Context as _;
use async_trait::async_trait;
use rand::{Rng, SeedableRng, rngs::StdRng, seq::IndexedRandom};
use serde_json::{Value, json};

use super::{Check, DRAIN_TIMEOUT, REQUEST_TIMEOUT, Scenario, bus_check};
use crate::{api::Reply, gateway::GatewayProcess};

/// Approved sitters the members ask.
const SITTERS: usize = 4;
/// Members per client.
const MEMBERS_PER_CLIENT: usize = 2;
const PASSWORD: &str = "fault-run password";
/// Pause after a request that got no answer (the gateway is being restarted).
const BACK_OFF: Duration = Duration::from_millis(25);
const P: &str = "/petmily/api/v1";

pub use crate::fault::outcome::Outcome;

/// What the clients asked for and were told.
#[derive(Clone, Debug, Default)]
pub struct Ledger {
    /// Per kind of request: done, refused, unavailable, server errors, lost.
    pub tallies: BTreeMap<&'static str, [u64; 5]>,
    pub server_errors: Vec<String>,
    /// Every member and sitter login id, with the member's password the same for all.
    pub members: BTreeSet<String>,
    pub sitters: Vec<String>,
    /// Matches created (201): id → (member, sitter).
    pub matches: BTreeMap<String, (String, String)>,
    /// Matches whose accept was answered 200.
    pub started: BTreeSet<String>,
    /// Matches whose end was answered 200.
    pub ended: BTreeSet<String>,
    /// Diary entries answered 201: entry id → match id.
    pub entries: BTreeMap<String, String>,
    /// Sitter ratings answered 201: match id → (sitter, score); and those with no answer.
    pub ratings: BTreeMap<String, (String, u32)>,
    pub ratings_lost: BTreeMap<String, (String, u32)>,
}

impl Ledger {
    fn record(&mut self, kind: &'static str, what: &str, outcome: &Outcome) {
        let t = self.tallies.entry(kind).or_default();
        let i = match outcome {
            Outcome::Done(_) => 0,
            Outcome::Refused(_) => 1,
            Outcome::Unavailable => 2,
            Outcome::ServerError(..) => 3,
            Outcome::Lost => 4,
        };
        t[i] += 1;
        if let Outcome::ServerError(status, body) = outcome {
            self.server_errors.push(format!("{what} → {status} {body}"));
        }
    }
}

/// A person's HTTP client: every request with their access token.
#[derive(Clone)]
struct Person {
    http: reqwest::Client,
    base: String,
    login: String,
    token: String,
}

async fn send(request: reqwest::RequestBuilder) -> reqwest::Result<Reply> {
    let response = request.send().await?;
    let status = response.status().as_u16();
    let text = response.text().await?;
    let body = serde_json::from_str(&text).unwrap_or(Value::String(text));
    Ok(Reply { status, body })
}

impl Person {
    async fn call(&self, method: reqwest::Method, path: &str, body: Option<&Value>) -> Outcome {
        let mut req = self
            .http
            .request(method, format!("{}{P}{path}", self.base))
            .bearer_auth(&self.token);
        if let Some(b) = body {
            req = req.json(b);
        }
        Outcome::of(send(req).await)
    }

    async fn get(&self, path: &str) -> Outcome {
        self.call(reqwest::Method::GET, path, None).await
    }

    async fn post(&self, path: &str, body: &Value) -> Outcome {
        self.call(reqwest::Method::POST, path, Some(body)).await
    }
}

/// Signs `login` up (a 409 means it exists already) and in, retrying through restarts.
async fn person(base: &str, login: &str, password: &str, sign_up: bool) -> anyhow::Result<Person> {
    let http = reqwest::Client::builder()
        .timeout(REQUEST_TIMEOUT)
        .build()?;
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        anyhow::ensure!(Instant::now() < deadline, "{login} could not sign in");
        if sign_up {
            let body = json!({ "loginId": login, "password": password, "name": login, "address": "Seoul Mapo-gu" });
            match send(http.post(format!("{base}{P}/user/create")).json(&body)).await {
                Ok(r) if r.status == 201 || r.status == 409 => {}
                _ => {
                    tokio::time::sleep(BACK_OFF).await;
                    continue;
                }
            }
        }
        let body = json!({ "loginId": login, "password": password });
        match send(http.post(format!("{base}{P}/user/login")).json(&body)).await {
            Ok(r) if r.status == 200 => {
                let token = r.body["accessToken"].as_str().context("no access token")?;
                return Ok(Person {
                    http,
                    base: base.to_owned(),
                    login: login.to_owned(),
                    token: token.to_owned(),
                });
            }
            _ => tokio::time::sleep(BACK_OFF).await,
        }
    }
}

#[derive(Default)]
pub struct PetmilyScenario {
    ledger: Mutex<Ledger>,
}

impl PetmilyScenario {
    pub fn new() -> Self {
        Self::default()
    }

    fn ledger(&self) -> MutexGuard<'_, Ledger> {
        self.ledger.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn note(&self, kind: &'static str, what: &str, outcome: &Outcome) {
        self.ledger().record(kind, what, outcome);
    }
}

fn id_of(outcome: &Outcome) -> Option<String> {
    match outcome {
        Outcome::Done(v) => v["id"].as_str().map(str::to_owned),
        _ => None,
    }
}

/// One member's state in a client.
struct Member {
    me: Person,
    pets: Vec<String>,
    applications: Vec<String>,
    matches: Vec<(String, String)>,
}

#[async_trait]
impl Scenario for PetmilyScenario {
    fn settings(&self) -> BTreeMap<String, String> {
        BTreeMap::new()
    }

    async fn prepare(&self, api: &crate::api::Api) -> anyhow::Result<()> {
        let admin = person(api.base(), "admin", "admin", false).await?;
        for s in 0..SITTERS {
            let login = format!("sitter{s}");
            let sitter = person(api.base(), &login, PASSWORD, true).await?;
            let body = json!({ "intro": "fault run", "address": "Seoul Mapo-gu", "experience": 2 });
            let applied = sitter.post("/user/sitter/apply", &body).await;
            anyhow::ensure!(
                matches!(applied, Outcome::Done(_)),
                "{login} could not apply: {applied:?}"
            );
            let decided = admin
                .call(
                    reqwest::Method::PUT,
                    &format!("/sitter/update/{login}"),
                    Some(&json!({ "decision": "APPROVED" })),
                )
                .await;
            anyhow::ensure!(
                matches!(decided, Outcome::Done(_)),
                "{login} not approved: {decided:?}"
            );
            self.ledger().sitters.push(login);
        }
        Ok(())
    }

    async fn client(&self, api: crate::api::Api, client: usize, seed: u64, until: Instant) {
        let mut rng = StdRng::seed_from_u64(seed);
        let mut members = Vec::new();
        for m in 0..MEMBERS_PER_CLIENT {
            let login = format!("c{client}m{m}");
            match person(api.base(), &login, PASSWORD, true).await {
                Ok(me) => {
                    self.ledger().members.insert(login);
                    members.push(Member {
                        me,
                        pets: Vec::new(),
                        applications: Vec::new(),
                        matches: Vec::new(),
                    });
                }
                Err(e) => {
                    self.note("sign up", &format!("{login}: {e}"), &Outcome::Lost);
                }
            }
        }
        let sitter_logins = self.ledger().sitters.clone();
        let mut sitters = Vec::new();
        for login in &sitter_logins {
            if let Ok(s) = person(api.base(), login, PASSWORD, false).await {
                sitters.push(s);
            }
        }
        if members.is_empty() || sitters.is_empty() {
            return;
        }
        while Instant::now() < until {
            let m = rng.random_range(0..members.len());
            let roll = rng.random_range(0..100);
            let outcome = self.step(&mut members[m], &sitters, &mut rng, roll).await;
            if matches!(outcome, Outcome::Lost) {
                tokio::time::sleep(BACK_OFF).await;
            }
        }
    }

    fn workload(&self) -> Vec<String> {
        let l = self.ledger();
        let mut lines: Vec<String> = l
            .tallies
            .iter()
            .map(|(kind, t)| {
                format!(
                    "{kind}: {} done, {} refused (4xx), {} unavailable (503), {} server errors, {} lost (no answer)",
                    t[0], t[1], t[2], t[3], t[4]
                )
            })
            .collect();
        lines.push(format!(
            "{} matches requested, {} care started (200), {} ended (200), {} diary entries, {} sitter ratings (201)",
            l.matches.len(),
            l.started.len(),
            l.ended.len(),
            l.entries.len(),
            l.ratings.len()
        ));
        lines
    }

    async fn settle(&self, gateway: &mut GatewayProcess) -> anyhow::Result<Vec<Check>> {
        let api = crate::api::Api::new(gateway.base(), REQUEST_TIMEOUT)?;
        api.drained(DRAIN_TIMEOUT).await?;
        let bus = bus_check(&api).await?;
        let ledger = self.ledger().clone();
        let base = gateway.base().to_owned();
        let state = invariants::State::read(&base, &ledger, PASSWORD).await?;
        let mut checks = invariants::all(&state, &ledger);
        checks.push(bus);
        gateway.kill()?;
        Ok(checks)
    }
}

impl PetmilyScenario {
    async fn step(
        &self,
        member: &mut Member,
        sitters: &[Person],
        rng: &mut StdRng,
        roll: u32,
    ) -> Outcome {
        let me = member.me.clone();
        match roll {
            0..10 => {
                let body =
                    json!({ "name": "Bori", "species": "dog", "age": rng.random_range(0..15) });
                let outcome = me.post("/pet", &body).await;
                self.note("register pet", "POST /pet", &outcome);
                if let Some(id) = id_of(&outcome) {
                    member.pets.push(id);
                }
                outcome
            }
            10..25 => {
                let Some(pet) = member.pets.choose(rng).cloned() else {
                    return Outcome::Refused(404);
                };
                let body =
                    json!({ "petId": pet, "startDate": "2026-12-24", "endDate": "2026-12-26" });
                let outcome = me.post("/match/application", &body).await;
                self.note("care request", "POST /match/application", &outcome);
                if let Some(id) = id_of(&outcome) {
                    member.applications.push(id);
                }
                outcome
            }
            25..40 => {
                let (Some(app), Some(sitter)) = (
                    member.applications.choose(rng).cloned(),
                    sitters.choose(rng),
                ) else {
                    return Outcome::Refused(404);
                };
                let body = json!({ "applicationId": app, "sitterId": sitter.login });
                let outcome = me.post("/match", &body).await;
                self.note("ask a sitter", "POST /match", &outcome);
                if let Some(id) = id_of(&outcome) {
                    self.ledger()
                        .matches
                        .insert(id.clone(), (me.login.clone(), sitter.login.clone()));
                    member.matches.push((id, sitter.login.clone()));
                }
                outcome
            }
            40..55 => {
                let Some((id, sitter)) = member.matches.choose(rng).cloned() else {
                    return Outcome::Refused(404);
                };
                let Some(s) = sitters.iter().find(|s| s.login == sitter) else {
                    return Outcome::Refused(404);
                };
                let outcome = s.post(&format!("/match/{id}/accept"), &json!({})).await;
                self.note("accept", "POST /match/{id}/accept", &outcome);
                if matches!(outcome, Outcome::Done(_)) {
                    self.ledger().started.insert(id);
                }
                outcome
            }
            55..65 => {
                let Some((id, sitter)) = member.matches.choose(rng).cloned() else {
                    return Outcome::Refused(404);
                };
                let Some(s) = sitters.iter().find(|s| s.login == sitter) else {
                    return Outcome::Refused(404);
                };
                let body = json!({ "matchId": id, "content": "walked and fed" });
                let outcome = s.post("/diary", &body).await;
                self.note("write diary", "POST /diary", &outcome);
                if let Some(entry) = id_of(&outcome) {
                    self.ledger().entries.insert(entry, id);
                }
                outcome
            }
            65..73 => {
                let Some((id, _)) = member.matches.choose(rng).cloned() else {
                    return Outcome::Refused(404);
                };
                let outcome = me.post(&format!("/match/{id}/end"), &json!({})).await;
                self.note("end care", "POST /match/{id}/end", &outcome);
                if matches!(outcome, Outcome::Done(_)) {
                    self.ledger().ended.insert(id);
                }
                outcome
            }
            73..83 => {
                let Some((id, sitter)) = member.matches.choose(rng).cloned() else {
                    return Outcome::Refused(404);
                };
                let score = rng.random_range(1..=5u32);
                let body = json!({ "matchId": id, "score": score });
                let outcome = me.post("/assess/sitter", &body).await;
                self.note("rate sitter", "POST /assess/sitter", &outcome);
                match outcome {
                    Outcome::Done(_) => {
                        self.ledger().ratings.insert(id, (sitter, score));
                    }
                    Outcome::Lost => {
                        self.ledger().ratings_lost.insert(id, (sitter, score));
                    }
                    _ => {}
                }
                outcome
            }
            _ => {
                let path = match member.matches.choose(rng) {
                    Some((id, _)) if rng.random_bool(0.5) => format!("/match/{id}"),
                    _ => "/match/status".to_owned(),
                };
                let outcome = me.get(&path).await;
                self.note("read", "GET /match/...", &outcome);
                outcome
            }
        }
    }
}
