//! `POST /movers` — a customer chooses the move type and calls a mover (requirement 1): movecall
//! hands the call to movemanage synchronously, then records it (CALLED) and `MovercallCalled` in
//! one write. movemanage down or its breaker open → refused at once (503 + Retry-After) and
//! nothing recorded; a call that cannot be recorded after movemanage took it, or that took longer
//! than the deadline (movemanage's orphan sweep may be about to withdraw it), is withdrawn there.

use kernel::{
    AppError, AppResult, Call, Tx, aggregate,
    aggregate::Decide,
    input::Json,
    output::Created,
    validate::{Count, Text},
};
use moving_events::{MoveType, Tel};
use serde::Deserialize;
use utoipa::ToSchema;

use crate::{
    Deps,
    domain::{Movercall, MovercallCmd},
    movemanage::AssignRequest,
};

/// 지역: where the move starts, as the companies name their regions (e.g. `mapo`).
pub type Location = Text<50>;
/// 비용: the agreed price in won.
pub type Cost = Count<1, 1_000_000_000>;

#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct CallMover {
    /// The customer's telephone: where KakaoTalk messages go.
    pub tel: Tel,
    pub location: Location,
    pub cost: Cost,
    /// PACKING (포장) or HALF_PACKING (반포장).
    pub move_type: MoveType,
}

pub async fn call(
    d: &Deps,
    Json(cmd): Json<CallMover>,
    cx: &Call,
) -> AppResult<Created<Movercall>> {
    let id = cx.new_id();
    let order = AssignRequest {
        order_id: id.clone(),
        tel: cmd.tel.into_string(),
        location: cmd.location.into_string(),
        cost: cmd.cost.get() as u64,
        move_type: cmd.move_type,
    };
    let events = Movercall::default().decide(MovercallCmd::Call {
        id: id.clone(),
        tel: order.tel.clone(),
        location: order.location.clone(),
        cost: order.cost,
        move_type: order.move_type,
    })?;
    d.movemanage.request(&order, cx).await?;
    if cx.elapsed() > d.deadline {
        withdraw(d, &id, cx).await;
        return Err(AppError::unavailable("moving/movemanage", 1));
    }
    match aggregate::create(&d.calls, Tx::new(), events, cx).await {
        Ok(created) => Ok(Created::at(
            moving_events::path(&format!("/movers/{id}")),
            created.state,
        )),
        Err(e) => {
            withdraw(d, &id, cx).await;
            Err(e)
        }
    }
}

/// Withdraws the request of a call that will not be recorded; if movemanage cannot be reached
/// now, its orphan sweep will.
async fn withdraw(d: &Deps, id: &str, cx: &Call) {
    if let Err(e) = d.movemanage.withdraw(id, cx).await {
        tracing::warn!(call_id = %id, error = %e, "request not withdrawn now; movemanage's sweep will");
    }
}
