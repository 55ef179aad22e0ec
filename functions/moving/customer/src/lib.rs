//! moving / customer — 고객: the customer's view of their calls (moverinfos, CQRS: fed only by
//! events, it never calls the contexts it shows) and their KakaoTalk messages.
//!
//! | function | trigger | requirement |
//! |---|---|---|
//! | `moving-customer-on-movecall` | every movecall event | 6 |
//! | `moving-customer-kakaotalk` | `MovercallConfirmed`, `MovercallFailed`, `MovercallCancelConfirmed` | 4, 5 |
//! | `moving-customer-list`, `moving-customer-get` | `GET /moverinfos?tel=`, `GET /moverinfos/{id}` | 6 |
//! | `moving-customer-messages` | `GET /moverinfos/messages?tel=` (live: `/moverinfos/messages/live?tel=`) | 4, 6 |

pub mod message;
pub mod project;
pub mod read;
pub mod view;

use std::sync::Arc;

use http::Method;
use kernel::{
    BoundedContext, ContextId, Event, FnSpec, LiveStream, Platform, Repo, platform::Notifier,
};
use moving_events::{
    CUSTOMER, MOVECALL, MovercallCalled, MovercallCancelConfirmed, MovercallCancelled,
    MovercallConfirmed, MovercallFailed,
};

use crate::{message::Message, view::Moverinfo};

pub struct CustomerContext;

pub struct Deps {
    pub rows: Repo<Moverinfo>,
    pub messages: Repo<Message>,
    pub notifier: Arc<dyn Notifier>,
}

/// The customer's messages, live (Server-Sent Events on the local gateway).
pub const MESSAGES_LIVE: LiveStream = LiveStream {
    path: "/moverinfos/messages/live",
    channel: message::CHANNEL,
    recipient: "tel",
};

impl BoundedContext for CustomerContext {
    const ID: ContextId = CUSTOMER;
    /// KakaoTalk messages: recorded and streamed locally, an SNS topic on AWS.
    const NOTIFIES: bool = true;
    type Deps = Deps;

    fn deps(p: &dyn Platform) -> anyhow::Result<Deps> {
        let store = p.store(CUSTOMER)?;
        Ok(Deps {
            rows: Repo::new(store.clone()),
            messages: Repo::new(store),
            notifier: p.notifier(CUSTOMER)?,
        })
    }

    fn functions() -> Vec<FnSpec<Deps>> {
        vec![
            FnSpec::on(
                project::NAME,
                MOVECALL,
                &[
                    MovercallCalled::TYPE,
                    MovercallConfirmed::TYPE,
                    MovercallFailed::TYPE,
                    MovercallCancelled::TYPE,
                    MovercallCancelConfirmed::TYPE,
                ],
                project::on_movecall,
            ),
            FnSpec::on(
                message::NAME,
                MOVECALL,
                &[
                    MovercallConfirmed::TYPE,
                    MovercallFailed::TYPE,
                    MovercallCancelConfirmed::TYPE,
                ],
                message::kakaotalk,
            ),
            FnSpec::http(
                "moving-customer-list",
                Method::GET,
                "/moverinfos",
                read::list,
            )
            .summary("A customer's calls with their companies (CQRS view)"),
            FnSpec::http(
                "moving-customer-messages",
                Method::GET,
                "/moverinfos/messages",
                read::messages,
            )
            .summary("The KakaoTalk messages sent to a customer, newest first"),
            FnSpec::http(
                "moving-customer-get",
                Method::GET,
                "/moverinfos/{id}",
                read::get,
            )
            .summary("One call's row"),
        ]
    }
}
