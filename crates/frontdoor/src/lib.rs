//! The local gateway: one HTTP front door for the given systems, on the embedded default.

pub mod admin;
pub mod functions;
pub mod guard;
pub mod server;
pub mod streams;

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
use embedded::{BusConfig, Dispatch, Durability, EmbeddedConfig, Host, Retention};
use kernel::{
    AppError, HttpRequest, HttpResponse, Platform as _, SecretSpec, System, Trigger, auth::Tokens,
    breaker::BreakerPolicy, function::Invoke,
};
use tokio::{net::TcpListener, sync::watch, task::JoinHandle};
use tower::ServiceExt;

use crate::{
    functions::{HttpFunction, problem},
    guard::Guard,
    server::Limits,
};

#[derive(Clone, Debug)]
pub struct GatewayConfig {
    pub addr: SocketAddr,
    pub data_dir: PathBuf,
    pub durability: Durability,
    pub bus: BusConfig,
    /// How long delivered events, markers and dead letters are kept on disk.
    pub retention: Retention,
    pub sync_timeout: Duration,
    pub breaker: BreakerPolicy,
    pub settings: BTreeMap<String, String>,
    /// Secrets by name, over the environment and `<data>/secrets/` (tests pin keys with it).
    pub secrets: BTreeMap<String, String>,
    pub limits: Limits,
    /// Host names (besides IP literals and `localhost`) requests may be addressed to.
    pub allowed_hosts: Vec<String>,
    /// Origins, besides the gateway's own, that may send state-changing requests.
    pub allowed_origins: Vec<String>,
    /// Required for `/admin` when set; the gateway refuses to listen beyond loopback without it.
    pub admin_token: Option<String>,
}

impl GatewayConfig {
    pub fn new(addr: SocketAddr, data_dir: impl Into<PathBuf>) -> Self {
        Self {
            addr,
            data_dir: data_dir.into(),
            durability: Durability::default(),
            bus: BusConfig::default(),
            retention: Retention::default(),
            sync_timeout: Duration::from_millis(1000),
            breaker: BreakerPolicy::default(),
            settings: BTreeMap::new(),
            secrets: BTreeMap::new(),
            limits: Limits::default(),
            allowed_hosts: Vec::new(),
            allowed_origins: Vec::new(),
            admin_token: None,
        }
    }

    /// Refuses what would expose the gateway: an admin API anyone on the network could use.
    pub fn check(&self) -> anyhow::Result<()> {
        let exposed = !self.addr.ip().is_loopback();
        match &self.admin_token {
            None if exposed => anyhow::bail!(
                "refusing to listen on {}: beyond loopback anyone who can reach it could take \
                 functions down, redrive and re-deliver events through /admin. Give an admin token \
                 (--admin-token or GATEWAY_ADMIN_TOKEN, at least {MIN_ADMIN_TOKEN} characters) or listen on 127.0.0.1",
                self.addr.ip()
            ),
            Some(t) if t.len() < MIN_ADMIN_TOKEN => {
                anyhow::bail!("the admin token must be at least {MIN_ADMIN_TOKEN} characters")
            }
            _ => Ok(()),
        }
    }
}

/// Shortest admin token accepted.
pub const MIN_ADMIN_TOKEN: usize = 16;

/// A running gateway.
pub struct Gateway {
    pub addr: SocketAddr,
    pub host: Arc<Host>,
    // The router synchronous calls dispatch into (the transport only holds a Weak).
    dispatch: Arc<dyn Dispatch>,
    stop: watch::Sender<bool>,
    server: Option<JoinHandle<std::io::Result<()>>>,
}

