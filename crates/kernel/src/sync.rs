//! Synchronous calls to another context's API (the seeds' Req/Resp): a timeout, a circuit breaker
//! and a fast fallback (503 + Retry-After) around a transport the platform provides.

use std::{sync::Arc, time::Duration};

use async_trait::async_trait;
use http::HeaderValue;

use crate::{
    breaker::{Admission, Breaker},
    call::Call,
    error::AppError,
    http::{HttpRequest, HttpResponse},
};

pub const CORRELATION_HEADER: &str = "x-correlation-id";

/// Moves a request to the target context's API and its response back: in-process on the local
/// gateway, HTTPS to the API's base URL on AWS. The path includes the system prefix.
#[async_trait]
pub trait Transport: Send + Sync {
    async fn send(&self, request: HttpRequest) -> anyhow::Result<HttpResponse>;
}

/// A client for one dependency, shared by every call a function makes to it.
#[derive(Clone)]
pub struct Caller {
    dependency: String,
    transport: Arc<dyn Transport>,
    breaker: Arc<Breaker>,
    timeout: Duration,
}

impl Caller {
    pub fn new(
        dependency: impl Into<String>,
        transport: Arc<dyn Transport>,
        breaker: Breaker,
        timeout: Duration,
    ) -> Self {
        Self {
            dependency: dependency.into(),
            transport,
            breaker: Arc::new(breaker),
            timeout,
        }
    }

    /// Sends `request`. A 5xx, a transport error or a timeout counts against the breaker and
    /// answers 503; while the breaker is open the call is not made at all.
    pub async fn call(
        &self,
        mut request: HttpRequest,
        cx: &Call,
    ) -> Result<HttpResponse, AppError> {
        let admission = self.breaker.admit().await;
        if let Admission::Rejected { retry_after } = admission {
            tracing::info!(dependency = %self.dependency, "breaker open; fallback answer");
            return Err(self.unavailable(retry_after));
        }
        if let Ok(v) = HeaderValue::from_str(&cx.correlation_id) {
            request.headers_mut().insert(CORRELATION_HEADER, v);
        }
        let outcome = tokio::time::timeout(self.timeout, self.transport.send(request)).await;
        match outcome {
            Ok(Ok(response)) if !response.status().is_server_error() => {
                self.breaker.record_success(admission).await;
                Ok(response)
            }
            Ok(Ok(response)) => {
                self.breaker.record_failure(admission).await;
                tracing::warn!(dependency = %self.dependency, status = %response.status(), "dependency failed");
                Err(self.unavailable(retry_after(&response)))
            }
            Ok(Err(e)) => {
                self.breaker.record_failure(admission).await;
                tracing::warn!(dependency = %self.dependency, error = %e, "dependency unreachable");
                Err(self.unavailable(Duration::from_secs(1)))
            }
            Err(_) => {
                self.breaker.record_failure(admission).await;
                tracing::warn!(dependency = %self.dependency, timeout_ms = self.timeout.as_millis() as u64, "dependency timed out");
                Err(self.unavailable(Duration::from_secs(1)))
            }
        }
    }

    fn unavailable(&self, retry_after: Duration) -> AppError {
        let secs = retry_after.as_secs_f64().ceil().max(1.0) as u32;
        AppError::unavailable(self.dependency.clone(), secs)
    }
}

fn retry_after(response: &HttpResponse) -> Duration {
    let secs = response
        .headers()
        .get(http::header::RETRY_AFTER)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok())
        .unwrap_or(1);
    Duration::from_secs(secs.clamp(1, 60))
}

/// A successful response's JSON body.
pub fn decode<T: serde::de::DeserializeOwned>(
    dependency: &str,
    response: &HttpResponse,
) -> Result<T, AppError> {
    serde_json::from_slice(response.body()).map_err(|e| {
        AppError::internal(anyhow::anyhow!(
            "{dependency} answered unexpected JSON: {e}"
        ))
    })
}

/// The `detail` of a dependency's problem response, or its status if it sent none.
pub fn problem_detail(response: &HttpResponse) -> String {
    serde_json::from_slice::<serde_json::Value>(response.body())
        .ok()
        .and_then(|p| p.get("detail").and_then(|d| d.as_str()).map(str::to_owned))
        .unwrap_or_else(|| response.status().to_string())
}
