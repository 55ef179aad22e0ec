//! family / move — 이동 관리: moves from a remote place to a goal.
//!
//! | function | trigger | requirement |
//! |---|---|---|
//! | `family-move-start` | `POST /moves` (asks customer synchronously) | 3 |
//! | `family-move-list`, `family-move-get` | `GET /moves[/{id}]` | 3 |
//! | `family-move-cancel` | `POST /moves/{id}/cancel` | 4 |
//! | `family-move-change-goal` | `PUT /moves/{id}/goal` | 4 |
//! | `family-move-standing` | `GET /moves/{id}/standing` (internal: location asks) | 5 |
//! | `family-move-on-loc-registered` | `LocRegistered` | 4, 5 |

pub mod change;
pub mod customers;
pub mod domain;
pub mod on_loc_registered;
pub mod read;
pub mod start;

use std::sync::Arc;

use family_events::{
    CUSTOMER, LOCATION, LocRegistered, MOVE,
    route::{AVERAGE_SPEED_KMH, GreatCircle, RouteProvider},
};
use http::Method;
use kernel::{BoundedContext, ContextId, Event, FnSpec, Platform, Repo, Setting};

use crate::{
    customers::{Customers, CustomersOverHttp},
    domain::{Move, Thresholds},
};

pub struct MoveContext;

pub struct Deps {
    pub moves: Repo<Move>,
    pub customers: Arc<dyn Customers>,
    pub routes: Arc<dyn RouteProvider>,
    pub thresholds: Thresholds,
}

/// Within this distance of the goal a reported position ends the move.
pub const ARRIVAL_RADIUS_M: Setting = Setting::new(
    "FAMILY_ARRIVAL_RADIUS_M",
    "100",
    "Metres from the goal within which a reported position ends the move (MoveEnded).",
);

/// At or below this many minutes left, arrival is imminent.
pub const IMMINENT_MINUTES: Setting = Setting::new(
    "FAMILY_IMMINENT_MINUTES",
    "10",
    "Minutes left at or below which ArrivalImminent is raised (once per goal).",
);

impl BoundedContext for MoveContext {
    const ID: ContextId = MOVE;
    const CALLS: &'static [ContextId] = &[CUSTOMER];
    const SETTINGS: &'static [Setting] = &[AVERAGE_SPEED_KMH, ARRIVAL_RADIUS_M, IMMINENT_MINUTES];
    type Deps = Deps;

    fn deps(p: &dyn Platform) -> anyhow::Result<Deps> {
        let minutes: u64 = IMMINENT_MINUTES.read(p)?;
        Ok(Deps {
            moves: Repo::new(p.store(MOVE)?),
            customers: Arc::new(CustomersOverHttp(p.caller(MOVE, CUSTOMER)?)),
            routes: Arc::new(GreatCircle::new(AVERAGE_SPEED_KMH.read(p)?)?),
            thresholds: Thresholds {
                arrival_radius: ARRIVAL_RADIUS_M.read(p)?,
                imminent: minutes.saturating_mul(60_000),
            },
        })
    }

    fn functions() -> Vec<FnSpec<Deps>> {
        vec![
            FnSpec::http("family-move-start", Method::POST, "/moves", start::start)
                .summary("An ACTIVE member starts a move"),
            FnSpec::http("family-move-list", Method::GET, "/moves", read::list)
                .summary("List moves, newest first"),
            FnSpec::http("family-move-get", Method::GET, "/moves/{id}", read::get)
                .summary("Read a move"),
            FnSpec::http(
                "family-move-cancel",
                Method::POST,
                "/moves/{id}/cancel",
                change::cancel,
            )
            .summary("Cancel a move"),
            FnSpec::http(
                "family-move-change-goal",
                Method::PUT,
                "/moves/{id}/goal",
                change::change_goal,
            )
            .summary("Change a move's destination"),
            FnSpec::http(
                "family-move-standing",
                Method::GET,
                "/moves/{id}/standing",
                read::standing,
            )
            .internal()
            .summary("Whether a move is still MOVING (location asks)"),
            FnSpec::on(
                on_loc_registered::NAME,
                LOCATION,
                &[LocRegistered::TYPE],
                on_loc_registered::on_loc_registered,
            ),
        ]
    }
}
