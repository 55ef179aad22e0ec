//! book's synchronous calls (internal functions, requirement 3): `POST /museums/{id}/reservations`
//! takes seats, `GET .../reservations/{bookingId}` reads what a booking holds, and
//! `DELETE .../reservations/{bookingId}` gives back the seats of a booking book could not record
//! (the saga's compensation).
//!
//! Taking seats is idempotent on the booking id. Seats never go below zero: the exhibition's write
//! is conditional on the version its seats were read at, and a lost race reads and decides again.

use kernel::{
    AppError, AppResult, Call, Tx,
    aggregate::{self, retry_on_conflict},
    input::{Json, Path},
    output::Created,
    validate::{Count, Id},
};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::{
    Deps,
    domain::{
        MAX_SEATS_PER_BOOKING, Museum, MuseumCmd, Reservation, ReservationChange, ReservationCmd,
        ReturnReason,
    },
    release_orphans::Standing,
    seats,
};
use kernel::aggregate::Decide;

/// Seats one booking takes.
pub type Seats = Count<1, { MAX_SEATS_PER_BOOKING as i64 }>;

#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ReserveSeats {
    /// The booking taking the seats: the idempotency key.
    pub booking_id: Id,
    pub seats: Seats,
}

/// What a booking needs to know about the seats it took.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct SeatReceipt {
    pub booking_id: String,
    pub museum_id: String,
    pub seats: u32,
    pub hall: String,
    pub date: String,
    /// Seats left in the exhibition.
    pub capacity: u32,
}

fn receipt(museum: &Museum, reservation: &Reservation) -> SeatReceipt {
    SeatReceipt {
        booking_id: reservation.id.clone(),
        museum_id: museum.id.clone(),
        seats: reservation.seats,
        hall: museum.hall.clone(),
        date: museum.date.clone(),
        capacity: museum.capacity,
    }
}

pub async fn reserve(
    d: &Deps,
    (museum_id, Json(cmd)): (Id, Json<ReserveSeats>),
    cx: &Call,
) -> AppResult<Created<SeatReceipt>> {
    let (museum_id, booking_id) = (museum_id.into_string(), cmd.booking_id.into_string());
    let seats = cmd.seats.get() as u32;
    let taken = retry_on_conflict(|| async {
        let museum = d.museums.find(&museum_id).await?;
        let current = d.reservations.get(&booking_id).await?;
        let hold = ReservationCmd::Hold {
            booking_id: booking_id.clone(),
            museum_id: museum_id.clone(),
            seats,
            at_ms: cx.now_ms(),
        };
        let reservation = match Reservation::decide(current.as_ref().map(|v| &v.doc), hold)
            .map_err(AppError::from)?
        {
            ReservationChange::Created(r) => r,
            // The same booking asking again: the seats it already holds.
            _ => match current {
                Some(r) => return Ok(receipt(&museum.doc, &r.doc)),
                None => {
                    return Err(
                        AppError::internal(anyhow::anyhow!("no reservation to repeat")).into(),
                    );
                }
            },
        };
        let events = museum
            .doc
            .decide(MuseumCmd::Reserve {
                booking_id: booking_id.clone(),
                seats,
            })
            .map_err(AppError::from)?;
        let mut tx = Tx::new();
        let after = aggregate::record(
            &mut tx,
            d.museums.store().context(),
            museum.doc,
            museum.version,
            events,
            cx,
        )?;
        tx.put(&reservation, 0)?;
        d.museums.store().commit(tx.into_inner()).await?;
        Ok(receipt(&after.state, &reservation))
    })
    .await?
    .ok_or_else(|| {
        AppError::internal(anyhow::anyhow!(
            "reservation without a marker was a duplicate"
        ))
    })?;
    let location = museum_events::path(&format!("/museums/{museum_id}/reservations/{booking_id}"));
    Ok(Created::at(location, taken))
}

/// A reservation's address: the exhibition and the booking.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ReservationRef {
    pub id: Id,
    pub booking_id: Id,
}

/// The reservation of `r`, if it is that exhibition's.
async fn find(d: &Deps, r: &ReservationRef) -> AppResult<Reservation> {
    match d.reservations.get(r.booking_id.as_str()).await? {
        Some(v) if v.doc.museum_id == r.id.as_str() => Ok(v.doc),
        _ => Err(AppError::not_found("Reservation", r.booking_id.as_str())),
    }
}

/// `GET /museums/{id}/reservations/{bookingId}`: the seats a booking holds.
pub async fn get(
    d: &Deps,
    Path(r): Path<ReservationRef>,
    _: &Call,
) -> AppResult<Json<Reservation>> {
    Ok(Json(find(d, &r).await?))
}

/// Gives back the seats of a booking book could not record. The call proves its right: the
/// reservation must be this exhibition's (checked before anything changes), and book's own
/// record must say the booking was never recorded or was cancelled; a live booking keeps its
/// seats (409), so a forged or replayed release changes nothing.
pub async fn release(
    d: &Deps,
    Path(r): Path<ReservationRef>,
    cx: &Call,
) -> AppResult<Json<Reservation>> {
    let held = find(d, &r).await?;
    let booking_id = held.id.clone();
    if held.status == crate::domain::ReservationStatus::Returned {
        return Ok(Json(held));
    }
    let because = match d.bookings.standing(&booking_id, cx).await? {
        Standing::NeverRecorded => ReturnReason::NeverBooked,
        Standing::Cancelled => ReturnReason::BookingCancelled,
        Standing::Live => {
            return Err(AppError::conflict(format!(
                "booking {booking_id} is recorded; cancel the booking instead"
            )));
        }
    };
    let returned = seats::give_back(d, &booking_id, because, None, cx).await?;
    Ok(Json(returned.unwrap_or(held)))
}
