//! `GET /packingorders?userId=`, `GET /packingorders/{id}` (requirement 1).

use kernel::{
    AppResult, Call, Lookup, Order, Page,
    input::{Json, List},
    validate::Id,
};
use serde::Deserialize;
use utoipa::IntoParams;

use crate::{
    Deps,
    domain::{BY_USER, PackingOrder},
};

#[derive(Debug, Deserialize, IntoParams)]
#[serde(rename_all = "camelCase")]
#[into_params(parameter_in = Query)]
pub struct OrderFilter {
    /// Only this customer's orders.
    #[param(value_type = Option<String>, pattern = "^(?!\\.{1,2}$)[A-Za-z0-9._@-]{1,64}$")]
    pub user_id: Option<Id>,
}

pub async fn list(d: &Deps, q: List<OrderFilter>, _: &Call) -> AppResult<Page<PackingOrder>> {
    let lookup = match q.filter.user_id {
        Some(user) => Lookup::By(BY_USER, user.into_string()),
        None => Lookup::All,
    };
    d.orders.list(lookup, Order::Newest, &q.page).await
}

pub async fn get(d: &Deps, id: Id, _: &Call) -> AppResult<Json<PackingOrder>> {
    Ok(Json(d.orders.find(id.as_str()).await?.doc))
}
