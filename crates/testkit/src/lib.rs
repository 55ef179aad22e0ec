//! What tests share: the store conformance suite every adapter passes (a store that passes it
//! gives a context the same guarantees wherever it runs: the embedded store is not weaker than
//! DynamoDB), an in-memory store for handler tests, and given/when/then for aggregates.
#![allow(clippy::unwrap_used, clippy::expect_used)]

pub mod given;
pub mod memory;

pub use given::given;
pub use memory::MemoryStore;

use std::sync::Arc;

use async_trait::async_trait;
use kernel::{
    Call, Envelope, Lookup, Marker, Order, Slot,
    store::{Adjust, Check, Keys, Put, Query, Record, Store, StoreError, Transaction},
};
use serde_json::json;

/// Reads back what a store recorded in its outbox, in commit order.
#[async_trait]
pub trait EventLog: Send + Sync {
    async fn recorded(&self) -> Vec<Envelope>;
}

pub fn record(kind: &str, id: &str, version: u64, a: Option<&str>, b: Option<&str>) -> Record {
    Record {
        kind: kind.into(),
        id: id.into(),
        version,
        body: json!({ "id": id, "v": version }),
        keys: Keys {
            a: a.map(Into::into),
            b: b.map(Into::into),
        },
    }
}

pub fn put(record: Record) -> Put {
    let expected = record.version - 1;
    Put { record, expected }
}

pub fn event(source: &str, aggregate_id: &str, version: u64, n: u32) -> Envelope {
    #[derive(serde::Serialize)]
    #[serde(tag = "eventType", content = "payload")]
    enum E {
        Happened { n: u32 },
    }
    Envelope::record(
        source,
        "Thing",
        aggregate_id,
        version,
        &E::Happened { n },
        &Call::new(None),
    )
    .unwrap()
}

fn tx(puts: Vec<Put>) -> Transaction {
    Transaction {
        puts,
        ..Transaction::default()
    }
}

/// Runs every conformance check against a fresh, empty store from `store`.
pub async fn store_conformance(store: Arc<dyn Store>, log: Arc<dyn EventLog>) {
    versions_are_conditions(&*store).await;
    a_transaction_is_all_or_nothing(&*store, &*log).await;
    markers_apply_an_effect_once(&*store).await;
    absence_is_a_condition(&*store).await;
    queries_page_by_index_in_id_order(&*store).await;
    concurrent_writers_of_one_version_one_wins(store.clone()).await;
    counters_move_in_place_within_their_bound(&*store).await;
    a_failed_check_writes_nothing(&*store, &*log).await;
    concurrent_decrements_never_pass_the_bound(store.clone()).await;
}

async fn versions_are_conditions(s: &dyn Store) {
    assert_eq!(s.get("Doc", "v1").await.unwrap(), None);
    s.commit(tx(vec![put(record("Doc", "v1", 1, None, None))]))
        .await
        .unwrap();
    let got = s.get("Doc", "v1").await.unwrap().expect("written");
    assert_eq!(got, record("Doc", "v1", 1, None, None));
    assert!(matches!(
        s.commit(tx(vec![put(record("Doc", "v1", 1, None, None))]))
            .await,
        Err(StoreError::Conflict)
    ));
    s.commit(tx(vec![put(record("Doc", "v1", 2, None, None))]))
        .await
        .unwrap();
    assert!(
        matches!(
            s.commit(tx(vec![put(record("Doc", "v1", 2, None, None))]))
                .await,
            Err(StoreError::Conflict)
        ),
        "a write from a stale version is refused"
    );
    // An aggregate whose commit recorded three events jumps three versions.
    s.commit(tx(vec![Put {
        record: record("Doc", "v1", 5, None, None),
        expected: 2,
    }]))
    .await
    .unwrap();
    assert_eq!(s.get("Doc", "v1").await.unwrap().unwrap().version, 5);
    assert_eq!(
        s.get("Other", "v1").await.unwrap(),
        None,
        "kinds do not share ids"
    );
}

async fn a_transaction_is_all_or_nothing(s: &dyn Store, log: &dyn EventLog) {
    let before = log.recorded().await.len();
    s.commit(tx(vec![put(record("Doc", "t1", 1, None, None))]))
        .await
        .unwrap();
    let events = vec![
        event(s.context(), "t2", 1, 1),
        event(s.context(), "t2", 2, 2),
    ];
    let failing = Transaction {
        puts: vec![
            put(record("Doc", "t2", 1, None, None)),
            put(record("Doc", "t1", 1, None, None)),
        ],
        events: events.clone(),
        ..Transaction::default()
    };
    assert!(matches!(s.commit(failing).await, Err(StoreError::Conflict)));
    assert_eq!(
        s.get("Doc", "t2").await.unwrap(),
        None,
        "no put of a failed transaction lands"
    );
    assert_eq!(
        log.recorded().await.len(),
        before,
        "no event of a failed transaction is recorded"
    );

    let ok = Transaction {
        puts: vec![
            put(record("Doc", "t2", 1, None, None)),
            put(record("Doc", "t1", 2, None, None)),
        ],
        events: events.clone(),
        ..Transaction::default()
    };
    s.commit(ok).await.unwrap();
    let recorded = log.recorded().await;
    assert_eq!(
        recorded[before..].to_vec(),
        events,
        "events are recorded whole and in order"
    );
}

