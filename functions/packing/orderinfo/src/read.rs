//! `GET /orderinfos?userId=` (the customer's list) and `GET /orderinfos?status=` (the admin's),
//! read from the view alone (requirement 5); `GET /orderinfos/{id}`.

use kernel::{
    AppResult, Call, Lookup, Order, Page,
    input::{Json, List},
    validate::Id,
};
use packing_events::OrderStatus;
use serde::Deserialize;
use utoipa::IntoParams;

use crate::{
    Deps,
    view::{BY_STATUS, BY_USER, OrderInfo},
};

#[derive(Debug, Deserialize, IntoParams)]
#[serde(rename_all = "camelCase")]
#[into_params(parameter_in = Query)]
pub struct OrderInfoQuery {
    /// The customer's list: this customer's orders.
    #[param(value_type = Option<String>, example = "kim", pattern = "^(?!\\.{1,2}$)[A-Za-z0-9._@-]{1,64}$")]
    pub user_id: Option<Id>,
    /// The admin's list: the orders in this status.
    #[param(value_type = Option<String>, example = "ORDERED")]
    pub status: Option<OrderStatus>,
}

/// Newest first. With neither filter, every order; with both, the customer's orders in that
/// status (the page is the customer's page, filtered: it may hold fewer than `limit` rows while
/// `nextCursor` still leads on).
pub async fn list(d: &Deps, q: List<OrderInfoQuery>, _: &Call) -> AppResult<Page<OrderInfo>> {
    let lookup = match (q.filter.user_id, q.filter.status) {
        (Some(user), _) => Lookup::By(BY_USER, user.into_string()),
        (None, Some(status)) => Lookup::By(BY_STATUS, status.word().to_owned()),
        (None, None) => Lookup::All,
    };
    let mut page = d.rows.list(lookup, Order::Newest, &q.page).await?;
    if let Some(status) = q.filter.status {
        page.items.retain(|row| row.status == Some(status));
    }
    Ok(page)
}

pub async fn get(d: &Deps, id: Id, _: &Call) -> AppResult<Json<OrderInfo>> {
    Ok(Json(d.rows.find(id.as_str()).await?.doc))
}
