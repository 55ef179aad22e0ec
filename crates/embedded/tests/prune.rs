//! Pruning keeps the disk bounded and never a redelivery from meeting a pruned marker. Every
//! run takes its `now`: the tests look into the future instead of sleeping.
#![allow(clippy::unwrap_used)]

mod rig;

use std::{
    path::Path,
    sync::Arc,
    time::{Duration, SystemTime},
};

use embedded::{Pruner, Retention, sqlite::Durability, store::SqliteStore};
use kernel::{
    Marker,
    store::{Store, Transaction},
};
use rig::{Seen, eventually, handler, record, rig};

const DAY: Duration = Duration::from_secs(24 * 3600);

fn in_days(days: u64) -> SystemTime {
    SystemTime::now() + DAY * days as u32
}

fn subs(seen: &Seen) -> rig::Subs<'static> {
    vec![("h", vec!["Happened"], handler(seen.clone(), |_, _| false))]
}

/// A store that no subscription reads: a view's, which only holds markers of its handlers.
fn view(dir: &Path) -> Arc<SqliteStore> {
    Arc::new(SqliteStore::open("test/view", &dir.join("view.db"), Durability::Process).unwrap())
}

async fn mark(store: &SqliteStore, marker: &str) -> Marker {
    let marker = Marker(marker.to_owned());
    store
        .commit(Transaction {
            marker: Some(marker.clone()),
            ..Transaction::default()
        })
        .await
        .unwrap();
    marker
}

async fn outbox_len(store: &SqliteStore) -> usize {
    store.outbox_after(0, 10_000).await.unwrap().len()
}

#[tokio::test]
async fn delivered_outbox_entries_go_once_their_retention_is_over() {
    let dir = tempfile::tempdir().unwrap();
    let seen: Seen = Default::default();
    let r = rig(dir.path(), subs(&seen));
    for n in 1..=3 {
        record(&r.store, "a", n).await;
    }
    eventually("delivered", || async { r.stats("h").await.delivered == 3 }).await;
    let pruner = Pruner::new(r.bus.clone(), [r.store.clone()]);
    assert_eq!(pruner.prune(in_days(6)).await.unwrap().outbox, 0);
    assert_eq!(outbox_len(&r.store).await, 3);
    assert_eq!(pruner.prune(in_days(8)).await.unwrap().outbox, 3);
    assert_eq!(outbox_len(&r.store).await, 0);
    assert_eq!(r.bus.backlog().await.unwrap(), 0);
    // The bus goes on after the pruned entries.
    record(&r.store, "a", 4).await;
    eventually("the next one delivered", || async {
        r.stats("h").await.delivered == 4
    })
    .await;
}

#[tokio::test]
async fn entries_the_tailer_has_not_passed_stay() {
    let dir = tempfile::tempdir().unwrap();
    let seen: Seen = Default::default();
    let (store, bus, switches) =
        rig::bus(dir.path(), rig::fast(), Retention::default(), subs(&seen));
    for n in 1..=3 {
        record(&store, "a", n).await;
    }
    let bus = Arc::new(bus);
    let pruner = Pruner::new(bus.clone(), [store.clone()]);
    assert_eq!(pruner.prune(in_days(8)).await.unwrap().outbox, 0);
    assert_eq!(outbox_len(&store).await, 3);
    drop(pruner);

    // Tailed into a queue whose handler is down: the queue holds the events now.
    let bus = Arc::into_inner(bus).unwrap();
    switches.set("h", false).unwrap();
    let r = rig::start(store, bus, switches);
    eventually("queued", || async { r.stats("h").await.pending == 3 }).await;
    let pruner = Pruner::new(r.bus.clone(), [r.store.clone()]);
    assert_eq!(pruner.prune(in_days(8)).await.unwrap().outbox, 3);
    r.switches.set("h", true).unwrap();
    eventually("delivered from the queue", || async {
        r.stats("h").await.delivered == 3
    })
    .await;
    assert_eq!(seen.lock().unwrap().len(), 3);
}

#[tokio::test]
async fn an_outbox_nobody_reads_goes_by_age() {
    let dir = tempfile::tempdir().unwrap();
    let seen: Seen = Default::default();
    let r = rig(dir.path(), subs(&seen));
    let other = view(dir.path());
    record(&other, "x", 1).await;
    let pruner = Pruner::new(r.bus.clone(), [r.store.clone(), other.clone()]);
    assert_eq!(pruner.prune(in_days(6)).await.unwrap().outbox, 0);
    assert_eq!(pruner.prune(in_days(8)).await.unwrap().outbox, 1);
    assert_eq!(outbox_len(&other).await, 0);
}

