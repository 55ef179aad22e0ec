//! The family's fault run: the members of a few families start moves, their devices walk them
//! towards the goal (reporting positions), some change destination or cancel, others read their
//! alarms and the moveview; afterwards every move, alarm and moveview row is checked against
//! the events recorded and the answers the clients got.

mod invariants;
mod ledger;
mod state;

use std::{
    collections::BTreeMap,
    sync::{Mutex, MutexGuard, PoisonError},
    time::{Duration, Instant},
};

use async_trait::async_trait;
use rand::{Rng, SeedableRng, rngs::StdRng, seq::IndexedMutRandom};
use serde_json::json;

use self::{
    ledger::{Ledger, Outcome, Started},
    state::State,
};
use super::{Check, DRAIN_TIMEOUT, REQUEST_TIMEOUT, Scenario, bus_check};
use crate::{api::Api, gateway::GatewayProcess};

/// Families, each with a founder and this many approved members, before the clients start.
const FAMILIES: usize = 4;
const MEMBERS: usize = 3;
/// Pause after a request that got no answer (the gateway is being restarted).
const BACK_OFF: Duration = Duration::from_millis(25);
/// How long setting up the families may take.
const SETUP: Duration = Duration::from_secs(60);

#[derive(Default)]
pub struct FamilyScenario {
    ledger: Mutex<Ledger>,
}

/// A move a client's device is walking: from where it is to the goal, in steps.
#[derive(Clone, Debug)]
struct Walk {
    id: String,
    at: (f64, f64),
    goal: (f64, f64),
}

fn family_name(n: usize) -> String {
    format!("fam{n}")
}

fn member_name(family: usize, m: usize) -> String {
    format!("f{family}m{m}")
}

impl FamilyScenario {
    pub fn new() -> Self {
        Self::default()
    }

    fn ledger(&self) -> MutexGuard<'_, Ledger> {
        self.ledger.lock().unwrap_or_else(PoisonError::into_inner)
    }

    async fn until_ok<F, Fut>(what: &str, mut attempt: F) -> anyhow::Result<serde_json::Value>
    where
        F: FnMut() -> Fut,
        Fut: std::future::Future<Output = anyhow::Result<serde_json::Value>>,
    {
        let started = Instant::now();
        loop {
            match attempt().await {
                Ok(v) => return Ok(v),
                Err(e) if started.elapsed() > SETUP => return Err(e.context(what.to_owned())),
                Err(_) => tokio::time::sleep(Duration::from_millis(50)).await,
            }
        }
    }

    async fn start(
        &self,
        api: &Api,
        rng: &mut StdRng,
        family: usize,
        walks: &mut Vec<Walk>,
    ) -> Outcome {
        let mover = member_name(family, rng.random_range(0..MEMBERS));
        let start = (
            37.45 + rng.random_range(0.0..0.1),
            126.95 + rng.random_range(0.0..0.1),
        );
        let goal = (
            start.0 + rng.random_range(0.02..0.06),
            start.1 + rng.random_range(-0.03..0.03),
        );
        let body = json!({ "customerId": mover, "start": { "lat": start.0, "lon": start.1 }, "goal": { "lat": goal.0, "lon": goal.1 } });
        let outcome = Outcome::of(api.post("/family/moves", &body).await);
        let mut ledger = self.ledger();
        ledger.record(
            "start a move",
            &format!("POST /family/moves {body}"),
            &outcome,
        );
        if let Outcome::Done(m) = &outcome
            && let Some(id) = m["id"].as_str()
        {
            ledger.started.insert(
                id.to_owned(),
                Started {
                    mover,
                    family: family_name(family),
                },
            );
            walks.push(Walk {
                id: id.to_owned(),
                at: start,
                goal,
            });
        }
        outcome
    }

    async fn report(&self, api: &Api, rng: &mut StdRng, walks: &mut Vec<Walk>) -> Outcome {
        if walks.is_empty() {
            return Outcome::Refused(404);
        }
        let i = rng.random_range(0..walks.len());
        let w = &mut walks[i];
        let step: f64 = rng.random_range(0.2..0.6);
        let next = if step >= 0.5 && rng.random_bool(0.5) {
            w.goal
        } else {
            (
                w.at.0 + (w.goal.0 - w.at.0) * step,
                w.at.1 + (w.goal.1 - w.at.1) * step,
            )
        };
        let body = json!({ "moveId": w.id, "lat": next.0, "lon": next.1 });
        let outcome = Outcome::of(api.post("/family/locations", &body).await);
        let mut ledger = self.ledger();
        ledger.record(
            "report a position",
            &format!("POST /family/locations {body}"),
            &outcome,
        );
        match &outcome {
            Outcome::Done(_) => {
                *ledger.reports.entry(w.id.clone()).or_default() += 1;
                w.at = next;
            }
            // Ended or cancelled: the device stops.
            Outcome::Refused(409) => {
                walks.swap_remove(i);
            }
            _ => {}
        }
        outcome
    }

    async fn cancel(&self, api: &Api, rng: &mut StdRng, walks: &mut Vec<Walk>) -> Outcome {
        if walks.is_empty() {
            return Outcome::Refused(404);
        }
        let i = rng.random_range(0..walks.len());
        let path = format!("/family/moves/{}/cancel", walks[i].id);
        let outcome = Outcome::of(api.post(&path, &json!({})).await);
        let mut ledger = self.ledger();
        ledger.record("cancel a move", &format!("POST {path}"), &outcome);
        match &outcome {
            Outcome::Done(_) => {
                ledger.cancelled.insert(walks.swap_remove(i).id);
            }
            Outcome::Refused(409) => {
                walks.swap_remove(i);
            }
            _ => {}
        }
        outcome
    }

    async fn change_goal(&self, api: &Api, rng: &mut StdRng, walks: &mut [Walk]) -> Outcome {
        let Some(w) = walks.choose_mut(rng) else {
            return Outcome::Refused(404);
        };
        let goal = (
            w.goal.0 + rng.random_range(-0.02..0.02),
            w.goal.1 + rng.random_range(-0.02..0.02),
        );
        let path = format!("/family/moves/{}/goal", w.id);
        let body = json!({ "lat": goal.0, "lon": goal.1 });
        let outcome = Outcome::of(api.put(&path, &body).await);
        self.ledger().record(
            "change destination",
            &format!("PUT {path} {body}"),
            &outcome,
        );
        if let Outcome::Done(_) = outcome {
            w.goal = goal;
        }
        outcome
    }

    async fn read(&self, api: &Api, rng: &mut StdRng, family: usize) -> Outcome {
        let path = if rng.random_bool(0.5) {
            format!("/family/moveviews?familyId={}", family_name(family))
        } else {
            format!(
                "/family/alarms?customerId={}",
                member_name(family, rng.random_range(0..MEMBERS))
            )
        };
        let outcome = Outcome::of(api.get(&path).await);
        self.ledger()
            .record("read", &format!("GET {path}"), &outcome);
        outcome
    }
}

