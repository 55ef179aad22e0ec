//! 결제 (payment): one per order, keyed by the order's id (the idempotency key), approved when the
//! admin accepts the order's task, refunded once when the order is cancelled or rejected. Pure.

use kernel::{Aggregate, Document, Keys, Slot, aggregate::Decide};
use packing_events::{PaymentApproved, PaymentRefunded, PaymentStatus};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Payment {
    /// The order's id: one payment per order.
    pub id: String,
    pub order_id: String,
    pub user_id: String,
    pub status: PaymentStatus,
}

/// Payments by order (`GET /payments?orderId=`).
pub const BY_ORDER: Slot = Slot::A;

impl Document for Payment {
    const KIND: &'static str = "Payment";
    fn id(&self) -> &str {
        &self.id
    }
    fn keys(&self) -> Keys {
        Keys {
            a: Some(self.order_id.clone()),
            b: None,
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "eventType", content = "payload")]
pub enum PaymentEvent {
    PaymentApproved(PaymentApproved),
    PaymentRefunded(PaymentRefunded),
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum PaymentCmd {
    Pay {
        order_id: String,
        user_id: String,
    },
    /// The order was cancelled or rejected (a policy: never refused).
    Refund,
}

#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum Refusal {
    #[error("the payment of order {0} was refunded: the order is cancelled or rejected")]
    Refunded(String),
}

impl From<Refusal> for kernel::AppError {
    fn from(r: Refusal) -> Self {
        Self::Conflict(r.to_string())
    }
}

impl Decide for Payment {
    type Command = PaymentCmd;
    type Refusal = Refusal;

    /// Paying an order that is paid changes nothing (the same order accepted again); paying a
    /// refunded one is refused; a refund happens once.
    fn decide(&self, cmd: PaymentCmd) -> Result<Vec<PaymentEvent>, Refusal> {
        let (payment_id, order_id, user_id) =
            (self.id.clone(), self.order_id.clone(), self.user_id.clone());
        match cmd {
            PaymentCmd::Pay { order_id, user_id } => {
                if self.id.is_empty() {
                    return Ok(vec![PaymentEvent::PaymentApproved(PaymentApproved {
                        payment_id: order_id.clone(),
                        order_id,
                        user_id,
                    })]);
                }
                match self.status {
                    PaymentStatus::Approved => Ok(vec![]),
                    PaymentStatus::Refunded => Err(Refusal::Refunded(self.order_id.clone())),
                }
            }
            PaymentCmd::Refund => Ok(match (self.id.is_empty(), self.status) {
                (false, PaymentStatus::Approved) => {
                    vec![PaymentEvent::PaymentRefunded(PaymentRefunded {
                        payment_id,
                        order_id,
                        user_id,
                    })]
                }
                _ => vec![],
            }),
        }
    }
}

impl Aggregate for Payment {
    type Event = PaymentEvent;

    fn apply(mut self, event: &PaymentEvent) -> Self {
        match event {
            PaymentEvent::PaymentApproved(e) => {
                self = Payment {
                    id: e.payment_id.clone(),
                    order_id: e.order_id.clone(),
                    user_id: e.user_id.clone(),
                    status: PaymentStatus::Approved,
                }
            }
            PaymentEvent::PaymentRefunded(_) => self.status = PaymentStatus::Refunded,
        }
        self
    }
}

/// Recorded when an order is cancelled or rejected before it was paid: no payment may be taken
/// for it after that (a late accept is refused, not charged).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PaymentClosure {
    /// The order's id.
    pub id: String,
}

impl Document for PaymentClosure {
    const KIND: &'static str = "PaymentClosure";
    fn id(&self) -> &str {
        &self.id
    }
}

#[cfg(test)]
mod tests {
    use testkit::given;

    use super::*;

    fn pay() -> PaymentCmd {
        PaymentCmd::Pay {
            order_id: "o1".into(),
            user_id: "kim".into(),
        }
    }

    fn approved() -> PaymentEvent {
        PaymentEvent::PaymentApproved(PaymentApproved {
            payment_id: "o1".into(),
            order_id: "o1".into(),
            user_id: "kim".into(),
        })
    }

    fn refunded() -> PaymentEvent {
        PaymentEvent::PaymentRefunded(PaymentRefunded {
            payment_id: "o1".into(),
            order_id: "o1".into(),
            user_id: "kim".into(),
        })
    }

    #[test]
    fn paying_an_order_approves_one_payment_keyed_by_the_order() {
        let p = given::<Payment>([]).when(pay()).then([approved()]);
        assert_eq!((p.id.as_str(), p.status), ("o1", PaymentStatus::Approved));
    }

    #[test]
    fn paying_a_paid_order_again_changes_nothing() {
        given::<Payment>([approved()]).when(pay()).then_nothing();
    }

    #[test]
    fn paying_a_refunded_order_is_refused() {
        given::<Payment>([approved(), refunded()])
            .when(pay())
            .then_refused(Refusal::Refunded("o1".into()));
    }

    #[test]
    fn a_paid_order_is_refunded_once() {
        let p = given::<Payment>([approved()])
            .when(PaymentCmd::Refund)
            .then([refunded()]);
        assert_eq!(p.status, PaymentStatus::Refunded);
        given::<Payment>([approved(), refunded()])
            .when(PaymentCmd::Refund)
            .then_nothing();
    }

    #[test]
    fn an_order_never_paid_has_nothing_to_refund() {
        given::<Payment>([]).when(PaymentCmd::Refund).then_nothing();
    }
}
