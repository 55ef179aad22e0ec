//! The order list row (물건 주문 List): one per order, built only from events (CQRS). The order's
//! events set `status`, its task's `packingStatus`, its payment's `paymentStatus`; each arrives in
//! its own aggregate's order, in any order relative to the others, so a row may first appear
//! with only some of them. Every event names the customer, so the row always knows whose it is.

use kernel::{AppError, Document, Envelope, Event, Keys, Slot};
use packing_events::{
    OrderStatus, PackingOrderCancelled, PackingOrderProgressed, PackingOrdered,
    PackingPaymentPending, PackingReady, PackingRejected, PackingTaskCancelled, PackingTaskCreated,
    PaymentApproved, PaymentRefunded, PaymentStatus, ProductPacked, TaskStatus,
};
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use utoipa::ToSchema;

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct OrderInfo {
    /// The order's id.
    pub id: String,
    pub user_id: String,
    pub product_name: Option<String>,
    pub qty: Option<u32>,
    /// The order's status; null until the order's own event arrives.
    pub status: Option<OrderStatus>,
    /// APPROVED or REFUNDED; null while the order is unpaid.
    pub payment_status: Option<PaymentStatus>,
    /// The packing task's status; null until the task appears.
    pub packing_status: Option<TaskStatus>,
    #[serde(with = "time::serde::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    pub updated_at: OffsetDateTime,
}

impl Default for OrderInfo {
    fn default() -> Self {
        Self {
            id: String::new(),
            user_id: String::new(),
            product_name: None,
            qty: None,
            status: None,
            payment_status: None,
            packing_status: None,
            updated_at: OffsetDateTime::UNIX_EPOCH,
        }
    }
}

/// The customer's list (`?userId=`) and the admin's (`?status=`).
pub const BY_USER: Slot = Slot::A;
pub const BY_STATUS: Slot = Slot::B;

impl Document for OrderInfo {
    const KIND: &'static str = "OrderInfo";
    fn id(&self) -> &str {
        &self.id
    }
    fn keys(&self) -> Keys {
        Keys {
            a: Some(self.user_id.clone()),
            b: self.status.map(|s| s.word().to_owned()),
        }
    }
}

/// What one event says about its order's row.
enum Change {
    Ordered { product_name: String, qty: u32 },
    Status(OrderStatus),
    Packing(TaskStatus),
    Created { product_name: String, qty: u32 },
    Payment(PaymentStatus),
}

/// The order an event is about, its customer, and what it changes.
fn read(event: &Envelope) -> Result<(String, String, Change), AppError> {
    Ok(match event.event_type.as_str() {
        PackingOrdered::TYPE => {
            let e: PackingOrdered = event.payload()?;
            let change = Change::Ordered {
                product_name: e.product_name,
                qty: e.qty,
            };
            (e.order_id, e.user_id, change)
        }
        PackingOrderCancelled::TYPE => {
            let e: PackingOrderCancelled = event.payload()?;
            (
                e.order_id,
                e.user_id,
                Change::Status(OrderStatus::Cancelled),
            )
        }
        PackingOrderProgressed::TYPE => {
            let e: PackingOrderProgressed = event.payload()?;
            (e.order_id, e.user_id, Change::Status(e.status))
        }
        PackingTaskCreated::TYPE => {
            let e: PackingTaskCreated = event.payload()?;
            let change = Change::Created {
                product_name: e.product_name,
                qty: e.qty,
            };
            (e.order_id, e.user_id, change)
        }
        PackingPaymentPending::TYPE => {
            let e: PackingPaymentPending = event.payload()?;
            (
                e.order_id,
                e.user_id,
                Change::Packing(TaskStatus::PaymentPending),
            )
        }
        PackingReady::TYPE => {
            let e: PackingReady = event.payload()?;
            (
                e.order_id,
                e.user_id,
                Change::Packing(TaskStatus::ReadyToPack),
            )
        }
        ProductPacked::TYPE => {
            let e: ProductPacked = event.payload()?;
            (e.order_id, e.user_id, Change::Packing(TaskStatus::Packed))
        }
        PackingRejected::TYPE => {
            let e: PackingRejected = event.payload()?;
            (e.order_id, e.user_id, Change::Packing(TaskStatus::Rejected))
        }
        PackingTaskCancelled::TYPE => {
            let e: PackingTaskCancelled = event.payload()?;
            (
                e.order_id,
                e.user_id,
                Change::Packing(TaskStatus::Cancelled),
            )
        }
        PaymentApproved::TYPE => {
            let e: PaymentApproved = event.payload()?;
            (
                e.order_id,
                e.user_id,
                Change::Payment(PaymentStatus::Approved),
            )
        }
        PaymentRefunded::TYPE => {
            let e: PaymentRefunded = event.payload()?;
            (
                e.order_id,
                e.user_id,
                Change::Payment(PaymentStatus::Refunded),
            )
        }
        other => {
            return Err(AppError::invalid(format!(
                "orderinfo does not project {other}"
            )));
        }
    })
}