async fn markers_apply_an_effect_once(s: &dyn Store) {
    let m = Marker("fn/event-1/m1".into());
    assert!(!s.is_applied(&m).await.unwrap());
    let first = Transaction {
        puts: vec![put(record("Doc", "m1", 1, None, None))],
        marker: Some(m.clone()),
        ..Transaction::default()
    };
    s.commit(first).await.unwrap();
    assert!(s.is_applied(&m).await.unwrap());
    let again = Transaction {
        puts: vec![put(record("Doc", "m1", 2, None, None))],
        marker: Some(m.clone()),
        ..Transaction::default()
    };
    assert!(matches!(s.commit(again).await, Err(StoreError::Duplicate)));
    assert_eq!(
        s.get("Doc", "m1").await.unwrap().unwrap().version,
        1,
        "a duplicate changes nothing"
    );
    assert!(!s.is_applied(&Marker("fn/event-2/m1".into())).await.unwrap());
}

async fn absence_is_a_condition(s: &dyn Store) {
    s.commit(tx(vec![put(record("Closure", "c1", 1, None, None))]))
        .await
        .unwrap();
    let blocked = Transaction {
        puts: vec![put(record("Doc", "a1", 1, None, None))],
        absent: vec![("Closure".into(), "c1".into())],
        ..Transaction::default()
    };
    assert!(matches!(s.commit(blocked).await, Err(StoreError::Conflict)));
    assert_eq!(s.get("Doc", "a1").await.unwrap(), None);
    let allowed = Transaction {
        puts: vec![put(record("Doc", "a1", 1, None, None))],
        absent: vec![("Closure".into(), "c2".into())],
        ..Transaction::default()
    };
    s.commit(allowed).await.unwrap();
}

async fn list(s: &dyn Store, lookup: Lookup, order: Order, limit: usize) -> Vec<String> {
    let mut ids = Vec::new();
    let mut cursor = None;
    loop {
        let page = s
            .query(Query {
                kind: "Row".into(),
                lookup: lookup.clone(),
                order,
                limit,
                cursor: cursor.clone(),
            })
            .await
            .unwrap();
        assert!(page.items.len() <= limit);
        ids.extend(page.items.into_iter().map(|r| r.id));
        match page.next_cursor {
            Some(c) => cursor = Some(c),
            None => return ids,
        }
    }
}

async fn queries_page_by_index_in_id_order(s: &dyn Store) {
    let ids: Vec<String> = (0..23).map(|i| format!("r{i:02}")).collect();
    for (i, id) in ids.iter().enumerate() {
        let a = if i % 2 == 0 { "even" } else { "odd" };
        let b = format!("third-{}", i % 3);
        s.commit(tx(vec![put(record("Row", id, 1, Some(a), Some(&b)))]))
            .await
            .unwrap();
    }
    s.commit(tx(vec![put(record(
        "NotRow",
        "r99",
        1,
        Some("even"),
        None,
    ))]))
    .await
    .unwrap();

    assert_eq!(list(s, Lookup::All, Order::Oldest, 5).await, ids);
    let mut newest = ids.clone();
    newest.reverse();
    assert_eq!(list(s, Lookup::All, Order::Newest, 7).await, newest);
    let even: Vec<String> = ids.iter().step_by(2).cloned().collect();
    assert_eq!(
        list(s, Lookup::By(Slot::A, "even".into()), Order::Oldest, 4).await,
        even
    );
    let third: Vec<String> = ids.iter().skip(1).step_by(3).cloned().collect();
    assert_eq!(
        list(s, Lookup::By(Slot::B, "third-1".into()), Order::Oldest, 500).await,
        third
    );
    assert!(
        list(s, Lookup::By(Slot::A, "none".into()), Order::Oldest, 5)
            .await
            .is_empty()
    );

    // An index key changes with the document.
    s.commit(tx(vec![put(record("Row", "r00", 2, Some("odd"), None))]))
        .await
        .unwrap();
    assert!(
        !list(s, Lookup::By(Slot::A, "even".into()), Order::Oldest, 50)
            .await
            .contains(&"r00".to_string())
    );
    assert!(
        list(s, Lookup::By(Slot::A, "odd".into()), Order::Oldest, 50)
            .await
            .contains(&"r00".to_string())
    );

    let bad = s
        .query(Query {
            kind: "Row".into(),
            lookup: Lookup::All,
            order: Order::Oldest,
            limit: 5,
            cursor: Some("not a cursor!".into()),
        })
        .await;
    assert!(
        matches!(bad, Err(StoreError::Invalid(_))),
        "a forged cursor is a 400, got {bad:?}"
    );
}

