//! `POST /museums/{id}/reservations` — book takes seats synchronously (requirement 3), and
//! `DELETE /museums/{id}/reservations/{bookingId}` — book gives them back when it could not record
//! the booking (the saga's compensation).
//!
//! Taking seats is idempotent on the booking id: a retried call gets the same answer and takes
//! nothing more. Seats never go below zero: the exhibition's write is conditional on the version
//! its seats were read at, and a lost race reads and decides again.

use std::sync::Arc;

use kernel::{
    AppError, AppResult, HttpRequest, HttpResponse, RequestExt, Tx,
    aggregate::{self, retry_on_conflict},
    reply, validate,
};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::{
    Deps,
    domain::{
        MAX_SEATS_PER_BOOKING, Museum, MuseumCmd, Reservation, ReservationStatus, ReturnReason,
    },
    release_orphans::Standing,
    seats,
};

#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ReserveSeats {
    /// The booking taking the seats: the idempotency key.
    #[schema(
        example = "01KABOOKING000000000000001",
        pattern = "^[A-Za-z0-9._@-]{1,64}$"
    )]
    pub booking_id: String,
    #[schema(example = 2, minimum = 1, maximum = 100)]
    #[serde(deserialize_with = "validate::whole_number")]
    pub seats: i64,
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

pub async fn reserve(d: Arc<Deps>, req: HttpRequest) -> AppResult<HttpResponse> {
    let museum_id = validate::id("id", req.param("id")?)?;
    let body: ReserveSeats = req.json()?;
    let booking_id = validate::id("bookingId", &body.booking_id)?;
    let seats = validate::int_in("seats", body.seats, 1..=i64::from(MAX_SEATS_PER_BOOKING))? as u32;
    let cx = req.call();
    let taken = retry_on_conflict(|| async {
        let museum = d.museums.find(&museum_id).await?;
        if let Some(existing) = d.reservations.get(&booking_id).await? {
            let r = existing.doc;
            if r.museum_id != museum_id
                || r.seats != seats
                || r.status == ReservationStatus::Returned
            {
                return Err(AppError::conflict(format!(
                    "booking {booking_id} already reserved other seats"
                ))
                .into());
            }
            return Ok(receipt(&museum.doc, &r));
        }
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
            &cx,
        )?;
        let held_at = (cx.now.unix_timestamp_nanos() / 1_000_000) as i64;
        let reservation = Reservation {
            id: booking_id.clone(),
            museum_id: museum_id.clone(),
            seats,
            status: ReservationStatus::Held,
            held_at,
            returned_because: None,
        };
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
    reply::created(&location, &taken)
}

/// `GET /museums/{id}/reservations/{bookingId}`: the seats a booking holds.
pub async fn get(d: Arc<Deps>, req: HttpRequest) -> AppResult<HttpResponse> {
    let museum_id = validate::id("id", req.param("id")?)?;
    let booking_id = validate::id("bookingId", req.param("bookingId")?)?;
    match d.reservations.get(&booking_id).await? {
        Some(r) if r.doc.museum_id == museum_id => reply::ok(&r.doc),
        _ => Err(AppError::not_found("Reservation", booking_id)),
    }
}

/// Gives back the seats of a booking book could not record. The call proves its right: the
/// reservation must be this exhibition's (checked before anything changes), and book's own
/// record must say the booking was never recorded or was cancelled; a live booking keeps its
/// seats (409), so a forged or replayed release changes nothing.
pub async fn release(d: Arc<Deps>, req: HttpRequest) -> AppResult<HttpResponse> {
    let museum_id = validate::id("id", req.param("id")?)?;
    let booking_id = validate::id("bookingId", req.param("bookingId")?)?;
    let cx = req.call();
    let held = match d.reservations.get(&booking_id).await? {
        Some(r) if r.doc.museum_id == museum_id => r.doc,
        _ => return Err(AppError::not_found("Reservation", booking_id)),
    };
    if held.status == ReservationStatus::Returned {
        return reply::ok(&held);
    }
    let because = match d.bookings.standing(&booking_id, &cx).await? {
        Standing::NeverRecorded => ReturnReason::NeverBooked,
        Standing::Cancelled => ReturnReason::BookingCancelled,
        Standing::Live => {
            return Err(AppError::conflict(format!(
                "booking {booking_id} is recorded; cancel the booking instead"
            )));
        }
    };
    let from: &[ReservationStatus] = match because {
        ReturnReason::NeverBooked => &[ReservationStatus::Held],
        ReturnReason::BookingCancelled => &[ReservationStatus::Held, ReservationStatus::Booked],
    };
    match seats::give_back(&d, &booking_id, from, because, None, &cx).await? {
        Some(r) if r.status == ReservationStatus::Returned => reply::ok(&r),
        _ => Err(AppError::conflict(format!(
            "booking {booking_id} is recorded; cancel the booking instead"
        ))),
    }
}
