//! petmily / assess — 평가: after care ended, the member rates the sitter once and the sitter
//! rates the pet once. It learns of ended care from match's events only, so user, match, pet
//! and diary work while it is down.
//!
//! | function | trigger | requirement |
//! |---|---|---|
//! | `petmily-assess-on-care-ended` | `CareServiceEnded` | 13, 14 |
//! | `petmily-assess-sitter` | `POST /api/v1/assess/sitter` | 13 |
//! | `petmily-assess-pet` | `POST /api/v1/assess/pet` | 14 |
//! | `petmily-assess-get` | `GET /api/v1/assess/{id}` | 13, 14 |

pub mod domain;
pub mod rate;

use http::Method;
use kernel::{BoundedContext, ContextId, Event, FnSpec, Platform, Repo};
use petmily_events::{ASSESS, CareServiceEnded, MATCH};

use crate::domain::{Assessment, EndedCare};

pub struct AssessContext;

pub struct Deps {
    pub cares: Repo<EndedCare>,
    pub assessments: Repo<Assessment>,
}

impl BoundedContext for AssessContext {
    const ID: ContextId = ASSESS;
    type Deps = Deps;

    fn deps(p: &dyn Platform) -> anyhow::Result<Deps> {
        let store = p.store(ASSESS)?;
        Ok(Deps {
            cares: Repo::new(store.clone()),
            assessments: Repo::new(store),
        })
    }

    fn functions() -> Vec<FnSpec<Deps>> {
        vec![
            FnSpec::on(
                rate::ON_CARE_ENDED,
                MATCH,
                &[CareServiceEnded::TYPE],
                rate::on_care_ended,
            ),
            FnSpec::http(
                "petmily-assess-sitter",
                Method::POST,
                "/api/v1/assess/sitter",
                rate::sitter,
            )
            .authenticated()
            .summary("The member rates the sitter, once, after care ended"),
            FnSpec::http(
                "petmily-assess-pet",
                Method::POST,
                "/api/v1/assess/pet",
                rate::pet,
            )
            .authenticated()
            .summary("The sitter rates the pet, once, after care ended"),
            FnSpec::http(
                "petmily-assess-get",
                Method::GET,
                "/api/v1/assess/{id}",
                rate::get,
            )
            .authenticated()
            .summary("A rating (the match's parties)"),
        ]
    }
}
