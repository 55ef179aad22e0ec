//! `GET /books?userId=&museumId=`, `GET /books/{id}`, and `GET /books/{id}/standing` (internal).

use kernel::{
    AppResult, Call, Lookup, Order, Page,
    input::{Json, List},
    validate::Id,
};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::{
    Deps,
    domain::{BY_MUSEUM, BY_USER, Booking, BookingStatus},
};

#[derive(Debug, Deserialize, IntoParams)]
#[serde(rename_all = "camelCase")]
#[into_params(parameter_in = Query)]
pub struct BookFilter {
    /// Only this user's bookings.
    #[param(value_type = Option<String>, pattern = "^(?!\\.{1,2}$)[A-Za-z0-9._@-]{1,64}$")]
    pub user_id: Option<Id>,
    /// Only the bookings of this exhibition.
    #[param(value_type = Option<String>, pattern = "^(?!\\.{1,2}$)[A-Za-z0-9._@-]{1,64}$")]
    pub museum_id: Option<Id>,
}

pub async fn list(d: &Deps, q: List<BookFilter>, _: &Call) -> AppResult<Page<Booking>> {
    let lookup = match (q.filter.user_id, q.filter.museum_id) {
        (Some(user), _) => Lookup::By(BY_USER, user.into_string()),
        (None, Some(museum)) => Lookup::By(BY_MUSEUM, museum.into_string()),
        (None, None) => Lookup::All,
    };
    d.bookings.list(lookup, Order::Newest, &q.page).await
}

pub async fn get(d: &Deps, id: Id, _: &Call) -> AppResult<Json<Booking>> {
    Ok(Json(d.bookings.find(id.as_str()).await?.doc))
}

/// What book's own record says about a booking, for museum: whether the seats a booking took
/// may be given back.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Standing {
    pub booking_id: String,
    pub museum_id: String,
    pub status: BookingStatus,
}

/// 404 when book never recorded the booking.
pub async fn standing(d: &Deps, id: Id, _: &Call) -> AppResult<Json<Standing>> {
    let booking = d.bookings.find(id.as_str()).await?.doc;
    Ok(Json(Standing {
        booking_id: booking.id,
        museum_id: booking.museum_id,
        status: booking.status,
    }))
}
