//! The packing system's fault run: customers order and cancel, the admin accepts (payment),
//! packs and rejects, everyone reads the order list; afterwards every order, task, payment and
//! order-list row is checked against the events recorded and the answers the clients got.

mod invariants;

use std::{
    collections::{BTreeMap, BTreeSet},
    sync::{Mutex, MutexGuard, PoisonError},
    time::{Duration, Instant},
};

use async_trait::async_trait;
use kernel::Envelope;
use packing_events::{PACKINGORDER, PAYMENT, PRODUCTPACKING};
use rand::{Rng, SeedableRng, rngs::StdRng, seq::IndexedRandom};
use serde_json::{Value, json};

use super::{Check, DRAIN_TIMEOUT, REQUEST_TIMEOUT, Scenario, bus_check};
use crate::{api::Api, data::DataFolder, gateway::GatewayProcess};

/// Customers each client orders for.
const USERS_PER_CLIENT: usize = 6;
/// Pause after a request that got no answer (the gateway is being restarted).
const BACK_OFF: Duration = Duration::from_millis(25);

pub use crate::fault::outcome::Outcome;
use crate::fault::outcome::Tallies;

/// What the clients asked for and what they were told.
#[derive(Debug, Default)]
pub struct Ledger {
    /// Orders taken (201), with their customer.
    pub ordered: BTreeMap<String, String>,
    /// Orders whose cancellation was answered 200.
    pub cancelled: BTreeSet<String>,
    /// Tasks whose accept was answered 200 (the order was paid then).
    pub accepted: BTreeSet<String>,
    /// Tasks whose pack was answered 200.
    pub packed: BTreeSet<String>,
    /// Tasks whose reject was answered 200.
    pub rejected: BTreeSet<String>,
    /// Accepts repeated after the run, for tasks paid but not READY_TO_PACK (an accept whose
    /// answer was lost, or that timed out while payment went through: the admin accepts again).
    pub accepted_again: usize,
    pub tallies: Tallies,
}

#[derive(Default)]
pub struct PackingScenario {
    ledger: Mutex<Ledger>,
}

impl PackingScenario {
    pub fn new() -> Self {
        Self::default()
    }

