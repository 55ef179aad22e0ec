//! The projections: every move and location event updates its move's row, exactly once.

use kernel::{
    AppError, Call, Envelope, Marker, Tx,
    aggregate::{self, Step},
};

use crate::{
    Deps,
    view::{MoveView, subject},
};

pub const ON_MOVE: &str = "family-moveview-on-move";
pub const ON_LOCATION: &str = "family-moveview-on-location";

/// On `MoveStarted` (CREATE), `MoveUpdated`, `MoveCancelled`, `MoveEnded`, `ArrivalImminent`.
pub async fn on_move(d: &Deps, event: Envelope, _: &Call) -> Result<(), AppError> {
    project(d, ON_MOVE, &event).await
}

/// On `LocRegistered`.
pub async fn on_location(d: &Deps, event: Envelope, _: &Call) -> Result<(), AppError> {
    project(d, ON_LOCATION, &event).await
}

async fn project(d: &Deps, function: &str, event: &Envelope) -> Result<(), AppError> {
    let (move_id, _, _) = subject(event)?;
    let marker = Marker::of(function, event, &move_id);
    aggregate::write_once(&**d.rows.store(), Some(&marker), || async {
        let (row, version) = match d.rows.get(&move_id).await? {
            Some(v) => (v.doc, v.version),
            None => (MoveView::default(), 0),
        };
        let mut tx = Tx::new();
        tx.put(&row.project(event)?, version)?;
        Ok(Step::Write(tx, ()))
    })
    .await?;
    Ok(())
}
