//! packing / orderinfo — 물건 주문 List: the order list, a view fed only by events (CQRS); it
//! never calls the contexts whose events it reads.
//!
//! | function | trigger | requirement |
//! |---|---|---|
//! | `packing-orderinfo-on-order` | packingorder's events | 5 |
//! | `packing-orderinfo-on-task` | productpacking's events | 5 |
//! | `packing-orderinfo-on-payment` | payment's events | 5 |
//! | `packing-orderinfo-list`, `packing-orderinfo-get` | `GET /orderinfos?userId=|status=`, `GET /orderinfos/{id}` | 5 |

pub mod project;
pub mod read;
pub mod view;

use http::Method;
use kernel::{BoundedContext, ContextId, Event, FnSpec, Platform, Repo};
use packing_events::{
    ORDERINFO, PACKINGORDER, PAYMENT, PRODUCTPACKING, PackingOrderCancelled,
    PackingOrderProgressed, PackingOrdered, PackingPaymentPending, PackingReady, PackingRejected,
    PackingTaskCancelled, PackingTaskCreated, PaymentApproved, PaymentRefunded, ProductPacked,
};

use crate::view::OrderInfo;

pub struct OrderinfoContext;

pub struct Deps {
    pub rows: Repo<OrderInfo>,
}

impl BoundedContext for OrderinfoContext {
    const ID: ContextId = ORDERINFO;
    type Deps = Deps;

    fn deps(p: &dyn Platform) -> anyhow::Result<Deps> {
        Ok(Deps {
            rows: Repo::new(p.store(ORDERINFO)?),
        })
    }

    fn functions() -> Vec<FnSpec<Deps>> {
        vec![
            FnSpec::on(
                project::ON_ORDER,
                PACKINGORDER,
                &[
                    PackingOrdered::TYPE,
                    PackingOrderCancelled::TYPE,
                    PackingOrderProgressed::TYPE,
                ],
                project::on_order,
            ),
            FnSpec::on(
                project::ON_TASK,
                PRODUCTPACKING,
                &[
                    PackingTaskCreated::TYPE,
                    PackingPaymentPending::TYPE,
                    PackingReady::TYPE,
                    ProductPacked::TYPE,
                    PackingRejected::TYPE,
                    PackingTaskCancelled::TYPE,
                ],
                project::on_task,
            ),
            FnSpec::on(
                project::ON_PAYMENT,
                PAYMENT,
                &[PaymentApproved::TYPE, PaymentRefunded::TYPE],
                project::on_payment,
            ),
            FnSpec::http(
                "packing-orderinfo-list",
                Method::GET,
                "/orderinfos",
                read::list,
            )
            .summary("The order list: the customer's (?userId=) or the admin's (?status=)"),
            FnSpec::http(
                "packing-orderinfo-get",
                Method::GET,
                "/orderinfos/{id}",
                read::get,
            )
            .summary("One order's row"),
        ]
    }
}
