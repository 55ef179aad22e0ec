//! `DELETE /books/{id}` (or `POST /books/{id}/cancel`) — the user cancels → `BookCancelled`
//! (requirement 6); museum gives the seats back and confirm cancels the entry on that event.

use kernel::{AppResult, Call, aggregate, input::Json, validate::Id};

use crate::{
    Deps,
    domain::{Booking, BookingCmd},
};
use kernel::aggregate::Decide;

pub async fn cancel(d: &Deps, id: Id, cx: &Call) -> AppResult<Json<Booking>> {
    let booking = aggregate::update(&d.bookings, id.as_str(), cx, |b| {
        Ok(b.decide(BookingCmd::Cancel)?)
    })
    .await?;
    Ok(Json(booking))
}
