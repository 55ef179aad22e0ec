//! `GET /locations/{id}` and `GET /locations?moveId=`: the positions reported.

use kernel::{
    AppResult, Call, Lookup, Order, Page,
    input::{Json, List},
    validate::Id,
};
use serde::Deserialize;
use utoipa::IntoParams;

use crate::{
    Deps,
    domain::{BY_MOVE, Location},
};

#[derive(Debug, Deserialize, IntoParams)]
#[serde(rename_all = "camelCase")]
#[into_params(parameter_in = Query)]
pub struct LocationFilter {
    /// Only this move's positions.
    #[param(value_type = Option<String>, pattern = "^(?!\\.{1,2}$)[A-Za-z0-9._@-]{1,64}$")]
    pub move_id: Option<Id>,
}

pub async fn list(d: &Deps, q: List<LocationFilter>, _: &Call) -> AppResult<Page<Location>> {
    let lookup = match q.filter.move_id {
        Some(m) => Lookup::By(BY_MOVE, m.into_string()),
        None => Lookup::All,
    };
    d.locations.list(lookup, Order::Newest, &q.page).await
}

pub async fn get(d: &Deps, id: Id, _: &Call) -> AppResult<Json<Location>> {
    Ok(Json(d.locations.find(id.as_str()).await?.doc))
}
