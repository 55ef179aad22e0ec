//! `POST /moves` — an ACTIVE member starts a move from a remote place (requirement 3): move asks
//! customer synchronously whether the customer is ACTIVE (and in which family), the route
//! provider gives distance and duration, and the move and `MoveStarted` are recorded in one
//! write. Customer down or its breaker open → 503 at once, nothing recorded.

use family_events::Point;
use kernel::{AppResult, Call, Tx, aggregate, input::Json, output::Created, validate::Id};
use serde::Deserialize;
use utoipa::ToSchema;

use crate::{
    Deps,
    domain::{Move, MoveCmd},
};
use kernel::aggregate::Decide;

#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct StartMove {
    /// The mover: an ACTIVE customer.
    pub customer_id: Id,
    /// Where the move starts (the remote place).
    pub start: Point,
    /// Where the mover is going.
    pub goal: Point,
}

pub async fn start(d: &Deps, Json(cmd): Json<StartMove>, cx: &Call) -> AppResult<Created<Move>> {
    let customer_id = cmd.customer_id.into_string();
    let standing = d.customers.standing(&customer_id, cx).await?;
    let route = d.routes.route(cmd.start, cmd.goal).await?;
    let id = cx.new_id();
    let events = Move::default().decide(MoveCmd::Start {
        id: id.clone(),
        customer_id,
        family_id: standing.family_id,
        customer_active: standing.status == "ACTIVE",
        start: cmd.start,
        goal: cmd.goal,
        route,
        now: cx.now,
    })?;
    let created = aggregate::create(&d.moves, Tx::new(), events, cx).await?;
    Ok(Created::at(
        family_events::path(&format!("/moves/{id}")),
        created.state,
    ))
}
