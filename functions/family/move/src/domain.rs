//! 이동 (move): an ACTIVE member starts it from a remote place towards a goal; the goal may change;
//! the device's reports bring it to ARRIVAL_IMMINENT once (again after a goal change) and end it
//! inside the arrival radius; the mover may cancel it. Pure: routes and time come in the command.

use family_events::{
    ArrivalImminent, MoveCancelled, MoveEnded, MoveStarted, MoveUpdated, Point, route::Route,
};
use kernel::{Aggregate, Document, Keys, Slot, aggregate::Decide};
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use utoipa::ToSchema;

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum MoveStatus {
    /// 이동 중.
    #[default]
    Moving,
    /// 이동 취소.
    Cancelled,
    /// 도착: the mover reached the goal.
    Ended,
}

impl MoveStatus {
    pub fn code(self) -> &'static str {
        match self {
            Self::Moving => "MOVING",
            Self::Cancelled => "CANCELLED",
            Self::Ended => "ENDED",
        }
    }
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Move {
    pub id: String,
    pub customer_id: String,
    pub family_id: String,
    pub start: Point,
    pub goal: Point,
    /// Where the mover was last reported (the start until the first report).
    pub position: Point,
    /// Metres of the route, from the start or from where the goal last changed.
    pub distance: u64,
    /// Milliseconds of that route.
    pub duration: u64,
    /// Metres left, as of the last report.
    pub remaining_distance: u64,
    /// Milliseconds left, as of the last report.
    pub remaining_duration: u64,
    #[serde(with = "time::serde::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    pub eta: OffsetDateTime,
    /// Whether `ArrivalImminent` was raised for the current goal.
    pub arrival_imminent: bool,
    pub status: MoveStatus,
    /// The last position report's id.
    pub loc_id: Option<String>,
}

impl Default for Move {
    fn default() -> Self {
        Self {
            id: String::new(),
            customer_id: String::new(),
            family_id: String::new(),
            start: Point::default(),
            goal: Point::default(),
            position: Point::default(),
            distance: 0,
            duration: 0,
            remaining_distance: 0,
            remaining_duration: 0,
            eta: OffsetDateTime::UNIX_EPOCH,
            arrival_imminent: false,
            status: MoveStatus::Moving,
            loc_id: None,
        }
    }
}

/// Moves by mover and by family (`GET /moves?customerId=|familyId=`).
pub const BY_CUSTOMER: Slot = Slot::A;
pub const BY_FAMILY: Slot = Slot::B;

impl Document for Move {
    const KIND: &'static str = "Move";
    fn id(&self) -> &str {
        &self.id
    }
    fn keys(&self) -> Keys {
        Keys {
            a: Some(self.customer_id.clone()),
            b: Some(self.family_id.clone()),
        }
    }
}

#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(tag = "eventType", content = "payload")]
pub enum MoveEvent {
    MoveStarted(MoveStarted),
    MoveUpdated(MoveUpdated),
    MoveCancelled(MoveCancelled),
    ArrivalImminent(ArrivalImminent),
    MoveEnded(MoveEnded),
}

/// When a reported position ends a move or makes its arrival imminent.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Thresholds {
    /// Metres from the goal within which the move ends.
    pub arrival_radius: u64,
    /// Milliseconds left at or below which arrival is imminent.
    pub imminent: u64,
}

#[derive(Clone, Debug, PartialEq)]
pub enum MoveCmd {
    Start {
        id: String,
        customer_id: String,
        family_id: String,
        /// Whether the customer's account is ACTIVE (customer answered synchronously).
        customer_active: bool,
        start: Point,
        goal: Point,
        route: Route,
        now: OffsetDateTime,
    },
    Cancel,
    /// The destination changed; `route` runs from the last reported position to `goal`.
    ChangeGoal {
        goal: Point,
        route: Route,
        now: OffsetDateTime,
    },
    /// A position the device reported, with the route left from it to the goal.
    Report {
        position: Point,
        remaining: Route,
        now: OffsetDateTime,
        thresholds: Thresholds,
    },
}

