//! `POST /books` — a user books seats (requirements 2, 3): book takes the seats from museum
//! synchronously, then records the booking and `Booked` in one write. If museum is down or its
//! breaker is open, the booking is refused at once (503) and nothing is recorded; if the booking
//! cannot be recorded after the seats were taken, they are given back (the saga's compensation).

use kernel::{
    AppError, AppResult, Call, Tx, aggregate,
    input::Json,
    output::Created,
    validate::{Count, Id},
};
use serde::Deserialize;
use utoipa::ToSchema;

use crate::{
    Deps,
    domain::{Booking, BookingCmd, MuseumClosure},
};
use kernel::aggregate::Decide;

/// Most seats one booking may take (museum enforces the same bound).
pub const MAX_SEATS: i64 = 100;

/// Seats one booking takes: 1 to `MAX_SEATS`.
pub type Seats = Count<1, MAX_SEATS>;

#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct CreateBooking {
    pub museum_id: Id,
    pub user_id: Id,
    /// Defaults to 1.
    pub seats: Option<Seats>,
}

pub async fn create(
    d: &Deps,
    Json(cmd): Json<CreateBooking>,
    cx: &Call,
) -> AppResult<Created<Booking>> {
    let seats = cmd.seats.map_or(1, Count::get) as u32;
    let id = cx.new_id();
    let museum_id = cmd.museum_id.into_string();

    let taken = d.seats.take(&id, &museum_id, seats, cx).await?;
    // Past the deadline museum may already be about to release these seats as an orphan's.
    if cx.elapsed() > d.deadline {
        compensate(d, &id, &museum_id, cx).await;
        return Err(AppError::unavailable("museum", 1));
    }
    let events = Booking::default().decide(BookingCmd::Book {
        id: id.clone(),
        museum_id: museum_id.clone(),
        user_id: cmd.user_id.into_string(),
        taken,
    })?;
    let mut tx = Tx::new();
    tx.require_absent::<MuseumClosure>(&museum_id);
    match aggregate::create(&d.bookings, tx, events, cx).await {
        Ok(created) => Ok(Created::at(
            museum_events::path(&format!("/books/{id}")),
            created.state,
        )),
        Err(e) => {
            compensate(d, &id, &museum_id, cx).await;
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
