//! The in-process bus keeps the guarantees of the AWS path: every subscriber gets every event,
//! in order per aggregate, retried, dead-lettered, redriven, and delivered after a restart.
//! Every wait is on state the bus or the handlers show, never on time.
#![allow(clippy::unwrap_used)]

mod rig;

use std::{
    collections::HashSet,
    sync::{Arc, Mutex},
};

use embedded::{Retention, bus::BusError};
use kernel::{
    Envelope,
    function::EventInvoke,
    store::{Store, Transaction},
};
use rig::{Seen, count, eventually, handler, ids, record, rig, rig_with};

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
    eventually("both delivered all 60", || async {
        r.stats("a").await.delivered == 60 && r.stats("b").await.delivered == 60
    })
    .await;
    assert_eq!(r.bus.backlog().await.unwrap(), 0);
    for seen in [&a, &b] {
        assert_eq!(count(seen), 60, "each event once");
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
}

/// Handlers that hold every delivery until released, and what runs at once.
#[derive(Clone, Default)]
struct Gate {
    running: Arc<Mutex<Vec<String>>>,
    most_at_once: Arc<Mutex<usize>>,
    two_of_one_aggregate: Arc<Mutex<bool>>,
    opened: Arc<std::sync::atomic::AtomicBool>,
    open: Arc<tokio::sync::Notify>,
    done: Arc<Mutex<Vec<(String, u64)>>>,
}

impl Gate {
    fn invoke(&self) -> EventInvoke {
        let gate = self.clone();
        Arc::new(move |e: Envelope| {
            let gate = gate.clone();
            Box::pin(async move {
                {
                    let mut running = gate.running.lock().unwrap();
                    if running.contains(&e.aggregate_id) {
                        *gate.two_of_one_aggregate.lock().unwrap() = true;
                    }
                    running.push(e.aggregate_id.clone());
                    let mut most = gate.most_at_once.lock().unwrap();
                    *most = (*most).max(running.len());
                }
                let opened = gate.open.notified();
                if !gate.is_open() {
                    opened.await;
                }
                gate.running
                    .lock()
                    .unwrap()
                    .retain(|a| *a != e.aggregate_id);
                gate.done.lock().unwrap().push((e.aggregate_id, e.version));
                Ok(())
            })
        })
    }

    fn is_open(&self) -> bool {
        self.opened.load(std::sync::atomic::Ordering::SeqCst)
    }

    /// Lets every held delivery finish, and every later one through.
    fn release(&self) {
        self.opened.store(true, std::sync::atomic::Ordering::SeqCst);
        self.open.notify_waiters();
    }

