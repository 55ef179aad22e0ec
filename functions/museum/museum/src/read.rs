//! `GET /museums`, `GET /museums/{id}`.

use kernel::{AppResult, Call, Lookup, Order, Page, PageRequest, input::Json, validate::Id};

use crate::{Deps, domain::Museum};

pub async fn list(d: &Deps, page: PageRequest, _: &Call) -> AppResult<Page<Museum>> {
    d.museums.list(Lookup::All, Order::Oldest, &page).await
}

pub async fn get(d: &Deps, id: Id, _: &Call) -> AppResult<Json<Museum>> {
    Ok(Json(d.museums.find(id.as_str()).await?.doc))
}
