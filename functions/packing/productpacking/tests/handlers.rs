//! productpacking's accept below HTTP: an in-memory store and a fake payment. What the task
//! records when payment pays, is unavailable, or refuses, and that payment is not called for a
//! task in the wrong status.
#![allow(clippy::unwrap_used)]

use std::sync::{Arc, Mutex};

use async_trait::async_trait;
use kernel::{AppError, Call, Repo, Tx, aggregate, aggregate::Decide, validate::Id};
use packing_events::{PackingOrdered, TaskStatus};
use packing_productpacking::{
    Deps,
    accept::accept,
    domain::{PackingTask, TaskCmd},
    pack::reject,
    payments::Payments,
};
use testkit::MemoryStore;

/// Payment as productpacking sees it: pays (or answers what it was told to), and records every
/// order it was asked to pay.
#[derive(Default)]
struct FakePayment {
    refuse: Option<fn() -> AppError>,
    asked: Mutex<Vec<String>>,
}

#[async_trait]
impl Payments for FakePayment {
    async fn pay(&self, order_id: &str, _: &str, _: &Call) -> Result<String, AppError> {
        self.asked.lock().unwrap().push(order_id.to_owned());
        match self.refuse {
            Some(refuse) => Err(refuse()),
            None => Ok(order_id.to_owned()),
        }
    }
}

struct World {
    deps: Deps,
    store: Arc<MemoryStore>,
    payment: Arc<FakePayment>,
    cx: Call,
}

async fn world(payment: FakePayment) -> World {
    let store = MemoryStore::new("packing/productpacking");
    let payment = Arc::new(payment);
    let deps = Deps {
        tasks: Repo::new(store.clone()),
        payments: payment.clone(),
    };
    let cx = Call::new(None);
    let events = PackingTask::default()
        .decide(TaskCmd::Create(PackingOrdered {
            order_id: "o1".into(),
            user_id: "kim".into(),
            product_id: "p1".into(),
            product_name: "Strawberries".into(),
            qty: 2,
            address: "Seoul".into(),
        }))
        .unwrap();
    aggregate::create(&deps.tasks, Tx::new(), events, &cx)
        .await
        .unwrap();
    World {
        deps,
        store,
        payment,
        cx,
    }
}

fn id() -> Id {
    Id::parse("id", "o1").unwrap()
}

async fn status(w: &World) -> TaskStatus {
    w.deps.tasks.find("o1").await.unwrap().doc.status
}

#[tokio::test]
async fn an_accepted_task_is_paid_and_ready_to_pack() {
    let w = world(FakePayment::default()).await;
    let task = accept(&w.deps, id(), &w.cx).await.unwrap().0;
    assert_eq!(task.status, TaskStatus::ReadyToPack);
    assert_eq!(task.payment_id.as_deref(), Some("o1"));
    assert_eq!(*w.payment.asked.lock().unwrap(), ["o1"]);
    assert_eq!(
        w.store.event_types(),
        ["PackingTaskCreated", "PackingReady"]
    );
}

#[tokio::test]
async fn payment_unavailable_answers_503_and_leaves_the_task_payment_pending() {
    let w = world(FakePayment {
        refuse: Some(|| AppError::unavailable("packing/payment", 5)),
        ..FakePayment::default()
    })
    .await;
    let refused = accept(&w.deps, id(), &w.cx).await.unwrap_err();
    assert_eq!(refused.status(), 503);
    assert_eq!(status(&w).await, TaskStatus::PaymentPending);
    // Asked again while payment is still unavailable: nothing more is recorded.
    accept(&w.deps, id(), &w.cx).await.unwrap_err();
    assert_eq!(
        w.store.event_types(),
        ["PackingTaskCreated", "PackingPaymentPending"]
    );
}

#[tokio::test]
async fn a_payment_refused_because_the_order_was_cancelled_changes_nothing() {
    let w = world(FakePayment {
        refuse: Some(|| AppError::conflict("order o1 was cancelled or rejected")),
        ..FakePayment::default()
    })
    .await;
    let refused = accept(&w.deps, id(), &w.cx).await.unwrap_err();
    assert_eq!(refused.status(), 409);
    assert_eq!(status(&w).await, TaskStatus::Waiting);
    assert_eq!(w.store.event_types(), ["PackingTaskCreated"]);
}

#[tokio::test]
async fn a_rejected_task_is_not_accepted_and_payment_is_not_asked() {
    let w = world(FakePayment::default()).await;
    reject(&w.deps, id(), &w.cx).await.unwrap();
    let refused = accept(&w.deps, id(), &w.cx).await.unwrap_err();
    assert_eq!(refused.status(), 409);
    assert!(w.payment.asked.lock().unwrap().is_empty());
}

#[tokio::test]
async fn an_unknown_task_is_404_and_payment_is_not_asked() {
    let w = world(FakePayment::default()).await;
    let unknown = accept(&w.deps, Id::parse("id", "nope").unwrap(), &w.cx)
        .await
        .unwrap_err();
    assert_eq!(unknown.status(), 404);
    assert!(w.payment.asked.lock().unwrap().is_empty());
}
