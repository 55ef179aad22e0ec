//! `DELETE /museums/{id}` — the museum deletes an exhibition → `MuseumDeleted` (requirement 9);
//! book force-cancels its bookings on that event (requirement 10).

use std::sync::Arc;

use kernel::{AppResult, HttpRequest, HttpResponse, RequestExt, aggregate, reply, validate};

use crate::{Deps, domain::MuseumCmd};

pub async fn delete(d: Arc<Deps>, req: HttpRequest) -> AppResult<HttpResponse> {
    let id = validate::id("id", req.param("id")?)?;
    let museum = aggregate::update(&d.museums, &id, &req.call(), |m| {
        Ok(m.decide(MuseumCmd::Delete)?)
    })
    .await?;
    reply::ok(&museum)
}
