//! DynamoStore against DynamoDB's wire protocol (moto): the shared conformance suite, the
//! transaction's conditions under concurrency, and the item layout the template declares.
#![allow(clippy::unwrap_used)] // helpers outside #[test] fns panic on purpose

mod common;

use std::{sync::Arc, time::Duration};

use async_trait::async_trait;
use aws_sdk_dynamodb::types::AttributeValue;
use kernel::{
    Envelope, Marker,
    store::{Keys, Put, Record, Store, StoreError, Transaction},
};
use lambda::dynamo::{DynamoStore, scan_events};
use serde_json::json;

/// The outbox as the stream will see it: every event item, in eventId (= commit) order.
struct OutboxScan {
    client: aws_sdk_dynamodb::Client,
    table: String,
}

#[async_trait]
impl testkit::EventLog for OutboxScan {
    async fn recorded(&self) -> Vec<Envelope> {
        let mut events = scan_events(&self.client, &self.table).await.unwrap();
        events.sort_by(|a, b| a.event_id.cmp(&b.event_id));
        events
    }
}

fn doc(id: &str, version: u64, body: serde_json::Value, keys: Keys) -> Record {
    Record {
        kind: "Booking".into(),
        id: id.into(),
        version,
        body,
        keys,
    }
}

fn put(record: Record, expected: u64) -> Transaction {
    Transaction {
        puts: vec![Put { record, expected }],
        ..Transaction::default()
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn passes_the_store_conformance_suite() {
    let (moto, stack) = common::context().await;
    let log = OutboxScan {
        client: moto.dynamodb(),
        table: common::table(&stack),
    };
    testkit::store_conformance(common::store(&moto, &stack), Arc::new(log)).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn of_two_commits_on_one_version_exactly_one_wins() {
    let (moto, stack) = common::context().await;
    let store = common::store(&moto, &stack);
    store
        .commit(put(doc("b1", 1, json!({ "seats": 0 }), Keys::default()), 0))
        .await
        .unwrap();
    for round in 1..=5u64 {
        let attempt = |seats: u64| {
            let store = store.clone();
            let tx = Transaction {
                events: vec![common::event("SeatsTaken", "b1", round + 1)],
                ..put(
                    doc("b1", round + 1, json!({ "seats": seats }), Keys::default()),
                    round,
                )
            };
            tokio::spawn(async move { store.commit(tx).await })
        };
        let (a, b) = tokio::join!(attempt(10 * round), attempt(10 * round + 1));
        let (a, b) = (a.unwrap(), b.unwrap());
        let winner = match (&a, &b) {
            (Ok(()), Err(StoreError::Conflict)) => 10 * round,
            (Err(StoreError::Conflict), Ok(())) => 10 * round + 1,
            other => panic!("round {round}: expected one win and one conflict, got {other:?}"),
        };
        let stored = store.get("Booking", "b1").await.unwrap().unwrap();
        assert_eq!(
            (stored.version, stored.body),
            (round + 1, json!({ "seats": winner }))
        );
    }
    let events = scan_events(&moto.dynamodb(), &common::table(&stack))
        .await
        .unwrap();
    assert_eq!(
        events.len(),
        5,
        "only the winners' events are in the outbox"
    );
}

#[tokio::test]
async fn lays_items_out_as_the_template_declares() {
    let (moto, stack) = common::context().await;
    let (client, table) = (moto.dynamodb(), common::table(&stack));
    let store = common::store(&moto, &stack);
    let raw = |pk: String, sk: String| {
        let (client, table) = (client.clone(), table.clone());
        async move {
            let key = [
                ("pk".to_owned(), AttributeValue::S(pk)),
                ("sk".to_owned(), AttributeValue::S(sk)),
            ];
            client
                .get_item()
                .table_name(table)
                .set_key(Some(key.into()))
                .send()
                .await
                .unwrap()
                .item
                .unwrap()
        }
    };
    let now = time::OffsetDateTime::now_utc().unix_timestamp();
    let days = |item: &std::collections::HashMap<String, AttributeValue>| {
        let at: i64 = item["expiresAt"].as_n().unwrap().parse().unwrap();
        (at - now + 60) / 86_400
    };

    let keys = Keys {
        a: Some("user-7".into()),
        b: Some("m-1".into()),
    };
    let event = common::event("Booked", "b1", 1);
    let tx = Transaction {
        events: vec![event.clone()],
        marker: Some(Marker("book-create/req-1".into())),
        ..put(doc("b1", 1, json!({ "seats": 2, "tags": ["x"] }), keys), 0)
    };
    store.commit(tx).await.unwrap();

    let item = raw("Booking#b1".into(), "DOC".into()).await;
    assert_eq!(item["kind"], AttributeValue::S("Booking".into()));
    assert_eq!(item["id"], AttributeValue::S("b1".into()));
    assert_eq!(item["version"], AttributeValue::N("1".into()));
    assert_eq!(item["ka"], AttributeValue::S("Booking#user-7".into()));
    assert_eq!(item["kb"], AttributeValue::S("Booking#m-1".into()));
    let body = item["body"].as_m().unwrap();
    assert_eq!(body["seats"], AttributeValue::N("2".into()));
    assert_eq!(
        body["tags"],
        AttributeValue::L(vec![AttributeValue::S("x".into())])
    );

    let outbox = raw("OUTBOX#Booking#b1".into(), "OUTBOX".into()).await;
    assert_eq!(outbox["itemType"], AttributeValue::S("OUTBOX".into()));
    assert_eq!(outbox["aggregateId"], AttributeValue::S("b1".into()));
    let events = outbox["events"].as_l().unwrap();
    assert_eq!(events.len(), 1);
    assert!(events[0].as_m().unwrap().contains_key("eventId"));
    assert_eq!(days(&outbox), 7);
    assert!(
        !outbox.contains_key("kind"),
        "outbox items stay out of the byKind index"
    );
    let log = raw("LOG#Booking#b1".into(), format!("EVENT#{}", event.event_id)).await;
    assert_eq!(log["itemType"], AttributeValue::S("EVENT".into()));
    assert_eq!(
        log["envelope"].as_m().unwrap()["eventId"],
        AttributeValue::S(event.event_id.clone())
    );
    assert_eq!(days(&log), 14);

    let marker = raw("MARKER#book-create/req-1".into(), "MARKER".into()).await;
    assert_eq!(days(&marker), 30);

    // A key that becomes None leaves its index.
    store
        .commit(put(
            doc(
                "b1",
                2,
                json!({ "seats": 3 }),
                Keys {
                    a: None,
                    b: Some("m-1".into()),
                },
            ),
            1,
        ))
        .await
        .unwrap();
    let item = raw("Booking#b1".into(), "DOC".into()).await;
    assert!(!item.contains_key("ka"));
    assert_eq!(item["version"], AttributeValue::N("2".into()));
}

#[tokio::test]
async fn a_transaction_holds_at_most_a_hundred_items() {
    let (moto, stack) = common::context().await;
    let store: Arc<DynamoStore> = common::store(&moto, &stack);
    let transaction = |n: usize| Transaction {
        puts: (0..n)
            .map(|i| Put {
                record: doc(&format!("n{n}-{i:03}"), 1, json!({}), Keys::default()),
                expected: 0,
            })
            .collect(),
        marker: Some(Marker(format!("bulk/{n}"))),
        ..Transaction::default()
    };
    let refused = store.commit(transaction(100)).await;
    assert!(
        matches!(refused, Err(StoreError::Invalid(_))),
        "101 items: {refused:?}"
    );
    assert_eq!(store.get("Booking", "n100-000").await.unwrap(), None);
    store.commit(transaction(99)).await.unwrap();
    assert!(store.is_applied(&Marker("bulk/99".into())).await.unwrap());
}

#[tokio::test]
async fn a_missing_table_is_unavailable_not_a_conflict() {
    let (moto, _stack) = common::context().await;
    let store = DynamoStore::new(moto.dynamodb(), "no-such-table", "museum/book");
    let get = tokio::time::timeout(Duration::from_secs(30), store.get("Booking", "b1"))
        .await
        .unwrap();
    assert!(matches!(get, Err(StoreError::Unavailable(_))), "{get:?}");
    let commit = store
        .commit(put(doc("b1", 1, json!({}), Keys::default()), 0))
        .await;
    assert!(
        matches!(commit, Err(StoreError::Unavailable(_))),
        "{commit:?}"
    );
}
