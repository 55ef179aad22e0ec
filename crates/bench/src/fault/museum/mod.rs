//! The museum's fault run: clients register exhibitions, book seats, cancel bookings, delete
//! exhibitions and read their pages; afterwards every seat, booking, entry and MyPage row is
//! checked against the events recorded and the answers the clients got.

mod invariants;
mod ledger;
mod state;

use std::{
    collections::BTreeMap,
    sync::{Mutex, MutexGuard, PoisonError},
    time::{Duration, Instant},
};

use async_trait::async_trait;
use rand::{Rng, SeedableRng, rngs::StdRng, seq::IndexedRandom};
use serde_json::json;

use self::{
    ledger::{Accepted, Ledger, Outcome},
    state::State,
};
use super::{Check, DRAIN_TIMEOUT, REQUEST_TIMEOUT, Scenario, bus_check};
use crate::{api::Api, gateway::GatewayProcess};

/// Exhibitions open for booking when the clients start.
const EXHIBITIONS: usize = 6;
/// Users each client books for.
const USERS_PER_CLIENT: usize = 8;
/// Pause after a request that got no answer (the gateway is being restarted).
const BACK_OFF: Duration = Duration::from_millis(25);
/// museum's timer that gives back seats held by bookings that were never recorded.
const ORPHAN_SWEEP: &str = "museum-museum-release-orphans";

#[derive(Default)]
pub struct MuseumScenario {
    ledger: Mutex<Ledger>,
}

impl MuseumScenario {
    pub fn new() -> Self {
        Self::default()
    }

    fn ledger(&self) -> MutexGuard<'_, Ledger> {
        // A client that panicked while holding it left a ledger that is still whole.
        self.ledger.lock().unwrap_or_else(PoisonError::into_inner)
    }

    async fn register(&self, api: &Api, rng: &mut StdRng) -> Outcome {
        let capacity = rng.random_range(20..=200u32);
        let body = json!({ "hall": "Fault Hall", "date": "2026-12-24", "capacity": capacity });
        let outcome = Outcome::of(api.post("/museum/museums", &body).await);
        let mut ledger = self.ledger();
        ledger.record("register exhibition", "POST /museum/museums", &outcome);
        if let Outcome::Done(m) = &outcome
            && let Some(id) = m["id"].as_str()
        {
            ledger.registered.insert(id.to_owned(), capacity);
            ledger.open.push(id.to_owned());
        }
        outcome
    }

    /// Takes an exhibition off the clients' list (sold out or deleted) and registers another.
    async fn replace(&self, api: &Api, rng: &mut StdRng, museum: &str) {
        self.ledger().open.retain(|m| m != museum);
        self.register(api, rng).await;
    }

    async fn book(
        &self,
        api: &Api,
        rng: &mut StdRng,
        user: &str,
        mine: &mut Vec<String>,
    ) -> Outcome {
        let museum = self.ledger().open.choose(rng).cloned();
        let Some(museum) = museum else {
            return self.register(api, rng).await;
        };
        let seats = rng.random_range(1..=4u32);
        let body = json!({ "museumId": museum, "userId": user, "seats": seats });
        let outcome = Outcome::of(api.post("/museum/books", &body).await);
        self.ledger()
            .record("book", &format!("POST /museum/books {body}"), &outcome);
        match &outcome {
            Outcome::Done(b) => {
                if let Some(id) = b["id"].as_str() {
                    let accepted = Accepted {
                        museum_id: museum,
                        seats,
                    };
                    self.ledger().accepted.insert(id.to_owned(), accepted);
                    mine.push(id.to_owned());
                }
            }
            // No seats left, or the exhibition was deleted.
            Outcome::Refused(409) => self.replace(api, rng, &museum).await,
            _ => {}
        }
        outcome
    }

    async fn cancel(&self, api: &Api, rng: &mut StdRng, mine: &mut Vec<String>) -> Outcome {
        if mine.is_empty() {
            return Outcome::Refused(404);
        }
        let id = mine.swap_remove(rng.random_range(0..mine.len()));
        // Both routes the API offers.
        let (what, reply) = if rng.random_bool(0.5) {
            (
                format!("DELETE /museum/books/{id}"),
                api.delete(&format!("/museum/books/{id}")).await,
            )
        } else {
            let path = format!("/museum/books/{id}/cancel");
            (format!("POST {path}"), api.post(&path, &json!({})).await)
        };
        let outcome = Outcome::of(reply);
        let mut ledger = self.ledger();
        ledger.record("cancel", &what, &outcome);
        match outcome {
            Outcome::Done(_) => {
                ledger.cancelled.insert(id);
            }
            // Its fate is unknown or was not decided: it may be cancelled again later.
            Outcome::Lost | Outcome::Unavailable => mine.push(id),
            _ => {}
        }
        outcome
    }

    async fn delete_exhibition(&self, api: &Api, rng: &mut StdRng) -> Outcome {
        let museum = self.ledger().open.choose(rng).cloned();
        let Some(museum) = museum else {
            return self.register(api, rng).await;
        };
        let path = format!("/museum/museums/{museum}");
        let outcome = Outcome::of(api.delete(&path).await);
        self.ledger()
            .record("delete exhibition", &format!("DELETE {path}"), &outcome);
        match &outcome {
            Outcome::Done(_) => {
                self.ledger().deleted.insert(museum.clone());
                self.replace(api, rng, &museum).await;
            }
            Outcome::Refused(409) => self.replace(api, rng, &museum).await,
            _ => {}
        }
        outcome
    }

    async fn read(&self, api: &Api, rng: &mut StdRng, user: &str, mine: &[String]) -> Outcome {
        let path = match mine.choose(rng) {
            Some(id) if rng.random_bool(0.5) => format!("/museum/books/{id}"),
            _ => format!("/museum/myPages?userId={user}"),
        };
        let outcome = Outcome::of(api.get(&path).await);
        self.ledger()
            .record("read", &format!("GET {path}"), &outcome);
        outcome
    }
}

