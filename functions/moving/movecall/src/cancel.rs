//! `DELETE /movers/{id}` — the customer cancels the call → `MovercallCancelled` (requirement 5).
//! The answer is 202: the call is CANCEL_REQUESTED until movemanage and moveassign have released
//! its company; it turns CANCELLED on `MoverassignCancelled`.

use kernel::{AppResult, Call, aggregate, aggregate::Decide, output::Accepted, validate::Id};

use crate::{
    Deps,
    domain::{Movercall, MovercallCmd},
};

pub async fn cancel(d: &Deps, id: Id, cx: &Call) -> AppResult<Accepted<Movercall>> {
    let call = aggregate::update(&d.calls, id.as_str(), cx, |c| {
        Ok(c.decide(MovercallCmd::Cancel)?)
    })
    .await?;
    Ok(Accepted(call))
}
