//! packing / productpacking — 물건패킹 (supporting domain): the admin's packing tasks.
//!
//! | function | trigger | requirement |
//! |---|---|---|
//! | `packing-productpacking-on-order` | `PackingOrdered`, `PackingOrderCancelled` | 2, 1 |
//! | `packing-productpacking-list`, `packing-productpacking-get` | `GET /productpackings[/{id}]` | 2 |
//! | `packing-productpacking-accept` | `POST /productpackings/{id}/accept` (calls payment) | 3 |
//! | `packing-productpacking-reject` | `POST /productpackings/{id}/reject` | 3 |
//! | `packing-productpacking-pack` | `POST /productpackings/{id}/pack` | 4 |

pub mod accept;
pub mod domain;
pub mod on_order;
pub mod pack;
pub mod payments;
pub mod read;

use std::sync::Arc;

use http::Method;
use kernel::{BoundedContext, ContextId, Event, FnSpec, Platform, Repo};
use packing_events::{
    PACKINGORDER, PAYMENT, PRODUCTPACKING, PackingOrderCancelled, PackingOrdered,
};

use crate::{
    domain::PackingTask,
    payments::{Payments, PaymentsOverHttp},
};

pub struct ProductpackingContext;

pub struct Deps {
    pub tasks: Repo<PackingTask>,
    pub payments: Arc<dyn Payments>,
}

impl BoundedContext for ProductpackingContext {
    const ID: ContextId = PRODUCTPACKING;
    const CALLS: &'static [ContextId] = &[PAYMENT];
    type Deps = Deps;

    fn deps(p: &dyn Platform) -> anyhow::Result<Deps> {
        Ok(Deps {
            tasks: Repo::new(p.store(PRODUCTPACKING)?),
            payments: Arc::new(PaymentsOverHttp(p.caller(PRODUCTPACKING, PAYMENT)?)),
        })
    }

    fn functions() -> Vec<FnSpec<Deps>> {
        vec![
            FnSpec::on(
                on_order::NAME,
                PACKINGORDER,
                &[PackingOrdered::TYPE, PackingOrderCancelled::TYPE],
                on_order::on_order,
            ),
            FnSpec::http(
                "packing-productpacking-list",
                Method::GET,
                "/productpackings",
                read::list,
            )
            .summary("The admin's packing tasks (?status=&orderId=)"),
            FnSpec::http(
                "packing-productpacking-get",
                Method::GET,
                "/productpackings/{id}",
                read::get,
            )
            .summary("Read a packing task"),
            FnSpec::http(
                "packing-productpacking-accept",
                Method::POST,
                "/productpackings/{id}/accept",
                accept::accept,
            )
            .summary(
                "Accept a task: the order is paid (503 + Retry-After while payment is unavailable)",
            ),
            FnSpec::http(
                "packing-productpacking-reject",
                Method::POST,
                "/productpackings/{id}/reject",
                pack::reject,
            )
            .summary("Reject a task (the product is unavailable); a paid order is refunded"),
            FnSpec::http(
                "packing-productpacking-pack",
                Method::POST,
                "/productpackings/{id}/pack",
                pack::pack,
            )
            .summary("Pack the product"),
        ]
    }
}
