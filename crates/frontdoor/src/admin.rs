//! The admin API: take functions down and up, watch the subscriptions, list and redrive dead
//! letters, deliver an event again, run a timer now.

use std::sync::Arc;

use axum::{
    Json, Router,
    extract::{Path, State},
    response::{IntoResponse, Response},
    routing::{get, post},
};
use embedded::Host;
use kernel::{
    AppError, Trigger,
    function::{Invoke, Route},
};
use serde::{Deserialize, Serialize};

use crate::functions::problem;

type Shared = State<Arc<Host>>;

pub fn routes(host: Arc<Host>) -> Router {
    Router::new()
        .route("/admin/functions", get(functions))
        .route("/admin/functions/{name}/down", post(down))
        .route("/admin/functions/{name}/up", post(up))
        .route("/admin/functions/{name}/run", post(run_now))
        .route("/admin/functions/{name}/deliveries", post(deliver_again))
        .route("/admin/subscriptions", get(subscriptions))
        .route("/admin/dead-letters", get(dead_letters))
        .route("/admin/dead-letters/redrive", post(redrive_all))
        .route("/admin/dead-letters/{id}/redrive", post(redrive_one))
        .route("/admin/backlog", get(backlog))
        .route("/admin/events", get(events))
        .route("/admin/events/stream", get(event_stream))
        .with_state(host)
}

