//! family / family — 가족 관리: families and their membership requests.
//!
//! | function | trigger | requirement |
//! |---|---|---|
//! | `family-family-on-customer-registered` | `CustomerRegistered` | 1, 2 |
//! | `family-family-on-customer-deleted` | `CustomerDeleted` | 1 |
//! | `family-family-approve`, `family-family-deny` | `POST /families/{familyId}/members/{customerId}/approve\|deny` | 2 |
//! | `family-family-get` | `GET /families/{familyId}` | 2 |

pub mod decide;
pub mod domain;
pub mod policy;
pub mod read;

use family_events::{CUSTOMER, CustomerDeleted, CustomerRegistered, FAMILY};
use http::Method;
use kernel::{BoundedContext, ContextId, Event, FnSpec, Platform, Repo};

use crate::domain::Family;

pub struct FamilyContext;

pub struct Deps {
    pub families: Repo<Family>,
}

impl BoundedContext for FamilyContext {
    const ID: ContextId = FAMILY;
    type Deps = Deps;

    fn deps(p: &dyn Platform) -> anyhow::Result<Deps> {
        Ok(Deps {
            families: Repo::new(p.store(FAMILY)?),
        })
    }

    fn functions() -> Vec<FnSpec<Deps>> {
        vec![
            FnSpec::on(
                policy::ON_CUSTOMER_REGISTERED,
                CUSTOMER,
                &[CustomerRegistered::TYPE],
                policy::on_customer_registered,
            ),
            FnSpec::on(
                policy::ON_CUSTOMER_DELETED,
                CUSTOMER,
                &[CustomerDeleted::TYPE],
                policy::on_customer_deleted,
            ),
            FnSpec::http(
                "family-family-approve",
                Method::POST,
                "/families/{familyId}/members/{customerId}/approve",
                decide::approve,
            )
            .summary("An ACTIVE member approves a membership request"),
            FnSpec::http(
                "family-family-deny",
                Method::POST,
                "/families/{familyId}/members/{customerId}/deny",
                decide::deny,
            )
            .summary("An ACTIVE member denies a membership request"),
            FnSpec::http(
                "family-family-get",
                Method::GET,
                "/families/{familyId}",
                read::get,
            )
            .summary("A family's members and their membership status"),
        ]
    }
}
