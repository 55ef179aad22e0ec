//! The moving system's side of the benchmarks: the mover companies, the calls the load generator
//! makes and the moverinfos it reads, and the wait for a call's outcome to show in moverinfos.

use std::{
    sync::Arc,
    time::{Duration, Instant},
};

use anyhow::Context as _;
use futures::{StreamExt, TryStreamExt, stream};
use serde_json::{Value, json};

use crate::{
    api::Api,
    load::{self, Requests},
};

/// Requests in flight while setting up data over HTTP.
const SETUP_CONCURRENCY: usize = 16;
/// Where every bench call is made, and the region every bench company serves.
const LOCATION: &str = "mapo";

fn call_body(tel: &str) -> Value {
    json!({ "tel": tel, "location": LOCATION, "cost": 2_500_000, "moveType": "PACKING" })
}

/// The telephone of the `i`th bench customer.
pub fn customer(i: u64) -> String {
    format!("0109{i:07}")
}

/// Registers `count` companies serving `LOCATION`, both move types.
pub async fn companies(api: &Api, count: u64) -> anyhow::Result<()> {
    stream::iter(0..count)
        .map(|i| async move {
            let body = json!({
                "name": format!("Bench Movers {i:04}"),
                "tel": format!("02{i:08}"),
                "regions": [LOCATION],
                "moveTypes": ["PACKING", "HALF_PACKING"],
            });
            api.post_ok("/moving/moverassigns/companies", &body).await
        })
        .buffer_unordered(SETUP_CONCURRENCY)
        .try_collect::<Vec<_>>()
        .await?;
    Ok(())
}

/// Makes one call for `tel` and returns its id.
pub async fn call(api: &Api, tel: &str) -> anyhow::Result<String> {
    let call = api.post_ok("/moving/movers", &call_body(tel)).await?;
    id_of(&call)
}

fn id_of(resource: &Value) -> anyhow::Result<String> {
    resource["id"]
        .as_str()
        .map(str::to_owned)
        .with_context(|| format!("no id in {resource}"))
}

/// Makes `count` calls, round-robin over `customers` customers, over HTTP as a client would.
pub async fn call_many(api: &Api, customers: u64, count: u64) -> anyhow::Result<()> {
    stream::iter(0..count)
        .map(|i| async move {
            api.post_ok(
                "/moving/movers",
                &call_body(&customer(i % customers.max(1))),
            )
            .await
        })
        .buffer_unordered(SETUP_CONCURRENCY)
        .try_collect::<Vec<_>>()
        .await?;
    Ok(())
}

/// `GET /moving/moverinfos?tel=` for one of `customers` customers per turn.
pub fn moverinfos_query(host: String, customers: u64) -> Requests {
    Arc::new(move |turn| {
        let path = format!(
            "/moving/moverinfos?tel={}",
            customer(turn.spread(customers))
        );
        load::get(&host, &path)
    })
}

/// `POST /moving/movers`, one customer per worker: a synchronous call to movemanage, then the
/// call and `MovercallCalled` in one write.
pub fn call_command(host: String) -> Requests {
    Arc::new(move |turn| {
        let tel = format!("0108{:07}", turn.worker);
        load::post_json(&host, "/moving/movers", &call_body(&tel))
    })
}

/// Makes one call for `tel` and waits until moverinfos shows it CONFIRMED with its company; the
/// time from the answer to the row, or None after `timeout`. Then cancels the call and waits
/// until its row shows it CANCELLED (its company released), so that the next call finds the
/// company free again.
pub async fn call_until_confirmed(
    api: &Api,
    tel: &str,
    poll: Duration,
    timeout: Duration,
) -> anyhow::Result<Option<Duration>> {
    let id = call(api, tel).await?;
    let took = row_becomes(api, tel, &id, "CONFIRMED", poll, timeout).await?;
    let path = format!("/moving/movers/{id}");
    let cancelled = api.delete(&path).await?;
    anyhow::ensure!(
        cancelled.is_success() || cancelled.status == 409,
        "DELETE {path} answered {}: {}",
        cancelled.status,
        cancelled.body
    );
    if cancelled.is_success() {
        row_becomes(api, tel, &id, "CANCELLED", poll, timeout)
            .await?
            .with_context(|| format!("call {id} not CANCELLED within {timeout:?}"))?;
    }
    Ok(took)
}

/// Polls the customer's moverinfos from now until call `id` shows `status` (with its company
/// when CONFIRMED); how long that took, or None after `timeout`.
async fn row_becomes(
    api: &Api,
    tel: &str,
    id: &str,
    status: &str,
    poll: Duration,
    timeout: Duration,
) -> anyhow::Result<Option<Duration>> {
    let path = format!("/moving/moverinfos?tel={tel}");
    let started = Instant::now();
    while started.elapsed() < timeout {
        let page = api.get_ok(&path).await?;
        let shown = page["items"].as_array().is_some_and(|rows| {
            rows.iter().any(|r| {
                r["id"] == id
                    && r["status"] == status
                    && (status != "CONFIRMED" || r["company"]["name"].is_string())
            })
        });
        if shown {
            return Ok(Some(started.elapsed()));
        }
        tokio::time::sleep(poll).await;
    }
    Ok(None)
}
