//! Giving seats back: the exhibition's seats and the reservation change in one atomic write, so a
//! reservation's seats come back exactly once, however many times they are asked for.

use kernel::{
    AppError, Call, Marker, Tx,
    aggregate::{self, Step},
};

use crate::{
    Deps,
    domain::{MuseumCmd, Reservation, ReservationChange, ReservationCmd, ReturnReason},
};
use kernel::aggregate::Decide;

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
    let store = d.museums.store();
    let done = aggregate::write_once(&**store, marker.as_ref(), || async {
        let current = d.reservations.get(booking_id).await?;
        let cmd = ReservationCmd::GiveBack { because };
        let returned = match Reservation::decide(current.as_ref().map(|v| &v.doc), cmd)
            .map_err(AppError::from)?
        {
            ReservationChange::Updated(r) => r,
            _ => return Ok(Step::Skip(None)),
        };
        let version = current.map_or(0, |v| v.version);
        let museum = d.museums.find(&returned.museum_id).await?;
        let events = museum
            .doc
            .decide(MuseumCmd::Return {
                booking_id: booking_id.to_owned(),
                seats: returned.seats,
            })
            .map_err(AppError::from)?;
        let mut tx = Tx::new();
        aggregate::record(
            &mut tx,
            store.context(),
            museum.doc,
            museum.version,
            events,
            cx,
        )?;
        tx.put(&returned, version)?;
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
