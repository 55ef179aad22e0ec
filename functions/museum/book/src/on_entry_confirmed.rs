//! On `EntryConfirmed`: the booking turns COMPLETED (requirements 4, 5).

use kernel::{AppError, Call, Envelope, Marker, aggregate};
use museum_events::EntryConfirmed;

use crate::{Deps, domain::BookingCmd};
use kernel::aggregate::Decide;

pub const NAME: &str = "museum-book-on-entry-confirmed";

pub async fn on_entry_confirmed(d: &Deps, event: Envelope, cx: &Call) -> Result<(), AppError> {
    let confirmed: EntryConfirmed = event.payload()?;
    let marker = Marker::of(NAME, &event, &confirmed.booking_id);
    aggregate::update_once(&d.bookings, &confirmed.booking_id, Some(marker), cx, |b| {
        Ok(b.decide(BookingCmd::Complete)?)
    })
    .await?;
    Ok(())
}
