//! `DELETE /museums/{id}` — the museum deletes an exhibition → `MuseumDeleted` (requirement 9);
//! book force-cancels its bookings on that event (requirement 10).

use kernel::{AppResult, Call, aggregate, input::Json, validate::Id};

use crate::{
    Deps,
    domain::{MuseumCmd, MuseumView},
    read::seats_of,
};
use kernel::aggregate::Decide;

pub async fn delete(d: &Deps, id: Id, cx: &Call) -> AppResult<Json<MuseumView>> {
    let museum = aggregate::update(&d.museums, id.as_str(), cx, |m| {
        Ok(m.decide(MuseumCmd::Delete)?)
    })
    .await?;
    let seats = seats_of(d, &museum).await?;
    Ok(Json(MuseumView::of(museum, &seats)))
}
