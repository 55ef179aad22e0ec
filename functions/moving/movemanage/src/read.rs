//! `GET /movermanages`, `GET /movermanages/{id}`.

use kernel::{AppResult, Call, Lookup, Order, Page, PageRequest, input::Json, validate::Id};

use crate::{Deps, domain::Movermanage};

pub async fn list(d: &Deps, page: PageRequest, _: &Call) -> AppResult<Page<Movermanage>> {
    d.requests.list(Lookup::All, Order::Newest, &page).await
}

pub async fn get(d: &Deps, id: Id, _: &Call) -> AppResult<Json<Movermanage>> {
    Ok(Json(d.requests.find(id.as_str()).await?.doc))
}