#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum Refusal {
    #[error("move {0} already exists")]
    AlreadyStarted(String),
    #[error("customer {0} is not ACTIVE: only an ACTIVE member of a family may start a move")]
    CustomerNotActive(String),
    #[error("move {0} is {1}, not MOVING")]
    NotMoving(String, &'static str),
}

impl From<Refusal> for kernel::AppError {
    fn from(r: Refusal) -> Self {
        match r {
            Refusal::CustomerNotActive(_) => Self::Refused(r.to_string()),
            _ => Self::Conflict(r.to_string()),
        }
    }
}

fn eta(now: OffsetDateTime, duration_ms: u64) -> OffsetDateTime {
    now + time::Duration::milliseconds(duration_ms.min(i64::MAX as u64) as i64)
}

impl Move {
    fn moving(&self) -> Result<(), Refusal> {
        if self.status == MoveStatus::Moving {
            Ok(())
        } else {
            Err(Refusal::NotMoving(self.id.clone(), self.status.code()))
        }
    }

    /// The move after a report of `position` (`loc_id`) with `remaining` left: where the mover is
    /// is state, not an event (`LocRegistered` is location's). A move no longer MOVING keeps
    /// where it stopped.
    pub fn track(mut self, loc_id: &str, position: Point, remaining: Route) -> Self {
        if self.status == MoveStatus::Moving {
            self.position = position;
            self.remaining_distance = remaining.distance;
            self.remaining_duration = remaining.duration;
            self.loc_id = Some(loc_id.to_owned());
        }
        self
    }
}

impl Decide for Move {
    type Command = MoveCmd;
    type Refusal = Refusal;

    /// Every rule of a move. A report never refuses: one that arrives after the move stopped
    /// changes nothing.
    fn decide(&self, cmd: MoveCmd) -> Result<Vec<MoveEvent>, Refusal> {
        use MoveEvent as E;
        let (move_id, customer_id, family_id) = (
            self.id.clone(),
            self.customer_id.clone(),
            self.family_id.clone(),
        );
        match cmd {
            MoveCmd::Start {
                id,
                customer_id,
                family_id,
                customer_active,
                start,
                goal,
                route,
                now,
            } => {
                if !self.id.is_empty() {
                    return Err(Refusal::AlreadyStarted(self.id.clone()));
                }
                if !customer_active {
                    return Err(Refusal::CustomerNotActive(customer_id));
                }
                Ok(vec![E::MoveStarted(MoveStarted {
                    move_id: id,
                    customer_id,
                    family_id,
                    start,
                    goal,
                    distance: route.distance,
                    duration: route.duration,
                    status: MoveStatus::Moving.code().to_owned(),
                    eta: eta(now, route.duration),
                })])
            }
            MoveCmd::Cancel => {
                self.moving()?;
                Ok(vec![E::MoveCancelled(MoveCancelled {
                    move_id,
                    customer_id,
                    family_id,
                    status: MoveStatus::Cancelled.code().to_owned(),
                })])
            }
            MoveCmd::ChangeGoal { goal, route, now } => {
                self.moving()?;
                Ok(vec![E::MoveUpdated(MoveUpdated {
                    move_id,
                    customer_id,
                    family_id,
                    goal,
                    distance: route.distance,
                    duration: route.duration,
                    status: MoveStatus::Moving.code().to_owned(),
                    eta: eta(now, route.duration),
                })])
            }
            MoveCmd::Report {
                position,
                remaining,
                now,
                thresholds,
            } => {
                if self.status != MoveStatus::Moving {
                    return Ok(vec![]);
                }
                if remaining.distance <= thresholds.arrival_radius {
                    return Ok(vec![E::MoveEnded(MoveEnded {
                        move_id,
                        customer_id,
                        family_id,
                        position,
                        status: MoveStatus::Ended.code().to_owned(),
                    })]);
                }
                if remaining.duration <= thresholds.imminent && !self.arrival_imminent {
                    return Ok(vec![E::ArrivalImminent(ArrivalImminent {
                        move_id,
                        customer_id,
                        family_id,
                        remaining_distance: remaining.distance,
                        remaining_duration: remaining.duration,
                        eta: eta(now, remaining.duration),
                    })]);
                }
                Ok(vec![])
            }
        }
    }
}

