//! packing / payment — 결제 (general domain): one payment per order.
//!
//! | function | trigger | requirement |
//! |---|---|---|
//! | `packing-payment-pay` | `POST /payments` (internal: productpacking's sync call on accept) | 3 |
//! | `packing-payment-list`, `packing-payment-get` | `GET /payments[/{id}]`, `?orderId=` | 3 |
//! | `packing-payment-on-order-cancelled` | `PackingOrderCancelled` | 1 (refund) |
//! | `packing-payment-on-packing-rejected` | `PackingRejected` | 3 (refund) |

pub mod domain;
pub mod pay;
pub mod read;
pub mod refund;

use http::Method;
use kernel::{BoundedContext, ContextId, Event, FnSpec, Platform, Repo};
use packing_events::{
    PACKINGORDER, PAYMENT, PRODUCTPACKING, PackingOrderCancelled, PackingRejected,
};

use crate::domain::{Payment, PaymentClosure};

pub struct PaymentContext;

pub struct Deps {
    pub payments: Repo<Payment>,
    pub closures: Repo<PaymentClosure>,
}

impl BoundedContext for PaymentContext {
    const ID: ContextId = PAYMENT;
    type Deps = Deps;

    fn deps(p: &dyn Platform) -> anyhow::Result<Deps> {
        let store = p.store(PAYMENT)?;
        Ok(Deps {
            payments: Repo::new(store.clone()),
            closures: Repo::new(store),
        })
    }

    fn functions() -> Vec<FnSpec<Deps>> {
        vec![
            FnSpec::http("packing-payment-pay", Method::POST, "/payments", pay::pay)
                .internal()
                // A storm of accepts must not become a storm on the payment provider.
                .reserved_concurrency(20)
                .summary("Pay for an order (idempotent on orderId)"),
            FnSpec::http("packing-payment-list", Method::GET, "/payments", read::list)
                .summary("List payments, or an order's (?orderId=)"),
            FnSpec::http(
                "packing-payment-get",
                Method::GET,
                "/payments/{id}",
                read::get,
            )
            .summary("Read a payment"),
            FnSpec::on(
                refund::ON_ORDER_CANCELLED,
                PACKINGORDER,
                &[PackingOrderCancelled::TYPE],
                refund::on_order_cancelled,
            ),
            FnSpec::on(
                refund::ON_PACKING_REJECTED,
                PRODUCTPACKING,
                &[PackingRejected::TYPE],
                refund::on_packing_rejected,
            ),
        ]
    }
}