/// The order an event is about.
pub fn subject(event: &Envelope) -> Result<String, AppError> {
    read(event).map(|(order_id, _, _)| order_id)
}

impl OrderInfo {
    /// The row after `event`. Pure.
    pub fn project(mut self, event: &Envelope) -> Result<Self, AppError> {
        let (order_id, user_id, change) = read(event)?;
        self.id = order_id;
        self.user_id = user_id;
        self.updated_at = self.updated_at.max(event.occurred_at);
        match change {
            Change::Ordered { product_name, qty } => {
                self.product_name = Some(product_name);
                self.qty = Some(qty);
                // An order event that arrived first (after a redrive) already says more.
                self.status.get_or_insert(OrderStatus::Ordered);
            }
            Change::Status(s) => self.status = Some(s),
            Change::Created { product_name, qty } => {
                self.product_name.get_or_insert(product_name);
                self.qty.get_or_insert(qty);
                self.packing_status.get_or_insert(TaskStatus::Waiting);
            }
            Change::Packing(s) => self.packing_status = Some(s),
            Change::Payment(s) => self.payment_status = Some(s),
        }
        Ok(self)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use kernel::Call;

    #[derive(Serialize)]
    #[serde(tag = "eventType", content = "payload")]
    enum Any {
        PackingOrdered(PackingOrdered),
        PackingTaskCreated(PackingTaskCreated),
        PaymentApproved(PaymentApproved),
        PackingOrderCancelled(PackingOrderCancelled),
        PaymentRefunded(PaymentRefunded),
    }

    fn event(e: Any) -> Envelope {
        Envelope::record("packing/x", "X", "o1", 1, &e, &Call::new(None)).unwrap()
    }

    fn ordered() -> Envelope {
        event(Any::PackingOrdered(PackingOrdered {
            order_id: "o1".into(),
            user_id: "kim".into(),
            product_id: "p1".into(),
            product_name: "Strawberries".into(),
            qty: 2,
            address: "Seoul".into(),
        }))
    }

    fn task() -> Envelope {
        event(Any::PackingTaskCreated(PackingTaskCreated {
            task_id: "o1".into(),
            order_id: "o1".into(),
            user_id: "kim".into(),
            product_name: "Strawberries".into(),
            qty: 2,
        }))
    }

    fn approved() -> Envelope {
        event(Any::PaymentApproved(PaymentApproved {
            payment_id: "o1".into(),
            order_id: "o1".into(),
            user_id: "kim".into(),
        }))
    }

    #[test]
    fn an_order_its_task_and_its_payment_fill_one_row() {
        let row = OrderInfo::default()
            .project(&ordered())
            .unwrap()
            .project(&task())
            .unwrap()
            .project(&approved())
            .unwrap();
        assert_eq!(row.id, "o1");
        assert_eq!(row.user_id, "kim");
        assert_eq!(row.product_name.as_deref(), Some("Strawberries"));
        assert_eq!(row.status, Some(OrderStatus::Ordered));
        assert_eq!(row.packing_status, Some(TaskStatus::Waiting));
        assert_eq!(row.payment_status, Some(PaymentStatus::Approved));
    }

    #[test]
    fn the_task_may_arrive_before_the_order() {
        let row = OrderInfo::default().project(&task()).unwrap();
        assert_eq!(
            (row.status, row.packing_status, row.user_id.as_str()),
            (None, Some(TaskStatus::Waiting), "kim")
        );
        let row = row.project(&ordered()).unwrap();
        assert_eq!(row.status, Some(OrderStatus::Ordered));
        assert_eq!(row.qty, Some(2));
    }

    #[test]
    fn a_cancelled_and_refunded_order_shows_both() {
        let cancelled = event(Any::PackingOrderCancelled(PackingOrderCancelled {
            order_id: "o1".into(),
            user_id: "kim".into(),
        }));
        let refunded = event(Any::PaymentRefunded(PaymentRefunded {
            payment_id: "o1".into(),
            order_id: "o1".into(),
            user_id: "kim".into(),
        }));
        let row = OrderInfo::default()
            .project(&ordered())
            .unwrap()
            .project(&approved())
            .unwrap()
            .project(&cancelled)
            .unwrap()
            .project(&refunded)
            .unwrap();
        assert_eq!(row.status, Some(OrderStatus::Cancelled));
        assert_eq!(row.payment_status, Some(PaymentStatus::Refunded));
        assert_eq!(row.keys().b.as_deref(), Some("CANCELLED"));
    }

    #[test]
    fn a_late_order_event_does_not_set_a_known_status_back() {
        let cancelled = event(Any::PackingOrderCancelled(PackingOrderCancelled {
            order_id: "o1".into(),
            user_id: "kim".into(),
        }));
        let row = OrderInfo::default()
            .project(&cancelled)
            .unwrap()
            .project(&ordered())
            .unwrap();
        assert_eq!(row.status, Some(OrderStatus::Cancelled));
    }
}
