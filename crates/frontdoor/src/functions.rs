//! Mounting HTTP functions on the router: the same request and response types a Lambda gets,
//! the function's switch, its span, and problem+json for every failure, panics included.

use std::{
    panic::AssertUnwindSafe,
    sync::Arc,
    time::{Duration, Instant},
};

use axum::{
    body::Body,
    extract::{Path, Request, rejection::PathRejection},
    response::{IntoResponse, Response},
};
use futures::FutureExt;
use http::HeaderValue;
use kernel::{
    Access, AppError, Call,
    auth::{Tokens, bearer},
    call::Principal,
    function::HttpInvoke,
    http::{MAX_BODY_BYTES, PathParams},
    sync::CORRELATION_HEADER,
};
use tracing::Instrument;

use embedded::switches::Switchboard;

/// API Gateway's integration timeout.
pub const FUNCTION_TIMEOUT: Duration = Duration::from_secs(29);

pub struct HttpFunction {
    pub name: &'static str,
    pub invoke: HttpInvoke,
    pub switches: Arc<Switchboard>,
    pub access: Access,
    /// The system's token checker, if it has one.
    pub tokens: Option<Arc<Tokens>>,
    /// How long the client may take to send the body.
    pub body_timeout: Duration,
}

pub fn problem(error: &AppError, instance: &str, correlation_id: &str) -> Response {
    let (parts, body) = error.to_response(instance, correlation_id).into_parts();
    Response::from_parts(parts, Body::from(body))
}

impl HttpFunction {
    /// The caller's principal where the route needs one: 401 without a valid access token, 403
    /// without the route's role.
    fn authenticate(
        &self,
        headers: &http::HeaderMap,
        cx: &Call,
    ) -> Result<Option<Principal>, AppError> {
        if !self.access.is_protected() {
            return Ok(None);
        }
        let tokens = self.tokens.as_ref().ok_or_else(|| {
            AppError::internal(anyhow::anyhow!(
                "{} needs a token but its system has no token policy",
                self.name
            ))
        })?;
        let principal = match bearer(headers)? {
            Some(token) => Some(tokens.principal(token, cx.now)?),
            None => None,
        };
        self.access.check(principal.as_ref())?;
        Ok(principal)
    }

    pub async fn serve(
        self: Arc<Self>,
        params: Result<Path<Vec<(String, String)>>, PathRejection>,
        req: Request,
    ) -> Response {
        let started = Instant::now();
        let instance = req.uri().path().to_owned();
        let method = req.method().clone();
        let cx = Call::new(
            req.headers()
                .get(CORRELATION_HEADER)
                .and_then(|v| v.to_str().ok())
                .map(str::to_owned),
        );
        let span = tracing::info_span!("request", function = self.name, correlationId = %cx.correlation_id);
        let mut response = self
            .run(params, req, &cx, &instance)
            .instrument(span.clone())
            .await;
        if let Ok(v) = HeaderValue::from_str(&cx.correlation_id) {
            response.headers_mut().insert(CORRELATION_HEADER, v);
        }
        let status = response.status().as_u16();
        let ms = started.elapsed().as_secs_f64() * 1000.0;
        span.in_scope(|| tracing::info!(%method, path = %instance, status, ms = format_args!("{ms:.2}"), "request"));
        response
    }

    async fn run(
        &self,
        params: Result<Path<Vec<(String, String)>>, PathRejection>,
        req: Request,
        cx: &Call,
        instance: &str,
    ) -> Response {
        let fail = |e: AppError| problem(&e, instance, &cx.correlation_id);
        // The door first: a caller without the right token never reaches the function.
        let principal = match self.authenticate(req.headers(), cx) {
            Ok(p) => p,
            Err(e) => return fail(e),
        };
        if !self.switches.is_up(self.name) {
            return fail(AppError::unavailable(self.name, 5));
        }
        let params = match params {
            Ok(Path(p)) => p,
            Err(e) => return fail(AppError::invalid(format!("bad path parameter: {e}"))),
        };
        let (parts, body) = req.into_parts();
        let read = tokio::time::timeout(
            self.body_timeout,
            axum::body::to_bytes(body, MAX_BODY_BYTES),
        );
        let bytes = match read.await {
            Ok(Ok(b)) => b,
            Ok(Err(_)) => {
                return fail(AppError::TooLarge(format!(
                    "the request body is larger than {MAX_BODY_BYTES} bytes"
                )));
            }
            Err(_) => {
                return fail(AppError::Timeout(
                    "the request body took too long to arrive".into(),
                ));
            }
        };
        let mut request = http::Request::from_parts(parts, bytes);
        let cx = match principal {
            Some(p) => cx.clone().with_principal(p),
            None => cx.clone(),
        };
        request.extensions_mut().insert(cx);
        request.extensions_mut().insert(PathParams(params));
        let call = AssertUnwindSafe((self.invoke)(request)).catch_unwind();
        match tokio::time::timeout(FUNCTION_TIMEOUT, call).await {
            Ok(Ok(Ok(response))) => response.map(Body::from).into_response(),
            Ok(Ok(Err(e))) => fail(e),
            Ok(Err(_panic)) => fail(AppError::internal(anyhow::anyhow!(
                "function {} panicked",
                self.name
            ))),
            Err(_) => fail(AppError::unavailable(self.name, 1)),
        }
    }
}
