//! 패킹주문 (packing order): ordered by a customer, cancelled by them until it is packed; its
//! status follows its packing task and its payment. Pure.

use kernel::{Aggregate, Document, Keys, Slot, aggregate::Decide};
use packing_events::{OrderStatus, PackingOrderCancelled, PackingOrderProgressed, PackingOrdered};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct PackingOrder {
    pub id: String,
    pub user_id: String,
    pub product_id: String,
    pub product_name: String,
    pub qty: u32,
    pub address: String,
    pub status: OrderStatus,
}

/// Orders by customer (`GET /packingorders?userId=`).
pub const BY_USER: Slot = Slot::A;

impl Document for PackingOrder {
    const KIND: &'static str = "PackingOrder";
    fn id(&self) -> &str {
        &self.id
    }
    fn keys(&self) -> Keys {
        Keys {
            a: Some(self.user_id.clone()),
            b: None,
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "eventType", content = "payload")]
pub enum PackingOrderEvent {
    PackingOrdered(PackingOrdered),
    PackingOrderCancelled(PackingOrderCancelled),
    PackingOrderProgressed(PackingOrderProgressed),
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum OrderCmd {
    Order(PackingOrdered),
    /// The customer cancels.
    Cancel,
    /// The order follows what its task or its payment did (a policy: never refused).
    Progress(OrderStatus),
}

#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum Refusal {
    #[error("packing order {0} already exists")]
    AlreadyOrdered(String),
    #[error("packing order {id} is {status}: it can be cancelled only until it is packed")]
    NotCancellable { id: String, status: OrderStatus },
}

impl From<Refusal> for kernel::AppError {
    fn from(r: Refusal) -> Self {
        Self::Conflict(r.to_string())
    }
}

/// Whether an order in status `from` may move to `to` when its task or payment says so. A
/// cancelled or rejected order never moves again, a packed one only stays packed, and the news
/// of one context never undoes the later news of another (PAID is not set back to
/// PAYMENT_PENDING by a late event).
pub fn may_progress(from: OrderStatus, to: OrderStatus) -> bool {
    use OrderStatus::*;
    match to {
        PaymentPending => from == Ordered,
        Paid => matches!(from, Ordered | PaymentPending),
        Packed | Rejected => matches!(from, Ordered | PaymentPending | Paid),
        Ordered | Cancelled => false,
    }
}

/// Whether the customer may still cancel an order in `status`: until it is packed.
pub fn is_cancellable(status: OrderStatus) -> bool {
    matches!(
        status,
        OrderStatus::Ordered | OrderStatus::PaymentPending | OrderStatus::Paid
    )
}

impl Decide for PackingOrder {
    type Command = OrderCmd;
    type Refusal = Refusal;

    fn decide(&self, cmd: OrderCmd) -> Result<Vec<PackingOrderEvent>, Refusal> {
        use PackingOrderEvent as E;
        match cmd {
            OrderCmd::Order(ordered) => {
                if !self.id.is_empty() {
                    return Err(Refusal::AlreadyOrdered(self.id.clone()));
                }
                Ok(vec![E::PackingOrdered(ordered)])
            }
            OrderCmd::Cancel => {
                if !is_cancellable(self.status) {
                    return Err(Refusal::NotCancellable {
                        id: self.id.clone(),
                        status: self.status,
                    });
                }
                Ok(vec![E::PackingOrderCancelled(PackingOrderCancelled {
                    order_id: self.id.clone(),
                    user_id: self.user_id.clone(),
                })])
            }
            OrderCmd::Progress(to) => Ok(if may_progress(self.status, to) {
                vec![E::PackingOrderProgressed(PackingOrderProgressed {
                    order_id: self.id.clone(),
                    user_id: self.user_id.clone(),
                    status: to,
                })]
            } else {
                vec![]
            }),
        }
    }
}

impl Aggregate for PackingOrder {
    type Event = PackingOrderEvent;

    fn apply(mut self, event: &PackingOrderEvent) -> Self {
        match event {
            PackingOrderEvent::PackingOrdered(e) => {
                self = PackingOrder {
                    id: e.order_id.clone(),
                    user_id: e.user_id.clone(),
                    product_id: e.product_id.clone(),
                    product_name: e.product_name.clone(),
                    qty: e.qty,
                    address: e.address.clone(),
                    status: OrderStatus::Ordered,
                }
            }
            PackingOrderEvent::PackingOrderCancelled(_) => self.status = OrderStatus::Cancelled,
            PackingOrderEvent::PackingOrderProgressed(e) => self.status = e.status,
        }
        self
    }
}

#[cfg(test)]
mod tests {
    use testkit::given;

