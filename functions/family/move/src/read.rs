//! `GET /moves/{id}`, `GET /moves?customerId=&familyId=`, and `GET /moves/{id}/standing`
//! (internal: location asks whether a move is still MOVING before accepting a position).

use family_events::Point;
use kernel::{
    AppResult, Call, Lookup, Order, Page,
    input::{Json, List},
    validate::Id,
};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::{
    Deps,
    domain::{BY_CUSTOMER, BY_FAMILY, Move, MoveStatus},
};

#[derive(Debug, Deserialize, IntoParams)]
#[serde(rename_all = "camelCase")]
#[into_params(parameter_in = Query)]
pub struct MoveFilter {
    /// Only this mover's moves.
    #[param(value_type = Option<String>, pattern = "^(?!\\.{1,2}$)[A-Za-z0-9._@-]{1,64}$")]
    pub customer_id: Option<Id>,
    /// Only this family's moves.
    #[param(value_type = Option<String>, pattern = "^(?!\\.{1,2}$)[A-Za-z0-9._@-]{1,64}$")]
    pub family_id: Option<Id>,
}

pub async fn list(d: &Deps, q: List<MoveFilter>, _: &Call) -> AppResult<Page<Move>> {
    let lookup = match (q.filter.customer_id, q.filter.family_id) {
        (Some(c), _) => Lookup::By(BY_CUSTOMER, c.into_string()),
        (None, Some(f)) => Lookup::By(BY_FAMILY, f.into_string()),
        (None, None) => Lookup::All,
    };
    d.moves.list(lookup, Order::Newest, &q.page).await
}

pub async fn get(d: &Deps, id: Id, _: &Call) -> AppResult<Json<Move>> {
    Ok(Json(d.moves.find(id.as_str()).await?.doc))
}

/// What move says about a move, for location: its status, who moves and where to.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Standing {
    pub move_id: String,
    pub customer_id: String,
    pub family_id: String,
    pub status: MoveStatus,
    pub goal: Point,
}

/// 404 when there is no such move.
pub async fn standing(d: &Deps, id: Id, _: &Call) -> AppResult<Json<Standing>> {
    let m = d.moves.find(id.as_str()).await?.doc;
    Ok(Json(Standing {
        move_id: m.id,
        customer_id: m.customer_id,
        family_id: m.family_id,
        status: m.status,
        goal: m.goal,
    }))
}
