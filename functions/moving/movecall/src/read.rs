//! `GET /movers?tel=`, `GET /movers/{id}`.

use kernel::{
    AppResult, Call, Lookup, Order, Page,
    input::{Json, List},
    validate::Id,
};
use moving_events::Tel;
use serde::Deserialize;
use utoipa::IntoParams;

use crate::{
    Deps,
    domain::{BY_TEL, Movercall},
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
