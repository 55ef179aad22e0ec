//! Circuit-breaker state shared through the context's table: instances agree on one probe, and
//! a breaker that cannot reach its table lets calls through.
#![allow(clippy::unwrap_used)] // helpers outside #[test] fns panic on purpose

mod common;

use std::{sync::Arc, time::Duration};

use aws_sdk_dynamodb::types::AttributeValue;
use kernel::breaker::{Admission, Breaker, BreakerPolicy, BreakerStore};
use lambda::breaker::DynamoBreakerStore;

fn policy() -> BreakerPolicy {
    BreakerPolicy {
        failures_to_open: 3,
        open_for: Duration::from_millis(300),
        probe_timeout: Duration::from_secs(5),
    }
}

/// A breaker as one Lambda instance has it: its own store, so its own read cache.
fn instance(client: &aws_sdk_dynamodb::Client, table: &str) -> Breaker {
    let store: Arc<dyn BreakerStore> = Arc::new(DynamoBreakerStore::new(client.clone(), table));
    Breaker::new("museum/museum", policy(), store)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_instances_sharing_the_table_elect_exactly_one_probe() {
    let (moto, stack) = common::context().await;
    let (client, table) = (moto.dynamodb(), common::table(&stack));
    let (a, b) = (instance(&client, &table), instance(&client, &table));

    for _ in 0..3 {
        let admission = a.admit().await;
        assert_eq!(admission, Admission::Allowed);
        a.record_failure(admission).await;
    }
    assert!(
        matches!(b.admit().await, Admission::Rejected { .. }),
        "b sees the breaker a opened"
    );

    tokio::time::sleep(Duration::from_millis(400)).await;
    let (pa, pb) = tokio::join!(a.admit(), b.admit());
    let probes: Vec<&Admission> = [&pa, &pb]
        .into_iter()
        .filter(|x| matches!(x, Admission::Probe { .. }))
        .collect();
    assert_eq!(probes.len(), 1, "exactly one probe: {pa:?} {pb:?}");
    assert!(
        [&pa, &pb]
            .iter()
            .any(|x| matches!(x, Admission::Rejected { .. })),
        "the other fails fast"
    );

    let (prober, other) = if matches!(pa, Admission::Probe { .. }) {
        (&a, &b)
    } else {
        (&b, &a)
    };
    prober.record_success(*probes[0]).await;
    assert_eq!(prober.admit().await, Admission::Allowed);
    assert_eq!(
        other.admit().await,
        Admission::Allowed,
        "the loser's stale view was dropped"
    );

    let key = [
        (
            "pk".to_owned(),
            AttributeValue::S("BREAKER#museum/museum".into()),
        ),
        ("sk".to_owned(), AttributeValue::S("BREAKER".into())),
    ];
    let item = client
        .get_item()
        .table_name(&table)
        .set_key(Some(key.into()))
        .send()
        .await
        .unwrap()
        .item
        .unwrap();
    assert_eq!(item["state"], AttributeValue::S("CLOSED".into()));
    assert_eq!(
        item["generation"],
        AttributeValue::N("3".into()),
        "opened, probed, closed"
    );
}

#[tokio::test]
async fn a_breaker_whose_table_does_not_exist_fails_open() {
    let (moto, _stack) = common::context().await;
    let store = DynamoBreakerStore::new(moto.dynamodb(), "no-such-table");
    assert!(
        store.read("museum/museum").await.is_err(),
        "the error is reported to the breaker"
    );
    let breaker = instance(&moto.dynamodb(), "no-such-table");
    for _ in 0..10 {
        let admission = breaker.admit().await;
        assert_eq!(admission, Admission::Allowed);
        breaker.record_failure(admission).await;
    }
}