    fn ledger(&self) -> MutexGuard<'_, Ledger> {
        self.ledger.lock().unwrap_or_else(PoisonError::into_inner)
    }

    async fn order(
        &self,
        api: &Api,
        rng: &mut StdRng,
        user: &str,
        mine: &mut Vec<String>,
    ) -> Outcome {
        let body = json!({
            "userId": user,
            "productId": "strawberries-500g",
            "productName": "Strawberries 500 g",
            "qty": rng.random_range(1..=5u32),
            "address": "12 Teheran-ro, Seoul",
        });
        let outcome = Outcome::of(api.post("/packing/packingorders", &body).await);
        let mut ledger = self.ledger();
        ledger
            .tallies
            .record("order", "POST /packing/packingorders", &outcome);
        if let Outcome::Done(o) = &outcome
            && let Some(id) = o["id"].as_str()
        {
            ledger.ordered.insert(id.to_owned(), user.to_owned());
            mine.push(id.to_owned());
        }
        outcome
    }

    /// The admin's action on the task of one of this client's orders.
    async fn act(
        &self,
        api: &Api,
        rng: &mut StdRng,
        action: &'static str,
        mine: &[String],
    ) -> Outcome {
        let Some(id) = mine.choose(rng) else {
            return Outcome::Refused(404);
        };
        let path = format!("/packing/productpackings/{id}/{action}");
        let outcome = Outcome::of(api.post(&path, &json!({})).await);
        let mut ledger = self.ledger();
        ledger
            .tallies
            .record(action, &format!("POST {path}"), &outcome);
        if let Outcome::Done(_) = outcome {
            let set = match action {
                "accept" => &mut ledger.accepted,
                "pack" => &mut ledger.packed,
                _ => &mut ledger.rejected,
            };
            set.insert(id.clone());
        }
        outcome
    }

    async fn cancel(&self, api: &Api, rng: &mut StdRng, mine: &[String]) -> Outcome {
        let Some(id) = mine.choose(rng) else {
            return Outcome::Refused(404);
        };
        let path = format!("/packing/packingorders/{id}/cancel");
        let outcome = Outcome::of(api.post(&path, &json!({})).await);
        let mut ledger = self.ledger();
        ledger
            .tallies
            .record("cancel", &format!("POST {path}"), &outcome);
        if let Outcome::Done(_) = outcome {
            ledger.cancelled.insert(id.clone());
        }
        outcome
    }

    async fn read(&self, api: &Api, rng: &mut StdRng, user: &str) -> Outcome {
        let path = if rng.random_bool(0.5) {
            format!("/packing/orderinfos?userId={user}")
        } else {
            "/packing/orderinfos?status=PAID".to_owned()
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
    pub orders: BTreeMap<String, Value>,
    pub tasks: BTreeMap<String, Value>,
    pub payments: BTreeMap<String, Value>,
    pub rows: BTreeMap<String, Value>,
    pub events: Vec<Envelope>,
}

fn by_id(items: Vec<Value>) -> BTreeMap<String, Value> {
    items
        .into_iter()
        .filter_map(|v| Some((v["id"].as_str()?.to_owned(), v)))
        .collect()
}

impl State {
    async fn read_api(api: &Api) -> anyhow::Result<Self> {
        Ok(Self {
            orders: by_id(api.list_all("/packing/packingorders").await?),
            tasks: by_id(api.list_all("/packing/productpackings").await?),
            payments: by_id(api.list_all("/packing/payments").await?),
            rows: by_id(api.list_all("/packing/orderinfos").await?),
            events: Vec::new(),
        })
    }
}

#[async_trait]
impl Scenario for PackingScenario {
    fn settings(&self) -> BTreeMap<String, String> {
        BTreeMap::new()
    }

    async fn prepare(&self, api: &Api) -> anyhow::Result<()> {
        api.get_ok("/packing/orderinfos").await?;
        Ok(())
    }

    async fn client(&self, api: Api, client: usize, seed: u64, until: Instant) {
        let mut rng = StdRng::seed_from_u64(seed);
        let users: Vec<String> = (0..USERS_PER_CLIENT)
            .map(|u| format!("p{client}u{u}"))
            .collect();
        let mut mine = Vec::new();
        while Instant::now() < until {
            let user = users.choose(&mut rng).cloned().unwrap_or_default();
            let outcome = match rng.random_range(0..100) {
                0..35 => self.order(&api, &mut rng, &user, &mut mine).await,
                35..60 => self.act(&api, &mut rng, "accept", &mine).await,
                60..72 => self.act(&api, &mut rng, "pack", &mine).await,
                72..78 => self.act(&api, &mut rng, "reject", &mine).await,
                78..90 => self.cancel(&api, &mut rng, &mine).await,
                _ => self.read(&api, &mut rng, &user).await,
            };
            if matches!(outcome, Outcome::Lost) {
                tokio::time::sleep(BACK_OFF).await;
            }
        }
    }

    fn workload(&self) -> Vec<String> {
        let ledger = self.ledger();
        let mut lines = ledger.tallies.lines("packing");
        lines.push(format!(
            "packing: {} orders taken, {} accepted (200), {} packed, {} rejected, {} cancelled; {} accepts repeated after the run",
            ledger.ordered.len(),
            ledger.accepted.len(),
            ledger.packed.len(),
            ledger.rejected.len(),
            ledger.cancelled.len(),
            ledger.accepted_again
        ));
        lines
    }

    async fn settle(&self, gateway: &mut GatewayProcess) -> anyhow::Result<Vec<Check>> {
        let api = Api::new(gateway.base(), REQUEST_TIMEOUT)?;
        // The admin accepts again what was paid but not marked ready (its answer was lost or
        // timed out while payment went through): what "accept again completes it" is for.
        let state = State::read_api(&api).await?;
        let mut again = 0;
        for (id, task) in &state.tasks {
            let pending = matches!(task["status"].as_str(), Some("WAITING" | "PAYMENT_PENDING"));
            let paid = state
                .payments
                .get(id)
                .is_some_and(|p| p["status"] == "APPROVED");
            if pending && paid {
                let path = format!("/packing/productpackings/{id}/accept");
                api.post_ok_when_available(&path, &json!({}), DRAIN_TIMEOUT)
                    .await?;
                again += 1;
            }
        }
        self.ledger().accepted_again = again;
        api.drained(DRAIN_TIMEOUT).await?;
        let bus = bus_check(&api).await?;
        let mut state = State::read_api(&api).await?;
        gateway.kill()?;
        let folder = DataFolder::open(gateway.data())?;
        for context in [PACKINGORDER, PRODUCTPACKING, PAYMENT] {
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
            .record("order", "POST", &Outcome::Done(json!({})));
        ledger
            .tallies
            .record("order", "POST", &Outcome::Unavailable);
        ledger
            .tallies
            .record("order", "POST", &Outcome::ServerError(500, json!({})));
        assert_eq!(ledger.tallies.done("order"), 1);
        assert_eq!(ledger.tallies.server_errors.len(), 1);
    }
}
