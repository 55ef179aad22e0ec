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
//! | `moving-movemanage-on-called` | `MovercallCalled` (the request is no orphan) | 1 |
//! | `moving-movemanage-withdraw-orphans` | every 30 s (requests of calls never recorded) | 1 |

pub mod domain;
pub mod orphans;
pub mod policy;
pub mod read;
pub mod request;

use std::{sync::Arc, time::Duration};

use http::Method;
use kernel::{BoundedContext, ContextId, Event, FnSpec, Platform, Repo, Setting};
use moving_events::{
    MOVEASSIGN, MOVECALL, MOVEMANAGE, MoverassignCompleted, MoverassignFailed, MovercallCalled,
    MovercallCancelled,
};

use crate::{
    domain::Movermanage,
    orphans::{Calls, CallsOverHttp},
};

pub struct MovemanageContext;

pub struct Deps {
    pub requests: Repo<Movermanage>,
    /// Asks movecall whether it recorded a call (the orphan sweep).
    pub calls: Arc<dyn Calls>,
    /// How old a request whose call is unknown must be before the sweep asks about it.
    pub hold: Duration,
}

/// How long a request may wait for its call to be known before the sweep asks movecall.
pub const HOLD_SECONDS: Setting = Setting::new(
    "MOVEMANAGE_HOLD_SECONDS",
    "60",
    "Seconds a request whose call is not known to be recorded waits before the orphan sweep asks movecall about it; keep it well above MOVECALL_DEADLINE_MS.",
);

impl BoundedContext for MovemanageContext {
    const ID: ContextId = MOVEMANAGE;
    const CALLS: &'static [ContextId] = &[MOVECALL];
    const SETTINGS: &'static [Setting] = &[HOLD_SECONDS];
    type Deps = Deps;

    fn deps(p: &dyn Platform) -> anyhow::Result<Deps> {
        Ok(Deps {
            requests: Repo::new(p.store(MOVEMANAGE)?),
            calls: Arc::new(CallsOverHttp(p.caller(MOVEMANAGE, MOVECALL)?)),
            hold: Duration::from_secs(HOLD_SECONDS.read(p)?),
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
                policy::ON_CALLED,
                MOVECALL,
                &[MovercallCalled::TYPE],
                policy::on_called,
            ),
            FnSpec::every(
                orphans::NAME,
                Duration::from_secs(30),
                orphans::withdraw_orphans,
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
