//! 물건패킹 (packing task): appears for the admin when an order is taken (WAITING); accepted once
//! its order is paid (READY_TO_PACK, or PAYMENT_PENDING while payment is unavailable), then packed
//! or rejected; cancelled with its order. An admin action in the wrong status is refused (409).
//! Pure.

use kernel::{Aggregate, Document, Keys, Slot, aggregate::Decide};
use packing_events::{
    PackingOrdered, PackingPaymentPending, PackingReady, PackingRejected, PackingTaskCancelled,
    PackingTaskCreated, ProductPacked, TaskStatus,
};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct PackingTask {
    /// The order's id: one task per order.
    pub id: String,
    pub order_id: String,
    pub user_id: String,
    pub product_name: String,
    pub qty: u32,
    pub status: TaskStatus,
    /// The order's payment, once it is paid.
    pub payment_id: Option<String>,
}

/// Tasks by status (the admin's board, `GET /productpackings?status=`).
pub const BY_STATUS: Slot = Slot::A;

impl Document for PackingTask {
    const KIND: &'static str = "PackingTask";
    fn id(&self) -> &str {
        &self.id
    }
    fn keys(&self) -> Keys {
        Keys {
            a: Some(self.status.word().to_owned()),
            b: None,
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "eventType", content = "payload")]
pub enum PackingTaskEvent {
    PackingTaskCreated(PackingTaskCreated),
    PackingPaymentPending(PackingPaymentPending),
    PackingReady(PackingReady),
    ProductPacked(ProductPacked),
    PackingRejected(PackingRejected),
    PackingTaskCancelled(PackingTaskCancelled),
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum TaskCmd {
    /// An order was taken (a policy).
    Create(PackingOrdered),
    /// The admin accepts: checked before payment is called.
    Accept,
    /// Payment was unavailable when the admin accepted.
    PaymentUnavailable,
    /// Payment approved the order's payment.
    Paid {
        payment_id: String,
    },
    Pack,
    Reject,
    /// The order was cancelled (a policy: never refused).
    Cancel,
}

#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum Refusal {
    #[error("packing task {id} is {status}: it cannot be {action}")]
    WrongStatus {
        id: String,
        status: TaskStatus,
        action: &'static str,
    },
}

impl From<Refusal> for kernel::AppError {
    fn from(r: Refusal) -> Self {
        Self::Conflict(r.to_string())
    }
}

impl PackingTask {
    fn refuse(&self, action: &'static str) -> Refusal {
        Refusal::WrongStatus {
            id: self.id.clone(),
            status: self.status,
            action,
        }
    }
}

impl Decide for PackingTask {
    type Command = TaskCmd;
    type Refusal = Refusal;

    fn decide(&self, cmd: TaskCmd) -> Result<Vec<PackingTaskEvent>, Refusal> {
        use PackingTaskEvent as E;
        use TaskStatus::*;
        let (task_id, order_id, user_id) =
            (self.id.clone(), self.order_id.clone(), self.user_id.clone());
        match cmd {
            TaskCmd::Create(o) => Ok(if self.id.is_empty() {
                vec![E::PackingTaskCreated(PackingTaskCreated {
                    task_id: o.order_id.clone(),
                    order_id: o.order_id,
                    user_id: o.user_id,
                    product_name: o.product_name,
                    qty: o.qty,
                })]
            } else {
                vec![]
            }),
            TaskCmd::Accept => match self.status {
                Waiting | PaymentPending => Ok(vec![]),
                _ => Err(self.refuse("accepted")),
            },
            TaskCmd::PaymentUnavailable => match self.status {
                Waiting => Ok(vec![E::PackingPaymentPending(PackingPaymentPending {
                    task_id,
                    order_id,
                    user_id,
                })]),
                PaymentPending => Ok(vec![]),
                _ => Err(self.refuse("accepted")),
            },
            TaskCmd::Paid { payment_id } => match self.status {
                Waiting | PaymentPending => Ok(vec![E::PackingReady(PackingReady {
                    task_id,
                    order_id,
                    user_id,
                    payment_id,
                })]),
                // A concurrent accept of the same order got there first: the same payment.
                ReadyToPack => Ok(vec![]),
                _ => Err(self.refuse("accepted")),
            },
            TaskCmd::Pack => match self.status {
                ReadyToPack => Ok(vec![E::ProductPacked(ProductPacked {
                    task_id,
                    order_id,
                    user_id,
                })]),
                _ => Err(self.refuse("packed")),
            },
            TaskCmd::Reject => match self.status {
                Waiting | PaymentPending | ReadyToPack => {
                    Ok(vec![E::PackingRejected(PackingRejected {
                        task_id,
                        order_id,
                        user_id,
                    })])
                }
                _ => Err(self.refuse("rejected")),
            },
            // The customer's cancellation was accepted by the order before it knew of a packing
            // that raced it: the cancellation wins and the box is unpacked.
            TaskCmd::Cancel => Ok(match self.status {
                _ if self.id.is_empty() => vec![],
                Waiting | PaymentPending | ReadyToPack | Packed => {
                    vec![E::PackingTaskCancelled(PackingTaskCancelled {
                        task_id,
                        order_id,
                        user_id,
                    })]
                }
                Rejected | Cancelled => vec![],
            }),
        }
    }
}

impl Aggregate for PackingTask {
    type Event = PackingTaskEvent;

