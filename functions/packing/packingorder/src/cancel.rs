//! `POST /packingorders/{id}/cancel` — the customer cancels → `PackingOrderCancelled`, allowed
//! until the order is PACKED (then 409, requirement 1). Its task is cancelled and a paid order
//! refunded on that event.

use kernel::{AppResult, Call, aggregate, aggregate::Decide, input::Json, validate::Id};

use crate::{
    Deps,
    domain::{OrderCmd, PackingOrder},
};

pub async fn cancel(d: &Deps, id: Id, cx: &Call) -> AppResult<Json<PackingOrder>> {
    let order = aggregate::update(&d.orders, id.as_str(), cx, |o| {
        Ok(o.decide(OrderCmd::Cancel)?)
    })
    .await?;
    Ok(Json(order))
}
