//! confirm's policies: each booking event moves the booking's entry, exactly once per event.

use kernel::{
    AppError, Call, Envelope, Marker, Tx,
    aggregate::{self, Step},
};
use museum_events::{BookCancelled, BookForceCancelled, Booked};

use crate::{
    Deps,
    domain::{Entry, EntryCmd},
};

pub const ON_BOOKED: &str = "museum-confirm-on-booked";
pub const ON_BOOK_CANCELLED: &str = "museum-confirm-on-book-cancelled";
pub const ON_BOOK_FORCE_CANCELLED: &str = "museum-confirm-on-book-force-cancelled";

/// On `Booked`: an entry confirmation is recorded (CONFIRMED) → `EntryConfirmed` (requirement 5).
pub async fn on_booked(d: &Deps, event: Envelope, cx: &Call) -> Result<(), AppError> {
    let e: Booked = event.payload()?;
    move_entry(
        d,
        ON_BOOKED,
        &event,
        &e.booking_id,
        &e.user_id,
        EntryCmd::Confirm,
        cx,
    )
    .await
}

/// On `BookCancelled`: the entry turns CANCELLED (requirement 8).
pub async fn on_book_cancelled(d: &Deps, event: Envelope, cx: &Call) -> Result<(), AppError> {
    let e: BookCancelled = event.payload()?;
    move_entry(
        d,
        ON_BOOK_CANCELLED,
        &event,
        &e.booking_id,
        &e.user_id,
        EntryCmd::Cancel,
        cx,
    )
    .await
}

/// On `BookForceCancelled`: the entry turns FORCE_CANCELLED (requirement 10).
pub async fn on_book_force_cancelled(d: &Deps, event: Envelope, cx: &Call) -> Result<(), AppError> {
    let e: BookForceCancelled = event.payload()?;
    move_entry(
        d,
        ON_BOOK_FORCE_CANCELLED,
        &event,
        &e.booking_id,
        &e.user_id,
        EntryCmd::ForceCancel,
        cx,
    )
    .await
}

async fn move_entry(
    d: &Deps,
    function: &str,
    event: &Envelope,
    booking_id: &str,
    user_id: &str,
    cmd: EntryCmd,
    cx: &Call,
) -> Result<(), AppError> {
    let marker = Marker::of(function, event, booking_id);
    let store = d.entries.store();
    aggregate::write_once(&**store, Some(&marker), || async {
        let (entry, version) = match d.entries.get(booking_id).await? {
            Some(v) => (v.doc, v.version),
            None => (Entry::of(booking_id, user_id), 0),
        };
        let events = entry.decide(version > 0, cmd.clone());
        if events.is_empty() {
            return Ok(Step::Skip(()));
        }
        let mut tx = Tx::new();
        aggregate::record(&mut tx, store.context(), entry, version, events, cx)?;
        Ok(Step::Write(tx, ()))
    })
    .await?;
    Ok(())
}
