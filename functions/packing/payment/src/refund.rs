//! A cancelled or rejected order is refunded exactly once → `PaymentRefunded` (requirements 1,
//! 3). An order not yet paid is closed instead, in the same conditional write, so that an accept
//! racing the cancellation cannot charge it afterwards.

use kernel::{
    AppError, Call, Envelope, Marker, Tx,
    aggregate::{self, Decide, Step},
};
use packing_events::{PackingOrderCancelled, PackingRejected};

use crate::{
    Deps,
    domain::{Payment, PaymentClosure, PaymentCmd},
};

pub const ON_ORDER_CANCELLED: &str = "packing-payment-on-order-cancelled";
pub const ON_PACKING_REJECTED: &str = "packing-payment-on-packing-rejected";

/// On `PackingOrderCancelled`.
pub async fn on_order_cancelled(d: &Deps, event: Envelope, cx: &Call) -> Result<(), AppError> {
    let e: PackingOrderCancelled = event.payload()?;
    refund_or_close(d, ON_ORDER_CANCELLED, &event, &e.order_id, cx).await
}

/// On `PackingRejected`.
pub async fn on_packing_rejected(d: &Deps, event: Envelope, cx: &Call) -> Result<(), AppError> {
    let e: PackingRejected = event.payload()?;
    refund_or_close(d, ON_PACKING_REJECTED, &event, &e.order_id, cx).await
}

async fn refund_or_close(
    d: &Deps,
    function: &str,
    event: &Envelope,
    order_id: &str,
    cx: &Call,
) -> Result<(), AppError> {
    let marker = Marker::of(function, event, order_id);
    let store = d.payments.store();
    aggregate::write_once(&**store, Some(&marker), || async {
        let mut tx = Tx::new();
        match d.payments.get(order_id).await? {
            Some(paid) => {
                let events = paid
                    .doc
                    .decide(PaymentCmd::Refund)
                    .map_err(AppError::from)?;
                if events.is_empty() {
                    return Ok(Step::Skip(()));
                }
                aggregate::record(&mut tx, store.context(), paid.doc, paid.version, events, cx)?;
            }
            None => {
                if d.closures.get(order_id).await?.is_some() {
                    return Ok(Step::Skip(()));
                }
                tx.require_absent::<Payment>(order_id);
                tx.put(
                    &PaymentClosure {
                        id: order_id.to_owned(),
                    },
                    0,
                )?;
            }
        }
        Ok(Step::Write(tx, ()))
    })
    .await?;
    Ok(())
}
