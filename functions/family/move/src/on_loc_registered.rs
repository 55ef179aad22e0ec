//! On `LocRegistered`: the move follows its mover (requirement 5). The route left from the
//! reported position to the move's own goal decides: inside the arrival radius → `MoveEnded`;
//! the remaining duration at or below the threshold for the first time since the goal was set →
//! `ArrivalImminent`. Once per event.

use family_events::{LocRegistered, Point};
use kernel::{
    AppError, Call, Envelope, Marker, Tx,
    aggregate::{self, Step},
};

use crate::{Deps, domain::MoveCmd};
use kernel::aggregate::Decide;

pub const NAME: &str = "family-move-on-loc-registered";

pub async fn on_loc_registered(d: &Deps, event: Envelope, cx: &Call) -> Result<(), AppError> {
    let e: LocRegistered = event.payload()?;
    let position = Point::new(e.lat, e.lon).map_err(AppError::Invalid)?;
    let marker = Marker::of(NAME, &event, &e.move_id);
    let store = d.moves.store();
    aggregate::write_once(&**store, Some(&marker), || async {
        let Some(current) = d.moves.get(&e.move_id).await? else {
            tracing::error!(move_id = %e.move_id, "a position of a move this context never recorded");
            return Ok(Step::Skip(()));
        };
        let remaining = d.routes.route(position, current.doc.goal).await?;
        let events = current
            .doc
            .decide(MoveCmd::Report {
                position,
                remaining,
                now: cx.now,
                thresholds: d.thresholds,
            })
            .map_err(AppError::from)?;
        let state = current.doc.track(&e.loc_id, position, remaining);
        let mut tx = Tx::new();
        aggregate::record(&mut tx, store.context(), state, current.version, events, cx)?;
        Ok(Step::Write(tx, ()))
    })
    .await?;
    Ok(())
}