    fn apply(mut self, event: &PackingTaskEvent) -> Self {
        use PackingTaskEvent as E;
        match event {
            E::PackingTaskCreated(e) => {
                self = PackingTask {
                    id: e.task_id.clone(),
                    order_id: e.order_id.clone(),
                    user_id: e.user_id.clone(),
                    product_name: e.product_name.clone(),
                    qty: e.qty,
                    status: TaskStatus::Waiting,
                    payment_id: None,
                }
            }
            E::PackingPaymentPending(_) => self.status = TaskStatus::PaymentPending,
            E::PackingReady(e) => {
                self.status = TaskStatus::ReadyToPack;
                self.payment_id = Some(e.payment_id.clone());
            }
            E::ProductPacked(_) => self.status = TaskStatus::Packed,
            E::PackingRejected(_) => self.status = TaskStatus::Rejected,
            E::PackingTaskCancelled(_) => self.status = TaskStatus::Cancelled,
        }
        self
    }
}

#[cfg(test)]
mod tests {
    use testkit::given;

    use super::*;

    fn ordered() -> PackingOrdered {
        PackingOrdered {
            order_id: "o1".into(),
            user_id: "kim".into(),
            product_id: "p1".into(),
            product_name: "Strawberries".into(),
            qty: 2,
            address: "Seoul".into(),
        }
    }

    fn created() -> PackingTaskEvent {
        PackingTaskEvent::PackingTaskCreated(PackingTaskCreated {
            task_id: "o1".into(),
            order_id: "o1".into(),
            user_id: "kim".into(),
            product_name: "Strawberries".into(),
            qty: 2,
        })
    }

    fn pending() -> PackingTaskEvent {
        PackingTaskEvent::PackingPaymentPending(PackingPaymentPending {
            task_id: "o1".into(),
            order_id: "o1".into(),
            user_id: "kim".into(),
        })
    }

    fn ready() -> PackingTaskEvent {
        PackingTaskEvent::PackingReady(PackingReady {
            task_id: "o1".into(),
            order_id: "o1".into(),
            user_id: "kim".into(),
            payment_id: "o1".into(),
        })
    }

    fn packed() -> PackingTaskEvent {
        PackingTaskEvent::ProductPacked(ProductPacked {
            task_id: "o1".into(),
            order_id: "o1".into(),
            user_id: "kim".into(),
        })
    }

    fn rejected() -> PackingTaskEvent {
        PackingTaskEvent::PackingRejected(PackingRejected {
            task_id: "o1".into(),
            order_id: "o1".into(),
            user_id: "kim".into(),
        })
    }

    fn cancelled() -> PackingTaskEvent {
        PackingTaskEvent::PackingTaskCancelled(PackingTaskCancelled {
            task_id: "o1".into(),
            order_id: "o1".into(),
            user_id: "kim".into(),
        })
    }

    fn paid() -> TaskCmd {
        TaskCmd::Paid {
            payment_id: "o1".into(),
        }
    }