    fn running(&self) -> usize {
        self.running.lock().unwrap().len()
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn aggregates_are_delivered_side_by_side_up_to_the_concurrency_and_each_in_order() {
    let dir = tempfile::tempdir().unwrap();
    let gate = Gate::default();
    // `fast()` lets a subscription work on 4 groups at once.
    let r = rig(dir.path(), vec![("h", vec!["Happened"], gate.invoke())]);
    for n in 1..=3 {
        for agg in ["a", "b", "c", "d", "e", "f"] {
            record(&r.store, agg, n).await;
        }
    }
    eventually("four held at once, every row still queued", || async {
        gate.running() == 4 && r.stats("h").await.pending == 18
    })
    .await;
    assert_eq!(*gate.most_at_once.lock().unwrap(), 4, "no more than four");
    gate.release();
    eventually("all 18 delivered", || async {
        r.stats("h").await.delivered == 18
    })
    .await;
    assert!(
        !*gate.two_of_one_aggregate.lock().unwrap(),
        "two events of one aggregate ran at once"
    );
    let done = gate.done.lock().unwrap().clone();
    for agg in ["a", "b", "c", "d", "e", "f"] {
        let versions: Vec<u64> = done
            .iter()
            .filter(|(a, _)| a == agg)
            .map(|(_, v)| *v)
            .collect();
        assert_eq!(versions, vec![1, 2, 3], "{agg} in order");
    }
}

#[tokio::test]
async fn a_subscriber_gets_only_the_types_it_subscribed_to() {
    let dir = tempfile::tempdir().unwrap();
    let (picky, all): (Seen, Seen) = Default::default();
    let r = rig(
        dir.path(),
        vec![
            (
                "picky",
                vec!["SomethingElse"],
                handler(picky.clone(), |_, _| false),
            ),
            ("all", vec!["Happened"], handler(all.clone(), |_, _| false)),
        ],
    );
    record(&r.store, "x", 1).await;
    eventually(
        "the other subscriber got it and nothing is left",
        || async { r.stats("all").await.delivered == 1 && r.bus.backlog().await.unwrap() == 0 },
    )
    .await;
    assert!(picky.lock().unwrap().is_empty());
    assert_eq!(r.stats("picky").await.pending, 0);
    assert_eq!(r.stats("picky").await.delivered, 0);
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
    eventually("both delivered after two retries", || async {
        let s = r.stats("h").await;
        (s.delivered, s.retries, s.pending) == (2, 2, 0)
    })
    .await;
    assert_eq!(
        ids(&seen),
        vec![
            first.event_id.clone(),
            first.event_id.clone(),
            first.event_id,
            second.event_id
        ]
    );
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
    eventually("both dead", || async {
        r.bus.dead_letters().await.unwrap().len() == 2
    })
    .await;
    // The second waited for the first: it died only after the first had.
    assert_eq!(count(&seen), 6);
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
    let stats = r.stats("h").await;
    assert_eq!((stats.dead_letters, stats.pending), (2, 0));

    *healed.lock().unwrap() = true;
    assert_eq!(r.bus.redrive(Some(dead[0].id)).await.unwrap(), 1);
    eventually("redriven", || async { r.stats("h").await.delivered == 1 }).await;
    assert_eq!(r.bus.dead_letters().await.unwrap().len(), 1);
    assert_eq!(r.bus.redrive(None).await.unwrap(), 1);
    eventually("all redriven", || async {
        r.stats("h").await.delivered == 2
    })
    .await;
    let tail: Vec<String> = ids(&seen)[6..].to_vec();
    assert_eq!(tail, vec![poison.event_id, next.event_id]);
    assert!(r.bus.dead_letters().await.unwrap().is_empty());
    assert_eq!(r.bus.redrive(Some(dead[0].id)).await.unwrap(), 0);
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
    eventually("five queued", || async { r.stats("h").await.pending == 5 }).await;
    assert!(seen.lock().unwrap().is_empty());
    r.switches.set("h", true).unwrap();
    eventually("drained", || async {
        let s = r.stats("h").await;
        (s.delivered, s.pending) == (5, 0)
    })
    .await;
    assert_eq!(count(&seen), 5);

    // Down again while running: what comes next waits.
    r.switches.set("h", false).unwrap();
    record(&r.store, "agg", 6).await;
    eventually("queued while down", || async {
        r.stats("h").await.pending == 1
    })
    .await;
    assert_eq!(count(&seen), 5);
    r.switches.set("h", true).unwrap();
    eventually("delivered when back", || async {
        r.stats("h").await.delivered == 6
    })
    .await;
}

#[tokio::test]
async fn a_queue_row_stays_until_its_handler_succeeded() {
    let dir = tempfile::tempdir().unwrap();
    let gate = Gate::default();
    let r = rig(dir.path(), vec![("h", vec!["Happened"], gate.invoke())]);
    record(&r.store, "agg", 1).await;
    eventually("the handler runs", || async { gate.running() == 1 }).await;
    let held = r.stats("h").await;
    assert_eq!((held.pending, held.delivered), (1, 0));
    gate.release();
    eventually("settled", || async {
        let s = r.stats("h").await;
        (s.pending, s.delivered) == (0, 1)
    })
    .await;
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
        eventually("queued", || async { r.stats("h").await.pending == 1 }).await;
        r.stop().await;
        e
    };
    // A second event recorded while no bus runs at all.
    let second = record(&rig::source(dir.path()), "agg", 2).await;
    let r = rig(
        dir.path(),
        vec![("h", vec!["Happened"], handler(seen.clone(), |_, _| false))],
    );
    eventually("both delivered after restart", || async {
        r.stats("h").await.delivered == 2
    })
    .await;
    assert_eq!(ids(&seen), vec![first.event_id, second.event_id]);
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
    eventually("one dead after three panics, one delivered", || async {
        let s = r.stats("h").await;
        (s.dead_letters, s.delivered, s.pending) == (1, 1, 0)
    })
    .await;
    assert_eq!(*calls.lock().unwrap(), 4);
    let dead = r.bus.dead_letters().await.unwrap();
    assert!(
        dead[0]
            .last_error
            .as_deref()
            .is_some_and(|e| e.starts_with("handler panicked")),
        "{dead:?}"
    );
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
    eventually("delivered", || async { r.stats("h").await.delivered == 1 }).await;
    r.bus.deliver_again("h", &e.event_id).await.unwrap();
    eventually("delivered twice", || async {
        r.stats("h").await.delivered == 2
    })
    .await;
    assert_eq!(ids(&seen), vec![e.event_id.clone(), e.event_id]);
    assert!(matches!(
        r.bus.deliver_again("nobody", "x").await,
        Err(BusError::UnknownFunction(_))
    ));
    assert!(matches!(
        r.bus.deliver_again("h", "no-such-event").await,
        Err(BusError::UnknownEvent(_))
    ));
}

#[tokio::test]
async fn delivering_again_is_refused_while_the_queue_is_full() {
    let dir = tempfile::tempdir().unwrap();
    let seen: Seen = Default::default();
    let retention = Retention {
        redelivery_queue_limit: 3,
        ..Retention::default()
    };
    let r = rig_with(
        dir.path(),
        rig::fast(),
        retention,
        vec![("h", vec!["Happened"], handler(seen.clone(), |_, _| false))],
    );
    r.switches.set("h", false).unwrap();
    let e = record(&r.store, "agg", 1).await;
    record(&r.store, "agg", 2).await;
    eventually("two queued", || async { r.stats("h").await.pending == 2 }).await;
    r.bus.deliver_again("h", &e.event_id).await.unwrap();
    let refused = r.bus.deliver_again("h", &e.event_id).await;
    assert!(
        matches!(&refused, Err(BusError::QueueFull { function, limit: 3 }) if function == "h"),
        "{refused:?}"
    );
    assert_eq!(r.stats("h").await.pending, 3);
    r.switches.set("h", true).unwrap();
    eventually("drained", || async { r.stats("h").await.pending == 0 }).await;
    r.bus.deliver_again("h", &e.event_id).await.unwrap();
    eventually("the duplicate delivered", || async {
        r.stats("h").await.delivered == 4
    })
    .await;
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
    // More messages of one group than a subscription holds in memory, its head stuck in flight.
    let chunks = embedded::bus::BUFFERED as u64 / 100 + 2;
    for chunk in 0..chunks {
        let events: Vec<Envelope> = (1..=100)
            .map(|n| testkit::event(rig::SOURCE, "slow", chunk * 100 + n, n as u32))
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
    let started = std::time::Instant::now();
    eventually("the other group is delivered", || async {
        *fast_seen.lock().unwrap()
    })
    .await;
    release.notify_waiters();
    assert!(
        started.elapsed() < std::time::Duration::from_millis(1500),
        "the other group waited {:?} behind the busy one",
        started.elapsed()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_group_behind_the_window_keeps_its_order() {
    let dir = tempfile::tempdir().unwrap();
    let gate = Gate::default();
    let r = rig(dir.path(), vec![("h", vec!["Happened"], gate.invoke())]);
    // A window full of one held group, then three events of another: taken past the window,
    // the second group must still be delivered in order.
    let chunks = embedded::bus::BUFFERED as u64 / 100 + 1;
    for chunk in 0..chunks {
        let events: Vec<Envelope> = (1..=100)
            .map(|n| testkit::event(rig::SOURCE, "held", chunk * 100 + n, n as u32))
            .collect();
        r.store
            .commit(Transaction {
                events,
                ..Transaction::default()
            })
            .await
            .unwrap();
    }
    for n in 1..=3 {
        record(&r.store, "behind", n).await;
    }
    eventually("both groups in flight", || async { gate.running() == 2 }).await;
    gate.release();
    let total = chunks * 100 + 3;
    eventually("everything delivered", || async {
        r.stats("h").await.delivered == total
    })
    .await;
    let done = gate.done.lock().unwrap().clone();
    let behind: Vec<u64> = done
        .iter()
        .filter(|(a, _)| a == "behind")
        .map(|(_, v)| *v)
        .collect();
    assert_eq!(behind, vec![1, 2, 3]);
    let held: Vec<u64> = done
        .iter()
        .filter(|(a, _)| a == "held")
        .map(|(_, v)| *v)
        .collect();
    assert_eq!(held, (1..=chunks * 100).collect::<Vec<_>>());
    assert_eq!(
        done.iter().collect::<HashSet<_>>().len(),
        done.len(),
        "each once"
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
                .map(|n| testkit::event(rig::SOURCE, &format!("a{batch}"), n + 1, n as u32))
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
    assert!(seen.lock().unwrap().is_empty());
}