#[tokio::test]
async fn markers_go_after_their_retention_unless_their_event_can_still_come() {
    let dir = tempfile::tempdir().unwrap();
    let seen: Seen = Default::default();
    let r = rig(dir.path(), subs(&seen));
    let view = view(dir.path());
    r.switches.set("h", false).unwrap();
    let queued = record(&r.store, "a", 1).await;
    eventually("queued", || async { r.stats("h").await.pending == 1 }).await;
    // Its effect applied, but the delivery not yet settled (a crash in between): the queue row
    // will deliver it again, and the marker must still be there then.
    let waiting = mark(&view, &format!("h/{}/a", queued.event_id)).await;
    let done = mark(&view, "h/01JDONE/b").await;
    let request = mark(&view, "h/some-request-key").await;
    let other_handler = mark(&view, &format!("g/{}/a", queued.event_id)).await;

    let pruner = Pruner::new(r.bus.clone(), [r.store.clone(), view.clone()]);
    assert_eq!(pruner.prune(in_days(29)).await.unwrap().markers, 0);
    assert_eq!(pruner.prune(in_days(31)).await.unwrap().markers, 3);
    assert!(view.is_applied(&waiting).await.unwrap());
    for gone in [&done, &request, &other_handler] {
        assert!(!view.is_applied(gone).await.unwrap(), "{gone:?}");
    }

    r.switches.set("h", true).unwrap();
    eventually("delivered", || async { r.stats("h").await.delivered == 1 }).await;
    assert_eq!(pruner.prune(in_days(31)).await.unwrap().markers, 1);
    assert!(!view.is_applied(&waiting).await.unwrap());
}

#[tokio::test]
async fn a_dead_letter_keeps_its_markers_and_expires_before_them() {
    let dir = tempfile::tempdir().unwrap();
    let seen: Seen = Default::default();
    let r = rig(
        dir.path(),
        vec![("h", vec!["Happened"], handler(seen.clone(), |_, _| true))],
    );
    let view = view(dir.path());
    let poison = record(&r.store, "a", 1).await;
    eventually("dead", || async {
        r.bus.dead_letters().await.unwrap().len() == 1
    })
    .await;
    // An effect applied long ago, by a delivery that then failed: a redrive must meet it.
    let marker = mark(&view, &format!("h/{}/a", poison.event_id)).await;
    let c = rusqlite::Connection::open(dir.path().join("view.db")).unwrap();
    let forty_days_ago = SystemTime::now() - 40 * DAY;
    let at = forty_days_ago
        .duration_since(SystemTime::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64;
    c.execute("UPDATE markers SET applied_at = ?1", [at])
        .unwrap();

    let pruner = Pruner::new(r.bus.clone(), [r.store.clone(), view.clone()]);
    let now = pruner.prune(SystemTime::now()).await.unwrap();
    assert_eq!((now.dead_letters, now.markers), (0, 0));
    assert!(view.is_applied(&marker).await.unwrap());
    let at_13_days = pruner.prune(in_days(13)).await.unwrap();
    assert_eq!((at_13_days.dead_letters, at_13_days.markers), (0, 0));
    let at_15_days = pruner.prune(in_days(15)).await.unwrap();
    assert_eq!((at_15_days.dead_letters, at_15_days.markers), (1, 1));
    assert!(r.bus.dead_letters().await.unwrap().is_empty());
    assert_eq!(r.bus.redrive(None).await.unwrap(), 0);
    assert!(!view.is_applied(&marker).await.unwrap());
}

#[tokio::test]
async fn retention_must_keep_markers_longest() {
    let ok = Retention::default();
    assert!(ok.check().is_ok());
    assert_eq!(
        (ok.outbox, ok.dead_letters, ok.markers),
        (7 * DAY, 14 * DAY, 30 * DAY)
    );
    for bad in [
        Retention {
            dead_letters: 30 * DAY,
            ..ok
        },
        Retention {
            outbox: 31 * DAY,
            ..ok
        },
        Retention {
            prune_every: Duration::ZERO,
            ..ok
        },
    ] {
        assert!(bad.check().is_err(), "{bad:?}");
        let dir = tempfile::tempdir().unwrap();
        let mut bus = embedded::Bus::open(
            &dir.path().join("bus.db"),
            Durability::Process,
            rig::fast(),
            Arc::new(embedded::switches::Switchboard::new(std::iter::empty())),
        )
        .unwrap();
        assert!(bus.set_retention(bad).is_err());
    }
}

#[tokio::test]
async fn an_outbox_from_before_recording_times_is_kept_a_full_retention() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("old.db");
    let event = testkit::event("test/old", "a", 1, 1);
    {
        let c = rusqlite::Connection::open(&path).unwrap();
        c.execute_batch(
            "CREATE TABLE outbox (seq INTEGER PRIMARY KEY AUTOINCREMENT, event_id TEXT NOT NULL UNIQUE, envelope TEXT NOT NULL);",
        )
        .unwrap();
        c.execute(
            "INSERT INTO outbox (event_id, envelope) VALUES (?1, ?2)",
            [&event.event_id, &serde_json::to_string(&event).unwrap()],
        )
        .unwrap();
    }
    let old = Arc::new(SqliteStore::open("test/old", &path, Durability::Process).unwrap());
    assert_eq!(old.event(&event.event_id).await.unwrap(), Some(event));
    let seen: Seen = Default::default();
    let r = rig(dir.path(), subs(&seen));
    let pruner = Pruner::new(r.bus.clone(), [old.clone()]);
    assert_eq!(pruner.prune(in_days(6)).await.unwrap().outbox, 0);
    assert_eq!(pruner.prune(in_days(8)).await.unwrap().outbox, 1);
    // Reopening an upgraded file changes nothing.
    drop(old);
    SqliteStore::open("test/old", &path, Durability::Process).unwrap();
}
