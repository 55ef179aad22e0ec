//! `GET /payments?orderId=`, `GET /payments/{id}`: an order's payment, APPROVED or REFUNDED
//! (requirement 3).

use kernel::{
    AppResult, Call, Lookup, Order, Page,
    input::{Json, List},
    validate::Id,
};
use serde::Deserialize;
use utoipa::IntoParams;

use crate::{
    Deps,
    domain::{BY_ORDER, Payment},
};

#[derive(Debug, Deserialize, IntoParams)]
#[serde(rename_all = "camelCase")]
#[into_params(parameter_in = Query)]
pub struct PaymentFilter {
    /// Only this order's payment.
    #[param(value_type = Option<String>, pattern = "^(?!\\.{1,2}$)[A-Za-z0-9._@-]{1,64}$")]
    pub order_id: Option<Id>,
}

pub async fn list(d: &Deps, q: List<PaymentFilter>, _: &Call) -> AppResult<Page<Payment>> {
    let lookup = match q.filter.order_id {
        Some(order) => Lookup::By(BY_ORDER, order.into_string()),
        None => Lookup::All,
    };
    d.payments.list(lookup, Order::Newest, &q.page).await
}

pub async fn get(d: &Deps, id: Id, _: &Call) -> AppResult<Json<Payment>> {
    Ok(Json(d.payments.find(id.as_str()).await?.doc))
}
