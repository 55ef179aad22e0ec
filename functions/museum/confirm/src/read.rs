//! `GET /confirms?userId=`, `GET /confirms/{id}` (the id is the booking's).

use std::sync::Arc;

use kernel::{AppResult, HttpRequest, HttpResponse, Lookup, Order, RequestExt, reply, validate};
use serde::Deserialize;
use utoipa::IntoParams;

use crate::{Deps, domain::BY_USER};

#[derive(Debug, Deserialize, IntoParams)]
#[serde(rename_all = "camelCase")]
#[into_params(parameter_in = Query)]
pub struct ConfirmFilter {
    /// Only this user's entries.
    #[param(pattern = "^[A-Za-z0-9._@-]{1,64}$")]
    pub user_id: Option<String>,
}

pub async fn list(d: Arc<Deps>, req: HttpRequest) -> AppResult<HttpResponse> {
    let filter: ConfirmFilter = req.query()?;
    let lookup = match filter.user_id {
        Some(user) => Lookup::By(BY_USER, validate::id("userId", &user)?),
        None => Lookup::All,
    };
    reply::ok(&d.entries.list(lookup, Order::Newest, &req.page()?).await?)
}

pub async fn get(d: Arc<Deps>, req: HttpRequest) -> AppResult<HttpResponse> {
    let id = validate::id("id", req.param("id")?)?;
    reply::ok(&d.entries.find(&id).await?.doc)
}
