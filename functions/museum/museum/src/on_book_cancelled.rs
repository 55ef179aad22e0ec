//! On `BookCancelled` / `BookForceCancelled`: give the booking's seats back — exactly once, even
//! when the event is delivered twice (requirement 7).

use std::sync::Arc;

use kernel::{AppError, Call, Envelope, Marker};
use museum_events::{BookCancelled, BookForceCancelled};

use crate::{
    Deps,
    domain::{ReservationStatus, ReturnReason},
    seats,
};

pub const NAME: &str = "museum-museum-on-book-cancelled";

pub async fn on_book_cancelled(d: Arc<Deps>, event: Envelope) -> Result<(), AppError> {
    let booking_id = if event.is::<BookCancelled>() {
        event.payload::<BookCancelled>()?.booking_id
    } else {
        event.payload::<BookForceCancelled>()?.booking_id
    };
    let marker = Marker::of(NAME, &event, &booking_id);
    let from = [ReservationStatus::Held, ReservationStatus::Booked];
    seats::give_back(
        &d,
        &booking_id,
        &from,
        ReturnReason::BookingCancelled,
        Some(marker),
        &Call::caused_by(&event),
    )
    .await?;
    Ok(())
}
