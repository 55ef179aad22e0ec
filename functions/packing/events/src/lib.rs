//! The packing system's published language (새벽배송 포장, dawn-delivery packing): the bounded
//! contexts and the events they exchange. Every event names its order (the correlation key: a
//! packing task and a payment are keyed by their order's id) and carries the customer and what
//! the order view shows, so that no consumer has to call back the context that recorded it.

use kernel::{ContextId, events};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// The system's prefix on the front door: `/packing/...`.
pub const SYSTEM: &str = "packing";

/// 패킹주문 (core) — the customer's packing orders.
pub const PACKINGORDER: ContextId = ContextId::new(SYSTEM, "packingorder");
/// 물건패킹 (supporting) — the admin's packing tasks.
pub const PRODUCTPACKING: ContextId = ContextId::new(SYSTEM, "productpacking");
/// 결제 (general) — payments, taken synchronously when the admin accepts a task.
pub const PAYMENT: ContextId = ContextId::new(SYSTEM, "payment");
/// 물건 주문 List — the order list, a view built from events only (CQRS).
pub const ORDERINFO: ContextId = ContextId::new(SYSTEM, "orderinfo");

/// A path on this system's API, as a `Location` header or a sync call names it.
pub fn path(below: &str) -> String {
    format!("/{SYSTEM}{below}")
}

// ---- the status words -----------------------------------------------------------------------

/// An order's status, as the customer sees it.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum OrderStatus {
    /// 주문됨: taken, waiting for the admin.
    #[default]
    Ordered,
    /// 결제 대기: the admin accepted but payment was unavailable; the admin retries later.
    PaymentPending,
    /// 결제 완료.
    Paid,
    /// 포장 완료.
    Packed,
    /// 거절: the admin rejected it (refunded if it was paid).
    Rejected,
    /// 취소: the customer cancelled it (refunded if it was paid).
    Cancelled,
}

/// A packing task's status, as the admin sees it.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum TaskStatus {
    /// 대기: waiting for the admin to check availability and accept.
    #[default]
    Waiting,
    /// Accepted, but payment was unavailable: accept again later.
    PaymentPending,
    /// Paid: ready to pack.
    ReadyToPack,
    Packed,
    Rejected,
    Cancelled,
}

/// A payment's status.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum PaymentStatus {
    #[default]
    Approved,
    Refunded,
}

macro_rules! words {
    ($($t:ty { $($v:ident => $w:literal),* $(,)? })*) => {$(
        impl $t {
            /// The status word, as the API spells it.
            pub fn word(self) -> &'static str {
                match self { $(Self::$v => $w),* }
            }
        }
        impl std::fmt::Display for $t {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.word())
            }
        }
    )*};
}

words! {
    OrderStatus {
        Ordered => "ORDERED", PaymentPending => "PAYMENT_PENDING", Paid => "PAID",
        Packed => "PACKED", Rejected => "REJECTED", Cancelled => "CANCELLED",
    }
    TaskStatus {
        Waiting => "WAITING", PaymentPending => "PAYMENT_PENDING", ReadyToPack => "READY_TO_PACK",
        Packed => "PACKED", Rejected => "REJECTED", Cancelled => "CANCELLED",
    }
    PaymentStatus { Approved => "APPROVED", Refunded => "REFUNDED" }
}

// ---- packingorder ---------------------------------------------------------------------------

/// A customer picked a product and ordered it (ORDERED).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct PackingOrdered {
    #[schema(example = "01KAORDER00000000000000001")]
    pub order_id: String,
    #[schema(example = "kim")]
    pub user_id: String,
    #[schema(example = "strawberries-500g")]
    pub product_id: String,
    #[schema(example = "Strawberries 500 g")]
    pub product_name: String,
    #[schema(example = 2)]
    pub qty: u32,
    #[schema(example = "12 Teheran-ro, Seoul")]
    pub address: String,
}

/// The customer cancelled the order (before it was packed).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct PackingOrderCancelled {
    #[schema(example = "01KAORDER00000000000000001")]
    pub order_id: String,
    #[schema(example = "kim")]
    pub user_id: String,
}

/// The order's status followed its task or its payment: PAYMENT_PENDING, PAID, PACKED or
/// REJECTED (the order's own record of what the customer sees).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct PackingOrderProgressed {
    #[schema(example = "01KAORDER00000000000000001")]
    pub order_id: String,
    #[schema(example = "kim")]
    pub user_id: String,
    /// PAYMENT_PENDING, PAID, PACKED or REJECTED.
    #[schema(value_type = String, example = "PAID")]
    pub status: OrderStatus,
}

// ---- productpacking -------------------------------------------------------------------------

/// A packing task appeared for the admin (WAITING). Its id is its order's id: one task per order.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct PackingTaskCreated {
    #[schema(example = "01KAORDER00000000000000001")]
    pub task_id: String,
    #[schema(example = "01KAORDER00000000000000001")]
    pub order_id: String,
    #[schema(example = "kim")]
    pub user_id: String,
    #[schema(example = "Strawberries 500 g")]
    pub product_name: String,
    #[schema(example = 2)]
    pub qty: u32,
}

/// The admin accepted the task but payment was unavailable: the admin retries later, the
/// customer sees PAYMENT_PENDING (seed NFR 2.2).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct PackingPaymentPending {
    #[schema(example = "01KAORDER00000000000000001")]
    pub task_id: String,
    #[schema(example = "01KAORDER00000000000000001")]
    pub order_id: String,
    #[schema(example = "kim")]
    pub user_id: String,
}

