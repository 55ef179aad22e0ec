//! movecall's synchronous calls (internal functions): `POST /movermanages` takes a call's
//! assignment request (ASSIGN_REQUESTED → `MovermanageAssigned`), idempotent on `orderId`;
//! `DELETE /movermanages/{id}` withdraws the request of a call movecall could not record.

use kernel::{
    AppError, AppResult, Call, Tx, aggregate,
    aggregate::Decide,
    input::Json,
    output::Created,
    validate::{Count, Id, Text},
};
use moving_events::{MoveType, Tel};
use serde::Deserialize;
use utoipa::ToSchema;

use crate::{
    Deps,
    domain::{ManageCmd, Movermanage},
};

#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct AssignRequest {
    /// The call's id: the idempotency key.
    pub order_id: Id,
    pub tel: Tel,
    pub location: Text<50>,
    pub cost: Count<1, 1_000_000_000>,
    pub move_type: MoveType,
}

pub async fn request(
    d: &Deps,
    Json(r): Json<AssignRequest>,
    cx: &Call,
) -> AppResult<Created<Movermanage>> {
    let order_id = r.order_id.into_string();
    let cmd = ManageCmd::Request {
        order_id: order_id.clone(),
        tel: r.tel.into_string(),
        location: r.location.into_string(),
        cost: r.cost.get() as u64,
        move_type: r.move_type,
        at_ms: cx.now_ms(),
    };
    let location = moving_events::path(&format!("/movermanages/{order_id}"));
    if let Some(existing) = d.requests.get(&order_id).await? {
        existing.doc.decide(cmd)?;
        return Ok(Created::at(location, existing.doc));
    }
    let events = Movermanage::default().decide(cmd.clone())?;
    match aggregate::create(&d.requests, Tx::new(), events, cx).await {
        Ok(created) => Ok(Created::at(location, created.state)),
        // The same request raced itself: the one recorded answers, if it is this one.
        Err(AppError::Conflict(_)) => {
            let existing = d.requests.find(&order_id).await?;
            existing.doc.decide(cmd)?;
            Ok(Created::at(location, existing.doc))
        }
        Err(e) => Err(e),
    }
}

pub async fn withdraw(d: &Deps, id: Id, cx: &Call) -> AppResult<kernel::input::Json<Movermanage>> {
    let m = aggregate::update(&d.requests, id.as_str(), cx, |m| {
        Ok(m.decide(ManageCmd::Cancel)?)
    })
    .await?;
    Ok(Json(m))
}
