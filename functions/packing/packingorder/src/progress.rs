//! The order follows its task and its payment, exactly once per event: PAYMENT_PENDING on
//! `PackingPaymentPending`, PAID on `PaymentApproved`, PACKED on `ProductPacked`, REJECTED on
//! `PackingRejected` (requirements 3, 4). A cancelled order stays cancelled.

use kernel::{AppError, Call, Envelope, Event, Marker, aggregate, aggregate::Decide};
use packing_events::{
    OrderStatus, PackingPaymentPending, PackingRejected, PaymentApproved, ProductPacked,
};

use crate::{Deps, domain::OrderCmd};

pub const ON_TASK: &str = "packing-packingorder-on-task";
pub const ON_PAYMENT_APPROVED: &str = "packing-packingorder-on-payment-approved";

/// On `PackingPaymentPending`, `ProductPacked`, `PackingRejected`.
pub async fn on_task(d: &Deps, event: Envelope, cx: &Call) -> Result<(), AppError> {
    let (order_id, to) = match event.event_type.as_str() {
        PackingPaymentPending::TYPE => (
            event.payload::<PackingPaymentPending>()?.order_id,
            OrderStatus::PaymentPending,
        ),
        ProductPacked::TYPE => (
            event.payload::<ProductPacked>()?.order_id,
            OrderStatus::Packed,
        ),
        PackingRejected::TYPE => (
            event.payload::<PackingRejected>()?.order_id,
            OrderStatus::Rejected,
        ),
        other => {
            return Err(AppError::invalid(format!(
                "{ON_TASK} does not handle {other}"
            )));
        }
    };
    progress(d, ON_TASK, &event, &order_id, to, cx).await
}

/// On `PaymentApproved`.
pub async fn on_payment_approved(d: &Deps, event: Envelope, cx: &Call) -> Result<(), AppError> {
    let approved: PaymentApproved = event.payload()?;
    progress(
        d,
        ON_PAYMENT_APPROVED,
        &event,
        &approved.order_id,
        OrderStatus::Paid,
        cx,
    )
    .await
}

async fn progress(
    d: &Deps,
    function: &str,
    event: &Envelope,
    order_id: &str,
    to: OrderStatus,
    cx: &Call,
) -> Result<(), AppError> {
    let marker = Marker::of(function, event, order_id);
    aggregate::update_once(&d.orders, order_id, Some(marker), cx, |o| {
        Ok(o.decide(OrderCmd::Progress(to))?)
    })
    .await?;
    Ok(())
}
