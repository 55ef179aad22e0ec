//! The local gateway: one HTTP front door for the given systems, on the embedded default.

pub mod admin;
pub mod functions;

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
    AppError, HttpRequest, HttpResponse, Platform as _, SecretSpec, System, Trigger, auth::Tokens,
    breaker::BreakerPolicy, function::Invoke,
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
    /// Secrets by name, over the environment and `<data>/secrets/` (tests pin keys with it).
    pub secrets: BTreeMap<String, String>,
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
            secrets: BTreeMap::new(),
        }
    }
}

/// A running gateway.
pub struct Gateway {
    pub addr: SocketAddr,
    pub host: Arc<Host>,
    // The router synchronous calls dispatch into (the transport only holds a Weak).
    dispatch: Arc<dyn Dispatch>,
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
            secrets: config.secrets.clone(),
        };
        let host = Arc::new(Host::start(embedded, config.bus, &systems)?);
        let doors = Doors::open(&host, &systems).await?;
        let router = router(host.clone(), &systems, &doors);
        let dispatch: Arc<dyn Dispatch> = Arc::new(RouterDispatch(internal_router(&host, &doors)));
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
            dispatch,
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

    /// Sends `request` as another context's synchronous call would: through the internal router,
    /// where the internal functions are (for tests and tools; outside clients cannot).
    pub async fn call_internal(&self, request: HttpRequest) -> HttpResponse {
        self.dispatch.dispatch(request).await
    }

    pub fn shutdown_handle(&mut self) -> Option<oneshot::Sender<()>> {
        self.stop.take()
    }
}

/// What guards each system's routes: its token checker, for systems that have protected routes.
pub struct Doors {
    tokens: BTreeMap<&'static str, Arc<Tokens>>,
}

impl Doors {
    /// Reads each system's signing key from the secret store, once, at start.
    pub async fn open(host: &Host, systems: &[System]) -> anyhow::Result<Self> {
        let mut tokens = BTreeMap::new();
        for system in systems {
            if let Some(policy) = system.auth {
                let spec = SecretSpec::new(policy.signing_key, "signs access tokens");
                let key = host
                    .platform
                    .secrets()
                    .secret(&spec)
                    .await
                    .with_context(|| format!("the signing key of {}", system.name))?;
                tokens.insert(system.name, Arc::new(Tokens::new(policy, &key)?));
            }
        }
        Ok(Self { tokens })
    }
}

fn mount(
    host: &Arc<Host>,
    doors: &Doors,
    which: impl Fn(&kernel::function::FnInfo) -> bool,
) -> BTreeMap<String, MethodRouter> {
    let mut paths: BTreeMap<String, MethodRouter> = BTreeMap::new();
    for f in host.functions.iter().filter(|f| which(&f.info)) {
        let (Trigger::Http(routes), Invoke::Http(invoke)) = (&f.info.trigger, &f.invoke) else {
            continue;
        };
        let function = Arc::new(HttpFunction {
            name: f.info.name,
            invoke: invoke.clone(),
            switches: host.switches.clone(),
            access: f.info.access,
            tokens: doors.tokens.get(f.context.system).cloned(),
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
    paths
}

fn routes(paths: BTreeMap<String, MethodRouter>) -> Router {
    let mut router = Router::new();
    for (path, methods) in paths {
        router = router.route(&path, methods.fallback(method_not_allowed));
    }
    router
}

/// The router outside clients reach: each system's public functions under its prefix, its
/// OpenAPI document, health, the UI and the admin API. Internal functions are not on it: a
/// request for one is answered as an unknown route.
pub fn router(host: Arc<Host>, systems: &[System], doors: &Doors) -> Router {
    let mut router = routes(mount(&host, doors, |f| !f.internal));
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

/// The router synchronous calls between contexts go through, in process: internal functions only.
pub fn internal_router(host: &Arc<Host>, doors: &Doors) -> Router {
    routes(mount(host, doors, |f| f.internal)).fallback(not_found)
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
