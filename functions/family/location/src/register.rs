//! `POST /locations {moveId, lat, lon}` — the mover's device reports a position (requirement 5).
//! Before accepting it, location asks move synchronously whether the move is still MOVING: a
//! cancelled or ended move answers 409 (the device must stop reporting); move down or its
//! breaker open → 503 at once. An accepted position is recorded with `LocRegistered` (the route
//! left to the goal) in one write, on the move's track.

use family_events::Point;
use kernel::{
    AppError, AppResult, Call, Tx,
    aggregate::{self, Attempt, retry_on_conflict},
    input::Json,
    output::Created,
    validate::Id,
};
use serde::Deserialize;
use utoipa::ToSchema;

use crate::{
    Deps,
    domain::{Location, MoveAnswer, Track, TrackCmd, TrackEvent},
};
use kernel::aggregate::Decide;

#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct RegisterLocation {
    pub move_id: Id,
    /// Latitude in degrees, -90 to 90.
    #[schema(minimum = -90, maximum = 90, example = 37.52)]
    pub lat: f64,
    /// Longitude in degrees, -180 to 180.
    #[schema(minimum = -180, maximum = 180, example = 127.0)]
    pub lon: f64,
}

pub async fn register(
    d: &Deps,
    Json(cmd): Json<RegisterLocation>,
    cx: &Call,
) -> AppResult<Created<Location>> {
    let position = Point::new(cmd.lat, cmd.lon).map_err(AppError::Invalid)?;
    let move_id = cmd.move_id.into_string();
    let standing = d.moves.standing(&move_id, cx).await?;
    let remaining = d.routes.route(position, standing.goal).await?;
    let loc_id = cx.new_id();
    let answer = MoveAnswer {
        move_id: standing.move_id,
        customer_id: standing.customer_id,
        family_id: standing.family_id,
        status: standing.status,
    };
    let location = retry_on_conflict(|| async {
        let (track, version) = match d.tracks.get(&move_id).await? {
            Some(v) => (v.doc, v.version),
            None => (Track::default(), 0),
        };
        let events = track
            .decide(TrackCmd::Report {
                loc_id: loc_id.clone(),
                answer: answer.clone(),
                position,
                remaining,
            })
            .map_err(AppError::from)?;
        let location = events
            .iter()
            .map(|TrackEvent::LocRegistered(e)| Location::of(e, cx.now))
            .next_back()
            .ok_or_else(|| AppError::internal(anyhow::anyhow!("a report recorded nothing")))?;
        let mut tx = Tx::new();
        aggregate::record(
            &mut tx,
            d.tracks.store().context(),
            track,
            version,
            events,
            cx,
        )?;
        tx.put(&location, 0)?;
        d.tracks
            .store()
            .commit(tx.into_inner())
            .await
            .map_err(Attempt::from)?;
        Ok::<_, Attempt>(location)
    })
    .await?
    .ok_or_else(|| {
        AppError::internal(anyhow::anyhow!("a report without a marker was a duplicate"))
    })?;
    Ok(Created::at(
        family_events::path(&format!("/locations/{loc_id}")),
        location,
    ))
}
