//! The local gateway: one HTTP front door for every system, on the embedded default.

pub mod admin;
pub mod functions;
pub mod systems;

use std::{collections::BTreeMap, net::SocketAddr, path::PathBuf, sync::Arc, time::Duration};

use anyhow::Context as _;
use async_trait::async_trait;
use axum::{
    Json, Router,
    body::Body,
    extract::{Path, Request, rejection::PathRejection},
    response::Response,
    routing::{MethodFilter, MethodRouter, get},
};
use embedded::{BusConfig, Dispatch, Durability, EmbeddedConfig, Host};
use kernel::{
    AppError, HttpRequest, HttpResponse, System, Trigger, breaker::BreakerPolicy, function::Invoke,
};
use tokio::{net::TcpListener, sync::oneshot, task::JoinHandle};
use tower::ServiceExt;

use crate::functions::{HttpFunction, problem};

#[derive(Clone, Debug)]
pub struct GatewayConfig {
    pub addr: SocketAddr,
    pub data_dir: PathBuf,
    pub durability: Durability,
    pub bus: BusConfig,
    pub sync_timeout: Duration,
    pub breaker: BreakerPolicy,
    pub settings: BTreeMap<String, String>,
}

impl GatewayConfig {
    pub fn new(addr: SocketAddr, data_dir: impl Into<PathBuf>) -> Self {
        Self {
            addr,
            data_dir: data_dir.into(),
            durability: Durability::default(),
            bus: BusConfig::default(),
            sync_timeout: Duration::from_millis(1000),
            breaker: BreakerPolicy::default(),
            settings: BTreeMap::new(),
        }
    }
}

/// A running gateway.
pub struct Gateway {
    pub addr: SocketAddr,
    pub host: Arc<Host>,
    // Holds the router that synchronous calls dispatch into (the transport only has a Weak).
    _dispatch: Arc<dyn Dispatch>,
    stop: Option<oneshot::Sender<()>>,
    server: Option<JoinHandle<std::io::Result<()>>>,
}

impl Gateway {
    /// Opens the data folder, starts every function and serves them on `config.addr`.
    pub async fn start(config: GatewayConfig, systems: Vec<System>) -> anyhow::Result<Self> {
        let embedded = EmbeddedConfig {
            data_dir: config.data_dir.clone(),
            durability: config.durability,
            sync_timeout: config.sync_timeout,
            breaker: config.breaker,
            settings: config.settings.clone(),
        };
        let host = Arc::new(Host::start(embedded, config.bus, &systems)?);
        let router = router(host.clone(), &systems);
        let dispatch: Arc<dyn Dispatch> = Arc::new(RouterDispatch(router.clone()));
        host.connect(&dispatch);

        let listener = TcpListener::bind(config.addr)
            .await
            .with_context(|| format!("binding {}", config.addr))?;
        let addr = listener.local_addr()?;
        let (stop, stopped) = oneshot::channel::<()>();
        let server = tokio::spawn(async move {
            axum::serve(listener, router)
                .with_graceful_shutdown(async {
                    let _ = stopped.await;
                })
                .await
        });
        Ok(Self {
            addr,
            host,
            _dispatch: dispatch,
            stop: Some(stop),
            server: Some(server),
        })
    }

    /// Stops serving and delivering; what is queued stays queued for the next start.
    pub async fn stop(mut self) {
        self.host.stop();
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(server) = self.server.take() {
            let _ = server.await;
        }
    }

    /// Serves until the server fails.
    pub async fn wait(mut self) -> anyhow::Result<()> {
        match self.server.take() {
            Some(server) => Ok(server.await??),
            None => Ok(()),
        }
    }

    pub fn shutdown_handle(&mut self) -> Option<oneshot::Sender<()>> {
        self.stop.take()
    }
}

/// The router: each system's functions under its prefix, its OpenAPI document, health and admin.
pub fn router(host: Arc<Host>, systems: &[System]) -> Router {
    let mut paths: BTreeMap<String, MethodRouter> = BTreeMap::new();
    for f in &host.functions {
        let (Trigger::Http(routes), Invoke::Http(invoke)) = (&f.info.trigger, &f.invoke) else {
            continue;
        };
        let function = Arc::new(HttpFunction {
            name: f.info.name,
            invoke: invoke.clone(),
            switches: host.switches.clone(),
        });
        for route in routes {
            let path = format!("/{}{}", f.context.system, route.path);
            let Ok(filter) = MethodFilter::try_from(route.method.clone()) else {
                continue;
            };
            let function = function.clone();
            let handler = move |params: Result<Path<Vec<(String, String)>>, PathRejection>,
                                req: Request| {
                function.clone().serve(params, req)
            };
            let entry = paths.remove(&path).unwrap_or_default();
            paths.insert(path, entry.on(filter, handler));
        }
    }
    let mut router = Router::new();
    for (path, methods) in paths {
        router = router.route(&path, methods.fallback(method_not_allowed));
    }
    for system in systems {
        let doc = kernel::openapi::document(system);
        router = router.route(
            &format!("/{}/openapi.json", system.name),
            get(move || async move { Json(doc) }),
        );
    }
    let names: Vec<&'static str> = systems.iter().map(|s| s.name).collect();
    router
        .route("/", get(|| async { axum::response::Html(include_str!("ui.html")) }))
        .route("/health", get(move || async move { Json(serde_json::json!({ "status": "ok", "systems": names })) }))
        .merge(admin::routes(host))
        .fallback(not_found)
}

async fn not_found(req: Request) -> Response {
    problem(
        &AppError::not_found("Route", req.uri().path()),
        req.uri().path(),
        "-",
    )
}

async fn method_not_allowed(req: Request) -> Response {
    problem(
        &AppError::MethodNotAllowed(format!("{} is not allowed here", req.method())),
        req.uri().path(),
        "-",
    )
}

/// Synchronous calls between contexts go through the router itself, in process.
struct RouterDispatch(Router);

#[async_trait]
impl Dispatch for RouterDispatch {
    async fn dispatch(&self, request: HttpRequest) -> HttpResponse {
        let response = match self.0.clone().oneshot(request.map(Body::from)).await {
            Ok(r) => r,
            Err(never) => match never {},
        };
        let (parts, body) = response.into_parts();
        let bytes = axum::body::to_bytes(body, usize::MAX)
            .await
            .unwrap_or_default();
        http::Response::from_parts(parts, bytes)
    }
}
