//! The projections: every order, task and payment event updates its order's row, exactly once
//! (requirement 5). One subscription per source context.

use kernel::{
    AppError, Call, Envelope, Marker, Tx,
    aggregate::{self, Step},
};

use crate::{
    Deps,
    view::{OrderInfo, subject},
};

pub const ON_ORDER: &str = "packing-orderinfo-on-order";
pub const ON_TASK: &str = "packing-orderinfo-on-task";
pub const ON_PAYMENT: &str = "packing-orderinfo-on-payment";

/// On packingorder's events.
pub async fn on_order(d: &Deps, event: Envelope, _: &Call) -> Result<(), AppError> {
    project(d, ON_ORDER, &event).await
}

/// On productpacking's events.
pub async fn on_task(d: &Deps, event: Envelope, _: &Call) -> Result<(), AppError> {
    project(d, ON_TASK, &event).await
}

/// On payment's events.
pub async fn on_payment(d: &Deps, event: Envelope, _: &Call) -> Result<(), AppError> {
    project(d, ON_PAYMENT, &event).await
}

async fn project(d: &Deps, function: &str, event: &Envelope) -> Result<(), AppError> {
    let order_id = subject(event)?;
    let marker = Marker::of(function, event, &order_id);
    aggregate::write_once(&**d.rows.store(), Some(&marker), || async {
        let (row, version) = match d.rows.get(&order_id).await? {
            Some(v) => (v.doc, v.version),
            None => (OrderInfo::default(), 0),
        };
        let mut tx = Tx::new();
        tx.put(&row.project(event)?, version)?;
        Ok(Step::Write(tx, ()))
    })
    .await?;
    Ok(())
}