    use super::*;

    fn ordered() -> PackingOrderEvent {
        PackingOrderEvent::PackingOrdered(order())
    }

    fn order() -> PackingOrdered {
        PackingOrdered {
            order_id: "o1".into(),
            user_id: "kim".into(),
            product_id: "p1".into(),
            product_name: "Strawberries".into(),
            qty: 2,
            address: "Seoul".into(),
        }
    }

    fn progressed(status: OrderStatus) -> PackingOrderEvent {
        PackingOrderEvent::PackingOrderProgressed(PackingOrderProgressed {
            order_id: "o1".into(),
            user_id: "kim".into(),
            status,
        })
    }

    fn cancelled() -> PackingOrderEvent {
        PackingOrderEvent::PackingOrderCancelled(PackingOrderCancelled {
            order_id: "o1".into(),
            user_id: "kim".into(),
        })
    }

    #[test]
    fn an_order_is_taken_as_ordered() {
        let o = given::<PackingOrder>([])
            .when(OrderCmd::Order(order()))
            .then([ordered()]);
        assert_eq!((o.status, o.qty), (OrderStatus::Ordered, 2));
    }

    #[test]
    fn an_order_is_taken_once() {
        given::<PackingOrder>([ordered()])
            .when(OrderCmd::Order(order()))
            .then_refused(Refusal::AlreadyOrdered("o1".into()));
    }

    #[test]
    fn an_order_can_be_cancelled_until_it_is_packed() {
        for before in [
            vec![ordered()],
            vec![ordered(), progressed(OrderStatus::PaymentPending)],
            vec![ordered(), progressed(OrderStatus::Paid)],
        ] {
            let o = given::<PackingOrder>(before)
                .when(OrderCmd::Cancel)
                .then([cancelled()]);
            assert_eq!(o.status, OrderStatus::Cancelled);
        }
    }

    #[test]
    fn a_packed_rejected_or_cancelled_order_cannot_be_cancelled() {
        for (last, status) in [
            (progressed(OrderStatus::Packed), OrderStatus::Packed),
            (progressed(OrderStatus::Rejected), OrderStatus::Rejected),
            (cancelled(), OrderStatus::Cancelled),
        ] {
            given::<PackingOrder>([ordered(), last])
                .when(OrderCmd::Cancel)
                .then_refused(Refusal::NotCancellable {
                    id: "o1".into(),
                    status,
                });
        }
    }

    #[test]
    fn the_order_follows_its_task_and_payment_to_packed() {
        let o = given::<PackingOrder>([ordered()])
            .when(OrderCmd::Progress(OrderStatus::PaymentPending))
            .then([progressed(OrderStatus::PaymentPending)]);
        assert_eq!(o.status, OrderStatus::PaymentPending);
        given::<PackingOrder>([ordered(), progressed(OrderStatus::PaymentPending)])
            .when(OrderCmd::Progress(OrderStatus::Paid))
            .then([progressed(OrderStatus::Paid)]);
        let o = given::<PackingOrder>([ordered(), progressed(OrderStatus::Paid)])
            .when(OrderCmd::Progress(OrderStatus::Packed))
            .then([progressed(OrderStatus::Packed)]);
        assert_eq!(o.status, OrderStatus::Packed);
    }

    #[test]
    fn a_late_payment_pending_does_not_set_a_paid_order_back() {
        given::<PackingOrder>([ordered(), progressed(OrderStatus::Paid)])
            .when(OrderCmd::Progress(OrderStatus::PaymentPending))
            .then_nothing();
    }

    #[test]
    fn a_cancelled_order_is_not_revived_by_its_task_or_payment() {
        for to in [
            OrderStatus::PaymentPending,
            OrderStatus::Paid,
            OrderStatus::Packed,
            OrderStatus::Rejected,
        ] {
            given::<PackingOrder>([ordered(), cancelled()])
                .when(OrderCmd::Progress(to))
                .then_nothing();
        }
    }

    #[test]
    fn a_rejected_order_stays_rejected() {
        given::<PackingOrder>([ordered(), progressed(OrderStatus::Rejected)])
            .when(OrderCmd::Progress(OrderStatus::Paid))
            .then_nothing();
    }
}
