//! A source store, a bus and its subscribers on a temporary folder, and waits on what they show.
#![allow(clippy::unwrap_used, dead_code)]

use std::{
    future::Future,
    path::Path,
    sync::{Arc, Mutex},
    time::{Duration, Instant},
};

use embedded::{
    Retention,
    bus::{Bus, BusConfig, Running, Subscriber, SubscriptionStats},
    sqlite::Durability,
    store::SqliteStore,
    switches::Switchboard,
};
use kernel::{
    AppError, Envelope,
    function::EventInvoke,
    store::{Store, Transaction},
};
use tokio::sync::watch;

pub const SOURCE: &str = "test/source";

/// How long `eventually` waits before the test fails.
const PATIENCE: Duration = Duration::from_secs(10);

pub type Seen = Arc<Mutex<Vec<Envelope>>>;

/// A handler that records what it got and fails while `fail(event, attempt)` says so.
pub fn handler(
    seen: Seen,
    fail: impl Fn(&Envelope, usize) -> bool + Send + Sync + 'static,
) -> EventInvoke {
    let fail = Arc::new(fail);
    Arc::new(move |e: Envelope| {
        let (seen, fail) = (seen.clone(), fail.clone());
        Box::pin(async move {
            let attempt = seen
                .lock()
                .unwrap()
                .iter()
                .filter(|s| s.event_id == e.event_id)
                .count();
            seen.lock().unwrap().push(e.clone());
            if fail(&e, attempt) {
                Err(AppError::internal(anyhow::anyhow!("handler failed")))
            } else {
                Ok(())
            }
        })
    })
}

pub fn fast() -> BusConfig {
    BusConfig {
        max_attempts: 3,
        first_retry: Duration::from_millis(5),
        max_retry: Duration::from_millis(20),
        concurrency: 4,
        handler_timeout: Duration::from_secs(2),
    }
}

pub struct Rig {
    pub store: Arc<SqliteStore>,
    pub bus: Arc<Bus>,
    pub switches: Arc<Switchboard>,
    stop: watch::Sender<bool>,
    running: Option<Running>,
}

impl Drop for Rig {
    fn drop(&mut self) {
        let _ = self.stop.send(true);
    }
}

impl Rig {
    /// Stops the bus and waits until none of its tasks runs any more: a clean stop of the process.
    pub async fn stop(mut self) {
        let _ = self.stop.send(true);
        if let Some(running) = self.running.take() {
            running.stopped().await;
        }
    }

    pub async fn stats(&self, function: &str) -> SubscriptionStats {
        self.bus
            .stats()
            .await
            .unwrap()
            .into_iter()
            .find(|s| s.function == function)
            .unwrap()
    }
}

pub type Subs<'a> = Vec<(&'a str, Vec<&'a str>, EventInvoke)>;

pub fn rig(dir: &Path, subs: Subs<'_>) -> Rig {
    rig_with(dir, fast(), Retention::default(), subs)
}

pub fn source(dir: &Path) -> Arc<SqliteStore> {
    Arc::new(SqliteStore::open(SOURCE, &dir.join("source.db"), Durability::Process).unwrap())
}

/// The bus, not started: tailers and workers run once `start` is called.
pub fn bus(
    dir: &Path,
    config: BusConfig,
    retention: Retention,
    subs: Subs<'_>,
) -> (Arc<SqliteStore>, Bus, Arc<Switchboard>) {
    let store = source(dir);
    let switches = Arc::new(Switchboard::new(subs.iter().map(|(name, _, _)| *name)));
    let mut bus = Bus::open(
        &dir.join("bus.db"),
        Durability::Process,
        config,
        switches.clone(),
    )
    .unwrap();
    bus.set_retention(retention).unwrap();
    bus.add_source(store.clone()).unwrap();
    for (name, types, invoke) in subs {
        bus.subscribe(Subscriber {
            function: name.into(),
            source: SOURCE.into(),
            types: types.into_iter().map(String::from).collect(),
            invoke,
        });
    }
    (store, bus, switches)
}

pub fn start(store: Arc<SqliteStore>, bus: Bus, switches: Arc<Switchboard>) -> Rig {
    let bus = Arc::new(bus);
    let (stop, shutdown) = watch::channel(false);
    let running = bus.start(shutdown);
    Rig {
        store,
        bus,
        switches,
        stop,
        running: Some(running),
    }
}

pub fn rig_with(dir: &Path, config: BusConfig, retention: Retention, subs: Subs<'_>) -> Rig {
    let (store, bus, switches) = bus(dir, config, retention, subs);
    start(store, bus, switches)
}

pub async fn record(store: &SqliteStore, aggregate: &str, n: u32) -> Envelope {
    let event = testkit::event(SOURCE, aggregate, u64::from(n), n);
    store
        .commit(Transaction {
            events: vec![event.clone()],
            ..Transaction::default()
        })
        .await
        .unwrap();
    event
}

/// Waits until `ok` holds, checking it again and again; fails the test after `PATIENCE`.
pub async fn eventually<F, Fut>(what: &str, mut ok: F)
where
    F: FnMut() -> Fut,
    Fut: Future<Output = bool>,
{
    let deadline = Instant::now() + PATIENCE;
    while !ok().await {
        assert!(Instant::now() < deadline, "timed out waiting until {what}");
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
}

pub fn ids(seen: &Seen) -> Vec<String> {
    seen.lock()
        .unwrap()
        .iter()
        .map(|e| e.event_id.clone())
        .collect()
}

pub fn count(seen: &Seen) -> usize {
    seen.lock().unwrap().len()
}
