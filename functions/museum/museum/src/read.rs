//! `GET /museums`, `GET /museums/{id}`: each exhibition with the seats still free.

use kernel::{AppResult, Call, Lookup, Order, Page, PageRequest, input::Json, validate::Id};

use crate::{
    Deps,
    domain::{Museum, MuseumView, Seats},
};

pub async fn list(d: &Deps, page: PageRequest, _: &Call) -> AppResult<Page<MuseumView>> {
    let museums = d.museums.list(Lookup::All, Order::Oldest, &page).await?;
    let mut seats = Vec::with_capacity(museums.items.len());
    for m in &museums.items {
        seats.push(seats_of(d, m).await?);
    }
    let mut seats = seats.into_iter();
    Ok(museums.map(|m| {
        let s = seats.next().unwrap_or_default();
        MuseumView::of(m, &s)
    }))
}

pub async fn get(d: &Deps, id: Id, _: &Call) -> AppResult<Json<MuseumView>> {
    let museum = d.museums.find(id.as_str()).await?.doc;
    let seats = seats_of(d, &museum).await?;
    Ok(Json(MuseumView::of(museum, &seats)))
}

/// The exhibition's seats counter (written with the exhibition, so it is there).
pub(crate) async fn seats_of(d: &Deps, museum: &Museum) -> AppResult<Seats> {
    Ok(d.seats.find(&museum.id).await?.doc)
}
