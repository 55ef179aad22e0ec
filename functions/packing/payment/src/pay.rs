//! `POST /payments` — productpacking's synchronous call when the admin accepts a task (internal,
//! requirement 3). Idempotent on the order's id: however many times an order is accepted, or
//! however many accepts race, it is paid once (the payment's write is conditional on its absence,
//! and a lost race reads the winner's payment). An order cancelled or rejected first is refused
//! (409), never charged.

use kernel::{
    AppError, AppResult, Call, Tx,
    aggregate::{self, Attempt, Decide, retry_on_conflict},
    input::Json,
    output::Created,
    validate::Id,
};
use serde::Deserialize;
use utoipa::ToSchema;

use crate::{
    Deps,
    domain::{Payment, PaymentClosure, PaymentCmd},
};

#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Pay {
    /// The order paid for: the idempotency key.
    pub order_id: Id,
    pub user_id: Id,
}

pub async fn pay(d: &Deps, Json(cmd): Json<Pay>, cx: &Call) -> AppResult<Created<Payment>> {
    let (order_id, user_id) = (cmd.order_id.into_string(), cmd.user_id.into_string());
    let payment = retry_on_conflict(|| async {
        let current = d.payments.get(&order_id).await?;
        let (state, version) = match current {
            Some(v) => (v.doc, v.version),
            None => (Payment::default(), 0),
        };
        let events = state
            .decide(PaymentCmd::Pay {
                order_id: order_id.clone(),
                user_id: user_id.clone(),
            })
            .map_err(AppError::from)?;
        if events.is_empty() {
            return Ok(state);
        }
        if d.closures.get(&order_id).await?.is_some() {
            return Err(Attempt::App(AppError::conflict(format!(
                "order {order_id} was cancelled or rejected: it is not paid"
            ))));
        }
        let mut tx = Tx::new();
        tx.require_absent::<PaymentClosure>(&order_id);
        let paid = aggregate::record(
            &mut tx,
            d.payments.store().context(),
            state,
            version,
            events,
            cx,
        )?;
        d.payments.store().commit(tx.into_inner()).await?;
        Ok(paid.state)
    })
    .await?
    .ok_or_else(|| {
        AppError::internal(anyhow::anyhow!(
            "a payment without a marker was a duplicate"
        ))
    })?;
    Ok(Created::at(
        packing_events::path(&format!("/payments/{order_id}")),
        payment,
    ))
}
