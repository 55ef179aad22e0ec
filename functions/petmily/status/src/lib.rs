//! petmily / status — 돌봄 현황: the member's care status, a view fed only by match's events
//! (CQRS): it never calls match, user or pet.
//!
//! | function | trigger | requirement |
//! |---|---|---|
//! | `petmily-status-on-match` | `MatchRequested`, `MatchRejected`, `CareServiceStarted`, `CareServiceEnded` | NFR (care status) |
//! | `petmily-status-list` | `GET /api/v1/match/status?memberId=` (that member or an admin) | NFR (care status) |

pub mod project;
pub mod read;
pub mod view;

use http::Method;
use kernel::{BoundedContext, ContextId, Event, FnSpec, Platform, Repo};
use petmily_events::{
    CareServiceEnded, CareServiceStarted, MATCH, MatchRejected, MatchRequested, STATUS,
};

use crate::view::CareStatus;

pub struct StatusContext;

pub struct Deps {
    pub rows: Repo<CareStatus>,
}

impl BoundedContext for StatusContext {
    const ID: ContextId = STATUS;
    type Deps = Deps;

    fn deps(p: &dyn Platform) -> anyhow::Result<Deps> {
        Ok(Deps {
            rows: Repo::new(p.store(STATUS)?),
        })
    }

    fn functions() -> Vec<FnSpec<Deps>> {
        vec![
            FnSpec::on(
                project::NAME,
                MATCH,
                &[
                    MatchRequested::TYPE,
                    MatchRejected::TYPE,
                    CareServiceStarted::TYPE,
                    CareServiceEnded::TYPE,
                ],
                project::on_match,
            ),
            FnSpec::http(
                "petmily-status-list",
                Method::GET,
                "/api/v1/match/status",
                read::list,
            )
            .authenticated()
            .summary("A member's matches with status, sitter and pet (the member or an admin)"),
        ]
    }
}
