//! museum / museum — 전시 관리: exhibitions and their seats.
//!
//! | function | trigger | requirement |
//! |---|---|---|
//! | `museum-museum-register` | `POST /museums` | 1 |
//! | `museum-museum-list`, `museum-museum-get` | `GET /museums[/{id}]` | 1 |
//! | `museum-museum-reserve` | `POST /museums/{id}/reservations` (internal: book's sync call) | 3 |
//! | `museum-museum-reservation` | `GET /museums/{id}/reservations/{bookingId}` (internal) | 3 |
//! | `museum-museum-release` | `DELETE /museums/{id}/reservations/{bookingId}` (internal: book's compensation) | 3 |
//! | `museum-museum-delete` | `DELETE /museums/{id}` | 9 |
//! | `museum-museum-on-booked` | `Booked` | 3 |
//! | `museum-museum-on-book-cancelled` | `BookCancelled`, `BookForceCancelled` | 7 |
//! | `museum-museum-release-orphans` | every 30 s | 3 (seats of bookings never recorded) |

pub mod delete;
pub mod domain;
pub mod on_book_cancelled;
pub mod on_booked;
pub mod read;
pub mod register;
pub mod release_orphans;
pub mod reserve;
pub mod seats;

use std::{sync::Arc, time::Duration};

use http::Method;
use kernel::{BoundedContext, ContextId, FnSpec, Platform, Repo, Setting};
use museum_events::{BOOK, BookCancelled, BookForceCancelled, Booked, MUSEUM};

use crate::{
    domain::{Museum, Reservation, Seats},
    release_orphans::{Bookings, BookingsOverHttp},
};

pub struct MuseumContext;

pub struct Deps {
    pub museums: Repo<Museum>,
    /// Each exhibition's free seats, a counter written in place.
    pub seats: Repo<Seats>,
    pub reservations: Repo<Reservation>,
    /// Asks book what it recorded about a booking (before seats go back outside its events).
    pub bookings: Arc<dyn Bookings>,
    /// How long seats may stay held by a booking not yet known to be recorded.
    pub hold: Duration,
}

/// How long seats stay held for a booking book has not recorded before the sweep asks book.
pub const HOLD_SECONDS: Setting = Setting::new(
    "MUSEUM_HOLD_SECONDS",
    "60",
    "Seconds seats stay held for a booking not yet known to be recorded before the orphan sweep asks book about it; keep it well above BOOK_DEADLINE_MS.",
);

impl BoundedContext for MuseumContext {
    const ID: ContextId = MUSEUM;
    const CALLS: &'static [ContextId] = &[BOOK];
    const SETTINGS: &'static [Setting] = &[HOLD_SECONDS];
    type Deps = Deps;

    fn deps(p: &dyn Platform) -> anyhow::Result<Deps> {
        let store = p.store(MUSEUM)?;
        Ok(Deps {
            museums: Repo::new(store.clone()),
            seats: Repo::new(store.clone()),
            reservations: Repo::new(store),
            bookings: Arc::new(BookingsOverHttp(p.caller(MUSEUM, BOOK)?)),
            hold: Duration::from_secs(HOLD_SECONDS.read(p)?),
        })
    }

    fn functions() -> Vec<FnSpec<Deps>> {
        use kernel::Event;
        vec![
            FnSpec::http(
                "museum-museum-register",
                Method::POST,
                "/museums",
                register::register,
            )
            .summary("Register an exhibition"),
            FnSpec::http("museum-museum-list", Method::GET, "/museums", read::list)
                .summary("List exhibitions"),
            FnSpec::http("museum-museum-get", Method::GET, "/museums/{id}", read::get)
                .summary("Read an exhibition"),
            FnSpec::http(
                "museum-museum-delete",
                Method::DELETE,
                "/museums/{id}",
                delete::delete,
            )
            .summary("Delete an exhibition; its bookings are force-cancelled"),
            FnSpec::http(
                "museum-museum-reserve",
                Method::POST,
                "/museums/{id}/reservations",
                reserve::reserve,
            )
            .internal()
            // Capped on AWS when the deployment turns reserved concurrency on: a booking storm
            // must not become a write storm on one exhibition's seats.
            .reserved_concurrency(20)
            .summary("Take seats for a booking (idempotent on bookingId)"),
            FnSpec::http(
                "museum-museum-reservation",
                Method::GET,
                "/museums/{id}/reservations/{bookingId}",
                reserve::get,
            )
            .internal()
            .summary("Read the seats a booking holds"),
            FnSpec::http(
                "museum-museum-release",
                Method::DELETE,
                "/museums/{id}/reservations/{bookingId}",
                reserve::release,
            )
            .internal()
            .summary("Give back the seats of a booking that was never recorded"),
            FnSpec::on(on_booked::NAME, BOOK, &[Booked::TYPE], on_booked::on_booked),
            FnSpec::on(
                on_book_cancelled::NAME,
                BOOK,
                &[BookCancelled::TYPE, BookForceCancelled::TYPE],
                on_book_cancelled::on_book_cancelled,
            ),
            FnSpec::every(
                release_orphans::NAME,
                Duration::from_secs(30),
                release_orphans::release_orphans,
            ),
        ]
    }
}
