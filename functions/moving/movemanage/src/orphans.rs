//! Every 30 s: requests movemanage took for calls movecall never recorded (the process died
//! between the two, or movecall gave up past its deadline) are withdrawn — CANCEL_REQUESTED and
//! `MovermanageCancelled`, so that moveassign frees any company it assigned them. A request is
//! asked about only once it is older than the hold (far longer than movecall's deadline), and
//! only while its call is not known to be recorded; movecall's own record decides (its internal
//! `GET /movers/{id}/standing`), so a live call's request is never withdrawn.

use async_trait::async_trait;
use bytes::Bytes;
use http::StatusCode;
use kernel::{AppError, Call, Lookup, aggregate, aggregate::Decide, sync::Caller};

use crate::{
    Deps,
    domain::{BY_UNRECORDED, ManageCmd, UNRECORDED},
};

pub const NAME: &str = "moving-movemanage-withdraw-orphans";

/// What movecall's record says about a call.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Standing {
    Recorded,
    NeverRecorded,
}

#[async_trait]
pub trait Calls: Send + Sync {
    async fn standing(&self, call_id: &str, cx: &Call) -> Result<Standing, AppError>;
}

/// movecall's internal API through a `Caller` (timeout, circuit breaker, fallback).
pub struct CallsOverHttp(pub Caller);

#[async_trait]
impl Calls for CallsOverHttp {
    async fn standing(&self, call_id: &str, cx: &Call) -> Result<Standing, AppError> {
        let req = http::Request::builder()
            .method(http::Method::GET)
            .uri(moving_events::path(&format!("/movers/{call_id}/standing")))
            .body(Bytes::new())
            .map_err(AppError::internal)?;
        let response = self.0.call(req, cx).await?;
        match response.status() {
            s if s.is_success() => Ok(Standing::Recorded),
            StatusCode::NOT_FOUND => Ok(Standing::NeverRecorded),
            s => Err(AppError::internal(anyhow::anyhow!(
                "movecall answered {s} about call {call_id}"
            ))),
        }
    }
}

pub async fn withdraw_orphans(d: &Deps, _: (), cx: &Call) -> Result<(), AppError> {
    let suspects = d
        .requests
        .list_all(Lookup::By(BY_UNRECORDED, UNRECORDED.to_owned()))
        .await?;
    let (now, hold) = (cx.now_ms(), d.hold.as_millis() as i64);
    let mut withdrawn = 0;
    for request in suspects.iter().filter(|r| r.may_be_orphan(now, hold)) {
        let cmd = match d.calls.standing(&request.id, cx).await? {
            Standing::Recorded => ManageCmd::CallRecorded,
            Standing::NeverRecorded => {
                withdrawn += 1;
                ManageCmd::Cancel
            }
        };
        aggregate::update(&d.requests, &request.id, cx, |m| Ok(m.decide(cmd.clone())?)).await?;
    }
    if withdrawn > 0 {
        tracing::info!(withdrawn, "requests of calls never recorded withdrawn");
    }
    Ok(())
}
