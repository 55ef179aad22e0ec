//! payment's handlers below HTTP, on an in-memory store that enforces the same conditions as the
//! real ones: one payment per order however often or concurrently it is asked for, no payment
//! for an order closed first, one refund however often its event is delivered.
#![allow(clippy::unwrap_used)]

use std::sync::Arc;

use kernel::{Call, Envelope, Repo, input::Json, validate::Id};
use packing_events::{PackingOrderCancelled, PaymentStatus};
use packing_payment::{
    Deps,
    pay::{Pay, pay},
    refund::on_order_cancelled,
};
use serde::Serialize;
use testkit::MemoryStore;

fn world() -> (Deps, Arc<MemoryStore>) {
    let store = MemoryStore::new("packing/payment");
    let deps = Deps {
        payments: Repo::new(store.clone()),
        closures: Repo::new(store.clone()),
    };
    (deps, store)
}

fn order() -> Json<Pay> {
    Json(Pay {
        order_id: Id::parse("orderId", "o1").unwrap(),
        user_id: Id::parse("userId", "kim").unwrap(),
    })
}

#[derive(Serialize)]
#[serde(tag = "eventType", content = "payload")]
enum Event {
    PackingOrderCancelled(PackingOrderCancelled),
}

fn cancelled() -> Envelope {
    let e = Event::PackingOrderCancelled(PackingOrderCancelled {
        order_id: "o1".into(),
        user_id: "kim".into(),
    });
    Envelope::record(
        "packing/packingorder",
        "PackingOrder",
        "o1",
        2,
        &e,
        &Call::new(None),
    )
    .unwrap()
}

#[tokio::test]
async fn an_order_paid_twice_is_paid_once() {
    let (d, store) = world();
    let cx = Call::new(None);
    let first = pay(&d, order(), &cx).await.unwrap();
    let again = pay(&d, order(), &cx).await.unwrap();
    assert_eq!(first.location, "/packing/payments/o1");
    assert_eq!(first.body, again.body);
    assert_eq!(first.body.status, PaymentStatus::Approved);
    assert_eq!(store.event_types(), ["PaymentApproved"]);
}

#[tokio::test]
async fn concurrent_payments_of_one_order_meet_the_conditional_write() {
    let (d, store) = world();
    let d = Arc::new(d);
    let racers = (0..8).map(|_| {
        let d = d.clone();
        tokio::spawn(async move { pay(&d, order(), &Call::new(None)).await.map(|c| c.body) })
    });
    for paid in join_all(racers).await {
        assert_eq!(paid.unwrap().status, PaymentStatus::Approved);
    }
    assert_eq!(store.event_types(), ["PaymentApproved"]);
}

async fn join_all<T>(handles: impl Iterator<Item = tokio::task::JoinHandle<T>>) -> Vec<T> {
    let mut out = Vec::new();
    for h in handles {
        out.push(h.await.unwrap());
    }
    out
}

#[tokio::test]
async fn an_order_cancelled_before_it_was_paid_is_never_charged() {
    let (d, store) = world();
    let cx = Call::new(None);
    on_order_cancelled(&d, cancelled(), &cx).await.unwrap();
    let refused = pay(&d, order(), &cx).await.unwrap_err();
    assert_eq!(refused.status(), 409);
    assert!(store.event_types().is_empty());
    assert!(d.payments.get("o1").await.unwrap().is_none());
}

#[tokio::test]
async fn a_cancelled_paid_order_is_refunded_once_however_often_the_event_comes() {
    let (d, store) = world();
    let cx = Call::new(None);
    pay(&d, order(), &cx).await.unwrap();
    let event = cancelled();
    for _ in 0..3 {
        on_order_cancelled(&d, event.clone(), &cx).await.unwrap();
    }
    on_order_cancelled(&d, cancelled(), &cx).await.unwrap();
    assert_eq!(store.event_types(), ["PaymentApproved", "PaymentRefunded"]);
    assert_eq!(
        d.payments.find("o1").await.unwrap().doc.status,
        PaymentStatus::Refunded
    );
    assert_eq!(pay(&d, order(), &cx).await.unwrap_err().status(), 409);
}
