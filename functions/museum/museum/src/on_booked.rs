//! On `Booked`: the booking that holds seats is recorded, so its seats are no longer at risk of
//! being released as an orphan's.

use kernel::{AppError, Call, Envelope, Marker};
use museum_events::Booked;

use crate::{Deps, domain::ReservationCmd, seats};

pub const NAME: &str = "museum-museum-on-booked";

pub async fn on_booked(d: &Deps, event: Envelope, _: &Call) -> Result<(), AppError> {
    let booked: Booked = event.payload()?;
    let marker = Marker::of(NAME, &event, &booked.booking_id);
    match seats::change(d, &booked.booking_id, ReservationCmd::Book, Some(marker)).await {
        // Retrying cannot help: log it loudly and let the event go.
        Err(AppError::Conflict(why)) => {
            tracing::error!(booking_id = %booked.booking_id, "{why}");
            Ok(())
        }
        other => other,
    }
}
