//! museum / book — 예약 관리: bookings.
//!
//! | function | trigger | requirement |
//! |---|---|---|
//! | `museum-book-create` | `POST /books` | 2, 3 |
//! | `museum-book-list`, `museum-book-get` | `GET /books[/{id}]` | 2 |
//! | `museum-book-cancel` | `DELETE /books/{id}`, `POST /books/{id}/cancel` | 6 |
//! | `museum-book-standing` | `GET /books/{id}/standing` (internal: museum asks before giving seats back) | 3 |
//! | `museum-book-on-entry-confirmed` | `EntryConfirmed` | 4, 5 |
//! | `museum-book-on-museum-deleted` | `MuseumDeleted` | 10 |

pub mod cancel;
pub mod create;
pub mod domain;
pub mod museum_seats;
pub mod on_entry_confirmed;
pub mod on_museum_deleted;
pub mod read;

use std::{sync::Arc, time::Duration};

use http::Method;
use kernel::{BoundedContext, ContextId, Event, FnSpec, Platform, Repo, Setting};
use museum_events::{BOOK, CONFIRM, EntryConfirmed, MUSEUM, MuseumDeleted};

use crate::{
    domain::Booking,
    museum_seats::{MuseumSeats, MuseumSeatsOverHttp},
};

pub struct BookContext;

pub struct Deps {
    pub bookings: Repo<Booking>,
    pub seats: Arc<dyn MuseumSeats>,
    /// A booking whose seats took longer than this to take is given up (museum releases seats
    /// held longer than its hold time, which is far longer).
    pub deadline: Duration,
}

/// How long a booking may take to get its seats before it gives them back and answers 503.
pub const DEADLINE_MS: Setting = Setting::new(
    "BOOK_DEADLINE_MS",
    "10000",
    "Milliseconds a booking may spend taking its seats before it gives them back (503); keep it well below MUSEUM_HOLD_SECONDS.",
);

impl BoundedContext for BookContext {
    const ID: ContextId = BOOK;
    const CALLS: &'static [ContextId] = &[MUSEUM];
    const SETTINGS: &'static [Setting] = &[DEADLINE_MS];
    type Deps = Deps;

    fn deps(p: &dyn Platform) -> anyhow::Result<Deps> {
        Ok(Deps {
            bookings: Repo::new(p.store(BOOK)?),
            seats: Arc::new(MuseumSeatsOverHttp(p.caller(BOOK, MUSEUM)?)),
            deadline: Duration::from_millis(DEADLINE_MS.read(p)?),
        })
    }

    fn functions() -> Vec<FnSpec<Deps>> {
        vec![
            FnSpec::http("museum-book-create", Method::POST, "/books", create::create)
                .summary("Book seats of an exhibition"),
            FnSpec::http("museum-book-list", Method::GET, "/books", read::list)
                .summary("List bookings, newest first"),
            FnSpec::http("museum-book-get", Method::GET, "/books/{id}", read::get)
                .summary("Read a booking"),
            FnSpec::http(
                "museum-book-standing",
                Method::GET,
                "/books/{id}/standing",
                read::standing,
            )
            .internal()
            .summary("What book recorded about a booking (museum asks)"),
            FnSpec::http(
                "museum-book-cancel",
                Method::DELETE,
                "/books/{id}",
                cancel::cancel,
            )
            .also(Method::POST, "/books/{id}/cancel")
            .summary("Cancel a booking"),
            FnSpec::on(
                on_entry_confirmed::NAME,
                CONFIRM,
                &[EntryConfirmed::TYPE],
                on_entry_confirmed::on_entry_confirmed,
            ),
            FnSpec::on(
                on_museum_deleted::NAME,
                MUSEUM,
                &[MuseumDeleted::TYPE],
                on_museum_deleted::on_museum_deleted,
            ),
        ]
    }
}
