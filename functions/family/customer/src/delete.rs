//! `DELETE /customers/{id}` — the customer leaves → `CustomerDeleted` (DELETED, requirement 1);
//! family removes the membership and alarm stops alarming them on that event.

use kernel::{AppResult, Call, aggregate, input::Json, validate::Id};

use crate::{
    Deps,
    domain::{Customer, CustomerCmd},
};
use kernel::aggregate::Decide;

pub async fn delete(d: &Deps, id: Id, cx: &Call) -> AppResult<Json<Customer>> {
    let customer = aggregate::update(&d.customers, id.as_str(), cx, |c| {
        Ok(c.decide(CustomerCmd::Delete)?)
    })
    .await?;
    Ok(Json(customer))
}
