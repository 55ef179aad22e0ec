//! Every 30 s: seats held longer than the hold time by a booking that book never recorded (its
//! process died between taking the seats and recording the booking) are given back. Book is
//! asked first; a booking it knows keeps its seats.

use async_trait::async_trait;
use http::StatusCode;
use kernel::{AppError, Call, Lookup, sync::Caller};

use crate::{
    Deps,
    domain::{BY_STATUS, ReservationCmd, ReturnReason},
    seats,
};

pub const NAME: &str = "museum-museum-release-orphans";

/// What book's own record says about a booking: the only proof museum accepts before it gives
/// a booking's seats back outside the cancellation events.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Standing {
    /// Book never recorded it: its seats were taken for nothing.
    NeverRecorded,
    /// Booked or completed: its seats stay taken.
    Live,
    /// Cancelled or force-cancelled: its seats come back.
    Cancelled,
}

/// The question museum asks book.
#[async_trait]
pub trait Bookings: Send + Sync {
    async fn standing(&self, booking_id: &str, cx: &Call) -> Result<Standing, AppError>;
}

/// Book's internal `GET /books/{id}/standing`, through a `Caller` (timeout, breaker).
pub struct BookingsOverHttp(pub Caller);

#[derive(serde::Deserialize)]
struct BookStanding {
    status: String,
}

#[async_trait]
impl Bookings for BookingsOverHttp {
    async fn standing(&self, booking_id: &str, cx: &Call) -> Result<Standing, AppError> {
        let uri = museum_events::path(&format!("/books/{booking_id}/standing"));
        let request = http::Request::get(uri)
            .body(bytes::Bytes::new())
            .map_err(AppError::internal)?;
        let response = self.0.call(request, cx).await?;
        match response.status() {
            s if s.is_success() => {
                let b: BookStanding = kernel::sync::decode("book", &response)?;
                Ok(match b.status.as_str() {
                    "BOOKED" | "COMPLETED" => Standing::Live,
                    _ => Standing::Cancelled,
                })
            }
            StatusCode::NOT_FOUND => Ok(Standing::NeverRecorded),
            s => Err(AppError::internal(anyhow::anyhow!("book answered {s}"))),
        }
    }
}

pub async fn release_orphans(d: &Deps, _: (), cx: &Call) -> Result<(), AppError> {
    let held = d
        .reservations
        .list_all(Lookup::By(BY_STATUS, "HELD".into()))
        .await?;
    let due = held
        .into_iter()
        .filter(|r| cx.now_ms() - r.held_at >= d.hold.as_millis() as i64);
    for reservation in due {
        match d.bookings.standing(&reservation.id, cx).await {
            // A cancelled booking's seats come back through its cancellation event.
            Ok(Standing::Live | Standing::Cancelled) => {
                seats::change(d, &reservation.id, ReservationCmd::Book, None).await?;
            }
            Ok(Standing::NeverRecorded) => {
                seats::give_back(d, &reservation.id, ReturnReason::NeverBooked, None, cx).await?;
                tracing::warn!(booking_id = %reservation.id, "released the seats of a booking that was never recorded");
            }
            Err(e) => {
                tracing::warn!(booking_id = %reservation.id, error = %e, "cannot ask book; will try again")
            }
        }
    }
    Ok(())
}
