//! moving / moveassign — 이사업체 할당: the mover company registry, and the automatic assignment
//! of one free company near the call's location that supports its move type.
//!
//! | function | trigger | requirement |
//! |---|---|---|
//! | `moving-moveassign-register` | `POST /moverassigns/companies` | 3 |
//! | `moving-moveassign-companies`, `moving-moveassign-company` | `GET /moverassigns/companies[/{id}]` | 3 |
//! | `moving-moveassign-list`, `moving-moveassign-get` | `GET /moverassigns[/{id}]` | 3 |
//! | `moving-moveassign-on-movermanage` | `MovermanageAssigned`, `MovermanageCancelled` | 3, 5 |

pub mod assign;
pub mod domain;
pub mod read;
pub mod register;

use http::Method;
use kernel::{BoundedContext, ContextId, Event, FnSpec, Platform, Repo};
use moving_events::{MOVEASSIGN, MOVEMANAGE, MovermanageAssigned, MovermanageCancelled};

use crate::domain::{Company, Moverassign};

pub struct MoveassignContext;

pub struct Deps {
    pub companies: Repo<Company>,
    pub assignments: Repo<Moverassign>,
}

impl BoundedContext for MoveassignContext {
    const ID: ContextId = MOVEASSIGN;
    type Deps = Deps;

    fn deps(p: &dyn Platform) -> anyhow::Result<Deps> {
        let store = p.store(MOVEASSIGN)?;
        Ok(Deps {
            companies: Repo::new(store.clone()),
            assignments: Repo::new(store),
        })
    }

    fn functions() -> Vec<FnSpec<Deps>> {
        vec![
            FnSpec::http(
                "moving-moveassign-register",
                Method::POST,
                "/moverassigns/companies",
                register::register,
            )
            .summary("Register a mover company"),
            FnSpec::http(
                "moving-moveassign-companies",
                Method::GET,
                "/moverassigns/companies",
                read::companies,
            )
            .summary("List mover companies, oldest first"),
            FnSpec::http(
                "moving-moveassign-company",
                Method::GET,
                "/moverassigns/companies/{id}",
                read::company,
            )
            .summary("Read a mover company"),
            FnSpec::http(
                "moving-moveassign-list",
                Method::GET,
                "/moverassigns",
                read::list,
            )
            .summary("List assignments, newest first"),
            FnSpec::http(
                "moving-moveassign-get",
                Method::GET,
                "/moverassigns/{id}",
                read::get,
            )
            .summary("Read a call's assignment"),
            FnSpec::on(
                assign::NAME,
                MOVEMANAGE,
                &[MovermanageAssigned::TYPE, MovermanageCancelled::TYPE],
                assign::on_movermanage,
            ),
        ]
    }
}