impl Aggregate for Move {
    type Event = MoveEvent;

    fn apply(mut self, event: &MoveEvent) -> Self {
        match event {
            MoveEvent::MoveStarted(e) => {
                self = Move {
                    id: e.move_id.clone(),
                    customer_id: e.customer_id.clone(),
                    family_id: e.family_id.clone(),
                    start: e.start,
                    goal: e.goal,
                    position: e.start,
                    distance: e.distance,
                    duration: e.duration,
                    remaining_distance: e.distance,
                    remaining_duration: e.duration,
                    eta: e.eta,
                    arrival_imminent: false,
                    status: MoveStatus::Moving,
                    loc_id: None,
                };
            }
            MoveEvent::MoveUpdated(e) => {
                self.goal = e.goal;
                self.distance = e.distance;
                self.duration = e.duration;
                self.remaining_distance = e.distance;
                self.remaining_duration = e.duration;
                self.eta = e.eta;
                self.arrival_imminent = false;
            }
            MoveEvent::MoveCancelled(_) => self.status = MoveStatus::Cancelled,
            MoveEvent::ArrivalImminent(e) => {
                self.arrival_imminent = true;
                self.eta = e.eta;
            }
            MoveEvent::MoveEnded(e) => {
                self.status = MoveStatus::Ended;
                self.position = e.position;
                self.remaining_distance = 0;
                self.remaining_duration = 0;
            }
        }
        self
    }
}

#[cfg(test)]
mod tests {
    use testkit::given;
    use time::macros::datetime;

    use super::*;

    const NOW: OffsetDateTime = datetime!(2026-12-24 10:00 UTC);
    const HOME: Point = Point {
        lat: 37.4979,
        lon: 127.0276,
    };
    const OFFICE: Point = Point {
        lat: 37.5665,
        lon: 126.978,
    };
    const THRESHOLDS: Thresholds = Thresholds {
        arrival_radius: 100,
        imminent: 600_000,
    };

    fn route(distance: u64, duration: u64) -> Route {
        Route { distance, duration }
    }

    fn start(active: bool) -> MoveCmd {
        MoveCmd::Start {
            id: "m1".into(),
            customer_id: "mom".into(),
            family_id: "kims".into(),
            customer_active: active,
            start: OFFICE,
            goal: HOME,
            route: route(9_000, 810_000),
            now: NOW,
        }
    }

    fn started() -> MoveEvent {
        MoveEvent::MoveStarted(MoveStarted {
            move_id: "m1".into(),
            customer_id: "mom".into(),
            family_id: "kims".into(),
            start: OFFICE,
            goal: HOME,
            distance: 9_000,
            duration: 810_000,
            status: "MOVING".into(),
            eta: NOW + time::Duration::milliseconds(810_000),
        })
    }

    fn report(distance: u64, duration: u64) -> MoveCmd {
        MoveCmd::Report {
            position: OFFICE,
            remaining: route(distance, duration),
            now: NOW,
            thresholds: THRESHOLDS,
        }
    }

    fn imminent(distance: u64, duration: u64) -> MoveEvent {
        MoveEvent::ArrivalImminent(ArrivalImminent {
            move_id: "m1".into(),
            customer_id: "mom".into(),
            family_id: "kims".into(),
            remaining_distance: distance,
            remaining_duration: duration,
            eta: NOW + time::Duration::milliseconds(duration as i64),
        })
    }

    fn cancelled() -> MoveEvent {
        MoveEvent::MoveCancelled(MoveCancelled {
            move_id: "m1".into(),
            customer_id: "mom".into(),
            family_id: "kims".into(),
            status: "CANCELLED".into(),
        })
    }

