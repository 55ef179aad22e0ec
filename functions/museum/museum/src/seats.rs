//! Giving seats back: the exhibition's seats counter and the reservation change in one atomic
//! write, so a reservation's seats come back exactly once, however many times they are asked for.

use kernel::{
    AppError, Call, Document as _, Envelope, Marker, Tx,
    aggregate::{self, Step},
};
use museum_events::SeatsReturned;

use crate::{
    Deps,
    domain::{
        FREE, Reservation, ReservationChange, ReservationCmd, ReturnReason, Seats, SeatsEvent,
    },
};

/// Returns the seats of `booking_id` for `because`, if its reservation's state allows (a 409 if
/// the booking is recorded and `because` is that it never was). `Ok(None)`: there is no such
/// reservation, nothing changed, or the marker shows this was done before.
pub async fn give_back(
    d: &Deps,
    booking_id: &str,
    because: ReturnReason,
    marker: Option<Marker>,
    cx: &Call,
) -> Result<Option<Reservation>, AppError> {
    let store = d.reservations.store();
    let done = aggregate::write_once(&**store, marker.as_ref(), || async {
        let current = d.reservations.get(booking_id).await?;
        let cmd = ReservationCmd::GiveBack { because };
        let returned = match Reservation::decide(current.as_ref().map(|v| &v.doc), cmd)
            .map_err(AppError::from)?
        {
            ReservationChange::Updated(r) => r,
            _ => return Ok(Step::Skip(None)),
        };
        let mut tx = Tx::new();
        let version = tx.put(&returned, current.map_or(0, |v| v.version))?;
        // Seats come back even to a deleted exhibition, so its books stay balanced.
        tx.adjust::<Seats>(&returned.museum_id, FREE, i64::from(returned.seats), 0);
        let event = SeatsEvent::SeatsReturned(SeatsReturned {
            museum_id: returned.museum_id.clone(),
            booking_id: booking_id.to_owned(),
            seats: returned.seats,
        });
        tx.events([Envelope::record(
            store.context(),
            Reservation::KIND,
            booking_id,
            version,
            &event,
            cx,
        )?]);
        Ok(Step::Write(tx, Some(returned)))
    })
    .await?;
    Ok(done.flatten())
}

/// Applies `cmd` to the reservation alone (no seats move), at most once per marker.
pub async fn change(
    d: &Deps,
    booking_id: &str,
    cmd: ReservationCmd,
    marker: Option<Marker>,
) -> Result<(), AppError> {
    aggregate::write_once(&**d.reservations.store(), marker.as_ref(), || async {
        let current = d.reservations.get(booking_id).await?;
        match Reservation::decide(current.as_ref().map(|v| &v.doc), cmd.clone())
            .map_err(AppError::from)?
        {
            ReservationChange::Updated(r) => {
                let mut tx = Tx::new();
                tx.put(&r, current.map_or(0, |v| v.version))?;
                Ok(Step::Write(tx, ()))
            }
            _ => Ok(Step::Skip(())),
        }
    })
    .await?;
    Ok(())
}
