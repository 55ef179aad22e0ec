//! museum / confirm — 입장승인 관리: entry confirmations. Bookings are taken while this context
//! is down; it catches up on every booking event when it is back.
//!
//! | function | trigger | requirement |
//! |---|---|---|
//! | `museum-confirm-on-booked` | `Booked` | 5 |
//! | `museum-confirm-on-book-cancelled` | `BookCancelled` | 8 |
//! | `museum-confirm-on-book-force-cancelled` | `BookForceCancelled` | 10 |
//! | `museum-confirm-list`, `museum-confirm-get` | `GET /confirms[/{id}]` | 5 |

pub mod domain;
pub mod policy;
pub mod read;

use http::Method;
use kernel::{BoundedContext, ContextId, Event, FnSpec, Platform, Repo};
use museum_events::{BOOK, BookCancelled, BookForceCancelled, Booked, CONFIRM};

use crate::domain::Entry;

pub struct ConfirmContext;

pub struct Deps {
    pub entries: Repo<Entry>,
}

impl BoundedContext for ConfirmContext {
    const ID: ContextId = CONFIRM;
    type Deps = Deps;

    fn deps(p: &dyn Platform) -> anyhow::Result<Deps> {
        Ok(Deps {
            entries: Repo::new(p.store(CONFIRM)?),
        })
    }

    fn functions() -> Vec<FnSpec<Deps>> {
        vec![
            FnSpec::on(policy::ON_BOOKED, BOOK, &[Booked::TYPE], policy::on_booked),
            FnSpec::on(
                policy::ON_BOOK_CANCELLED,
                BOOK,
                &[BookCancelled::TYPE],
                policy::on_book_cancelled,
            ),
            FnSpec::on(
                policy::ON_BOOK_FORCE_CANCELLED,
                BOOK,
                &[BookForceCancelled::TYPE],
                policy::on_book_force_cancelled,
            ),
            FnSpec::http("museum-confirm-list", Method::GET, "/confirms", read::list)
                .summary("List entry confirmations, newest first"),
            FnSpec::http(
                "museum-confirm-get",
                Method::GET,
                "/confirms/{id}",
                read::get,
            )
            .summary("Read the entry confirmation of a booking"),
        ]
    }
}
