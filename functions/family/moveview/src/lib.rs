//! family / moveview — 이동 현황: every member's move, position and status, a view fed only by
//! events (CQRS): it never calls the contexts whose events it reads.
//!
//! | function | trigger | requirement |
//! |---|---|---|
//! | `family-moveview-on-move` | `MoveStarted`, `MoveUpdated`, `MoveCancelled`, `MoveEnded`, `ArrivalImminent` | 7 |
//! | `family-moveview-on-location` | `LocRegistered` | 7 |
//! | `family-moveview-list`, `family-moveview-get` | `GET /moveviews?customerId=\|familyId=`, `GET /moveviews/{id}` | 7 |

pub mod project;
pub mod read;
pub mod view;

use family_events::{
    ArrivalImminent, LOCATION, LocRegistered, MOVE, MOVEVIEW, MoveCancelled, MoveEnded,
    MoveStarted, MoveUpdated,
};
use http::Method;
use kernel::{BoundedContext, ContextId, Event, FnSpec, Platform, Repo};

use crate::view::MoveView;

pub struct MoveviewContext;

pub struct Deps {
    pub rows: Repo<MoveView>,
}

impl BoundedContext for MoveviewContext {
    const ID: ContextId = MOVEVIEW;
    type Deps = Deps;

    fn deps(p: &dyn Platform) -> anyhow::Result<Deps> {
        Ok(Deps {
            rows: Repo::new(p.store(MOVEVIEW)?),
        })
    }

    fn functions() -> Vec<FnSpec<Deps>> {
        vec![
            FnSpec::on(
                project::ON_MOVE,
                MOVE,
                &[
                    MoveStarted::TYPE,
                    MoveUpdated::TYPE,
                    MoveCancelled::TYPE,
                    MoveEnded::TYPE,
                    ArrivalImminent::TYPE,
                ],
                project::on_move,
            ),
            FnSpec::on(
                project::ON_LOCATION,
                LOCATION,
                &[LocRegistered::TYPE],
                project::on_location,
            ),
            FnSpec::http(
                "family-moveview-list",
                Method::GET,
                "/moveviews",
                read::list,
            )
            .summary("Moves with position and status, per customer or per family"),
            FnSpec::http(
                "family-moveview-get",
                Method::GET,
                "/moveviews/{id}",
                read::get,
            )
            .summary("One move's view"),
        ]
    }
}
