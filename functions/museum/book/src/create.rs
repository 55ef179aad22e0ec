//! `POST /books` — a user books seats (requirements 2, 3): book takes the seats from museum
//! synchronously, then records the booking and `Booked` in one write. If museum is down or its
//! breaker is open, the booking is refused at once (503) and nothing is recorded; if the booking
//! cannot be recorded after the seats were taken, they are given back (the saga's compensation).

use std::{sync::Arc, time::Instant};

use kernel::{
    AppError, AppResult, Call, HttpRequest, HttpResponse, RequestExt, Tx, aggregate, ids, reply,
    validate,
};
use serde::Deserialize;
use utoipa::ToSchema;

use crate::{
    Deps,
    domain::{Booking, BookingCmd, MuseumClosure},
};

/// Most seats one booking may take (museum enforces the same bound).
pub const MAX_SEATS: i64 = 100;

#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct CreateBooking {
    #[schema(
        example = "01KAMUSEUM0000000000000001",
        pattern = "^[A-Za-z0-9._@-]{1,64}$"
    )]
    pub museum_id: String,
    #[schema(example = "kim", pattern = "^[A-Za-z0-9._@-]{1,64}$")]
    pub user_id: String,
    /// Defaults to 1.
    #[schema(example = 2, minimum = 1, maximum = 100)]
    #[serde(default, deserialize_with = "validate::optional_whole_number")]
    pub seats: Option<i64>,
}

pub async fn create(d: Arc<Deps>, req: HttpRequest) -> AppResult<HttpResponse> {
    let started = Instant::now();
    let body: CreateBooking = req.json()?;
    let museum_id = validate::id("museumId", &body.museum_id)?;
    let user_id = validate::id("userId", &body.user_id)?;
    let seats = validate::int_in("seats", body.seats.unwrap_or(1), 1..=MAX_SEATS)? as u32;
    let cx = req.call();
    let id = ids::new_id();

    let taken = d.seats.take(&id, &museum_id, seats, &cx).await?;
    // Past the deadline museum may already be about to release these seats as an orphan's.
    if started.elapsed() > d.deadline {
        compensate(&d, &id, &museum_id, &cx).await;
        return Err(AppError::unavailable("museum", 1));
    }
    let events = Booking::default().decide(BookingCmd::Book {
        id: id.clone(),
        museum_id: museum_id.clone(),
        user_id,
        taken,
    })?;
    let mut tx = Tx::new();
    tx.require_absent::<MuseumClosure>(&museum_id);
    match aggregate::create(&d.bookings, tx, events, &cx).await {
        Ok(created) => reply::created(
            &museum_events::path(&format!("/books/{id}")),
            &created.state,
        ),
        Err(e) => {
            compensate(&d, &id, &museum_id, &cx).await;
            Err(match e {
                AppError::Conflict(_) => {
                    AppError::conflict(format!("exhibition {museum_id} is deleted"))
                }
                other => other,
            })
        }
    }
}

/// Gives the seats back; if museum cannot be reached now, its orphan sweep will.
async fn compensate(d: &Deps, id: &str, museum_id: &str, cx: &Call) {
    if let Err(e) = d.seats.release(id, museum_id, cx).await {
        tracing::warn!(booking_id = id, error = %e, "seats not given back now; museum's sweep will");
    }
}