async fn concurrent_writers_of_one_version_one_wins(s: Arc<dyn Store>) {
    s.commit(tx(vec![put(record("Doc", "race", 1, None, None))]))
        .await
        .unwrap();
    let attempts = (0..10).map(|_| {
        let s = s.clone();
        tokio::spawn(async move {
            s.commit(tx(vec![put(record("Doc", "race", 2, None, None))]))
                .await
        })
    });
    let results = futures::future::join_all(attempts).await;
    let won = results.iter().filter(|r| matches!(r, Ok(Ok(())))).count();
    let lost = results
        .iter()
        .filter(|r| matches!(r, Ok(Err(StoreError::Conflict))))
        .count();
    assert_eq!((won, lost), (1, 9));
}

fn counter(id: &str, free: i64) -> Record {
    Record {
        kind: "Counter".into(),
        id: id.into(),
        version: 1,
        body: json!({ "id": id, "free": free, "status": "OPEN" }),
        keys: Keys::default(),
    }
}

fn adjust(id: &str, by: i64, min: i64) -> Adjust {
    Adjust {
        kind: "Counter".into(),
        id: id.into(),
        field: "free".into(),
        by,
        min,
    }
}

fn check(id: &str, status: &str) -> Check {
    Check {
        kind: "Counter".into(),
        id: id.into(),
        field: "status".into(),
        equals: json!(status),
    }
}

fn adjusting(adjust: Vec<Adjust>, checks: Vec<Check>) -> Transaction {
    Transaction {
        adjust,
        checks,
        ..Transaction::default()
    }
}

async fn counters_move_in_place_within_their_bound(s: &dyn Store) {
    s.commit(tx(vec![put(counter("c1", 3))])).await.unwrap();
    s.commit(adjusting(vec![adjust("c1", -2, 0)], vec![]))
        .await
        .unwrap();
    let after = s.get("Counter", "c1").await.unwrap().unwrap();
    assert_eq!((after.body["free"].as_i64(), after.version), (Some(1), 2));
    assert_eq!(
        after.body["status"], "OPEN",
        "the rest of the document stays"
    );
    assert!(matches!(
        s.commit(adjusting(vec![adjust("c1", -2, 0)], vec![])).await,
        Err(StoreError::Conflict)
    ));
    assert!(matches!(
        s.commit(adjusting(vec![adjust("nobody", 1, 0)], vec![]))
            .await,
        Err(StoreError::Conflict)
    ));
    assert!(
        matches!(
            s.commit(tx(vec![Put {
                record: counter("c1", 9),
                expected: 1
            }]))
            .await,
            Err(StoreError::Conflict)
        ),
        "a writer that read the counter before it moved conflicts"
    );
    s.commit(adjusting(vec![adjust("c1", 5, 0)], vec![]))
        .await
        .unwrap();
    assert_eq!(
        s.get("Counter", "c1").await.unwrap().unwrap().body["free"],
        6
    );
}

async fn a_failed_check_writes_nothing(s: &dyn Store, log: &dyn EventLog) {
    s.commit(tx(vec![put(counter("c2", 3))])).await.unwrap();
    let before = log.recorded().await.len();
    let refused = Transaction {
        adjust: vec![adjust("c2", -1, 0)],
        checks: vec![check("c2", "CLOSED")],
        events: vec![event(s.context(), "c2", 2, 1)],
        ..Transaction::default()
    };
    assert!(matches!(s.commit(refused).await, Err(StoreError::Conflict)));
    assert_eq!(
        s.get("Counter", "c2").await.unwrap().unwrap().body["free"],
        3
    );
    assert_eq!(log.recorded().await.len(), before);
    assert!(matches!(
        s.commit(adjusting(vec![], vec![check("nobody", "OPEN")]))
            .await,
        Err(StoreError::Conflict)
    ));
    s.commit(adjusting(
        vec![adjust("c2", -1, 0)],
        vec![check("c2", "OPEN")],
    ))
    .await
    .unwrap();
    assert_eq!(
        s.get("Counter", "c2").await.unwrap().unwrap().body["free"],
        2
    );
}

async fn concurrent_decrements_never_pass_the_bound(s: Arc<dyn Store>) {
    s.commit(tx(vec![put(counter("hot", 5))])).await.unwrap();
    let attempts = (0..12).map(|_| {
        let s = s.clone();
        tokio::spawn(async move {
            s.commit(adjusting(vec![adjust("hot", -1, 0)], vec![]))
                .await
        })
    });
    let results = futures::future::join_all(attempts).await;
    let won = results.iter().filter(|r| matches!(r, Ok(Ok(())))).count();
    assert_eq!(won, 5, "exactly the seats there were");
    assert_eq!(
        s.get("Counter", "hot").await.unwrap().unwrap().body["free"],
        0
    );
}
