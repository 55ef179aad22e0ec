//! packing / packingorder — 패킹주문 (core domain): the customer's packing orders.
//!
//! | function | trigger | requirement |
//! |---|---|---|
//! | `packing-packingorder-order` | `POST /packingorders` | 1 |
//! | `packing-packingorder-list`, `packing-packingorder-get` | `GET /packingorders[/{id}]` | 1 |
//! | `packing-packingorder-cancel` | `POST /packingorders/{id}/cancel` | 1 |
//! | `packing-packingorder-on-task` | `PackingPaymentPending`, `ProductPacked`, `PackingRejected` | 3, 4 |
//! | `packing-packingorder-on-payment-approved` | `PaymentApproved` | 3 |

pub mod cancel;
pub mod domain;
pub mod order;
pub mod progress;
pub mod read;

use http::Method;
use kernel::{BoundedContext, ContextId, Event, FnSpec, Platform, Repo};
use packing_events::{
    PACKINGORDER, PAYMENT, PRODUCTPACKING, PackingPaymentPending, PackingRejected, PaymentApproved,
    ProductPacked,
};

use crate::domain::PackingOrder;

pub struct PackingorderContext;

pub struct Deps {
    pub orders: Repo<PackingOrder>,
}

impl BoundedContext for PackingorderContext {
    const ID: ContextId = PACKINGORDER;
    type Deps = Deps;

    fn deps(p: &dyn Platform) -> anyhow::Result<Deps> {
        Ok(Deps {
            orders: Repo::new(p.store(PACKINGORDER)?),
        })
    }

    fn functions() -> Vec<FnSpec<Deps>> {
        vec![
            FnSpec::http(
                "packing-packingorder-order",
                Method::POST,
                "/packingorders",
                order::order,
            )
            .summary("Order a product to be packed"),
            FnSpec::http(
                "packing-packingorder-list",
                Method::GET,
                "/packingorders",
                read::list,
            )
            .summary("List packing orders, newest first"),
            FnSpec::http(
                "packing-packingorder-get",
                Method::GET,
                "/packingorders/{id}",
                read::get,
            )
            .summary("Read a packing order"),
            FnSpec::http(
                "packing-packingorder-cancel",
                Method::POST,
                "/packingorders/{id}/cancel",
                cancel::cancel,
            )
            .summary("Cancel a packing order (until it is packed)"),
            FnSpec::on(
                progress::ON_TASK,
                PRODUCTPACKING,
                &[
                    PackingPaymentPending::TYPE,
                    ProductPacked::TYPE,
                    PackingRejected::TYPE,
                ],
                progress::on_task,
            ),
            FnSpec::on(
                progress::ON_PAYMENT_APPROVED,
                PAYMENT,
                &[PaymentApproved::TYPE],
                progress::on_payment_approved,
            ),
        ]
    }
}
