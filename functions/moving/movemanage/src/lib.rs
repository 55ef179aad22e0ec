//! moving / movemanage — 이사업체관리: assignment requests, taken 24/7 even while moveassign is
//! down (requirement 2: moveassign learns of them from `MovermanageAssigned`, asynchronously).
//!
//! | function | trigger | requirement |
//! |---|---|---|
//! | `moving-movemanage-request` | `POST /movermanages` (internal: movecall's sync call) | 1, 2 |
//! | `moving-movemanage-withdraw` | `DELETE /movermanages/{id}` (internal: movecall's compensation) | 1 |
//! | `moving-movemanage-list`, `moving-movemanage-get` | `GET /movermanages[/{id}]` | 2 |
//! | `moving-movemanage-on-call-cancelled` | `MovercallCancelled` | 5 |
//! | `moving-movemanage-on-moverassign` | `MoverassignCompleted`, `MoverassignFailed` | 4 |

pub mod domain;
pub mod policy;
pub mod read;
pub mod request;

use http::Method;
use kernel::{BoundedContext, ContextId, Event, FnSpec, Platform, Repo};
use moving_events::{
    MOVEASSIGN, MOVECALL, MOVEMANAGE, MoverassignCompleted, MoverassignFailed, MovercallCancelled,
};

use crate::domain::Movermanage;

pub struct MovemanageContext;

pub struct Deps {
    pub requests: Repo<Movermanage>,
}

impl BoundedContext for MovemanageContext {
    const ID: ContextId = MOVEMANAGE;
    type Deps = Deps;

    fn deps(p: &dyn Platform) -> anyhow::Result<Deps> {
        Ok(Deps {
            requests: Repo::new(p.store(MOVEMANAGE)?),
        })
    }

    fn functions() -> Vec<FnSpec<Deps>> {
        vec![
            FnSpec::http(
                "moving-movemanage-request",
                Method::POST,
                "/movermanages",
                request::request,
            )
            .internal()
            .summary("Take an assignment request for a call (idempotent on orderId)"),
            FnSpec::http(
                "moving-movemanage-withdraw",
                Method::DELETE,
                "/movermanages/{id}",
                request::withdraw,
            )
            .internal()
            .summary("Withdraw the request of a call that was never recorded"),
            FnSpec::http(
                "moving-movemanage-list",
                Method::GET,
                "/movermanages",
                read::list,
            )
            .summary("List assignment requests, newest first"),
            FnSpec::http(
                "moving-movemanage-get",
                Method::GET,
                "/movermanages/{id}",
                read::get,
            )
            .summary("Read a call's assignment request"),
            FnSpec::on(
                policy::ON_CANCELLED,
                MOVECALL,
                &[MovercallCancelled::TYPE],
                policy::on_movercall_cancelled,
            ),
            FnSpec::on(
                policy::ON_MOVERASSIGN,
                MOVEASSIGN,
                &[MoverassignCompleted::TYPE, MoverassignFailed::TYPE],
                policy::on_moverassign,
            ),
        ]
    }
}
