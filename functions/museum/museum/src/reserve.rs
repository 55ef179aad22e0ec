//! book's synchronous calls (internal functions, requirement 3): `POST /museums/{id}/reservations`
//! takes seats, `GET .../reservations/{bookingId}` reads what a booking holds, and
//! `DELETE .../reservations/{bookingId}` gives back the seats of a booking book could not record
//! (the saga's compensation).
//!
//! Taking seats is idempotent on the booking id. Seats never go below zero: the exhibition's
//! counter goes down in place by a write conditional on staying at zero or more and on the
//! exhibition being open (`Tx::adjust`, `Tx::check`), in the same atomic write as the
//! reservation. A crowd booking one exhibition never reads-and-retries on each other's writes;
//! a refused write is read once only to say why.

use kernel::{
    AppError, AppResult, Call, Envelope, Tx,
    input::{Json, Path},
    output::Created,
    store::StoreError,
    validate::{Count, Id},
};
use museum_events::SeatsReserved;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::{
    Deps,
    domain::{
        FREE, MAX_SEATS_PER_BOOKING, Museum, MuseumStatus, Refusal, Reservation, ReservationChange,
        ReservationCmd, ReturnReason, STATUS, Seats as SeatsCounter, SeatsEvent,
    },
    release_orphans::Standing,
    seats,
};
use kernel::Document as _;

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
}

fn receipt(museum: &Museum, reservation: &Reservation) -> SeatReceipt {
    SeatReceipt {
        booking_id: reservation.id.clone(),
        museum_id: museum.id.clone(),
        seats: reservation.seats,
        hall: museum.hall.clone(),
        date: museum.date.clone(),
    }
}

/// How many times a refused write is explained and tried again before giving up: only the same
/// booking racing itself, or seats coming back between the write and its explanation, get here.
const ATTEMPTS: usize = 3;

pub async fn reserve(
    d: &Deps,
    (museum_id, Json(cmd)): (Id, Json<ReserveSeats>),
    cx: &Call,
) -> AppResult<Created<SeatReceipt>> {
    let (museum_id, booking_id) = (museum_id.into_string(), cmd.booking_id.into_string());
    let wanted = cmd.seats.get() as u32;
    let museum = d.museums.find(&museum_id).await?.doc;
    let location = museum_events::path(&format!("/museums/{museum_id}/reservations/{booking_id}"));
    for _ in 0..ATTEMPTS {
        if museum.status == MuseumStatus::Deleted {
            return Err(Refusal::Deleted(museum_id).into());
        }
        let current = d.reservations.get(&booking_id).await?;
        let hold = ReservationCmd::Hold {
            booking_id: booking_id.clone(),
            museum_id: museum_id.clone(),
            seats: wanted,
            at_ms: cx.now_ms(),
        };
        let reservation = match (
            Reservation::decide(current.as_ref().map(|v| &v.doc), hold)?,
            current,
        ) {
            (ReservationChange::Created(r), _) => r,
            // The same booking asking again: the seats it already holds.
            (_, Some(held)) => return Ok(Created::at(location, receipt(&museum, &held.doc))),
            (_, None) => {
                return Err(AppError::internal(anyhow::anyhow!(
                    "a hold decided unchanged without a reservation"
                )));
            }
        };
        let mut tx = Tx::new();
        tx.check::<Museum>(&museum_id, STATUS, "OPEN")
            .adjust::<SeatsCounter>(&museum_id, FREE, -i64::from(wanted), 0);
        let version = tx.put(&reservation, 0)?;
        let reserved = SeatsEvent::SeatsReserved(SeatsReserved {
            museum_id: museum_id.clone(),
            booking_id: booking_id.clone(),
            seats: wanted,
        });
        tx.events([Envelope::record(
            d.reservations.store().context(),
            Reservation::KIND,
            &booking_id,
            version,
            &reserved,
            cx,
        )?]);
        match d.reservations.store().commit(tx.into_inner()).await {
            Ok(()) => return Ok(Created::at(location, receipt(&museum, &reservation))),
            Err(StoreError::Conflict) => explain_refusal(d, &museum_id, wanted).await?,
            Err(e) => return Err(e.into()),
        }
    }
    Err(AppError::conflict(format!(
        "seats of exhibition {museum_id} changed while booking {booking_id} took them; try again"
    )))
}

/// Why a conditional take was refused: the exhibition deleted, or too few seats left. `Ok`:
/// neither holds any more (the same booking raced itself, or seats came back): try again.
async fn explain_refusal(d: &Deps, museum_id: &str, wanted: u32) -> AppResult<()> {
    let museum = d.museums.find(museum_id).await?.doc;
    if museum.status == MuseumStatus::Deleted {
        return Err(Refusal::Deleted(museum.id).into());
    }
    d.seats.find(museum_id).await?.doc.take(wanted)?;
    Ok(())
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
