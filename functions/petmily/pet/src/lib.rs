//! petmily / pet — 반려동물: the members' pets.
//!
//! | function | trigger | requirement |
//! |---|---|---|
//! | `petmily-pet-register` | `POST /api/v1/pet` | 3 |
//! | `petmily-pet-list`, `petmily-pet-get` | `GET /api/v1/pet[/{id}]` (owner, or the sitter caring for it) | 3 |
//! | `petmily-pet-card` | `GET /internal/pets/{id}` (internal: match asks) | 6, 9 |
//! | `petmily-pet-on-care` | `CareServiceStarted`, `CareServiceEnded` (who cares for the pet now) | 3 |

pub mod domain;
pub mod on_care;
pub mod read;
pub mod register;

use http::Method;
use kernel::{BoundedContext, ContextId, Event, FnSpec, Platform, Repo};
use petmily_events::{CareServiceEnded, CareServiceStarted, MATCH, PET};

use crate::domain::Pet;

pub struct PetContext;

pub struct Deps {
    pub pets: Repo<Pet>,
}

impl BoundedContext for PetContext {
    const ID: ContextId = PET;
    type Deps = Deps;

    fn deps(p: &dyn Platform) -> anyhow::Result<Deps> {
        Ok(Deps {
            pets: Repo::new(p.store(PET)?),
        })
    }

    fn functions() -> Vec<FnSpec<Deps>> {
        vec![
            FnSpec::http(
                "petmily-pet-register",
                Method::POST,
                "/api/v1/pet",
                register::register,
            )
            .authenticated()
            .summary("Register one of the caller's pets"),
            FnSpec::http("petmily-pet-list", Method::GET, "/api/v1/pet", read::list)
                .authenticated()
                .summary("The caller's own pets"),
            FnSpec::http(
                "petmily-pet-get",
                Method::GET,
                "/api/v1/pet/{id}",
                read::get,
            )
            .authenticated()
            .summary("A pet, for its owner or the sitter caring for it"),
            FnSpec::http(
                "petmily-pet-card",
                Method::GET,
                "/internal/pets/{id}",
                read::card,
            )
            .internal()
            .summary("A pet with its owner (match asks)"),
            FnSpec::on(
                on_care::NAME,
                MATCH,
                &[CareServiceStarted::TYPE, CareServiceEnded::TYPE],
                on_care::on_care,
            ),
        ]
    }
}
