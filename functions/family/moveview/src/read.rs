//! `GET /moveviews?customerId=` and `GET /moveviews?familyId=` — every move's position and
//! status at once, in one read of the view (requirement 7); `GET /moveviews/{id}`.

use kernel::{
    AppError, AppResult, Call, Lookup, Order, Page,
    input::{Json, List},
    validate::Id,
};
use serde::Deserialize;
use utoipa::IntoParams;

use crate::{
    Deps,
    view::{BY_CUSTOMER, BY_FAMILY, MoveView},
};

#[derive(Debug, Deserialize, IntoParams)]
#[serde(rename_all = "camelCase")]
#[into_params(parameter_in = Query)]
pub struct MoveViewQuery {
    /// One member's moves.
    #[param(value_type = Option<String>, pattern = "^(?!\\.{1,2}$)[A-Za-z0-9._@-]{1,64}$")]
    pub customer_id: Option<Id>,
    /// Every move of the family.
    #[param(value_type = Option<String>, example = "kims", pattern = "^(?!\\.{1,2}$)[A-Za-z0-9._@-]{1,64}$")]
    pub family_id: Option<Id>,
}

/// Exactly one of `customerId` and `familyId`.
pub async fn list(d: &Deps, q: List<MoveViewQuery>, _: &Call) -> AppResult<Page<MoveView>> {
    let lookup = match (q.filter.customer_id, q.filter.family_id) {
        (Some(c), None) => Lookup::By(BY_CUSTOMER, c.into_string()),
        (None, Some(f)) => Lookup::By(BY_FAMILY, f.into_string()),
        _ => {
            return Err(AppError::invalid(
                "give exactly one of `customerId` and `familyId`",
            ));
        }
    };
    d.rows.list(lookup, Order::Newest, &q.page).await
}

pub async fn get(d: &Deps, id: Id, _: &Call) -> AppResult<Json<MoveView>> {
    Ok(Json(d.rows.find(id.as_str()).await?.doc))
}
