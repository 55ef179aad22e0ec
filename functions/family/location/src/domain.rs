//! 위치 (location): the positions a mover's device reports. One track per move (the aggregate,
//! keyed by the move, so its reports reach every consumer in order); each accepted report is a
//! `LocRegistered` with the route left to the goal. Only a MOVING move takes positions. Pure.

use family_events::{LocRegistered, Point, route::Route};
use kernel::{Aggregate, Document, Keys, Slot, aggregate::Decide};
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use utoipa::ToSchema;

/// A move's reports so far.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Track {
    /// The move's id.
    pub id: String,
    pub reports: u64,
    pub last_loc_id: Option<String>,
}

impl Document for Track {
    const KIND: &'static str = "Track";
    fn id(&self) -> &str {
        &self.id
    }
}

/// One reported position, as `GET /locations/{id}` reads it back.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Location {
    /// The report's id (`locId`).
    pub id: String,
    pub move_id: String,
    pub customer_id: String,
    pub family_id: String,
    pub lat: f64,
    pub lon: f64,
    /// Metres left to the goal.
    pub remaining_distance: u64,
    /// Milliseconds left to the goal.
    pub remaining_duration: u64,
    #[serde(with = "time::serde::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    pub created_at: OffsetDateTime,
}

/// Reports by move (`GET /locations?moveId=`).
pub const BY_MOVE: Slot = Slot::A;

impl Document for Location {
    const KIND: &'static str = "Location";
    fn id(&self) -> &str {
        &self.id
    }
    fn keys(&self) -> Keys {
        Keys {
            a: Some(self.move_id.clone()),
            b: None,
        }
    }
}

impl Location {
    pub fn of(e: &LocRegistered, created_at: OffsetDateTime) -> Self {
        Self {
            id: e.loc_id.clone(),
            move_id: e.move_id.clone(),
            customer_id: e.customer_id.clone(),
            family_id: e.family_id.clone(),
            lat: e.lat,
            lon: e.lon,
            remaining_distance: e.remaining_distance,
            remaining_duration: e.remaining_duration,
            created_at,
        }
    }
}

#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(tag = "eventType", content = "payload")]
pub enum TrackEvent {
    LocRegistered(LocRegistered),
}

/// What move answered about the move, synchronously.
#[derive(Clone, Debug, PartialEq)]
pub struct MoveAnswer {
    pub move_id: String,
    pub customer_id: String,
    pub family_id: String,
    /// MOVING, CANCELLED or ENDED.
    pub status: String,
}

#[derive(Clone, Debug, PartialEq)]
pub enum TrackCmd {
    Report {
        loc_id: String,
        answer: MoveAnswer,
        position: Point,
        remaining: Route,
    },
}

#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum Refusal {
    #[error("move {0} is {1}: stop reporting its position")]
    NotMoving(String, String),
}

impl From<Refusal> for kernel::AppError {
    fn from(r: Refusal) -> Self {
        Self::Conflict(r.to_string())
    }
}

impl Decide for Track {
    type Command = TrackCmd;
    type Refusal = Refusal;

    fn decide(&self, cmd: TrackCmd) -> Result<Vec<TrackEvent>, Refusal> {
        let TrackCmd::Report {
            loc_id,
            answer,
            position,
            remaining,
        } = cmd;
        if answer.status != "MOVING" {
            return Err(Refusal::NotMoving(answer.move_id, answer.status));
        }
        Ok(vec![TrackEvent::LocRegistered(LocRegistered {
            loc_id,
            move_id: answer.move_id,
            customer_id: answer.customer_id,
            family_id: answer.family_id,
            lat: position.lat,
            lon: position.lon,
            remaining_distance: remaining.distance,
            remaining_duration: remaining.duration,
        })])
    }
}

impl Aggregate for Track {
    type Event = TrackEvent;

    fn apply(mut self, event: &TrackEvent) -> Self {
        let TrackEvent::LocRegistered(e) = event;
        self.id = e.move_id.clone();
        self.reports += 1;
        self.last_loc_id = Some(e.loc_id.clone());
        self
    }
}

#[cfg(test)]
mod tests {
    use testkit::given;

    use super::*;

    fn answer(status: &str) -> MoveAnswer {
        MoveAnswer {
            move_id: "m1".into(),
            customer_id: "mom".into(),
            family_id: "kims".into(),
            status: status.into(),
        }
    }

    fn report(loc: &str, status: &str) -> TrackCmd {
        TrackCmd::Report {
            loc_id: loc.into(),
            answer: answer(status),
            position: Point {
                lat: 37.5,
                lon: 127.0,
            },
            remaining: Route {
                distance: 5_000,
                duration: 450_000,
            },
        }
    }

    fn registered(loc: &str) -> TrackEvent {
        TrackEvent::LocRegistered(LocRegistered {
            loc_id: loc.into(),
            move_id: "m1".into(),
            customer_id: "mom".into(),
            family_id: "kims".into(),
            lat: 37.5,
            lon: 127.0,
            remaining_distance: 5_000,
            remaining_duration: 450_000,
        })
    }

    #[test]
    fn a_position_of_a_moving_move_is_registered_with_the_route_left() {
        let t = given::<Track>([])
            .when(report("l1", "MOVING"))
            .then([registered("l1")]);
        assert_eq!((t.id.as_str(), t.reports), ("m1", 1));
        let t = given::<Track>([registered("l1")])
            .when(report("l2", "MOVING"))
            .then([registered("l2")]);
        assert_eq!((t.reports, t.last_loc_id.as_deref()), (2, Some("l2")));
    }

    #[test]
    fn a_cancelled_or_ended_move_takes_no_more_positions() {
        given::<Track>([registered("l1")])
            .when(report("l2", "CANCELLED"))
            .then_refused(Refusal::NotMoving("m1".into(), "CANCELLED".into()));
        given::<Track>([])
            .when(report("l1", "ENDED"))
            .then_refused(Refusal::NotMoving("m1".into(), "ENDED".into()));
    }
}
