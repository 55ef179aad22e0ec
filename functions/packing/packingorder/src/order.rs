//! `POST /packingorders` — a customer picks a product and orders it → `PackingOrdered` (ORDERED,
//! requirement 1). The order is taken whether or not productpacking is up: the task follows from
//! the event (requirement 2).

use kernel::{
    AppResult, Call, Tx, aggregate,
    aggregate::Decide,
    input::Json,
    output::Created,
    validate::{Count, Id, Text},
};
use packing_events::PackingOrdered;
use serde::Deserialize;
use utoipa::ToSchema;

use crate::{
    Deps,
    domain::{OrderCmd, PackingOrder},
};

/// How many of the product one order takes: 1 to 1000.
pub type Qty = Count<1, 1000>;
/// The product's name as the customer picked it.
pub type ProductName = Text<100>;
/// Where the box goes.
pub type Address = Text<200>;

#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct OrderPacking {
    pub user_id: Id,
    pub product_id: Id,
    pub product_name: ProductName,
    pub qty: Qty,
    pub address: Address,
}

pub async fn order(
    d: &Deps,
    Json(cmd): Json<OrderPacking>,
    cx: &Call,
) -> AppResult<Created<PackingOrder>> {
    let id = cx.new_id();
    let events = PackingOrder::default().decide(OrderCmd::Order(PackingOrdered {
        order_id: id.clone(),
        user_id: cmd.user_id.into_string(),
        product_id: cmd.product_id.into_string(),
        product_name: cmd.product_name.into_string(),
        qty: cmd.qty.get() as u32,
        address: cmd.address.into_string(),
    }))?;
    let created = aggregate::create(&d.orders, Tx::new(), events, cx).await?;
    Ok(Created::at(
        packing_events::path(&format!("/packingorders/{id}")),
        created.state,
    ))
}
