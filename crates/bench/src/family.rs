//! The family's side of the benchmarks: families whose members are moving, the requests the load
//! generator sends (the moveview per family, a device's position report), and the wait for a
//! reported position to show in the moveview.

use std::{sync::Arc, time::Instant};

use anyhow::Context as _;
use futures::{StreamExt, TryStreamExt, stream};
use serde_json::{Value, json};

use crate::{
    api::Api,
    load::{self, Requests},
};

/// Requests in flight while setting up data over HTTP.
const SETUP_CONCURRENCY: usize = 16;
/// Where every bench move starts, and its goal: about 111 km north, so that no report made
/// near the start ends a move or makes its arrival imminent.
const START: (f64, f64) = (37.0, 127.0);
const GOAL: (f64, f64) = (38.0, 127.0);

pub fn family(i: u64) -> String {
    format!("bfam{i:05}")
}

/// Registers `families` founders (ACTIVE at once), each starting `moves` moves; returns every
/// move's id once the bus has delivered what that recorded.
pub async fn moving_families(api: &Api, families: u64, moves: u64) -> anyhow::Result<Vec<String>> {
    let ids: Vec<Vec<String>> = stream::iter(0..families)
        .map(|f| async move {
            let founder = format!("{}m0", family(f));
            api.post_ok(
                "/family/customers",
                &json!({ "customerId": founder, "name": "Bench", "phone": "010-1234-5678", "familyId": family(f) }),
            )
            .await?;
            let mut ids = Vec::new();
            for _ in 0..moves {
                let m = api
                    .post_ok(
                        "/family/moves",
                        &json!({ "customerId": founder, "start": point(START), "goal": point(GOAL) }),
                    )
                    .await?;
                ids.push(id_of(&m)?);
            }
            Ok::<_, anyhow::Error>(ids)
        })
        .buffer_unordered(SETUP_CONCURRENCY)
        .try_collect()
        .await?;
    Ok(ids.into_iter().flatten().collect())
}

fn point(p: (f64, f64)) -> Value {
    json!({ "lat": p.0, "lon": p.1 })
}

fn id_of(resource: &Value) -> anyhow::Result<String> {
    resource["id"]
        .as_str()
        .map(str::to_owned)
        .with_context(|| format!("no id in {resource}"))
}

/// `GET /family/moveviews?familyId=` for one of `families` families per turn.
pub fn moveviews_query(host: String, families: u64) -> Requests {
    Arc::new(move |turn| {
        let path = format!(
            "/family/moveviews?familyId={}",
            family(turn.spread(families))
        );
        load::get(&host, &path)
    })
}

/// `POST /family/locations` for one of `moves` per turn, near its start: a synchronous call to
/// move, then the report and `LocRegistered` in one write.
pub fn location_command(host: String, moves: Vec<String>) -> Requests {
    Arc::new(move |turn| {
        let id = &moves[turn.spread(moves.len() as u64) as usize];
        let step = (turn.n % 100) as f64 * 0.0001;
        let body = json!({ "moveId": id, "lat": START.0 + step, "lon": START.1 });
        load::post_json(&host, "/family/locations", &body)
    })
}

/// Reports one position of `move_id` and waits until the moveview shows it; the time from the
/// answer to the row, or None after `timeout`.
pub async fn report_until_viewed(
    api: &Api,
    move_id: &str,
    n: u64,
    poll: std::time::Duration,
    timeout: std::time::Duration,
) -> anyhow::Result<Option<std::time::Duration>> {
    let at = (START.0 + (n % 1000) as f64 * 0.0001, START.1);
    let loc = api
        .post_ok(
            "/family/locations",
            &json!({ "moveId": move_id, "lat": at.0, "lon": at.1 }),
        )
        .await?;
    let loc = id_of(&loc)?;
    let answered = Instant::now();
    let path = format!("/family/moveviews/{move_id}");
    while answered.elapsed() < timeout {
        if api.get_ok(&path).await?["locId"] == loc.as_str() {
            return Ok(Some(answered.elapsed()));
        }
        tokio::time::sleep(poll).await;
    }
    Ok(None)
}
