//! On `Booked`: the booking that holds seats is recorded, so its seats are no longer at risk of
//! being released as an orphan's.

use std::sync::Arc;

use kernel::{
    AppError, Envelope, Marker,
    aggregate::{self, Step},
    store::Tx,
};
use museum_events::Booked;

use crate::{
    Deps,
    domain::{Reservation, ReservationStatus, ReturnReason},
};

pub const NAME: &str = "museum-museum-on-booked";

pub async fn on_booked(d: Arc<Deps>, event: Envelope) -> Result<(), AppError> {
    let booked: Booked = event.payload()?;
    let marker = Marker::of(NAME, &event, &booked.booking_id);
    aggregate::write_once(&**d.reservations.store(), Some(&marker), || async {
        let Some(held) = d.reservations.get(&booked.booking_id).await? else {
            tracing::warn!(booking_id = %booked.booking_id, "a booking was recorded without a reservation");
            return Ok(Step::Skip(()));
        };
        match held.doc.status {
            ReservationStatus::Held => {
                let mut tx = Tx::new();
                tx.put(&Reservation { status: ReservationStatus::Booked, ..held.doc }, held.version)?;
                Ok(Step::Write(tx, ()))
            }
            ReservationStatus::Booked => Ok(Step::Skip(())),
            // Its cancellation reached museum first: the two arrive on separate queues.
            ReservationStatus::Returned if held.doc.returned_because == Some(ReturnReason::BookingCancelled) => {
                Ok(Step::Skip(()))
            }
            ReservationStatus::Returned => {
                tracing::error!(booking_id = %booked.booking_id, "a booking was recorded after its seats were released as never booked");
                Ok(Step::Skip(()))
            }
        }
    })
    .await?;
    Ok(())
}