impl Gateway {
    /// Opens the data folder, starts every function and serves them on `config.addr`.
    pub async fn start(config: GatewayConfig, systems: Vec<System>) -> anyhow::Result<Self> {
        config.check()?;
        let embedded = EmbeddedConfig {
            data_dir: config.data_dir.clone(),
            durability: config.durability,
            sync_timeout: config.sync_timeout,
            breaker: config.breaker,
            settings: config.settings.clone(),
            secrets: config.secrets.clone(),
        };
        let listener = TcpListener::bind(config.addr)
            .await
            .with_context(|| format!("binding {}", config.addr))?;
        let addr = listener.local_addr()?;
        let host = Arc::new(Host::start_with(
            embedded,
            config.bus,
            config.retention,
            &systems,
        )?);
        let doors = Doors::open(&host, &systems, &config.limits).await?;
        let mut allowed_origins = Guard::own_origins(addr.ip(), addr.port());
        allowed_origins.extend(config.allowed_origins.iter().cloned());
        let guard = Arc::new(Guard {
            allowed_hosts: config.allowed_hosts.clone(),
            allowed_origins,
            admin_token: config.admin_token.clone(),
        });
        let router = router(host.clone(), &systems, &doors, guard.clone()).layer(
            axum::middleware::from_fn_with_state(guard.clone(), guard::check),
        );
        let dispatch: Arc<dyn Dispatch> = Arc::new(RouterDispatch(internal_router(&host, &doors)));
        host.connect(&dispatch);

        let (stop, stopped) = watch::channel(false);
        let server = tokio::spawn(server::serve(listener, router, config.limits, stopped));
        Ok(Self {
            addr,
            host,
            dispatch,
            stop,
            server: Some(server),
        })
    }

    /// Stops serving and delivering; what is queued stays queued for the next start.
    pub async fn stop(mut self) {
        self.host.stop();
        let _ = self.stop.send(true);
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

    /// Sending `true` stops the server (open requests finish first).
    pub fn shutdown_handle(&self) -> watch::Sender<bool> {
        self.stop.clone()
    }
}

/// What guards each system's routes: its token checker, for systems that have protected routes;
/// and the limits every request and stream share.
pub struct Doors {
    tokens: BTreeMap<&'static str, Arc<Tokens>>,
    body_timeout: std::time::Duration,
    pub streams: Arc<tokio::sync::Semaphore>,
}

impl Doors {
    /// Reads each system's signing key from the secret store, once, at start.
    pub async fn open(host: &Host, systems: &[System], limits: &Limits) -> anyhow::Result<Self> {
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
        Ok(Self {
            tokens,
            body_timeout: limits.body_timeout,
            streams: Arc::new(tokio::sync::Semaphore::new(limits.max_streams)),
        })
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
            body_timeout: doors.body_timeout,
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
pub fn router(host: Arc<Host>, systems: &[System], doors: &Doors, guard: Arc<Guard>) -> Router {
    let mut router = routes(mount(&host, doors, |f| !f.internal));
    for system in systems {
        let doc = kernel::openapi::document(system);
        router = router.route(
            &format!("/{}/openapi.json", system.name),
            get(move || async move { Json(doc) }),
        );
    }
    let names: Vec<&'static str> = systems.iter().map(|s| s.name).collect();
    for system in systems {
        if let Some(page) = system.ui {
            router = router.route(
                &format!("/ui/{}", system.name),
                get(move || async move { axum::response::Html(page) }),
            );
        }
    }
    router
        .route("/", get(|| async { axum::response::Html(include_str!("ui/console.html")) }))
        .route("/ui/common.js", get(|| async { ([(http::header::CONTENT_TYPE, "text/javascript; charset=utf-8")], include_str!("ui/common.js")) }))
        .route("/ui/common.css", get(|| async { ([(http::header::CONTENT_TYPE, "text/css; charset=utf-8")], include_str!("ui/common.css")) }))
        .route("/health", get(move || async move { Json(serde_json::json!({ "status": "ok", "systems": names })) }))
        .merge(streams::routes(&host, systems, doors))
        .merge(admin::routes(host, doors.streams.clone(), guard))
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

pub(crate) async fn method_not_allowed(req: Request) -> Response {
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
