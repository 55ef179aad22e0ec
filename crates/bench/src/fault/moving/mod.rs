//! The moving system's fault run: customers call movers (PACKING or HALF_PACKING, in a region
//! some companies serve or in one none does), cancel their calls, read their calls, their
//! moverinfos rows and their KakaoTalk messages; now and then a new mover company registers.
//! Afterwards the requests of calls that were never recorded (the process killed between
//! movemanage taking the request and movecall recording the call) are withdrawn by the orphan
//! sweep, and every call, request, assignment, company, moverinfos row and message is checked
//! against the events recorded and the answers the clients got (`invariants`).

mod invariants;

use std::{
    collections::{BTreeMap, BTreeSet},
    sync::{Mutex, MutexGuard, PoisonError},
    time::{Duration, Instant},
};

use async_trait::async_trait;
use kernel::{ContextId, Envelope};
use rand::{Rng, SeedableRng, rngs::StdRng, seq::IndexedRandom};
use serde_json::{Value, json};

use super::{Check, DRAIN_TIMEOUT, REQUEST_TIMEOUT, Scenario, bus_check};
use crate::{api::Api, data::DataFolder, gateway::GatewayProcess};

/// The contexts whose events the invariants count (as `moving_events` names them).
const MOVECALL: ContextId = ContextId::new("moving", "movecall");
const MOVEMANAGE: ContextId = ContextId::new("moving", "movemanage");
const MOVEASSIGN: ContextId = ContextId::new("moving", "moveassign");

/// Regions the companies serve; calls are made in these and, now and then, in `UNSERVED`.
const REGIONS: [&str; 4] = ["mapo", "gangnam", "jongno", "songpa"];
/// A region no company serves: every call there fails.
const UNSERVED: &str = "jeju";
const MOVE_TYPES: [&str; 2] = ["PACKING", "HALF_PACKING"];
/// Companies registered before the run.
const COMPANIES: usize = 8;
/// Customers (telephones) each client calls for.
const CUSTOMERS_PER_CLIENT: usize = 4;
/// Pause after a request that got no answer (the gateway is being restarted).
const BACK_OFF: Duration = Duration::from_millis(25);
/// movemanage's timer that withdraws the requests of calls never recorded.
const ORPHAN_SWEEP: &str = "moving-movemanage-withdraw-orphans";

pub use crate::fault::outcome::Outcome;
use crate::fault::outcome::Tallies;

/// What the clients asked for and what they were told.
#[derive(Debug, Default)]
pub struct Ledger {
    /// Calls answered 201: id → the call as sent (tel, location, moveType).
    pub called: BTreeMap<String, Value>,
    /// Calls whose cancellation was answered 202.
    pub cancelled: BTreeSet<String>,
    /// Companies answered 201: id → name.
    pub companies: BTreeMap<String, String>,
    /// Every customer's telephone.
    pub tels: BTreeSet<String>,
    /// Requests movemanage took for calls movecall never recorded (found after the run).
    pub orphans: usize,
    pub tallies: Tallies,
}

fn tel(client: usize, customer: usize) -> String {
    format!("010{client:04}{customer:04}")
}

/// A company serving two neighbouring regions and one or both move types.
fn company_body(name: &str, n: usize) -> Value {
    let regions = [REGIONS[n % REGIONS.len()], REGIONS[(n + 1) % REGIONS.len()]];
    let move_types: &[&str] = match n % 3 {
        0 => &["PACKING"],
        1 => &["HALF_PACKING"],
        _ => &["PACKING", "HALF_PACKING"],
    };
    json!({ "name": name, "tel": format!("02{:08}", n), "regions": regions, "moveTypes": move_types })
}

#[derive(Default)]
pub struct MovingScenario {
    ledger: Mutex<Ledger>,
}

impl MovingScenario {
    pub fn new() -> Self {
        Self::default()
    }

