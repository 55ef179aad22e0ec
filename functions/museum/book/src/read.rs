//! `GET /books?userId=&museumId=`, `GET /books/{id}`.

use std::sync::Arc;

use kernel::{AppResult, HttpRequest, HttpResponse, Lookup, Order, RequestExt, reply, validate};
use serde::Deserialize;
use utoipa::IntoParams;

use crate::{
    Deps,
    domain::{BY_MUSEUM, BY_USER},
};

#[derive(Debug, Deserialize, IntoParams)]
#[serde(rename_all = "camelCase")]
#[into_params(parameter_in = Query)]
pub struct BookFilter {
    /// Only this user's bookings.
    #[param(pattern = "^[A-Za-z0-9._@-]{1,64}$")]
    pub user_id: Option<String>,
    /// Only the bookings of this exhibition.
    #[param(pattern = "^[A-Za-z0-9._@-]{1,64}$")]
    pub museum_id: Option<String>,
}

pub async fn list(d: Arc<Deps>, req: HttpRequest) -> AppResult<HttpResponse> {
    let filter: BookFilter = req.query()?;
    let lookup = match (filter.user_id, filter.museum_id) {
        (Some(user), _) => Lookup::By(BY_USER, validate::id("userId", &user)?),
        (None, Some(museum)) => Lookup::By(BY_MUSEUM, validate::id("museumId", &museum)?),
        (None, None) => Lookup::All,
    };
    reply::ok(&d.bookings.list(lookup, Order::Newest, &req.page()?).await?)
}

pub async fn get(d: Arc<Deps>, req: HttpRequest) -> AppResult<HttpResponse> {
    let id = validate::id("id", req.param("id")?)?;
    reply::ok(&d.bookings.find(&id).await?.doc)
}

/// What book's own record says about a booking, for museum (internal): whether the seats a
/// booking took may be given back.
#[derive(Debug, serde::Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Standing {
    pub booking_id: String,
    pub museum_id: String,
    pub status: crate::domain::BookingStatus,
}

/// `GET /books/{id}/standing` (internal): 404 when book never recorded the booking.
pub async fn standing(d: Arc<Deps>, req: HttpRequest) -> AppResult<HttpResponse> {
    let id = validate::id("id", req.param("id")?)?;
    let booking = d.bookings.find(&id).await?.doc;
    reply::ok(&Standing {
        booking_id: booking.id,
        museum_id: booking.museum_id,
        status: booking.status,
    })
}