/// The order is paid: the task is READY_TO_PACK.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct PackingReady {
    #[schema(example = "01KAORDER00000000000000001")]
    pub task_id: String,
    #[schema(example = "01KAORDER00000000000000001")]
    pub order_id: String,
    #[schema(example = "kim")]
    pub user_id: String,
    #[schema(example = "01KAORDER00000000000000001")]
    pub payment_id: String,
}

/// The admin packed the product (PACKED).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ProductPacked {
    #[schema(example = "01KAORDER00000000000000001")]
    pub task_id: String,
    #[schema(example = "01KAORDER00000000000000001")]
    pub order_id: String,
    #[schema(example = "kim")]
    pub user_id: String,
}

/// The admin rejected the task (the product is unavailable): the order is REJECTED, refunded if paid.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct PackingRejected {
    #[schema(example = "01KAORDER00000000000000001")]
    pub task_id: String,
    #[schema(example = "01KAORDER00000000000000001")]
    pub order_id: String,
    #[schema(example = "kim")]
    pub user_id: String,
}

/// The task was cancelled because its order was.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct PackingTaskCancelled {
    #[schema(example = "01KAORDER00000000000000001")]
    pub task_id: String,
    #[schema(example = "01KAORDER00000000000000001")]
    pub order_id: String,
    #[schema(example = "kim")]
    pub user_id: String,
}

// ---- payment --------------------------------------------------------------------------------

/// The order was paid (APPROVED). The payment's id is its order's id: one payment per order.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct PaymentApproved {
    #[schema(example = "01KAORDER00000000000000001")]
    pub payment_id: String,
    #[schema(example = "01KAORDER00000000000000001")]
    pub order_id: String,
    #[schema(example = "kim")]
    pub user_id: String,
}

/// The payment was given back (REFUNDED): its order was cancelled or rejected.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct PaymentRefunded {
    #[schema(example = "01KAORDER00000000000000001")]
    pub payment_id: String,
    #[schema(example = "01KAORDER00000000000000001")]
    pub order_id: String,
    #[schema(example = "kim")]
    pub user_id: String,
}

events!(
    PackingOrdered,
    PackingOrderCancelled,
    PackingOrderProgressed,
    PackingTaskCreated,
    PackingPaymentPending,
    PackingReady,
    ProductPacked,
    PackingRejected,
    PackingTaskCancelled,
    PaymentApproved,
    PaymentRefunded,
);

/// The order every sample names (its task and its payment share its id).
pub const SAMPLE_ORDER_ID: &str = "01KAORDER00000000000000001";

/// The sample id for path parameter `param` of a route below `path`.
pub fn sample_id(_path: &str, _param: &str) -> &'static str {
    SAMPLE_ORDER_ID
}

/// One recorded example of each event: its payload built from the examples on its schema, its
/// aggregate named by the payload's id field.
pub fn samples() -> Vec<kernel::Envelope> {
    use kernel::Envelope as E;
    E::numbered(vec![
        E::sample::<PackingOrdered>(PACKINGORDER, "PackingOrder", "orderId"),
        E::sample::<PackingOrderCancelled>(PACKINGORDER, "PackingOrder", "orderId"),
        E::sample::<PackingOrderProgressed>(PACKINGORDER, "PackingOrder", "orderId"),
        E::sample::<PackingTaskCreated>(PRODUCTPACKING, "PackingTask", "taskId"),
        E::sample::<PackingPaymentPending>(PRODUCTPACKING, "PackingTask", "taskId"),
        E::sample::<PackingReady>(PRODUCTPACKING, "PackingTask", "taskId"),
        E::sample::<ProductPacked>(PRODUCTPACKING, "PackingTask", "taskId"),
        E::sample::<PackingRejected>(PRODUCTPACKING, "PackingTask", "taskId"),
        E::sample::<PackingTaskCancelled>(PRODUCTPACKING, "PackingTask", "taskId"),
        E::sample::<PaymentApproved>(PAYMENT, "Payment", "paymentId"),
        E::sample::<PaymentRefunded>(PAYMENT, "Payment", "paymentId"),
    ])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn status_words_are_spelled_as_the_api_spells_them() {
        for s in [OrderStatus::PaymentPending, OrderStatus::Cancelled] {
            assert_eq!(serde_json::to_value(s).unwrap(), s.word());
        }
        assert_eq!(
            serde_json::to_value(TaskStatus::ReadyToPack).unwrap(),
            "READY_TO_PACK"
        );
        assert_eq!(PaymentStatus::Refunded.to_string(), "REFUNDED");
    }

    #[test]
    fn every_sample_payload_decodes_as_its_event() {
        for e in samples() {
            let decoded = match e.event_type.as_str() {
                "PackingOrdered" => e.payload::<PackingOrdered>().map(drop),
                "PackingOrderCancelled" => e.payload::<PackingOrderCancelled>().map(drop),
                "PackingOrderProgressed" => e.payload::<PackingOrderProgressed>().map(drop),
                "PackingTaskCreated" => e.payload::<PackingTaskCreated>().map(drop),
                "PackingPaymentPending" => e.payload::<PackingPaymentPending>().map(drop),
                "PackingReady" => e.payload::<PackingReady>().map(drop),
                "ProductPacked" => e.payload::<ProductPacked>().map(drop),
                "PackingRejected" => e.payload::<PackingRejected>().map(drop),
                "PackingTaskCancelled" => e.payload::<PackingTaskCancelled>().map(drop),
                "PaymentApproved" => e.payload::<PaymentApproved>().map(drop),
                "PaymentRefunded" => e.payload::<PaymentRefunded>().map(drop),
                other => panic!("no sample decoder for {other}"),
            };
            assert!(decoded.is_ok(), "{}: {decoded:?}", e.event_type);
            assert_eq!(e.aggregate_id, SAMPLE_ORDER_ID, "{}", e.event_type);
        }
    }
}
