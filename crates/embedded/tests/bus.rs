//! The in-process bus keeps the guarantees of the AWS path: every subscriber gets every event,
//! in order per aggregate, retried, dead-lettered, redriven, and delivered after a restart.
#![allow(clippy::unwrap_used)]

use std::{
    path::Path,
    sync::{Arc, Mutex},
    time::Duration,
};

use embedded::{
    bus::{Bus, BusConfig, Subscriber},
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

const SOURCE: &str = "test/source";

type Seen = Arc<Mutex<Vec<Envelope>>>;

/// A handler that records what it got and fails while `fail(event, attempt)` says so.
fn handler(
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

struct Rig {
    store: Arc<SqliteStore>,
    bus: Arc<Bus>,
    switches: Arc<Switchboard>,
    stop: watch::Sender<bool>,
}

impl Drop for Rig {
    fn drop(&mut self) {
        let _ = self.stop.send(true);
    }
}

fn fast() -> BusConfig {
    BusConfig {
        max_attempts: 3,
        first_retry: Duration::from_millis(5),
        max_retry: Duration::from_millis(20),
        concurrency: 4,
        handler_timeout: Duration::from_secs(2),
    }
}

fn rig(dir: &Path, subs: Vec<(&str, Vec<&str>, EventInvoke)>) -> Rig {
    let store =
        Arc::new(SqliteStore::open(SOURCE, &dir.join("source.db"), Durability::Process).unwrap());
    let switches = Arc::new(Switchboard::new(subs.iter().map(|(name, _, _)| *name)));
    let mut bus = Bus::open(
        &dir.join("bus.db"),
        Durability::Process,
        fast(),
        switches.clone(),
    )
    .unwrap();
    bus.add_source(store.clone());
    for (name, types, invoke) in subs {
        bus.subscribe(Subscriber {
            function: name.into(),
            source: SOURCE.into(),
            types: types.into_iter().map(String::from).collect(),
            invoke,
        });
    }
    let bus = Arc::new(bus);
    let (stop, shutdown) = watch::channel(false);
    bus.start(shutdown);
    Rig {
        store,
        bus,
        switches,
        stop,
    }
}

async fn record(store: &SqliteStore, aggregate: &str, n: u32) -> Envelope {
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

async fn until(what: &str, mut ok: impl FnMut() -> bool) {
    for _ in 0..500 {
        if ok() {
            return;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    panic!("timed out waiting until {what}");
}

fn ids(seen: &Seen) -> Vec<String> {
    seen.lock()
        .unwrap()
        .iter()
        .map(|e| e.event_id.clone())
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_subscriber_gets_every_event_in_order_per_aggregate() {
    let dir = tempfile::tempdir().unwrap();
    let (a, b): (Seen, Seen) = Default::default();
    let r = rig(
        dir.path(),
        vec![
            ("a", vec!["Happened"], handler(a.clone(), |_, _| false)),
            ("b", vec!["Happened"], handler(b.clone(), |_, _| false)),
        ],
    );
    let mut recorded = Vec::new();
    for n in 0..60 {
        recorded.push(record(&r.store, &format!("agg-{}", n % 3), n).await);
    }
    until("both got all 60", || {
        a.lock().unwrap().len() == 60 && b.lock().unwrap().len() == 60
    })
    .await;
    for seen in [&a, &b] {
        for agg in ["agg-0", "agg-1", "agg-2"] {
            let got: Vec<u64> = seen
                .lock()
                .unwrap()
                .iter()
                .filter(|e| e.aggregate_id == agg)
                .map(|e| e.version)
                .collect();
            let want: Vec<u64> = recorded
                .iter()
                .filter(|e| e.aggregate_id == agg)
                .map(|e| e.version)
                .collect();
            assert_eq!(got, want, "{agg} in recorded order");
        }
    }
    assert_eq!(r.bus.backlog().await.unwrap(), 0);
}

#[tokio::test]
async fn a_subscriber_gets_only_the_types_it_subscribed_to() {
    let dir = tempfile::tempdir().unwrap();
    let seen: Seen = Default::default();
    let r = rig(
        dir.path(),
        vec![(
            "picky",
            vec!["SomethingElse"],
            handler(seen.clone(), |_, _| false),
        )],
    );
    record(&r.store, "x", 1).await;
    until("the bus is drained", || true).await;
    tokio::time::sleep(Duration::from_millis(100)).await;
    assert!(seen.lock().unwrap().is_empty());
    assert_eq!(r.bus.backlog().await.unwrap(), 0);
}

#[tokio::test]
async fn a_failure_is_retried_and_a_later_event_of_the_aggregate_waits_for_it() {
    let dir = tempfile::tempdir().unwrap();
    let seen: Seen = Default::default();
    // The first event fails twice, then succeeds.
    let r = rig(
        dir.path(),
        vec![(
            "h",
            vec!["Happened"],
            handler(seen.clone(), |e, attempt| e.version == 1 && attempt < 2),
        )],
    );
    let first = record(&r.store, "agg", 1).await;
    let second = record(&r.store, "agg", 2).await;
    until("both delivered", || ids(&seen).contains(&second.event_id)).await;
    assert_eq!(
        ids(&seen),
        vec![
            first.event_id.clone(),
            first.event_id.clone(),
            first.event_id,
            second.event_id
        ]
    );
    let stats = &r.bus.stats().await.unwrap()[0];
    assert_eq!((stats.delivered, stats.retries, stats.pending), (2, 2, 0));
}

#[tokio::test]
async fn a_poison_event_becomes_a_dead_letter_and_redrive_delivers_it() {
    let dir = tempfile::tempdir().unwrap();
    let seen: Seen = Default::default();
    let healed = Arc::new(Mutex::new(false));
    let h = healed.clone();
    let r = rig(
        dir.path(),
        vec![(
            "h",
            vec!["Happened"],
            handler(seen.clone(), move |_, _| !*h.lock().unwrap()),
        )],
    );
    let poison = record(&r.store, "agg", 1).await;
    let next = record(&r.store, "agg", 2).await;
    until("both dead", || seen.lock().unwrap().len() == 6).await;
    until("listed", || true).await;
    tokio::time::sleep(Duration::from_millis(50)).await;
    let dead = r.bus.dead_letters().await.unwrap();
    assert_eq!(
        dead.iter()
            .map(|d| d.event.event_id.clone())
            .collect::<Vec<_>>(),
        vec![poison.event_id.clone(), next.event_id.clone()]
    );
    assert!(dead.iter().all(|d| d.attempts == 3
        && d.function == "h"
        && d.last_error.as_deref() == Some("internal error")));

    *healed.lock().unwrap() = true;
    assert_eq!(r.bus.redrive(Some(dead[0].id)).await.unwrap(), 1);
    until("redriven", || seen.lock().unwrap().len() == 7).await;
    assert_eq!(r.bus.dead_letters().await.unwrap().len(), 1);
    assert_eq!(r.bus.redrive(None).await.unwrap(), 1);
    until("all redriven", || seen.lock().unwrap().len() == 8).await;
    let tail: Vec<String> = ids(&seen)[6..].to_vec();
    assert_eq!(tail, vec![poison.event_id, next.event_id]);
    assert!(r.bus.dead_letters().await.unwrap().is_empty());
}

#[tokio::test]
async fn a_down_handler_lets_its_queue_grow_and_drains_it_when_back() {
    let dir = tempfile::tempdir().unwrap();
    let seen: Seen = Default::default();
    let r = rig(
        dir.path(),
        vec![("h", vec!["Happened"], handler(seen.clone(), |_, _| false))],
    );
    r.switches.set("h", false).unwrap();
    for n in 1..=5 {
        record(&r.store, "agg", n).await;
    }
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert!(seen.lock().unwrap().is_empty());
    assert_eq!(r.bus.stats().await.unwrap()[0].pending, 5);
    r.switches.set("h", true).unwrap();
    until("drained", || seen.lock().unwrap().len() == 5).await;
}

#[tokio::test]
async fn events_recorded_before_a_stop_are_delivered_after_a_restart() {
    let dir = tempfile::tempdir().unwrap();
    let seen: Seen = Default::default();
    let first = {
        let r = rig(
            dir.path(),
            vec![("h", vec!["Happened"], handler(seen.clone(), |_, _| false))],
        );
        r.switches.set("h", false).unwrap();
        let e = record(&r.store, "agg", 1).await;
        // Stopped before any delivery.
        e
    };
    tokio::time::sleep(Duration::from_millis(50)).await;
    // A second event recorded while no bus runs at all.
    {
        let store =
            SqliteStore::open(SOURCE, &dir.path().join("source.db"), Durability::Process).unwrap();
        record(&store, "agg", 2).await;
    }
    let _r = rig(
        dir.path(),
        vec![("h", vec!["Happened"], handler(seen.clone(), |_, _| false))],
    );
    until("both delivered after restart", || {
        seen.lock().unwrap().len() == 2
    })
    .await;
    assert_eq!(seen.lock().unwrap()[0].event_id, first.event_id);
}

#[tokio::test]
async fn a_panicking_handler_fails_the_delivery_not_the_bus() {
    let dir = tempfile::tempdir().unwrap();
    let calls = Arc::new(Mutex::new(0));
    let c = calls.clone();
    let invoke: EventInvoke = Arc::new(move |e: Envelope| {
        let c = c.clone();
        Box::pin(async move {
            *c.lock().unwrap() += 1;
            assert!(e.version != 1, "boom");
            Ok(())
        })
    });
    let r = rig(dir.path(), vec![("h", vec!["Happened"], invoke)]);
    record(&r.store, "agg-1", 1).await;
    record(&r.store, "agg-2", 2).await;
    until("three panics and one success", || {
        *calls.lock().unwrap() == 4
    })
    .await;
    tokio::time::sleep(Duration::from_millis(50)).await;
    assert_eq!(r.bus.dead_letters().await.unwrap().len(), 1);
}

#[tokio::test]
async fn an_event_can_be_delivered_again_as_a_duplicate() {
    let dir = tempfile::tempdir().unwrap();
    let seen: Seen = Default::default();
    let r = rig(
        dir.path(),
        vec![("h", vec!["Happened"], handler(seen.clone(), |_, _| false))],
    );
    let e = record(&r.store, "agg", 1).await;
    until("delivered", || seen.lock().unwrap().len() == 1).await;
    r.bus.deliver_again("h", &e.event_id).await.unwrap();
    until("delivered twice", || seen.lock().unwrap().len() == 2).await;
    assert_eq!(ids(&seen), vec![e.event_id.clone(), e.event_id]);
    assert!(r.bus.deliver_again("nobody", "x").await.is_err());
    assert!(r.bus.deliver_again("h", "no-such-event").await.is_err());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_long_busy_group_does_not_starve_the_others() {
    let dir = tempfile::tempdir().unwrap();
    let release = Arc::new(tokio::sync::Notify::new());
    let fast_seen = Arc::new(Mutex::new(false));
    let (r2, f2) = (release.clone(), fast_seen.clone());
    let invoke: EventInvoke = Arc::new(move |e: Envelope| {
        let (release, fast_seen) = (r2.clone(), f2.clone());
        Box::pin(async move {
            if e.aggregate_id == "slow" {
                release.notified().await;
            } else {
                *fast_seen.lock().unwrap() = true;
            }
            Ok(())
        })
    });
    let r = rig(dir.path(), vec![("h", vec!["Happened"], invoke)]);
    // More messages of one group than the bus looks at in one window, its head stuck in flight.
    for chunk in 0..6 {
        let events: Vec<Envelope> = (1..=100)
            .map(|n| testkit::event(SOURCE, "slow", chunk * 100 + n, n as u32))
            .collect();
        r.store
            .commit(Transaction {
                events,
                ..Transaction::default()
            })
            .await
            .unwrap();
    }
    record(&r.store, "fast", 1).await;
    // Well before the stuck delivery's timeout (2 s) would free its group.
    let delivered = tokio::time::timeout(Duration::from_millis(1000), async {
        while !*fast_seen.lock().unwrap() {
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    })
    .await;
    release.notify_waiters();
    assert!(
        delivered.is_ok(),
        "the other group waited behind the busy one"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_backlog_never_undercounts_while_the_tailer_moves_events() {
    let dir = tempfile::tempdir().unwrap();
    let seen: Seen = Default::default();
    let r = Arc::new(rig(
        dir.path(),
        vec![("h", vec!["Happened"], handler(seen.clone(), |_, _| false))],
    ));
    r.switches.set("h", false).unwrap();
    let recorded = Arc::new(std::sync::atomic::AtomicU64::new(0));
    let (writer, count) = (r.clone(), recorded.clone());
    let recording = tokio::spawn(async move {
        for batch in 0..200u64 {
            let events: Vec<Envelope> = (0..10)
                .map(|n| testkit::event(SOURCE, &format!("a{batch}"), n + 1, n as u32))
                .collect();
            writer
                .store
                .commit(Transaction {
                    events,
                    ..Transaction::default()
                })
                .await
                .unwrap();
            count.fetch_add(10, std::sync::atomic::Ordering::SeqCst);
        }
    });
    while !recording.is_finished() {
        let at_least = recorded.load(std::sync::atomic::Ordering::SeqCst);
        let backlog = r.bus.backlog().await.unwrap();
        assert!(
            backlog >= at_least,
            "backlog {backlog} while {at_least} events wait undelivered"
        );
    }
    recording.await.unwrap();
    assert_eq!(r.bus.backlog().await.unwrap(), 2000);
}
