//! family / alarm — 알림 관리: alarms to the family, pushed to the web at once.
//!
//! | function | trigger | requirement |
//! |---|---|---|
//! | `family-alarm-on-move` | `MoveStarted`, `MoveUpdated`, `ArrivalImminent`, `MoveEnded`, `MoveCancelled` | 6 |
//! | `family-alarm-on-member` | `MemberRegistered`, `MemberDeleted`, `CustomerDeleted` | 6 |
//! | `family-alarm-list`, `family-alarm-get` | `GET /alarms?customerId=`, `GET /alarms/{id}` | 6 |
//! | `family-alarm-read` | `POST /alarms/{id}/read` | 6 |
//!
//! Live: `GET /family/alarms/stream?customerId=` (Server-Sent Events on the local gateway, one
//! per alarm to that customer; the system declares the stream). On AWS the stream is a WebSocket
//! API (`wss://…/live?customerId=`) that the notifier posts to (`lambda::live`).

pub mod domain;
pub mod policy;
pub mod read;

use std::sync::Arc;

use family_events::{
    ALARM, ArrivalImminent, CUSTOMER, CustomerDeleted, MOVE, MemberDeleted, MemberRegistered,
    MoveCancelled, MoveEnded, MoveStarted, MoveUpdated,
};
use http::Method;
use kernel::{
    BoundedContext, ContextId, Event, FnSpec, LiveStream, Platform, Repo, platform::Notifier,
};

use crate::domain::{Alarm, Member};

/// The notification channel alarms are pushed on.
pub const CHANNEL: &str = "alarm";

/// The live stream of a customer's alarms.
pub const STREAM: LiveStream = LiveStream {
    path: "/alarms/stream",
    channel: CHANNEL,
    recipient: "customerId",
};

pub struct AlarmContext;

pub struct Deps {
    pub alarms: Repo<Alarm>,
    pub members: Repo<Member>,
    pub notifier: Arc<dyn Notifier>,
}

impl BoundedContext for AlarmContext {
    const ID: ContextId = ALARM;
    const NOTIFIES: bool = true;
    type Deps = Deps;

    fn deps(p: &dyn Platform) -> anyhow::Result<Deps> {
        let store = p.store(ALARM)?;
        Ok(Deps {
            alarms: Repo::new(store.clone()),
            members: Repo::new(store),
            notifier: p.notifier(ALARM)?,
        })
    }

    fn functions() -> Vec<FnSpec<Deps>> {
        vec![
            FnSpec::on(
                policy::ON_MOVE,
                MOVE,
                &[
                    MoveStarted::TYPE,
                    MoveUpdated::TYPE,
                    ArrivalImminent::TYPE,
                    MoveEnded::TYPE,
                    MoveCancelled::TYPE,
                ],
                policy::on_move,
            ),
            FnSpec::on(
                policy::ON_MEMBER,
                CUSTOMER,
                &[
                    MemberRegistered::TYPE,
                    MemberDeleted::TYPE,
                    CustomerDeleted::TYPE,
                ],
                policy::on_member,
            ),
            FnSpec::http("family-alarm-list", Method::GET, "/alarms", read::list)
                .summary("A customer's alarms, newest first"),
            FnSpec::http("family-alarm-get", Method::GET, "/alarms/{id}", read::get)
                .summary("Read an alarm"),
            FnSpec::http(
                "family-alarm-read",
                Method::POST,
                "/alarms/{id}/read",
                read::mark_read,
            )
            .summary("Mark an alarm read"),
        ]
    }
}
