//! On `MuseumDeleted`: every live booking of the exhibition is force-cancelled →
//! `BookForceCancelled` each (requirement 10). The exhibition is first marked closed, in book's own
//! store, so that a booking whose seats were taken just before the deletion cannot be recorded
//! after this sweep has passed.

use kernel::{AppError, Call, Envelope, Lookup, Marker, Tx, aggregate, store::StoreError};
use museum_events::MuseumDeleted;

use crate::{
    Deps,
    domain::{BY_MUSEUM, BookingCmd, MuseumClosure},
};
use kernel::aggregate::Decide;

pub const NAME: &str = "museum-book-on-museum-deleted";

pub async fn on_museum_deleted(d: &Deps, event: Envelope, cx: &Call) -> Result<(), AppError> {
    let deleted: MuseumDeleted = event.payload()?;
    let mut tx = Tx::new();
    tx.put(
        &MuseumClosure {
            id: deleted.museum_id.clone(),
        },
        0,
    )?;
    match d.bookings.store().commit(tx.into_inner()).await {
        Ok(()) | Err(StoreError::Conflict) => {}
        Err(e) => return Err(e.into()),
    }
    let bookings = d
        .bookings
        .list_all(Lookup::By(BY_MUSEUM, deleted.museum_id.clone()))
        .await?;
    for booking in bookings.iter().filter(|b| b.status.is_live()) {
        let marker = Marker::of(NAME, &event, &booking.id);
        aggregate::update_once(&d.bookings, &booking.id, Some(marker), cx, |b| {
            Ok(b.decide(BookingCmd::ForceCancel)?)
        })
        .await?;
    }
    tracing::info!(museum_id = %deleted.museum_id, bookings = bookings.len(), "bookings force-cancelled");
    Ok(())
}
