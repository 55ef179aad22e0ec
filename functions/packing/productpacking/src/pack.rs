//! `POST /productpackings/{id}/pack` → `ProductPacked`; the order turns PACKED (requirement 4).
//! `POST /productpackings/{id}/reject` → `PackingRejected` (the product is unavailable); the
//! order turns REJECTED and is refunded if it was paid (requirement 3).

use kernel::{AppResult, Call, aggregate, aggregate::Decide, input::Json, validate::Id};

use crate::{
    Deps,
    domain::{PackingTask, TaskCmd},
};

pub async fn pack(d: &Deps, id: Id, cx: &Call) -> AppResult<Json<PackingTask>> {
    let task =
        aggregate::update(&d.tasks, id.as_str(), cx, |t| Ok(t.decide(TaskCmd::Pack)?)).await?;
    Ok(Json(task))
}

pub async fn reject(d: &Deps, id: Id, cx: &Call) -> AppResult<Json<PackingTask>> {
    let task = aggregate::update(
        &d.tasks,
        id.as_str(),
        cx,
        |t| Ok(t.decide(TaskCmd::Reject)?),
    )
    .await?;
    Ok(Json(task))
}