    fn wrong(status: TaskStatus, action: &'static str) -> Refusal {
        Refusal::WrongStatus {
            id: "o1".into(),
            status,
            action,
        }
    }

    #[test]
    fn an_order_makes_one_waiting_task_keyed_by_the_order() {
        let t = given::<PackingTask>([])
            .when(TaskCmd::Create(ordered()))
            .then([created()]);
        assert_eq!((t.id.as_str(), t.status), ("o1", TaskStatus::Waiting));
        given::<PackingTask>([created()])
            .when(TaskCmd::Create(ordered()))
            .then_nothing();
    }

    #[test]
    fn a_paid_task_is_ready_to_pack() {
        let t = given::<PackingTask>([created()])
            .when(paid())
            .then([ready()]);
        assert_eq!(
            (t.status, t.payment_id.as_deref()),
            (TaskStatus::ReadyToPack, Some("o1"))
        );
    }

    #[test]
    fn payment_unavailable_leaves_the_task_payment_pending_and_accept_again_completes_it() {
        let t = given::<PackingTask>([created()])
            .when(TaskCmd::PaymentUnavailable)
            .then([pending()]);
        assert_eq!(t.status, TaskStatus::PaymentPending);
        given::<PackingTask>([created(), pending()])
            .when(TaskCmd::PaymentUnavailable)
            .then_nothing();
        given::<PackingTask>([created(), pending()])
            .when(TaskCmd::Accept)
            .then_nothing();
        given::<PackingTask>([created(), pending()])
            .when(paid())
            .then([ready()]);
    }

    #[test]
    fn a_second_accept_racing_the_first_changes_nothing() {
        given::<PackingTask>([created(), ready()])
            .when(paid())
            .then_nothing();
    }

    #[test]
    fn accepting_a_task_that_is_ready_packed_rejected_or_cancelled_is_refused() {
        for (last, status) in [
            (ready(), TaskStatus::ReadyToPack),
            (rejected(), TaskStatus::Rejected),
            (cancelled(), TaskStatus::Cancelled),
        ] {
            given::<PackingTask>([created(), last])
                .when(TaskCmd::Accept)
                .then_refused(wrong(status, "accepted"));
        }
        given::<PackingTask>([created(), cancelled()])
            .when(paid())
            .then_refused(wrong(TaskStatus::Cancelled, "accepted"));
    }

    #[test]
    fn only_a_ready_task_is_packed() {
        let t = given::<PackingTask>([created(), ready()])
            .when(TaskCmd::Pack)
            .then([packed()]);
        assert_eq!(t.status, TaskStatus::Packed);
        given::<PackingTask>([created()])
            .when(TaskCmd::Pack)
            .then_refused(wrong(TaskStatus::Waiting, "packed"));
        given::<PackingTask>([created(), ready(), packed()])
            .when(TaskCmd::Pack)
            .then_refused(wrong(TaskStatus::Packed, "packed"));
    }

    #[test]
    fn a_task_is_rejected_until_it_is_packed() {
        for before in [
            vec![created()],
            vec![created(), pending()],
            vec![created(), ready()],
        ] {
            given::<PackingTask>(before)
                .when(TaskCmd::Reject)
                .then([rejected()]);
        }
        given::<PackingTask>([created(), ready(), packed()])
            .when(TaskCmd::Reject)
            .then_refused(wrong(TaskStatus::Packed, "rejected"));
        given::<PackingTask>([created(), rejected()])
            .when(TaskCmd::Reject)
            .then_refused(wrong(TaskStatus::Rejected, "rejected"));
    }

    #[test]
    fn a_cancelled_order_cancels_its_task_once() {
        let t = given::<PackingTask>([created(), ready()])
            .when(TaskCmd::Cancel)
            .then([cancelled()]);
        assert_eq!(t.status, TaskStatus::Cancelled);
        given::<PackingTask>([created(), cancelled()])
            .when(TaskCmd::Cancel)
            .then_nothing();
        given::<PackingTask>([created(), rejected()])
            .when(TaskCmd::Cancel)
            .then_nothing();
    }

    #[test]
    fn a_cancellation_that_raced_the_packing_wins() {
        given::<PackingTask>([created(), ready(), packed()])
            .when(TaskCmd::Cancel)
            .then([cancelled()]);
    }
}