#[async_trait]
impl Scenario for FamilyScenario {
    fn settings(&self) -> BTreeMap<String, String> {
        BTreeMap::new()
    }

    /// Registers every family's members, the founder approves the others, and waits until all
    /// are ACTIVE and every event is delivered, so that each gets every alarm from the start.
    async fn prepare(&self, api: &Api) -> anyhow::Result<()> {
        for f in 0..FAMILIES {
            let family = family_name(f);
            for m in 0..MEMBERS {
                let body = json!({ "customerId": member_name(f, m), "name": format!("Member {m} of {family}"), "phone": "010-1234-5678", "familyId": family });
                api.post_ok("/family/customers", &body).await?;
            }
            for m in 1..MEMBERS {
                let path = format!(
                    "/family/families/{family}/members/{}/approve",
                    member_name(f, m)
                );
                let body = json!({ "approverId": member_name(f, 0) });
                Self::until_ok("approving a member", || api.post_ok(&path, &body)).await?;
            }
            for m in 0..MEMBERS {
                let path = format!("/family/customers/{}", member_name(f, m));
                Self::until_ok("a member turning ACTIVE", || async {
                    let c = api.get_ok(&path).await?;
                    anyhow::ensure!(c["status"] == "ACTIVE", "{c}");
                    Ok(c)
                })
                .await?;
            }
            self.ledger()
                .founding_members
                .insert(family, (0..MEMBERS).map(|m| member_name(f, m)).collect());
        }
        api.drained(DRAIN_TIMEOUT).await?;
        Ok(())
    }

    async fn client(&self, api: Api, client: usize, seed: u64, until: Instant) {
        let mut rng = StdRng::seed_from_u64(seed);
        let family = client % FAMILIES;
        let mut walks = Vec::new();
        while Instant::now() < until {
            let outcome = match rng.random_range(0..100) {
                0..25 => self.start(&api, &mut rng, family, &mut walks).await,
                25..70 => self.report(&api, &mut rng, &mut walks).await,
                70..78 => self.cancel(&api, &mut rng, &mut walks).await,
                78..85 => self.change_goal(&api, &mut rng, &mut walks).await,
                _ => self.read(&api, &mut rng, family).await,
            };
            if matches!(outcome, Outcome::Lost) {
                tokio::time::sleep(BACK_OFF).await;
            }
        }
    }

    fn workload(&self) -> Vec<String> {
        let ledger = self.ledger();
        let mut lines = ledger.summary();
        lines.push(format!(
            "{} moves started, {} cancelled (200), {} positions accepted",
            ledger.started.len(),
            ledger.cancelled.len(),
            ledger.reports.values().sum::<u64>()
        ));
        lines
    }

    async fn settle(&self, gateway: &mut GatewayProcess) -> anyhow::Result<Vec<Check>> {
        let api = Api::new(gateway.base(), REQUEST_TIMEOUT)?;
        api.drained(DRAIN_TIMEOUT).await?;
        let bus = bus_check(&api).await?;
        let families: Vec<String> = (0..FAMILIES).map(family_name).collect();
        let mut state = State::read_api(&api, &families).await?;
        gateway.kill()?;
        state.read_stores(gateway.data()).await?;
        let mut checks = invariants::all(&state, &self.ledger());
        checks.push(bus);
        Ok(checks)
    }
}