fn fail(e: AppError, instance: &str) -> Response {
    problem(&e, instance, "admin")
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct FunctionState {
    name: &'static str,
    context: String,
    kind: &'static str,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    routes: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    source: Option<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    event_types: Vec<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    every_seconds: Option<u64>,
    /// Reached only by other contexts' synchronous calls, never from outside.
    internal: bool,
    /// Who may call it: `public`, `authenticated` or `role:<ROLE>`.
    access: String,
    up: bool,
}

async fn functions(State(host): Shared) -> Json<Vec<FunctionState>> {
    let list = host
        .functions
        .iter()
        .map(|f| {
            let mut s = FunctionState {
                name: f.info.name,
                context: f.context.to_string(),
                kind: "http",
                routes: vec![],
                source: None,
                event_types: vec![],
                every_seconds: None,
                internal: f.info.internal,
                access: match f.info.access {
                    kernel::Access::Public => "public".into(),
                    kernel::Access::Authenticated => "authenticated".into(),
                    kernel::Access::Role(role) => format!("role:{role}"),
                },
                up: host.switches.is_up(f.info.name),
            };
            match &f.info.trigger {
                Trigger::Http(routes) => {
                    s.routes = routes
                        .iter()
                        .map(|Route { method, path }| {
                            format!("{method} /{}{path}", f.context.system)
                        })
                        .collect();
                }
                Trigger::Events { source, types } => {
                    s.kind = "events";
                    s.source = Some(source.to_string());
                    s.event_types = types.clone();
                }
                Trigger::Every(period) => {
                    s.kind = "timer";
                    s.every_seconds = Some(period.as_secs());
                }
            }
            s
        })
        .collect();
    Json(list)
}

#[derive(Serialize)]
struct Switched {
    name: String,
    up: bool,
}

fn switch(host: &Host, name: String, up: bool) -> Response {
    match host.switches.set(&name, up) {
        Ok(()) => Json(Switched { name, up }).into_response(),
        Err(e) => fail(AppError::not_found("Function", e.0), "/admin/functions"),
    }
}

async fn down(State(host): Shared, Path(name): Path<String>) -> Response {
    switch(&host, name, false)
}

async fn up(State(host): Shared, Path(name): Path<String>) -> Response {
    switch(&host, name, true)
}

async fn run_now(State(host): Shared, Path(name): Path<String>) -> Response {
    let instance = format!("/admin/functions/{name}/run");
    let Some(Invoke::Tick(tick)) = host.function(&name).map(|f| f.invoke.clone()) else {
        return fail(AppError::not_found("Timer function", name), &instance);
    };
    match tick(kernel::Call::new(None)).await {
        Ok(()) => Json(serde_json::json!({ "ran": name })).into_response(),
        Err(e) => fail(e, &instance),
    }
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Delivery {
    event_id: String,
}

async fn deliver_again(
    State(host): Shared,
    Path(name): Path<String>,
    body: Option<Json<Delivery>>,
) -> Response {
    let instance = format!("/admin/functions/{name}/deliveries");
    let Some(Json(delivery)) = body else {
        return fail(
            AppError::invalid("expected {\"eventId\": \"...\"}"),
            &instance,
        );
    };
    match host.bus.deliver_again(&name, &delivery.event_id).await {
        Ok(()) => (
            http::StatusCode::ACCEPTED,
            Json(serde_json::json!({ "queued": delivery.event_id })),
        )
            .into_response(),
        Err(embedded::bus::BusError::Storage(e)) => fail(AppError::Internal(e), &instance),
        Err(e) => fail(
            AppError::not_found("Event or handler", e.to_string()),
            &instance,
        ),
    }
}

async fn subscriptions(State(host): Shared) -> Response {
    match host.bus.stats().await {
        Ok(s) => Json(s).into_response(),
        Err(e) => fail(AppError::internal(e), "/admin/subscriptions"),
    }
}

async fn dead_letters(State(host): Shared) -> Response {
    match host.bus.dead_letters().await {
        Ok(d) => Json(d).into_response(),
        Err(e) => fail(AppError::internal(e), "/admin/dead-letters"),
    }
}

async fn redrive_all(State(host): Shared) -> Response {
    match host.bus.redrive(None).await {
        Ok(n) => Json(serde_json::json!({ "redriven": n })).into_response(),
        Err(e) => fail(AppError::internal(e), "/admin/dead-letters/redrive"),
    }
}

async fn redrive_one(State(host): Shared, Path(id): Path<i64>) -> Response {
    let instance = format!("/admin/dead-letters/{id}/redrive");
    match host.bus.redrive(Some(id)).await {
        Ok(0) => fail(
            AppError::not_found("Dead letter", id.to_string()),
            &instance,
        ),
        Ok(n) => Json(serde_json::json!({ "redriven": n })).into_response(),
        Err(e) => fail(AppError::internal(e), &instance),
    }
}

#[derive(Deserialize)]
struct EventsQuery {
    /// `system/context`, e.g. `museum/book`.
    context: String,
    limit: Option<usize>,
}

/// The latest events a context recorded, newest first.
async fn events(
    State(host): Shared,
    axum::extract::Query(q): axum::extract::Query<EventsQuery>,
) -> Response {
    let Some(context) = host
        .functions
        .iter()
        .map(|f| f.context)
        .find(|c| c.to_string() == q.context)
    else {
        return fail(AppError::not_found("Context", q.context), "/admin/events");
    };
    let store = match host.platform.sqlite(context) {
        Ok(s) => s,
        Err(e) => return fail(AppError::Internal(e), "/admin/events"),
    };
    match store.recent_events(q.limit.unwrap_or(100).min(1000)).await {
        Ok(events) => Json(events).into_response(),
        Err(e) => fail(AppError::Internal(e), "/admin/events"),
    }
}

/// Server-Sent Events: every event as the bus publishes it.
async fn event_stream(
    State(host): Shared,
) -> axum::response::Sse<
    impl futures::Stream<Item = Result<axum::response::sse::Event, std::convert::Infallible>>,
> {
    use axum::response::sse::{Event, KeepAlive, Sse};
    use tokio::sync::broadcast::error::RecvError;
    let events = futures::stream::unfold(host.bus.watch(), |mut rx| async move {
        loop {
            match rx.recv().await {
                Ok(envelope) => {
                    let event = Event::default()
                        .event("message")
                        .json_data(&envelope)
                        .unwrap_or_default();
                    return Some((Ok(event), rx));
                }
                Err(RecvError::Lagged(_)) => continue,
                Err(RecvError::Closed) => return None,
            }
        }
    });
    Sse::new(events).keep_alive(KeepAlive::default())
}

async fn backlog(State(host): Shared) -> Response {
    match host.bus.backlog().await {
        Ok(n) => Json(serde_json::json!({ "backlog": n })).into_response(),
        Err(e) => fail(AppError::internal(e), "/admin/backlog"),
    }
}
