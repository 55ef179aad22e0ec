//! family / customer — 고객 관리: customers and their accounts.
//!
//! | function | trigger | requirement |
//! |---|---|---|
//! | `family-customer-register` | `POST /customers` | 1 |
//! | `family-customer-list`, `family-customer-get` | `GET /customers[/{id}]` | 1 |
//! | `family-customer-delete` | `DELETE /customers/{id}` | 1 |
//! | `family-customer-standing` | `GET /customers/{id}/standing` (internal: move asks) | 2, 3 |
//! | `family-customer-on-family-decided` | `FamilyApproved`, `FamilyDenied` | 2 |

pub mod delete;
pub mod domain;
pub mod on_family_decided;
pub mod read;
pub mod register;

use family_events::{CUSTOMER, FAMILY, FamilyApproved, FamilyDenied};
use http::Method;
use kernel::{BoundedContext, ContextId, Event, FnSpec, Platform, Repo};

use crate::domain::{Customer, FamilyFounding};

pub struct CustomerContext;

pub struct Deps {
    pub customers: Repo<Customer>,
    pub foundings: Repo<FamilyFounding>,
}

impl BoundedContext for CustomerContext {
    const ID: ContextId = CUSTOMER;
    type Deps = Deps;

    fn deps(p: &dyn Platform) -> anyhow::Result<Deps> {
        let store = p.store(CUSTOMER)?;
        Ok(Deps {
            customers: Repo::new(store.clone()),
            foundings: Repo::new(store),
        })
    }

    fn functions() -> Vec<FnSpec<Deps>> {
        vec![
            FnSpec::http(
                "family-customer-register",
                Method::POST,
                "/customers",
                register::register,
            )
            .summary("Register a customer (PENDING until a family member approves)"),
            FnSpec::http(
                "family-customer-list",
                Method::GET,
                "/customers",
                read::list,
            )
            .summary("List customers, newest first"),
            FnSpec::http(
                "family-customer-get",
                Method::GET,
                "/customers/{id}",
                read::get,
            )
            .summary("Read a customer"),
            FnSpec::http(
                "family-customer-delete",
                Method::DELETE,
                "/customers/{id}",
                delete::delete,
            )
            .summary("Delete a customer's account"),
            FnSpec::http(
                "family-customer-standing",
                Method::GET,
                "/customers/{id}/standing",
                read::standing,
            )
            .internal()
            .summary("A customer's family and status (move asks)"),
            FnSpec::on(
                on_family_decided::NAME,
                FAMILY,
                &[FamilyApproved::TYPE, FamilyDenied::TYPE],
                on_family_decided::on_family_decided,
            ),
        ]
    }
}
