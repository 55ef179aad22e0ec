//! petmily / match — 매칭: pet-care applications and two-way matches between a member and a
//! sitter. It reads user and pet synchronously (internal functions, breaker, "try later").
//!
//! | function | trigger | requirement |
//! |---|---|---|
//! | `petmily-match-apply` | `POST /api/v1/match/application` | 6 |
//! | `petmily-match-applications`, `petmily-match-application` | `GET /api/v1/match/application[/{id}]?status=` | 6 |
//! | `petmily-match-request` | `POST /api/v1/match` (the member asks, or a sitter offers) | 7, 8 |
//! | `petmily-match-list` | `GET /api/v1/match?as=MEMBER\|SITTER` (the caller's matches) | 9 |
//! | `petmily-match-get` | `GET /api/v1/match/{id}` (both parties' details, via user and pet) | 9 |
//! | `petmily-match-accept`, `petmily-match-reject` | `POST /api/v1/match/{id}/accept\|reject` | 9, 10 |
//! | `petmily-match-end` | `POST /api/v1/match/{id}/end` | 10 |

pub mod act;
pub mod application;
pub mod directory;
pub mod domain;
pub mod read;
pub mod request;

use std::sync::Arc;

use http::Method;
use kernel::{BoundedContext, ContextId, FnSpec, Platform, Repo};
use petmily_events::{MATCH, PET, USER};

use crate::{
    directory::{People, PeopleOverHttp, Pets, PetsOverHttp},
    domain::{Match, PetCareApplication},
};

pub struct MatchContext;

pub struct Deps {
    pub applications: Repo<PetCareApplication>,
    pub matches: Repo<Match>,
    pub people: Arc<dyn People>,
    pub pets: Arc<dyn Pets>,
}

impl BoundedContext for MatchContext {
    const ID: ContextId = MATCH;
    const CALLS: &'static [ContextId] = &[USER, PET];
    type Deps = Deps;

    fn deps(p: &dyn Platform) -> anyhow::Result<Deps> {
        let store = p.store(MATCH)?;
        Ok(Deps {
            applications: Repo::new(store.clone()),
            matches: Repo::new(store),
            people: Arc::new(PeopleOverHttp(p.caller(MATCH, USER)?)),
            pets: Arc::new(PetsOverHttp(p.caller(MATCH, PET)?)),
        })
    }

    fn functions() -> Vec<FnSpec<Deps>> {
        vec![
            FnSpec::http(
                "petmily-match-apply",
                Method::POST,
                "/api/v1/match/application",
                application::apply,
            )
            .authenticated()
            .summary("Write a care request for one of the caller's pets (OPEN)"),
            FnSpec::http(
                "petmily-match-applications",
                Method::GET,
                "/api/v1/match/application",
                application::list,
            )
            .authenticated()
            .summary("Care requests by status (sitters look for OPEN ones)"),
            FnSpec::http(
                "petmily-match-application",
                Method::GET,
                "/api/v1/match/application/{id}",
                application::get,
            )
            .authenticated()
            .summary("Read a care request"),
            FnSpec::http(
                "petmily-match-request",
                Method::POST,
                "/api/v1/match",
                request::request,
            )
            .authenticated()
            .summary("Ask a sitter (member) or offer care (approved sitter)"),
            FnSpec::http(
                "petmily-match-list",
                Method::GET,
                "/api/v1/match",
                read::list,
            )
            .authenticated()
            .summary("The caller's matches, as member or as sitter"),
            FnSpec::http(
                "petmily-match-get",
                Method::GET,
                "/api/v1/match/{id}",
                read::get,
            )
            .authenticated()
            .summary("A match with both parties' and the pet's details (parties only)"),
            FnSpec::http(
                "petmily-match-accept",
                Method::POST,
                "/api/v1/match/{id}/accept",
                act::accept,
            )
            .authenticated()
            .summary("The other side accepts: care starts (CARE_STARTED)"),
            FnSpec::http(
                "petmily-match-reject",
                Method::POST,
                "/api/v1/match/{id}/reject",
                act::reject,
            )
            .authenticated()
            .summary("The other side rejects (REJECTED)"),
            FnSpec::http(
                "petmily-match-end",
                Method::POST,
                "/api/v1/match/{id}/end",
                act::end,
            )
            .authenticated()
            .summary("Either party ends the care (CARE_ENDED)"),
        ]
    }
}
