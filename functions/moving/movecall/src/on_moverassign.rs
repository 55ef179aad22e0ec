//! On moveassign's outcome for a call (requirements 4, 5): `MoverassignCompleted` → CONFIRMED with
//! the company, `MoverassignFailed` → FAILED, `MoverassignCancelled` → CANCELLED. One function for
//! the three, so they apply in the order moveassign recorded them.

use kernel::{AppError, Call, Envelope, Event, Marker, aggregate, aggregate::Decide};
use moving_events::{MoverassignCancelled, MoverassignCompleted, MoverassignFailed};

use crate::{Deps, domain::MovercallCmd};

pub const NAME: &str = "moving-movecall-on-moverassign";

pub async fn on_moverassign(d: &Deps, event: Envelope, cx: &Call) -> Result<(), AppError> {
    let (call_id, cmd) = match event.event_type.as_str() {
        MoverassignCompleted::TYPE => {
            let e: MoverassignCompleted = event.payload()?;
            let cmd = MovercallCmd::Confirm {
                mover: e.mover,
                movertel: e.movertel,
            };
            (e.order_id, cmd)
        }
        MoverassignFailed::TYPE => {
            let e: MoverassignFailed = event.payload()?;
            (e.order_id, MovercallCmd::Fail { reason: e.reason })
        }
        MoverassignCancelled::TYPE => {
            let e: MoverassignCancelled = event.payload()?;
            (e.order_id, MovercallCmd::CancelConfirm { mover: e.mover })
        }
        other => {
            return Err(AppError::invalid(format!("{NAME} does not handle {other}")));
        }
    };
    // A request movemanage took for a call movecall then failed to record (and withdrew).
    if d.calls.get(&call_id).await?.is_none() {
        tracing::warn!(call_id = %call_id, event_type = %event.event_type, "no such call; nothing to do");
        return Ok(());
    }
    let marker = Marker::of(NAME, &event, &call_id);
    aggregate::update_once(&d.calls, &call_id, Some(marker), cx, |c| {
        Ok(c.decide(cmd.clone())?)
    })
    .await?;
    Ok(())
}
