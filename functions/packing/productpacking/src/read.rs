//! `GET /productpackings?status=&orderId=`, `GET /productpackings/{id}` (requirement 2).

use kernel::{
    AppResult, Call, Lookup, Order, Page,
    input::{Json, List},
    validate::Id,
};
use packing_events::TaskStatus;
use serde::Deserialize;
use utoipa::IntoParams;

use crate::{
    Deps,
    domain::{BY_STATUS, PackingTask},
};

#[derive(Debug, Deserialize, IntoParams)]
#[serde(rename_all = "camelCase")]
#[into_params(parameter_in = Query)]
pub struct TaskFilter {
    /// Only tasks in this status.
    #[param(value_type = Option<String>, example = "WAITING")]
    pub status: Option<TaskStatus>,
    /// Only this order's task.
    #[param(value_type = Option<String>, pattern = "^(?!\\.{1,2}$)[A-Za-z0-9._@-]{1,64}$")]
    pub order_id: Option<Id>,
}

pub async fn list(d: &Deps, q: List<TaskFilter>, _: &Call) -> AppResult<Page<PackingTask>> {
    if let Some(order) = q.filter.order_id {
        // A task's id is its order's id: at most one.
        let items = d
            .tasks
            .get(order.as_str())
            .await?
            .map(|v| v.doc)
            .filter(|t| q.filter.status.is_none_or(|s| s == t.status))
            .into_iter()
            .collect();
        return Ok(Page {
            items,
            next_cursor: None,
        });
    }
    let lookup = match q.filter.status {
        Some(s) => Lookup::By(BY_STATUS, s.word().to_owned()),
        None => Lookup::All,
    };
    d.tasks.list(lookup, Order::Newest, &q.page).await
}

pub async fn get(d: &Deps, id: Id, _: &Call) -> AppResult<Json<PackingTask>> {
    Ok(Json(d.tasks.find(id.as_str()).await?.doc))
}
