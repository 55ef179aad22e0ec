//! `POST /moves/{id}/cancel` → `MoveCancelled`; `PUT /moves/{id}/goal {lat, lon}` (the destination
//! changed) → `MoveUpdated` with a new route from where the mover was last reported
//! (requirement 4). A move no longer MOVING answers 409.

use family_events::Point;
use kernel::{AppError, AppResult, Call, aggregate, input::Json, validate::Id};

use crate::{
    Deps,
    domain::{Move, MoveCmd},
};
use kernel::aggregate::Decide;

pub async fn cancel(d: &Deps, id: Id, cx: &Call) -> AppResult<Json<Move>> {
    let m = aggregate::update(
        &d.moves,
        id.as_str(),
        cx,
        |m| Ok(m.decide(MoveCmd::Cancel)?),
    )
    .await?;
    Ok(Json(m))
}

pub async fn change_goal(
    d: &Deps,
    (id, Json(goal)): (Id, Json<Point>),
    cx: &Call,
) -> AppResult<Json<Move>> {
    // The route from where the mover is; if a report moves them meanwhile, the write's version
    // condition fails and the route is asked again from the new position.
    let routes = d.routes.clone();
    let m = kernel::aggregate::retry_on_conflict(|| async {
        let current = d.moves.find(id.as_str()).await?;
        let route = routes.route(current.doc.position, goal).await?;
        let events = current
            .doc
            .decide(MoveCmd::ChangeGoal {
                goal,
                route,
                now: cx.now,
            })
            .map_err(AppError::from)?;
        let mut tx = kernel::Tx::new();
        let committed = aggregate::record(
            &mut tx,
            d.moves.store().context(),
            current.doc,
            current.version,
            events,
            cx,
        )?;
        d.moves.store().commit(tx.into_inner()).await?;
        Ok::<_, aggregate::Attempt>(committed.state)
    })
    .await?
    .ok_or_else(|| {
        AppError::internal(anyhow::anyhow!(
            "a goal change without a marker was a duplicate"
        ))
    })?;
    Ok(Json(m))
}
