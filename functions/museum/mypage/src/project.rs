//! The projections: every booking and entry event updates its MyPage row, exactly once.

use kernel::{
    AppError, Call, Envelope, Marker, Tx,
    aggregate::{self, Step},
};

use crate::{
    Deps,
    view::{MyPage, subject},
};

pub const ON_BOOKING: &str = "museum-mypage-on-booking";
pub const ON_ENTRY: &str = "museum-mypage-on-entry";

/// On `Booked`, `BookCompleted`, `BookCancelled`, `BookForceCancelled` (requirement 11).
pub async fn on_booking(d: &Deps, event: Envelope, _: &Call) -> Result<(), AppError> {
    project(d, ON_BOOKING, &event).await
}

/// On `EntryConfirmed`, `EntryCancelled`, `EntryForceCancelled` (requirement 11).
pub async fn on_entry(d: &Deps, event: Envelope, _: &Call) -> Result<(), AppError> {
    project(d, ON_ENTRY, &event).await
}

async fn project(d: &Deps, function: &str, event: &Envelope) -> Result<(), AppError> {
    let (booking_id, _) = subject(event)?;
    let marker = Marker::of(function, event, &booking_id);
    aggregate::write_once(&**d.rows.store(), Some(&marker), || async {
        let (row, version) = match d.rows.get(&booking_id).await? {
            Some(v) => (v.doc, v.version),
            None => (MyPage::default(), 0),
        };
        let mut tx = Tx::new();
        tx.put(&row.project(event)?, version)?;
        Ok(Step::Write(tx, ()))
    })
    .await?;
    Ok(())
}