    fn ledger(&self) -> MutexGuard<'_, Ledger> {
        self.ledger.lock().unwrap_or_else(PoisonError::into_inner)
    }

    async fn register(&self, api: &Api, name: &str, n: usize) -> Outcome {
        let path = "/moving/moverassigns/companies";
        let outcome = Outcome::of(api.post(path, &company_body(name, n)).await);
        let mut ledger = self.ledger();
        ledger
            .tallies
            .record("register company", &format!("POST {path}"), &outcome);
        if let Outcome::Done(c) = &outcome
            && let Some(id) = c["id"].as_str()
        {
            ledger.companies.insert(id.to_owned(), name.to_owned());
        }
        outcome
    }

    async fn call(
        &self,
        api: &Api,
        rng: &mut StdRng,
        tel: &str,
        mine: &mut Vec<String>,
    ) -> Outcome {
        let location = if rng.random_bool(0.1) {
            UNSERVED
        } else {
            REGIONS.choose(rng).copied().unwrap_or(UNSERVED)
        };
        let body = json!({
            "tel": tel,
            "location": location,
            "cost": rng.random_range(100_000..=5_000_000u64),
            "moveType": MOVE_TYPES.choose(rng).copied().unwrap_or("PACKING"),
        });
        let outcome = Outcome::of(api.post("/moving/movers", &body).await);
        let mut ledger = self.ledger();
        ledger
            .tallies
            .record("call", "POST /moving/movers", &outcome);
        if let Outcome::Done(c) = &outcome
            && let Some(id) = c["id"].as_str()
        {
            ledger.called.insert(id.to_owned(), body);
            mine.push(id.to_owned());
        }
        outcome
    }

    /// Cancels one of this client's calls not yet known to be over; a 409 (failed, or cancelled
    /// already) takes it off the list too.
    async fn cancel(&self, api: &Api, rng: &mut StdRng, mine: &mut Vec<String>) -> Outcome {
        if mine.is_empty() {
            return Outcome::Refused(404);
        }
        let i = rng.random_range(0..mine.len());
        let id = mine[i].clone();
        let path = format!("/moving/movers/{id}");
        let outcome = Outcome::of(api.delete(&path).await);
        let mut ledger = self.ledger();
        ledger
            .tallies
            .record("cancel", &format!("DELETE {path}"), &outcome);
        match outcome {
            Outcome::Done(_) => {
                ledger.cancelled.insert(id);
                mine.swap_remove(i);
            }
            Outcome::Refused(409) => {
                mine.swap_remove(i);
            }
            _ => {}
        }
        outcome
    }

    async fn read(&self, api: &Api, rng: &mut StdRng, tel: &str, mine: &[String]) -> Outcome {
        let path = match rng.random_range(0..3) {
            0 => match mine.choose(rng) {
                Some(id) => format!("/moving/movers/{id}"),
                None => format!("/moving/movers?tel={tel}"),
            },
            1 => format!("/moving/moverinfos?tel={tel}"),
            _ => format!("/moving/moverinfos/messages?tel={tel}"),
        };
        let outcome = Outcome::of(api.get(&path).await);
        self.ledger()
            .tallies
            .record("read", &format!("GET {path}"), &outcome);
        outcome
    }
}

/// The system's state once the run settled: what its API answers and every event it recorded.
#[derive(Debug, Default)]
pub struct State {
    /// movecall's calls, by id.
    pub calls: BTreeMap<String, Value>,
    /// movemanage's requests, by order (call) id.
    pub requests: BTreeMap<String, Value>,
    /// moveassign's assignments, by order (call) id.
    pub assignments: BTreeMap<String, Value>,
    pub companies: BTreeMap<String, Value>,
    /// The moverinfos rows of every customer, by call id, and how many rows were listed in all.
    pub rows: BTreeMap<String, Value>,
    pub rows_listed: usize,
    /// Every customer's KakaoTalk messages.
    pub messages: Vec<Value>,
    /// Every event movecall, movemanage and moveassign recorded, oldest first per context.
    pub events: Vec<Envelope>,
}

fn by_id(items: Vec<Value>) -> BTreeMap<String, Value> {
    items
        .into_iter()
        .filter_map(|v| Some((v["id"].as_str()?.to_owned(), v)))
        .collect()
}

impl State {
    async fn read_api(api: &Api, tels: &BTreeSet<String>) -> anyhow::Result<Self> {
        let calls = by_id(api.list_all("/moving/movers").await?);
        let mut tels = tels.clone();
        tels.extend(
            calls
                .values()
                .filter_map(|c| c["tel"].as_str().map(str::to_owned)),
        );
        let (mut rows, mut rows_listed, mut messages) = (BTreeMap::new(), 0, Vec::new());
        for tel in &tels {
            let listed = api
                .list_all(&format!("/moving/moverinfos?tel={tel}"))
                .await?;
            rows_listed += listed.len();
            rows.extend(by_id(listed));
            messages.extend(
                api.list_all(&format!("/moving/moverinfos/messages?tel={tel}"))
                    .await?,
            );
        }
        Ok(Self {
            calls,
            requests: by_id(api.list_all("/moving/movermanages").await?),
            assignments: by_id(api.list_all("/moving/moverassigns").await?),
            companies: by_id(api.list_all("/moving/moverassigns/companies").await?),
            rows,
            rows_listed,
            messages,
            events: Vec::new(),
        })
    }
}

/// Runs `path` (an admin action) until it is answered 2xx: a 503 (a breaker still open), or a
/// conflict with the timer running the same sweep at that moment, is tried again.
async fn post_until_done(api: &Api, path: &str) -> anyhow::Result<Value> {
    let mut attempts = 0;
    loop {
        attempts += 1;
        match api
            .post_ok_when_available(path, &json!({}), DRAIN_TIMEOUT)
            .await
        {
            Ok(v) => return Ok(v),
            Err(e) if attempts >= 10 => return Err(e),
            Err(_) => tokio::time::sleep(Duration::from_millis(500)).await,
        }
    }
}

