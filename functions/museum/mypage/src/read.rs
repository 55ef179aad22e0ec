//! `GET /myPages?userId=` — a user's bookings with their exhibition, booking status and entry
//! status, read from the view alone (requirement 11); `GET /myPages/{id}`.

use kernel::{
    AppResult, Call, Lookup, Order, Page,
    input::{Json, List},
    validate::Id,
};
use serde::Deserialize;
use utoipa::IntoParams;

use crate::{
    Deps,
    view::{BY_USER, MyPage},
};

#[derive(Debug, Deserialize, IntoParams)]
#[serde(rename_all = "camelCase")]
#[into_params(parameter_in = Query)]
pub struct MyPageQuery {
    /// Whose bookings.
    #[param(value_type = String, example = "kim", pattern = "^(?!\\.{1,2}$)[A-Za-z0-9._@-]{1,64}$")]
    pub user_id: Id,
}

pub async fn list(d: &Deps, q: List<MyPageQuery>, _: &Call) -> AppResult<Page<MyPage>> {
    d.rows
        .list(
            Lookup::By(BY_USER, q.filter.user_id.into_string()),
            Order::Newest,
            &q.page,
        )
        .await
}

pub async fn get(d: &Deps, id: Id, _: &Call) -> AppResult<Json<MyPage>> {
    Ok(Json(d.rows.find(id.as_str()).await?.doc))
}
