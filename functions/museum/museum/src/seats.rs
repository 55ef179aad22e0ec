//! Giving seats back: the exhibition's seats and the reservation change in one atomic write, so a
//! reservation's seats come back exactly once, however many times they are asked for.

use kernel::{
    AppError, Call, Marker,
    aggregate::{self, Step},
    store::Tx,
};

use crate::{
    Deps,
    domain::{MuseumCmd, Reservation, ReservationStatus, ReturnReason},
};

/// Returns the seats of `booking_id` if its reservation's status is one of `from`.
/// `Ok(None)`: there is no such reservation, or the marker shows this was done before.
pub async fn give_back(
    d: &Deps,
    booking_id: &str,
    from: &[ReservationStatus],
    because: ReturnReason,
    marker: Option<Marker>,
    cx: &Call,
) -> Result<Option<Reservation>, AppError> {
    let store = d.museums.store();
    let done = aggregate::write_once(&**store, marker.as_ref(), || async {
        let Some(held) = d.reservations.get(booking_id).await? else {
            return Ok(Step::Skip(None));
        };
        if !from.contains(&held.doc.status) {
            return Ok(Step::Skip(Some(held.doc)));
        }
        let museum = d.museums.find(&held.doc.museum_id).await?;
        let events = museum
            .doc
            .decide(MuseumCmd::Return {
                booking_id: booking_id.to_owned(),
                seats: held.doc.seats,
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
        let returned = Reservation {
            status: ReservationStatus::Returned,
            returned_because: Some(because),
            ..held.doc
        };
        tx.put(&returned, held.version)?;
        Ok(Step::Write(tx, Some(returned)))
    })
    .await?;
    Ok(done.flatten())
}
