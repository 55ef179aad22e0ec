//! family / location — 위치 관리: the positions a mover's device reports.
//!
//! | function | trigger | requirement |
//! |---|---|---|
//! | `family-location-register` | `POST /locations` (asks move synchronously) | 5 |
//! | `family-location-list`, `family-location-get` | `GET /locations[/{id}]` | 5 |

pub mod domain;
pub mod moves;
pub mod read;
pub mod register;

use std::sync::Arc;

use family_events::{
    LOCATION, MOVE,
    route::{AVERAGE_SPEED_KMH, GreatCircle, RouteProvider},
};
use http::Method;
use kernel::{BoundedContext, ContextId, FnSpec, Platform, Repo, Setting};

use crate::{
    domain::{Location, Track},
    moves::{Moves, MovesOverHttp},
};

pub struct LocationContext;

pub struct Deps {
    pub tracks: Repo<Track>,
    pub locations: Repo<Location>,
    pub moves: Arc<dyn Moves>,
    pub routes: Arc<dyn RouteProvider>,
}

impl BoundedContext for LocationContext {
    const ID: ContextId = LOCATION;
    const CALLS: &'static [ContextId] = &[MOVE];
    const SETTINGS: &'static [Setting] = &[AVERAGE_SPEED_KMH];
    type Deps = Deps;

    fn deps(p: &dyn Platform) -> anyhow::Result<Deps> {
        let store = p.store(LOCATION)?;
        Ok(Deps {
            tracks: Repo::new(store.clone()),
            locations: Repo::new(store),
            moves: Arc::new(MovesOverHttp(p.caller(LOCATION, MOVE)?)),
            routes: Arc::new(GreatCircle::new(AVERAGE_SPEED_KMH.read(p)?)?),
        })
    }

    fn functions() -> Vec<FnSpec<Deps>> {
        vec![
            FnSpec::http(
                "family-location-register",
                Method::POST,
                "/locations",
                register::register,
            )
            .summary("The mover's device reports a position"),
            FnSpec::http(
                "family-location-list",
                Method::GET,
                "/locations",
                read::list,
            )
            .summary("List reported positions, newest first"),
            FnSpec::http(
                "family-location-get",
                Method::GET,
                "/locations/{id}",
                read::get,
            )
            .summary("Read a reported position"),
        ]
    }
}
