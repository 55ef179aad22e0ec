//! On `PackingOrdered` a packing task appears for the admin (WAITING, requirement 2), even when
//! productpacking was down when the order was taken: the bus delivers what it missed. On
//! `PackingOrderCancelled` the task is CANCELLED (requirement 1). One subscription for both, so
//! a task's creation and its cancellation arrive in the order's order.

use kernel::{AppError, Call, Envelope, Event, Marker, Tx, aggregate, aggregate::Decide};
use packing_events::{PackingOrderCancelled, PackingOrdered};

use crate::{
    Deps,
    domain::{PackingTask, TaskCmd},
};

pub const NAME: &str = "packing-productpacking-on-order";

pub async fn on_order(d: &Deps, event: Envelope, cx: &Call) -> Result<(), AppError> {
    match event.event_type.as_str() {
        PackingOrdered::TYPE => {
            let ordered: PackingOrdered = event.payload()?;
            let marker = Marker::of(NAME, &event, &ordered.order_id);
            if d.tasks.is_applied(&marker).await? {
                return Ok(());
            }
            let events = PackingTask::default()
                .decide(TaskCmd::Create(ordered))
                .map_err(AppError::from)?;
            let mut tx = Tx::new();
            tx.marker(Some(marker));
            // The task's write is conditional on its absence: a redelivery that raced past the
            // marker check finds the task there (a conflict), and changes nothing.
            match aggregate::create(&d.tasks, tx, events, cx).await {
                Ok(_) | Err(AppError::Conflict(_)) => Ok(()),
                Err(e) => Err(e),
            }
        }
        PackingOrderCancelled::TYPE => {
            let cancelled: PackingOrderCancelled = event.payload()?;
            let marker = Marker::of(NAME, &event, &cancelled.order_id);
            match aggregate::update_once(&d.tasks, &cancelled.order_id, Some(marker), cx, |t| {
                Ok(t.decide(TaskCmd::Cancel)?)
            })
            .await
            {
                // Events of one order arrive in order: no task means it was never created.
                Ok(_) | Err(AppError::NotFound { .. }) => Ok(()),
                Err(e) => Err(e),
            }
        }
        other => Err(AppError::invalid(format!("{NAME} does not handle {other}"))),
    }
}
