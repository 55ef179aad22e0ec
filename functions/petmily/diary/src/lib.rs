//! petmily / diary — 돌봄일지: a diary group per match, open while care runs, written only by
//! the matched sitter, read only by the member and the sitter.
//!
//! | function | trigger | requirement |
//! |---|---|---|
//! | `petmily-diary-on-care` | `CareServiceStarted` (opens), `CareServiceEnded` (closes) | 11 |
//! | `petmily-diary-list` | `GET /api/v1/diary?matchId=` | 11 |
//! | `petmily-diary-get` | `GET /api/v1/diary/{entryId}` | 11 |
//! | `petmily-diary-register` | `POST /api/v1/diary` | 12 |
//! | `petmily-diary-modify` | `PUT /api/v1/diary/{entryId}` | 12 |
//! | `petmily-diary-delete` | `DELETE /api/v1/diary/{entryId}` | 12 |

pub mod domain;
pub mod on_care;
pub mod read;
pub mod write;

use http::Method;
use kernel::{BoundedContext, ContextId, Event, FnSpec, Platform, Repo};
use petmily_events::{CareServiceEnded, CareServiceStarted, DIARY, MATCH};

use crate::domain::{DiaryEntry, DiaryGroup};

pub struct DiaryContext;

pub struct Deps {
    pub groups: Repo<DiaryGroup>,
    pub entries: Repo<DiaryEntry>,
}

impl BoundedContext for DiaryContext {
    const ID: ContextId = DIARY;
    type Deps = Deps;

    fn deps(p: &dyn Platform) -> anyhow::Result<Deps> {
        let store = p.store(DIARY)?;
        Ok(Deps {
            groups: Repo::new(store.clone()),
            entries: Repo::new(store),
        })
    }

    fn functions() -> Vec<FnSpec<Deps>> {
        vec![
            FnSpec::on(
                on_care::NAME,
                MATCH,
                &[CareServiceStarted::TYPE, CareServiceEnded::TYPE],
                on_care::on_care,
            ),
            FnSpec::http(
                "petmily-diary-list",
                Method::GET,
                "/api/v1/diary",
                read::list,
            )
            .authenticated()
            .summary("The diary of a match, oldest entry first (member and sitter)"),
            FnSpec::http(
                "petmily-diary-get",
                Method::GET,
                "/api/v1/diary/{entryId}",
                read::get,
            )
            .authenticated()
            .summary("One diary entry (member and sitter)"),
            FnSpec::http(
                "petmily-diary-register",
                Method::POST,
                "/api/v1/diary",
                write::register,
            )
            .authenticated()
            .summary("The matched sitter writes an entry while care runs"),
            FnSpec::http(
                "petmily-diary-modify",
                Method::PUT,
                "/api/v1/diary/{entryId}",
                write::modify,
            )
            .authenticated()
            .summary("The matched sitter changes an entry while care runs"),
            FnSpec::http(
                "petmily-diary-delete",
                Method::DELETE,
                "/api/v1/diary/{entryId}",
                write::delete,
            )
            .authenticated()
            .summary("The matched sitter deletes an entry while care runs"),
        ]
    }
}
