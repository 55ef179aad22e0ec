//! moving / movecall — 호출: the customer's mover calls (the core context).
//!
//! | function | trigger | requirement |
//! |---|---|---|
//! | `moving-movecall-call` | `POST /movers` (calls movemanage synchronously) | 1 |
//! | `moving-movecall-list`, `moving-movecall-get` | `GET /movers[/{id}]` | 1 |
//! | `moving-movecall-standing` | `GET /movers/{id}/standing` (internal: movemanage's orphan sweep asks) | 1 |
//! | `moving-movecall-cancel` | `DELETE /movers/{id}` | 5 |
//! | `moving-movecall-on-moverassign` | `MoverassignCompleted`, `MoverassignFailed`, `MoverassignCancelled` | 4, 5 |

pub mod call;
pub mod cancel;
pub mod domain;
pub mod movemanage;
pub mod on_moverassign;
pub mod read;

use std::{sync::Arc, time::Duration};

use http::Method;
use kernel::{BoundedContext, ContextId, Event, FnSpec, Platform, Repo, Setting};
use moving_events::{
    MOVEASSIGN, MOVECALL, MOVEMANAGE, MoverassignCancelled, MoverassignCompleted, MoverassignFailed,
};

use crate::{
    domain::Movercall,
    movemanage::{Movemanage, MovemanageOverHttp},
};

pub struct MovecallContext;

pub struct Deps {
    pub calls: Repo<Movercall>,
    pub movemanage: Arc<dyn Movemanage>,
    /// A call whose request took longer than this is withdrawn and refused (503).
    pub deadline: Duration,
}

/// How long a call may take to hand its request to movemanage before it gives up.
pub const DEADLINE_MS: Setting = Setting::new(
    "MOVECALL_DEADLINE_MS",
    "10000",
    "Milliseconds a call may spend handing its request to movemanage before it withdraws it and answers 503; keep it well below MOVEMANAGE_HOLD_SECONDS.",
);

impl BoundedContext for MovecallContext {
    const ID: ContextId = MOVECALL;
    const CALLS: &'static [ContextId] = &[MOVEMANAGE];
    const SETTINGS: &'static [Setting] = &[DEADLINE_MS];
    type Deps = Deps;

    fn deps(p: &dyn Platform) -> anyhow::Result<Deps> {
        Ok(Deps {
            calls: Repo::new(p.store(MOVECALL)?),
            movemanage: Arc::new(MovemanageOverHttp(p.caller(MOVECALL, MOVEMANAGE)?)),
            deadline: Duration::from_millis(DEADLINE_MS.read(p)?),
        })
    }

    fn functions() -> Vec<FnSpec<Deps>> {
        vec![
            FnSpec::http("moving-movecall-call", Method::POST, "/movers", call::call)
                .summary("Call a mover (movemanage takes the request synchronously)"),
            FnSpec::http("moving-movecall-list", Method::GET, "/movers", read::list)
                .summary("List calls, newest first"),
            FnSpec::http(
                "moving-movecall-get",
                Method::GET,
                "/movers/{id}",
                read::get,
            )
            .summary("Read a call"),
            FnSpec::http(
                "moving-movecall-standing",
                Method::GET,
                "/movers/{id}/standing",
                read::standing,
            )
            .internal()
            .summary("Whether movecall recorded a call (movemanage's orphan sweep asks)"),
            FnSpec::http(
                "moving-movecall-cancel",
                Method::DELETE,
                "/movers/{id}",
                cancel::cancel,
            )
            .summary("Cancel a call; its company is released asynchronously"),
            FnSpec::on(
                on_moverassign::NAME,
                MOVEASSIGN,
                &[
                    MoverassignCompleted::TYPE,
                    MoverassignFailed::TYPE,
                    MoverassignCancelled::TYPE,
                ],
                on_moverassign::on_moverassign,
            ),
        ]
    }
}
