//! A power loss with `Durability::Process` can roll back the end of a context's outbox while
//! `bus.db` keeps a cursor past it. Sequence numbers are then given again; the bus must notice at
//! start and deliver every event recorded after the loss.
#![allow(clippy::unwrap_used)]

mod rig;

use std::{path::Path, time::Duration};

use embedded::Pruner;
use rig::{Seen, eventually, handler, ids, record, rig};

/// What a power loss does to the context's file: its last outbox entries, and the high mark of
/// their sequence numbers, are gone.
fn roll_back_outbox(dir: &Path, keep_up_to: i64) {
    let c = rusqlite::Connection::open(dir.join("source.db")).unwrap();
    c.execute("DELETE FROM outbox WHERE seq > ?1", [keep_up_to])
        .unwrap();
    c.execute(
        "UPDATE sqlite_sequence SET seq = ?1 WHERE name = 'outbox'",
        [keep_up_to],
    )
    .unwrap();
}

fn subs(seen: &Seen) -> rig::Subs<'static> {
    vec![("h", vec!["Happened"], handler(seen.clone(), |_, _| false))]
}

/// Records three events on three aggregates and waits until they are delivered.
async fn three_delivered(dir: &Path, seen: &Seen) {
    let r = rig(dir, subs(seen));
    for (n, agg) in ["a", "b", "c"].into_iter().enumerate() {
        record(&r.store, agg, n as u32 + 1).await;
    }
    eventually("three delivered", || async {
        r.stats("h").await.delivered == 3
    })
    .await;
    r.stop().await;
}

#[tokio::test]
async fn events_recorded_after_a_rolled_back_outbox_are_delivered() {
    let dir = tempfile::tempdir().unwrap();
    let seen: Seen = Default::default();
    three_delivered(dir.path(), &seen).await;
    roll_back_outbox(dir.path(), 1);

    let after: Seen = Default::default();
    let r = rig(dir.path(), subs(&after));
    // Sequence numbers 2 and 3 again, which the cursor (3) had passed.
    let d = record(&r.store, "d", 4).await;
    let e = record(&r.store, "e", 5).await;
    eventually("both new events delivered", || async {
        r.stats("h").await.delivered == 2
    })
    .await;
    assert_eq!(ids(&after), vec![d.event_id, e.event_id]);
}

#[tokio::test]
async fn events_recorded_after_a_rollback_while_no_bus_ran_are_delivered() {
    let dir = tempfile::tempdir().unwrap();
    let seen: Seen = Default::default();
    three_delivered(dir.path(), &seen).await;
    roll_back_outbox(dir.path(), 1);
    // Written with the gateway down: the outbox's end (2) is below the cursor (3) again, but
    // entry 2 is new.
    let d = record(&rig::source(dir.path()), "d", 4).await;

    let after: Seen = Default::default();
    let r = rig(dir.path(), subs(&after));
    let e = record(&r.store, "e", 5).await;
    eventually("both new events delivered", || async {
        r.stats("h").await.delivered == 2
    })
    .await;
    assert_eq!(ids(&after), vec![d.event_id, e.event_id]);
}

#[tokio::test]
async fn a_sequence_number_given_to_another_event_is_not_skipped() {
    let dir = tempfile::tempdir().unwrap();
    let seen: Seen = Default::default();
    three_delivered(dir.path(), &seen).await;
    roll_back_outbox(dir.path(), 1);
    // Two events with the gateway down: entry 3, where the cursor stands, is another event.
    let store = rig::source(dir.path());
    let d = record(&store, "d", 4).await;
    let e = record(&store, "e", 5).await;
    drop(store);

    let after: Seen = Default::default();
    let r = rig(dir.path(), subs(&after));
    eventually("both new events delivered", || async {
        r.stats("h").await.delivered == 2
    })
    .await;
    assert_eq!(ids(&after), vec![d.event_id, e.event_id]);
}

#[tokio::test]
async fn a_pruned_outbox_is_not_taken_for_a_rolled_back_one() {
    let dir = tempfile::tempdir().unwrap();
    let seen: Seen = Default::default();
    {
        let r = rig(dir.path(), subs(&seen));
        for n in 1..=3 {
            record(&r.store, "a", n).await;
        }
        eventually("three delivered", || async {
            r.stats("h").await.delivered == 3
        })
        .await;
        let pruner = Pruner::new(r.bus.clone(), [r.store.clone()]);
        let later = std::time::SystemTime::now() + Duration::from_secs(8 * 24 * 3600);
        assert_eq!(pruner.prune(later).await.unwrap().outbox, 3);
        assert!(r.store.outbox_after(0, 10).await.unwrap().is_empty());
        r.stop().await;
    }
    let after: Seen = Default::default();
    let r = rig(dir.path(), subs(&after));
    let d = record(&r.store, "a", 4).await;
    assert_eq!(r.store.outbox_after(0, 10).await.unwrap()[0].0, 4);
    eventually("the new event delivered", || async {
        r.stats("h").await.delivered == 1
    })
    .await;
    assert_eq!(ids(&after), vec![d.event_id], "nothing delivered twice");

    // Pruned and then rolled back: the outbox's end is only in sqlite_sequence.
    eventually("the pruned event tailed", || async {
        r.bus.backlog().await.unwrap() == 0
    })
    .await;
    r.stop().await;
    let c = rusqlite::Connection::open(dir.path().join("source.db")).unwrap();
    c.execute("DELETE FROM outbox", []).unwrap();
    c.execute(
        "UPDATE sqlite_sequence SET seq = 2 WHERE name = 'outbox'",
        [],
    )
    .unwrap();
    drop(c);
    let last: Seen = Default::default();
    let r = rig(dir.path(), subs(&last));
    let e = record(&r.store, "a", 5).await;
    assert_eq!(r.store.outbox_after(0, 10).await.unwrap()[0].0, 3);
    eventually("the event at a given-again number delivered", || async {
        r.stats("h").await.delivered == 1
    })
    .await;
    assert_eq!(ids(&last), vec![e.event_id]);
}
