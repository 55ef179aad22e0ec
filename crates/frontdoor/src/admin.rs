//! The admin API: take functions down and up, watch the subscriptions, list and redrive dead
//! letters, deliver an event again, run a timer now. Every answer, errors included, is JSON;
//! every error is problem+json.

use std::sync::Arc;

use axum::{
    Json, Router,
    extract::{
        FromRequest, FromRequestParts, Request, State,
        rejection::{JsonRejection, PathRejection, QueryRejection},
    },
    http::request::Parts,
    response::{IntoResponse, Response},
    routing::{MethodRouter, get, post},
};
use embedded::Host;
use kernel::{
    AppError, Trigger,
    function::{Invoke, Route},
};
use serde::{Deserialize, Serialize, de::DeserializeOwned};

use crate::{
    functions::problem,
    guard::{ADMIN_COOKIE, Guard, constant_time_eq},
    method_not_allowed,
};

type Shared = State<Arc<Host>>;

pub fn routes(host: Arc<Host>, streams: Arc<tokio::sync::Semaphore>, guard: Arc<Guard>) -> Router {
    let stream_host = host.clone();
    let stream =
        get(move |request: Request| event_stream(stream_host.clone(), streams.clone(), request));
    let session_guard = guard.clone();
    let session = post(move |body: AdminJson<Session>| open_session(session_guard.clone(), body))
        .delete(end_session);
    Router::new()
        .route("/admin/events/stream", allow(stream))
        .route("/admin/session", allow(session))
        .merge(admin_api(host))
}

/// A route that answers a method it does not serve with a 405 problem.
fn allow<S: Clone + Send + Sync + 'static>(methods: MethodRouter<S>) -> MethodRouter<S> {
    methods.fallback(method_not_allowed)
}

fn admin_api(host: Arc<Host>) -> Router {
    Router::new()
        .route("/admin/functions", allow(get(functions)))
        .route("/admin/functions/{name}/down", allow(post(down)))
        .route("/admin/functions/{name}/up", allow(post(up)))
        .route("/admin/functions/{name}/run", allow(post(run_now)))
        .route(
            "/admin/functions/{name}/deliveries",
            allow(post(deliver_again)),
        )
        .route("/admin/subscriptions", allow(get(subscriptions)))
        .route("/admin/dead-letters", allow(get(dead_letters)))
        .route("/admin/dead-letters/redrive", allow(post(redrive_all)))
        .route("/admin/dead-letters/{id}/redrive", allow(post(redrive_one)))
        .route("/admin/backlog", allow(get(backlog)))
        .route("/admin/events", allow(get(events)))
        .with_state(host)
}

/// axum's extractors, with their rejections as problem+json.
pub struct AdminPath<T>(pub T);
pub struct AdminQuery<T>(pub T);
pub struct AdminJson<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned + Send> FromRequestParts<S> for AdminPath<T> {
    type Rejection = Response;
    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Response> {
        axum::extract::Path::<T>::from_request_parts(parts, state)
            .await
            .map(|p| Self(p.0))
            .map_err(|e: PathRejection| fail(AppError::invalid(e.body_text()), parts.uri.path()))
    }
}

impl<S: Send + Sync, T: DeserializeOwned + Send> FromRequestParts<S> for AdminQuery<T> {
    type Rejection = Response;
    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Response> {
        axum::extract::Query::<T>::from_request_parts(parts, state)
            .await
            .map(|q| Self(q.0))
            .map_err(|e: QueryRejection| fail(AppError::invalid(e.body_text()), parts.uri.path()))
    }
}

impl<S: Send + Sync, T: DeserializeOwned> FromRequest<S> for AdminJson<T> {
    type Rejection = Response;
    async fn from_request(request: Request, state: &S) -> Result<Self, Response> {
        let path = request.uri().path().to_owned();
        Json::<T>::from_request(request, state)
            .await
            .map(|j| Self(j.0))
            .map_err(|e| {
                let error = match e {
                    JsonRejection::MissingJsonContentType(_) => AppError::UnsupportedMediaType(
                        "the body must be JSON (content-type: application/json)".into(),
                    ),
                    other => AppError::invalid(other.body_text()),
                };
                fail(error, &path)
            })
    }
}

#[derive(Deserialize)]
struct Session {
    token: String,
}

/// Trades the admin token for a cookie the UI's requests carry (`HttpOnly`, `SameSite=Strict`).
async fn open_session(guard: Arc<Guard>, AdminJson(s): AdminJson<Session>) -> Response {
    let valid = match &guard.admin_token {
        Some(expected) => constant_time_eq(s.token.as_bytes(), expected.as_bytes()),
        None => true,
    };
    if !valid {
        return fail(
            AppError::Unauthorized("wrong admin token".into()),
            "/admin/session",
        );
    }
    let cookie = format!(
        "{ADMIN_COOKIE}={}; Path=/admin; HttpOnly; SameSite=Strict",
        s.token
    );
    (
        [(http::header::SET_COOKIE, cookie)],
        Json(serde_json::json!({ "admin": true })),
    )
        .into_response()
}

async fn end_session() -> Response {
    let cookie = format!("{ADMIN_COOKIE}=; Path=/admin; HttpOnly; SameSite=Strict; Max-Age=0");
    (
        [(http::header::SET_COOKIE, cookie)],
        Json(serde_json::json!({ "admin": false })),
    )
        .into_response()
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

async fn down(State(host): Shared, AdminPath(name): AdminPath<String>) -> Response {
    switch(&host, name, false)
}

async fn up(State(host): Shared, AdminPath(name): AdminPath<String>) -> Response {
    switch(&host, name, true)
}

async fn run_now(State(host): Shared, AdminPath(name): AdminPath<String>) -> Response {
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
    AdminPath(name): AdminPath<String>,
    AdminJson(delivery): AdminJson<Delivery>,
) -> Response {
    let instance = format!("/admin/functions/{name}/deliveries");
    match host.bus.deliver_again(&name, &delivery.event_id).await {
        Ok(()) => (
            http::StatusCode::ACCEPTED,
            Json(serde_json::json!({ "queued": delivery.event_id })),
        )
            .into_response(),
        Err(embedded::bus::BusError::Storage(e)) => fail(AppError::Internal(e), &instance),
        Err(e @ embedded::bus::BusError::QueueFull { .. }) => fail(
            AppError::TooManyRequests {
                detail: e.to_string(),
                retry_after: 5,
            },
            &instance,
        ),
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

async fn redrive_one(State(host): Shared, AdminPath(id): AdminPath<i64>) -> Response {
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
#[serde(deny_unknown_fields)]
struct EventsQuery {
    /// `system/context`, e.g. `museum/book`.
    context: String,
    limit: Option<usize>,
}

/// The latest events a context recorded, newest first.
async fn events(State(host): Shared, AdminQuery(q): AdminQuery<EventsQuery>) -> Response {
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
    host: Arc<Host>,
    slots: Arc<tokio::sync::Semaphore>,
    request: axum::extract::Request,
) -> Response {
    let slot = match crate::streams::slot(&slots, request.uri().path()) {
        Ok(s) => s,
        Err(r) => return *r,
    };
    crate::streams::sse(host.bus.watch(), slot, |envelope| {
        axum::response::sse::Event::default()
            .event("message")
            .json_data(&envelope)
            .ok()
    })
    .into_response()
}

async fn backlog(State(host): Shared) -> Response {
    match host.bus.backlog().await {
        Ok(n) => Json(serde_json::json!({ "backlog": n })).into_response(),
        Err(e) => fail(AppError::internal(e), "/admin/backlog"),
    }
}
