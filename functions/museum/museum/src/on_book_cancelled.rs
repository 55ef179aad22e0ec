//! On `BookCancelled` / `BookForceCancelled`: give the booking's seats back — exactly once, even
//! when the event is delivered twice (requirement 7).

use kernel::{AppError, Call, Envelope, Marker};
use museum_events::{BookCancelled, BookForceCancelled};

use crate::{Deps, domain::ReturnReason, seats};

pub const NAME: &str = "museum-museum-on-book-cancelled";

pub async fn on_book_cancelled(d: &Deps, event: Envelope, cx: &Call) -> Result<(), AppError> {
    let booking_id = if event.is::<BookCancelled>() {
        event.payload::<BookCancelled>()?.booking_id
    } else {
        event.payload::<BookForceCancelled>()?.booking_id
    };
    let marker = Marker::of(NAME, &event, &booking_id);
    seats::give_back(
        d,
        &booking_id,
        ReturnReason::BookingCancelled,
        Some(marker),
        cx,
    )
    .await?;
    Ok(())
}
