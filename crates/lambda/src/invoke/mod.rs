//! Synchronous calls to another context's internal functions on AWS: `lambda:Invoke` on the
//! callee's `live` alias, with the request as the API Gateway event its HTTP entry already
//! serves. Internal functions have no public route; only callers whose role the template grants
//! `lambda:InvokeFunction` on that alias reach them. The kernel's `Caller` adds the timeout and
//! the breaker around this transport.

mod event;
pub mod routes;

use std::sync::Arc;

use async_trait::async_trait;
use aws_sdk_lambda::{Client, error::DisplayErrorContext, primitives::Blob};
use kernel::{HttpRequest, HttpResponse, sync::Transport};
use tokio::sync::OnceCell;

pub use event::{request_event, response};
pub use routes::{INTERNAL_ROUTES, InternalRoute};

/// Sends each request to the internal function whose route it matches.
pub struct InvokeTransport {
    routes: Vec<InternalRoute>,
    client: Arc<LazyClient>,
}

/// The Lambda client, built on the first call: a function that never calls builds none.
pub struct LazyClient {
    config: aws_sdk_lambda::Config,
    client: OnceCell<Client>,
}

impl LazyClient {
    pub fn new(config: aws_sdk_lambda::Config) -> Arc<Self> {
        Arc::new(Self {
            config,
            client: OnceCell::new(),
        })
    }

    async fn get(&self) -> &Client {
        self.client
            .get_or_init(|| async { Client::from_conf(self.config.clone()) })
            .await
    }
}

impl InvokeTransport {
    pub fn new(routes: Vec<InternalRoute>, client: Arc<LazyClient>) -> Self {
        Self { routes, client }
    }
}

#[async_trait]
impl Transport for InvokeTransport {
    async fn send(&self, request: HttpRequest) -> anyhow::Result<HttpResponse> {
        let path = request.uri().path();
        let matched =
            routes::find(&self.routes, request.method().as_str(), path).ok_or_else(|| {
                anyhow::anyhow!(
                    "{} {path} is no internal route this function may call",
                    request.method()
                )
            })?;
        let event = request_event(&request, &matched, &kernel::ids::new_id());
        let output = self
            .client
            .get()
            .await
            .invoke()
            .function_name(&matched.route.function)
            .payload(Blob::new(serde_json::to_vec(&event)?))
            .send()
            .await
            .map_err(|e| {
                anyhow::anyhow!(
                    "invoking {}: {}",
                    matched.route.function,
                    DisplayErrorContext(e)
                )
            })?;
        let payload = output.payload().map(Blob::as_ref).unwrap_or_default();
        if let Some(error) = output.function_error() {
            anyhow::bail!(
                "{} failed ({error}): {}",
                matched.route.function,
                String::from_utf8_lossy(payload)
            );
        }
        response(payload)
    }
}
