//! `GET /museums`, `GET /museums/{id}`.

use std::sync::Arc;

use kernel::{AppResult, HttpRequest, HttpResponse, Lookup, Order, RequestExt, reply, validate};

use crate::Deps;

pub async fn list(d: Arc<Deps>, req: HttpRequest) -> AppResult<HttpResponse> {
    reply::ok(
        &d.museums
            .list(Lookup::All, Order::Oldest, &req.page()?)
            .await?,
    )
}

pub async fn get(d: Arc<Deps>, req: HttpRequest) -> AppResult<HttpResponse> {
    let id = validate::id("id", req.param("id")?)?;
    reply::ok(&d.museums.find(&id).await?.doc)
}