#[async_trait]
impl Scenario for MuseumScenario {
    fn settings(&self) -> BTreeMap<String, String> {
        // The default hold: seats are released as orphans only long after book gives up.
        BTreeMap::from([("MUSEUM_HOLD_SECONDS".to_owned(), "60".to_owned())])
    }

    async fn prepare(&self, api: &Api) -> anyhow::Result<()> {
        let mut rng = StdRng::seed_from_u64(0);
        for _ in 0..EXHIBITIONS {
            if let Outcome::Done(_) = self.register(api, &mut rng).await {
                continue;
            }
            anyhow::bail!("could not register an exhibition before the run");
        }
        Ok(())
    }

    async fn client(&self, api: Api, client: usize, seed: u64, until: Instant) {
        let mut rng = StdRng::seed_from_u64(seed);
        let users: Vec<String> = (0..USERS_PER_CLIENT)
            .map(|u| format!("c{client}u{u}"))
            .collect();
        let mut mine = Vec::new();
        while Instant::now() < until {
            let user = users.choose(&mut rng).cloned().unwrap_or_default();
            let outcome = match rng.random_range(0..100) {
                0..60 => self.book(&api, &mut rng, &user, &mut mine).await,
                60..82 => self.cancel(&api, &mut rng, &mut mine).await,
                82..84 => self.delete_exhibition(&api, &mut rng).await,
                _ => self.read(&api, &mut rng, &user, &mine).await,
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
            "{} bookings accepted, {} cancelled (200), {} exhibitions registered, {} deleted (200)",
            ledger.accepted.len(),
            ledger.cancelled.len(),
            ledger.registered.len(),
            ledger.deleted.len()
        ));
        lines
    }

    async fn settle(&self, gateway: &mut GatewayProcess) -> anyhow::Result<Vec<Check>> {
        // Every event is delivered: no recorded booking's seats may still be HELD.
        gateway.kill()?;
        let held_before_sweep = state::held_reservations(gateway.data()).await?;
        // Seats held by bookings that were never recorded (the process died in between) go back
        // when the sweep runs; no booking is being made now, so no hold time is needed.
        gateway.set_env("MUSEUM_HOLD_SECONDS", "0");
        gateway.restart().await?;
        let api = Api::new(gateway.base(), REQUEST_TIMEOUT)?;
        api.post_ok(&format!("/admin/functions/{ORPHAN_SWEEP}/run"), &json!({}))
            .await?;
        api.drained(DRAIN_TIMEOUT).await?;
        let bus = bus_check(&api).await?;
        let mut state = State::read_api(&api).await?;
        gateway.kill()?;
        state.read_stores(gateway.data()).await?;
        let mut checks = invariants::all(&state, &self.ledger(), &held_before_sweep);
        checks.push(bus);
        Ok(checks)
    }
}
