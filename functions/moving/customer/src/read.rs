//! `GET /moverinfos?tel=` (the customer's calls with their companies, from the view alone),
//! `GET /moverinfos/{id}`, and `GET /moverinfos/messages?tel=` (requirement 6).

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
    message::{self, Message},
    view::{self, Moverinfo},
};

#[derive(Debug, Deserialize, IntoParams)]
#[serde(rename_all = "camelCase")]
#[into_params(parameter_in = Query)]
pub struct ByTel {
    /// The customer's telephone.
    #[param(value_type = String, example = "01012345678", pattern = "^[0-9][0-9-]{6,18}[0-9]$")]
    pub tel: Tel,
}

pub async fn list(d: &Deps, q: List<ByTel>, _: &Call) -> AppResult<Page<Moverinfo>> {
    d.rows
        .list(
            Lookup::By(view::BY_TEL, q.filter.tel.into_string()),
            Order::Newest,
            &q.page,
        )
        .await
}

pub async fn get(d: &Deps, id: Id, _: &Call) -> AppResult<Json<Moverinfo>> {
    Ok(Json(d.rows.find(id.as_str()).await?.doc))
}

pub async fn messages(d: &Deps, q: List<ByTel>, _: &Call) -> AppResult<Page<Message>> {
    d.messages
        .list(
            Lookup::By(message::BY_TEL, q.filter.tel.into_string()),
            Order::Newest,
            &q.page,
        )
        .await
}
