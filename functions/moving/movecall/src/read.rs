//! `GET /movers?tel=`, `GET /movers/{id}`, and `GET /movers/{id}/standing` (internal).

use kernel::{
    AppResult, Call, Lookup, Order, Page,
    input::{Json, List},
    validate::Id,
};
use moving_events::Tel;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::{
    Deps,
    domain::{BY_TEL, CallStatus, Movercall},
};

#[derive(Debug, Deserialize, IntoParams)]
#[serde(rename_all = "camelCase")]
#[into_params(parameter_in = Query)]
pub struct CallFilter {
    /// Only this customer's calls.
    #[param(value_type = Option<String>, pattern = "^[0-9][0-9-]{6,18}[0-9]$")]
    pub tel: Option<Tel>,
}

pub async fn list(d: &Deps, q: List<CallFilter>, _: &Call) -> AppResult<Page<Movercall>> {
    let lookup = match q.filter.tel {
        Some(tel) => Lookup::By(BY_TEL, tel.into_string()),
        None => Lookup::All,
    };
    d.calls.list(lookup, Order::Newest, &q.page).await
}

pub async fn get(d: &Deps, id: Id, _: &Call) -> AppResult<Json<Movercall>> {
    Ok(Json(d.calls.find(id.as_str()).await?.doc))
}

/// What movecall's record says about a call, for movemanage's orphan sweep.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Standing {
    pub call_id: String,
    pub status: CallStatus,
}

/// 404 when movecall never recorded the call.
pub async fn standing(d: &Deps, id: Id, _: &Call) -> AppResult<Json<Standing>> {
    let call = d.calls.find(id.as_str()).await?.doc;
    Ok(Json(Standing {
        call_id: call.id,
        status: call.status,
    }))
}