#[async_trait]
impl Scenario for MovingScenario {
    fn settings(&self) -> BTreeMap<String, String> {
        // The default hold: a request is withdrawn as an orphan only long after movecall's
        // deadline for recording its call has passed.
        BTreeMap::from([("MOVEMANAGE_HOLD_SECONDS".to_owned(), "60".to_owned())])
    }

    async fn prepare(&self, api: &Api) -> anyhow::Result<()> {
        for n in 0..COMPANIES {
            let name = format!("Mover {n:02}");
            if let Outcome::Done(_) = self.register(api, &name, n).await {
                continue;
            }
            anyhow::bail!("could not register {name} before the run");
        }
        Ok(())
    }

    async fn client(&self, api: Api, client: usize, seed: u64, until: Instant) {
        let mut rng = StdRng::seed_from_u64(seed);
        let tels: Vec<String> = (0..CUSTOMERS_PER_CLIENT).map(|c| tel(client, c)).collect();
        self.ledger().tels.extend(tels.iter().cloned());
        let mut mine = Vec::new();
        let mut registered = 0;
        while Instant::now() < until {
            let tel = tels.choose(&mut rng).cloned().unwrap_or_default();
            let outcome = match rng.random_range(0..100) {
                0..35 => self.call(&api, &mut rng, &tel, &mut mine).await,
                35..60 => self.cancel(&api, &mut rng, &mut mine).await,
                60..63 => {
                    registered += 1;
                    let name = format!("Mover c{client}-{registered}");
                    let n = rng.random_range(0..12);
                    self.register(&api, &name, n).await
                }
                _ => self.read(&api, &mut rng, &tel, &mine).await,
            };
            if matches!(outcome, Outcome::Lost) {
                tokio::time::sleep(BACK_OFF).await;
            }
        }
    }

    fn workload(&self) -> Vec<String> {
        let ledger = self.ledger();
        let mut lines = ledger.tallies.lines("moving");
        lines.push(format!(
            "moving: {} calls taken (201), {} cancelled (202), {} companies registered; {} requests taken for calls never recorded (orphans, withdrawn)",
            ledger.called.len(),
            ledger.cancelled.len(),
            ledger.companies.len(),
            ledger.orphans
        ));
        lines
    }

    async fn settle(&self, gateway: &mut GatewayProcess) -> anyhow::Result<Vec<Check>> {
        // Requests movemanage took for calls movecall never recorded hold their companies until
        // the sweep withdraws them; no call is being made now, so no hold time is needed.
        gateway.kill()?;
        gateway.set_env("MOVEMANAGE_HOLD_SECONDS", "0");
        gateway.restart().await?;
        let api = Api::new(gateway.base(), REQUEST_TIMEOUT)?;
        api.drained(DRAIN_TIMEOUT).await?;
        let before = State::read_api(&api, &BTreeSet::new()).await?;
        self.ledger().orphans = before
            .requests
            .keys()
            .filter(|id| !before.calls.contains_key(*id))
            .count();
        post_until_done(&api, &format!("/admin/functions/{ORPHAN_SWEEP}/run")).await?;
        api.drained(DRAIN_TIMEOUT).await?;
        let bus = bus_check(&api).await?;
        let tels = self.ledger().tels.clone();
        let mut state = State::read_api(&api, &tels).await?;
        gateway.kill()?;
        let folder = DataFolder::open(gateway.data())?;
        for context in [MOVECALL, MOVEMANAGE, MOVEASSIGN] {
            state.events.extend(folder.events(context).await?);
        }
        let mut checks = invariants::all(&state, &self.ledger());
        checks.push(bus);
        Ok(checks)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_ledger_counts_what_was_done_by_kind() {
        let mut ledger = Ledger::default();
        ledger
            .tallies
            .record("call", "POST", &Outcome::Done(json!({})));
        ledger.tallies.record("call", "POST", &Outcome::Unavailable);
        ledger
            .tallies
            .record("call", "POST", &Outcome::ServerError(500, json!({})));
        assert_eq!(ledger.tallies.done("call"), 1);
        assert_eq!(ledger.tallies.server_errors.len(), 1);
    }

    #[test]
    fn customers_telephones_are_valid_and_distinct() {
        let tels: BTreeSet<String> = (0..24)
            .flat_map(|c| (0..CUSTOMERS_PER_CLIENT).map(move |u| tel(c, u)))
            .collect();
        assert_eq!(tels.len(), 24 * CUSTOMERS_PER_CLIENT);
        assert!(
            tels.iter()
                .all(|t| t.len() == 11 && t.bytes().all(|b| b.is_ascii_digit()))
        );
    }
}
