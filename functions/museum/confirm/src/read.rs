//! `GET /confirms?userId=`, `GET /confirms/{id}` (the id is the booking's).

use kernel::{
    AppResult, Call, Lookup, Order, Page,
    input::{Json, List},
    validate::Id,
};
use serde::Deserialize;
use utoipa::IntoParams;

use crate::{
    Deps,
    domain::{BY_USER, Entry},
};

#[derive(Debug, Deserialize, IntoParams)]
#[serde(rename_all = "camelCase")]
#[into_params(parameter_in = Query)]
pub struct ConfirmFilter {
    /// Only this user's entries.
    #[param(value_type = Option<String>, pattern = "^(?!\\.{1,2}$)[A-Za-z0-9._@-]{1,64}$")]
    pub user_id: Option<Id>,
}

pub async fn list(d: &Deps, q: List<ConfirmFilter>, _: &Call) -> AppResult<Page<Entry>> {
    let lookup = match q.filter.user_id {
        Some(user) => Lookup::By(BY_USER, user.into_string()),
        None => Lookup::All,
    };
    d.entries.list(lookup, Order::Newest, &q.page).await
}

pub async fn get(d: &Deps, id: Id, _: &Call) -> AppResult<Json<Entry>> {
    Ok(Json(d.entries.find(id.as_str()).await?.doc))
}
