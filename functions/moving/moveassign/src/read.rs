//! `GET /moverassigns/companies[/{id}]`, `GET /moverassigns[/{id}]`.

use kernel::{AppResult, Call, Lookup, Order, Page, PageRequest, input::Json, validate::Id};

use crate::{
    Deps,
    domain::{Company, Moverassign},
};

pub async fn companies(d: &Deps, page: PageRequest, _: &Call) -> AppResult<Page<Company>> {
    d.companies.list(Lookup::All, Order::Oldest, &page).await
}

pub async fn company(d: &Deps, id: Id, _: &Call) -> AppResult<Json<Company>> {
    Ok(Json(d.companies.find(id.as_str()).await?.doc))
}

pub async fn list(d: &Deps, page: PageRequest, _: &Call) -> AppResult<Page<Moverassign>> {
    d.assignments.list(Lookup::All, Order::Newest, &page).await
}

pub async fn get(d: &Deps, id: Id, _: &Call) -> AppResult<Json<Moverassign>> {
    Ok(Json(d.assignments.find(id.as_str()).await?.doc))
}
