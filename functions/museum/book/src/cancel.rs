//! `DELETE /books/{id}` (or `POST /books/{id}/cancel`) — the user cancels → `BookCancelled`
//! (requirement 6); museum gives the seats back and confirm cancels the entry on that event.

use std::sync::Arc;

use kernel::{AppResult, HttpRequest, HttpResponse, RequestExt, aggregate, reply, validate};

use crate::{Deps, domain::BookingCmd};

pub async fn cancel(d: Arc<Deps>, req: HttpRequest) -> AppResult<HttpResponse> {
    let id = validate::id("id", req.param("id")?)?;
    let booking = aggregate::update(&d.bookings, &id, &req.call(), |b| {
        Ok(b.decide(BookingCmd::Cancel)?)
    })
    .await?;
    reply::ok(&booking)
}
