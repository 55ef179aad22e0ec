//! The packing system's side of the benchmarks: the orders the load generator places and the
//! order list it reads.

use std::sync::Arc;

use futures::{StreamExt, TryStreamExt, stream};
use serde_json::json;

use crate::{
    api::Api,
    load::{self, Requests},
};

/// Requests in flight while setting up data over HTTP.
const SETUP_CONCURRENCY: usize = 16;

fn order_body(user: &str) -> serde_json::Value {
    json!({
        "userId": user,
        "productId": "strawberries-500g",
        "productName": "Strawberries 500 g",
        "qty": 1,
        "address": "12 Teheran-ro, Seoul",
    })
}

/// Places one order for `customer` and returns its id.
pub async fn order(api: &Api, customer: &str) -> anyhow::Result<String> {
    let order = api
        .post_ok("/packing/packingorders", &order_body(customer))
        .await?;
    order["id"]
        .as_str()
        .map(str::to_owned)
        .ok_or_else(|| anyhow::anyhow!("no id in {order}"))
}

/// The name of the `i`th bench customer.
pub fn customer(i: u64) -> String {
    format!("customer{i:07}")
}

/// Places `count` orders, round-robin over `customers` customers, over HTTP as a client would.
pub async fn order_many(api: &Api, customers: u64, count: u64) -> anyhow::Result<()> {
    stream::iter(0..count)
        .map(|i| async move {
            api.post_ok(
                "/packing/packingorders",
                &order_body(&customer(i % customers.max(1))),
            )
            .await
        })
        .buffer_unordered(SETUP_CONCURRENCY)
        .try_collect::<Vec<_>>()
        .await?;
    Ok(())
}

/// `GET /packing/orderinfos?userId=` for one of `customers` customers per turn.
pub fn order_list_query(host: String, customers: u64) -> Requests {
    Arc::new(move |turn| {
        let path = format!(
            "/packing/orderinfos?userId={}",
            customer(turn.spread(customers))
        );
        load::get(&host, &path)
    })
}

/// `POST /packing/packingorders`, one customer per worker.
pub fn order_command(host: String) -> Requests {
    Arc::new(move |turn| {
        load::post_json(
            &host,
            "/packing/packingorders",
            &order_body(&format!("load{}", turn.worker)),
        )
    })
}