    fn goal_changed() -> MoveEvent {
        MoveEvent::MoveUpdated(MoveUpdated {
            move_id: "m1".into(),
            customer_id: "mom".into(),
            family_id: "kims".into(),
            goal: OFFICE,
            distance: 5_000,
            duration: 450_000,
            status: "MOVING".into(),
            eta: NOW + time::Duration::milliseconds(450_000),
        })
    }

    #[test]
    fn an_active_member_starts_a_move_with_the_routes_distance_duration_and_eta() {
        let m = given::<Move>([]).when(start(true)).then([started()]);
        assert_eq!(
            (m.status, m.distance, m.duration),
            (MoveStatus::Moving, 9_000, 810_000)
        );
        assert_eq!(m.eta, datetime!(2026-12-24 10:13:30 UTC));
    }

    #[test]
    fn a_customer_who_is_not_active_may_not_start_a_move() {
        given::<Move>([])
            .when(start(false))
            .then_refused(Refusal::CustomerNotActive("mom".into()));
    }

    #[test]
    fn a_move_is_started_once() {
        given::<Move>([started()])
            .when(start(true))
            .then_refused(Refusal::AlreadyStarted("m1".into()));
    }

    #[test]
    fn cancelling_a_moving_move_cancels_it_and_twice_is_refused() {
        let m = given::<Move>([started()])
            .when(MoveCmd::Cancel)
            .then([cancelled()]);
        assert_eq!(m.status, MoveStatus::Cancelled);
        given::<Move>([started(), cancelled()])
            .when(MoveCmd::Cancel)
            .then_refused(Refusal::NotMoving("m1".into(), "CANCELLED"));
    }

    #[test]
    fn changing_the_goal_gives_a_new_route_and_eta() {
        let m = given::<Move>([started()])
            .when(MoveCmd::ChangeGoal {
                goal: OFFICE,
                route: route(5_000, 450_000),
                now: NOW,
            })
            .then([goal_changed()]);
        assert_eq!((m.goal, m.distance), (OFFICE, 5_000));
    }

    #[test]
    fn the_goal_of_a_cancelled_move_cannot_change() {
        given::<Move>([started(), cancelled()])
            .when(MoveCmd::ChangeGoal {
                goal: OFFICE,
                route: route(5_000, 450_000),
                now: NOW,
            })
            .then_refused(Refusal::NotMoving("m1".into(), "CANCELLED"));
    }

    #[test]
    fn a_report_far_from_the_goal_raises_nothing() {
        given::<Move>([started()])
            .when(report(8_000, 720_000))
            .then_nothing();
    }

    #[test]
    fn arrival_is_imminent_once_when_ten_minutes_or_less_remain() {
        let m = given::<Move>([started()])
            .when(report(6_000, 600_000))
            .then([imminent(6_000, 600_000)]);
        assert!(m.arrival_imminent);
        given::<Move>([started(), imminent(6_000, 600_000)])
            .when(report(3_000, 300_000))
            .then_nothing();
    }

    #[test]
    fn arrival_is_imminent_again_after_a_goal_change() {
        given::<Move>([started(), imminent(6_000, 540_000), goal_changed()])
            .when(report(4_000, 360_000))
            .then([imminent(4_000, 360_000)]);
    }

    #[test]
    fn a_report_inside_the_arrival_radius_ends_the_move() {
        let m = given::<Move>([started()])
            .when(report(100, 9_000))
            .then([MoveEvent::MoveEnded(MoveEnded {
                move_id: "m1".into(),
                customer_id: "mom".into(),
                family_id: "kims".into(),
                position: OFFICE,
                status: "ENDED".into(),
            })]);
        assert_eq!(m.status, MoveStatus::Ended);
    }

    #[test]
    fn a_report_after_the_move_stopped_changes_nothing() {
        given::<Move>([started(), cancelled()])
            .when(report(50, 1_000))
            .then_nothing();
    }

    #[test]
    fn tracking_a_stopped_move_keeps_where_it_stopped() {
        let m = given::<Move>([started(), cancelled()])
            .when(report(50, 1_000))
            .then_nothing();
        let tracked = m.clone().track("l1", HOME, route(0, 0));
        assert_eq!(tracked, m);
    }
}
