//! On moveassign's outcome for a call (requirements 4, 5): `MoverassignCompleted` → CONFIRMED with
//! the company, `MoverassignFailed` → FAILED, `MoverassignCancelled` → CANCELLED. One function for
//! the three, so they apply in the order moveassign recorded them.

use std::time::{Duration, Instant};

use kernel::{AppError, Call, Envelope, Event, Marker, aggregate, aggregate::Decide};
use moving_events::{MoverassignCancelled, MoverassignCompleted, MoverassignFailed};

use crate::{Deps, domain::MovercallCmd};

pub const NAME: &str = "moving-movecall-on-moverassign";

/// How long past its deadline a call may still be being recorded (its last write in flight).
const GRACE: Duration = Duration::from_secs(2);
/// How long one delivery waits for its call to be recorded before the bus is asked to retry.
const WAIT_AT_MOST: Duration = Duration::from_secs(3);
const POLL: Duration = Duration::from_millis(20);

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
    if !recorded(d, &call_id, &event, cx).await? {
        // A request movemanage took for a call movecall then never recorded (and withdrew).
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

/// Whether the call is recorded. moveassign's outcome can arrive before it is: movemanage records
/// the request (and `MovermanageAssigned`) in the call's synchronous step, before movecall records
/// the call. The call is recorded within its deadline or never (`call::call` withdraws it), so
/// the outcome waits for it until the deadline has passed since the outcome was recorded (later
/// than the call began); a delivery waits a few seconds at most, then fails so the bus retries.
async fn recorded(d: &Deps, call_id: &str, event: &Envelope, cx: &Call) -> Result<bool, AppError> {
    let occurred_ms = (event.occurred_at.unix_timestamp_nanos() / 1_000_000) as i64;
    let last_chance_ms = occurred_ms + (d.deadline + GRACE).as_millis() as i64;
    let started = Instant::now();
    loop {
        if d.calls.get(call_id).await?.is_some() {
            return Ok(true);
        }
        if cx.clock().now_ms() > last_chance_ms {
            return Ok(false);
        }
        if started.elapsed() >= WAIT_AT_MOST {
            return Err(AppError::internal(anyhow::anyhow!(
                "call {call_id} is not recorded yet; it may still be until its deadline"
            )));
        }
        tokio::time::sleep(POLL).await;
    }
}
