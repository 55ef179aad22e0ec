//! museum / mypage — the user's bookings, a view fed only by events (CQRS): it never calls the
//! contexts whose events it reads.
//!
//! | function | trigger | requirement |
//! |---|---|---|
//! | `museum-mypage-on-booking` | `Booked`, `BookCompleted`, `BookCancelled`, `BookForceCancelled` | 11 |
//! | `museum-mypage-on-entry` | `EntryConfirmed`, `EntryCancelled`, `EntryForceCancelled` | 11 |
//! | `museum-mypage-list`, `museum-mypage-get` | `GET /myPages?userId=`, `GET /myPages/{id}` | 11 |

pub mod project;
pub mod read;
pub mod view;

use http::Method;
use kernel::{BoundedContext, ContextId, Event, FnSpec, Platform, Repo};
use museum_events::{
    BOOK, BookCancelled, BookCompleted, BookForceCancelled, Booked, CONFIRM, EntryCancelled,
    EntryConfirmed, EntryForceCancelled, MYPAGE,
};

use crate::view::MyPage;

pub struct MypageContext;

pub struct Deps {
    pub rows: Repo<MyPage>,
}

impl BoundedContext for MypageContext {
    const ID: ContextId = MYPAGE;
    type Deps = Deps;

    fn deps(p: &dyn Platform) -> anyhow::Result<Deps> {
        Ok(Deps {
            rows: Repo::new(p.store(MYPAGE)?),
        })
    }

    fn functions() -> Vec<FnSpec<Deps>> {
        vec![
            FnSpec::on(
                project::ON_BOOKING,
                BOOK,
                &[
                    Booked::TYPE,
                    BookCompleted::TYPE,
                    BookCancelled::TYPE,
                    BookForceCancelled::TYPE,
                ],
                project::on_booking,
            ),
            FnSpec::on(
                project::ON_ENTRY,
                CONFIRM,
                &[
                    EntryConfirmed::TYPE,
                    EntryCancelled::TYPE,
                    EntryForceCancelled::TYPE,
                ],
                project::on_entry,
            ),
            FnSpec::http("museum-mypage-list", Method::GET, "/myPages", read::list)
                .summary("A user's bookings, newest first"),
            FnSpec::http("museum-mypage-get", Method::GET, "/myPages/{id}", read::get)
                .summary("One booking's page"),
        ]
    }
}
