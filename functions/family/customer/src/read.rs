//! `GET /customers/{id}`, `GET /customers?familyId=`, and `GET /customers/{id}/standing`
//! (internal: move asks whether a customer may start a move).

use kernel::{
    AppResult, Call, Lookup, Order, Page,
    input::{Json, List},
    validate::Id,
};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::{
    Deps,
    domain::{BY_FAMILY, Customer, CustomerStatus},
};

#[derive(Debug, Deserialize, IntoParams)]
#[serde(rename_all = "camelCase")]
#[into_params(parameter_in = Query)]
pub struct CustomerFilter {
    /// Only this family's customers.
    #[param(value_type = Option<String>, pattern = "^(?!\\.{1,2}$)[A-Za-z0-9._@-]{1,64}$")]
    pub family_id: Option<Id>,
}

pub async fn list(d: &Deps, q: List<CustomerFilter>, _: &Call) -> AppResult<Page<Customer>> {
    let lookup = match q.filter.family_id {
        Some(f) => Lookup::By(BY_FAMILY, f.into_string()),
        None => Lookup::All,
    };
    d.customers.list(lookup, Order::Newest, &q.page).await
}

pub async fn get(d: &Deps, id: Id, _: &Call) -> AppResult<Json<Customer>> {
    Ok(Json(d.customers.find(id.as_str()).await?.doc))
}

/// What customer's record says about a customer, for move: the family and the status.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Standing {
    pub customer_id: String,
    pub family_id: String,
    pub status: CustomerStatus,
}

/// 404 when there is no such customer.
pub async fn standing(d: &Deps, id: Id, _: &Call) -> AppResult<Json<Standing>> {
    let c = d.customers.find(id.as_str()).await?.doc;
    Ok(Json(Standing {
        customer_id: c.id,
        family_id: c.family_id,
        status: c.status,
    }))
}
