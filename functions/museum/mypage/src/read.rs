//! `GET /myPages?userId=` — a user's bookings with their exhibition, booking status and entry
//! status, read from the view alone (requirement 11); `GET /myPages/{id}`.

use std::sync::Arc;

use kernel::{AppResult, HttpRequest, HttpResponse, Lookup, Order, RequestExt, reply, validate};
use serde::Deserialize;
use utoipa::IntoParams;

use crate::{Deps, view::BY_USER};

#[derive(Debug, Deserialize, IntoParams)]
#[serde(rename_all = "camelCase")]
#[into_params(parameter_in = Query)]
pub struct MyPageQuery {
    /// Whose bookings.
    #[param(example = "kim", pattern = "^[A-Za-z0-9._@-]{1,64}$")]
    pub user_id: String,
}

pub async fn list(d: Arc<Deps>, req: HttpRequest) -> AppResult<HttpResponse> {
    let q: MyPageQuery = req.query()?;
    let user = validate::id("userId", &q.user_id)?;
    reply::ok(
        &d.rows
            .list(Lookup::By(BY_USER, user), Order::Newest, &req.page()?)
            .await?,
    )
}

pub async fn get(d: Arc<Deps>, req: HttpRequest) -> AppResult<HttpResponse> {
    let id = validate::id("id", req.param("id")?)?;
    reply::ok(&d.rows.find(&id).await?.doc)
}
