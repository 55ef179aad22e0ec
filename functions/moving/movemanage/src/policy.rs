//! movemanage's policies: a recorded call marks its request as no orphan; a cancelled call turns
//! its request CANCEL_REQUESTED and publishes
//! `MovermanageCancelled` (requirement 5); moveassign's outcome turns it CONFIRMED or FAILED
//! (requirement 4). Each at most once per event.

use kernel::{AppError, Call, Envelope, Event, Marker, aggregate, aggregate::Decide};
use moving_events::{MoverassignCompleted, MoverassignFailed, MovercallCalled, MovercallCancelled};

use crate::{Deps, domain::ManageCmd};

pub const ON_CANCELLED: &str = "moving-movemanage-on-call-cancelled";
pub const ON_MOVERASSIGN: &str = "moving-movemanage-on-moverassign";
pub const ON_CALLED: &str = "moving-movemanage-on-called";

/// movecall recorded the call: its request is no orphan.
pub async fn on_called(d: &Deps, event: Envelope, cx: &Call) -> Result<(), AppError> {
    let e: MovercallCalled = event.payload()?;
    apply(
        d,
        ON_CALLED,
        &event,
        &e.call_id,
        ManageCmd::CallRecorded,
        cx,
    )
    .await
}

pub async fn on_movercall_cancelled(d: &Deps, event: Envelope, cx: &Call) -> Result<(), AppError> {
    let e: MovercallCancelled = event.payload()?;
    apply(d, ON_CANCELLED, &event, &e.call_id, ManageCmd::Cancel, cx).await
}

pub async fn on_moverassign(d: &Deps, event: Envelope, cx: &Call) -> Result<(), AppError> {
    let (order_id, cmd) = match event.event_type.as_str() {
        MoverassignCompleted::TYPE => {
            let e: MoverassignCompleted = event.payload()?;
            (e.order_id, ManageCmd::Confirm { mover: e.mover })
        }
        MoverassignFailed::TYPE => (
            event.payload::<MoverassignFailed>()?.order_id,
            ManageCmd::Fail,
        ),
        other => {
            return Err(AppError::invalid(format!(
                "{ON_MOVERASSIGN} does not handle {other}"
            )));
        }
    };
    apply(d, ON_MOVERASSIGN, &event, &order_id, cmd, cx).await
}

async fn apply(
    d: &Deps,
    function: &str,
    event: &Envelope,
    order_id: &str,
    cmd: ManageCmd,
    cx: &Call,
) -> Result<(), AppError> {
    let marker = Marker::of(function, event, order_id);
    aggregate::update_once(&d.requests, order_id, Some(marker), cx, |m| {
        Ok(m.decide(cmd.clone())?)
    })
    .await?;
    Ok(())
}
