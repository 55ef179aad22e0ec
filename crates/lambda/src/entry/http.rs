//! API Gateway (HTTP API, payload v2) to the kernel's `HttpRequest` and back. The caller the
//! authorizer established must pass the function's declared access before the handler runs (the
//! same `Access::check` as the local gateway's), and a handler's `AppError` becomes its
//! problem+json here, once for every function.

use std::panic::AssertUnwindSafe;

use bytes::Bytes;
use futures::FutureExt;
use http::HeaderValue;
use kernel::{
    Access, AppError, Call, HttpRequest, HttpResponse, Principal, RequestExt as _,
    function::HttpInvoke,
    http::{MAX_BODY_BYTES, PathParams},
    sync::CORRELATION_HEADER,
};
use lambda_http::{Body, RequestExt, request::RequestContext};
use tracing::Instrument;

use crate::metrics;

/// The authorizer context's keys (`lambda::authorizer` writes them).
pub const SUBJECT: &str = "sub";
pub const ROLES: &str = "roles";

/// Runs one request through `handler` if the caller may call it, inside a span that names the
/// function and the correlation id, and counts 5xx answers.
pub async fn handle(
    function: &str,
    access: Access,
    handler: &HttpInvoke,
    request: lambda_http::Request,
) -> lambda_http::Response<Body> {
    let request = to_kernel(request);
    let path = request.uri().path().to_owned();
    let cx = request.call();
    let span = tracing::info_span!(
        "http",
        function,
        correlationId = %cx.correlation_id,
        method = %request.method(),
        path,
    );
    let admitted = access.check(cx.principal.as_ref());
    let outcome = match admitted {
        Ok(()) => run(handler, request).instrument(span.clone()).await,
        Err(refused) => Err(refused),
    };
    let response = match outcome {
        Ok(response) => response,
        Err(e) => {
            span.in_scope(|| tracing::info!(error = %e, "refused"));
            e.to_response(&path, &cx.correlation_id)
        }
    };
    let status = response.status().as_u16();
    span.in_scope(|| tracing::info!(status, "answered"));
    metrics::count(
        function,
        &[
            (
                metrics::HTTP_FAILED,
                u64::from(status >= 500 && status != 503),
            ),
            (metrics::HTTP_UNAVAILABLE, u64::from(status == 503)),
        ],
    );
    to_lambda(response, &cx.correlation_id)
}

/// The same limits as on the local gateway: an oversized body is refused unread, and a panic
/// is a 500 problem rather than API Gateway's bare error.
async fn run(handler: &HttpInvoke, request: HttpRequest) -> Result<HttpResponse, AppError> {
    if request.body().len() > MAX_BODY_BYTES {
        return Err(AppError::TooLarge(format!(
            "the request body is larger than {MAX_BODY_BYTES} bytes"
        )));
    }
    AssertUnwindSafe(handler(request))
        .catch_unwind()
        .await
        .unwrap_or_else(|_| Err(AppError::internal(anyhow::anyhow!("the function panicked"))))
}

/// The request as every function sees it: the path as the client sent it (without a named
/// stage), the query, headers and body, the matched path parameters and the `Call`.
pub fn to_kernel(request: lambda_http::Request) -> HttpRequest {
    let path = path_without_stage(&request);
    let uri = match request.uri().query() {
        Some(query) if !query.is_empty() => format!("{path}?{query}"),
        _ => path,
    };
    let params = PathParams(
        request
            .path_parameters()
            .iter()
            .map(|(k, v)| (k.to_owned(), v.to_owned()))
            .collect(),
    );
    let correlation_id = request
        .headers()
        .get(CORRELATION_HEADER)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    let principal = principal(&request);
    let (parts, body) = request.into_parts();
    let body = match body {
        Body::Empty => Bytes::new(),
        Body::Text(text) => Bytes::from(text),
        Body::Binary(bytes) => Bytes::from(bytes),
        _ => Bytes::new(),
    };
    let mut converted = http::Request::new(body);
    *converted.method_mut() = parts.method;
    *converted.headers_mut() = parts.headers;
    // A path API Gateway accepted is a valid URI path; if not, the handler sees `/` and 404s.
    *converted.uri_mut() = uri.parse().unwrap_or_default();
    converted.extensions_mut().insert(params);
    let mut call = Call::new(correlation_id);
    if let Some(p) = principal {
        call = call.with_principal(p);
    }
    converted.extensions_mut().insert(call);
    converted
}

/// The caller the HTTP API's Lambda authorizer admitted, from its context: `sub` and `roles`
/// (a list, or one comma-separated string). No authorizer context, no principal.
fn principal(request: &lambda_http::Request) -> Option<Principal> {
    let Some(RequestContext::ApiGatewayV2(context)) = request.request_context_ref() else {
        return None;
    };
    let fields = &context.authorizer.as_ref()?.fields;
    let subject = fields.get(SUBJECT)?.as_str()?.to_owned();
    let roles = match fields.get(ROLES) {
        Some(serde_json::Value::Array(items)) => items
            .iter()
            .filter_map(|r| r.as_str().map(str::to_owned))
            .collect(),
        Some(serde_json::Value::String(joined)) => joined
            .split(',')
            .map(str::trim)
            .filter(|r| !r.is_empty())
            .map(str::to_owned)
            .collect(),
        _ => Vec::new(),
    };
    Some(Principal { subject, roles })
}

/// An HTTP API's `rawPath` starts with the stage's name unless the stage is `$default`.
fn path_without_stage(request: &lambda_http::Request) -> String {
    let raw = request.raw_http_path();
    let raw = if raw.is_empty() {
        request.uri().path()
    } else {
        raw
    };
    let stage = match request.request_context_ref() {
        Some(RequestContext::ApiGatewayV2(context)) => context.stage.clone(),
        _ => None,
    };
    match stage {
        Some(stage) if stage != "$default" => match raw.strip_prefix(&format!("/{stage}")) {
            Some(rest) if rest.starts_with('/') => rest.to_owned(),
            Some("") => "/".to_owned(),
            _ => raw.to_owned(),
        },
        _ => raw.to_owned(),
    }
}

/// The response for API Gateway, echoing the correlation id so a client can find the logs.
pub fn to_lambda(response: HttpResponse, correlation_id: &str) -> lambda_http::Response<Body> {
    let (mut parts, body) = response.into_parts();
    if let Ok(value) = HeaderValue::from_str(correlation_id) {
        parts.headers.insert(CORRELATION_HEADER, value);
    }
    // lambda_http chooses text or base64 from the content type.
    lambda_http::Response::from_parts(parts, Body::Binary(body.to_vec()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;

    use kernel::{AppError, reply};

    const EVENT: &str = include_str!("../../tests/fixtures/apigw-v2-request.json");

    fn event(stage: &str, raw_path: &str) -> lambda_http::Request {
        let json = EVENT
            .replace("\"$default\"", &format!("{stage:?}"))
            .replace("/museum/museums/m-1/reservations", raw_path);
        lambda_http::request::from_str(&json).unwrap()
    }

    #[test]
    fn carries_path_query_headers_body_params_and_the_correlation_id() {
        let request = to_kernel(event("$default", "/museum/museums/m-1/reservations"));
        assert_eq!(request.method(), "POST");
        assert_eq!(
            request.uri(),
            "/museum/museums/m-1/reservations?dryRun=true"
        );
        assert_eq!(request.param("id").unwrap(), "m-1");
        assert_eq!(request.call().correlation_id, "corr-42");
        assert_eq!(request.headers()["content-type"], "application/json");
        assert_eq!(request.body().as_ref(), br#"{"seats":2}"#);
    }

    #[test]
    fn a_named_stage_is_not_part_of_the_path() {
        let request = to_kernel(event("prod", "/prod/museum/museums/m-1/reservations"));
        assert_eq!(request.uri().path(), "/museum/museums/m-1/reservations");
        let request = to_kernel(event("prod", "/museum/museums/m-1/reservations"));
        assert_eq!(request.uri().path(), "/museum/museums/m-1/reservations");
    }

    #[tokio::test]
    async fn an_error_becomes_problem_json_with_the_correlation_id() {
        let handler: HttpInvoke = Arc::new(|r: HttpRequest| {
            Box::pin(async move { Err(AppError::not_found("Museum", r.param("id")?)) })
        });
        let response = handle(
            "museum-museum-reserve",
            Access::Public,
            &handler,
            event("$default", "/museum/museums/m-1/reservations"),
        )
        .await;
        assert_eq!(response.status(), 404);
        assert_eq!(
            response.headers()["content-type"],
            "application/problem+json"
        );
        assert_eq!(response.headers()[CORRELATION_HEADER], "corr-42");
        let Body::Binary(body) = response.body() else {
            panic!("body {:?}", response.body())
        };
        let problem: serde_json::Value = serde_json::from_slice(body).unwrap();
        assert_eq!(problem["detail"], "Museum m-1 not found");
        assert_eq!(problem["instance"], "/museum/museums/m-1/reservations");
        assert_eq!(problem["correlationId"], "corr-42");
    }

    #[tokio::test]
    async fn an_oversized_body_or_a_panic_is_a_problem_not_a_crash() {
        let handler: HttpInvoke = Arc::new(|_: HttpRequest| Box::pin(async { panic!("bug") }));
        let response = handle(
            "f",
            Access::Public,
            &handler,
            event("$default", "/museum/museums/m-1/reservations"),
        )
        .await;
        assert_eq!(response.status(), 500);
        assert_eq!(
            response.headers()["content-type"],
            "application/problem+json"
        );

        let mut json: serde_json::Value = serde_json::from_str(EVENT).unwrap();
        json["body"] = serde_json::Value::String("x".repeat(MAX_BODY_BYTES + 1));
        let response = handle(
            "f",
            Access::Public,
            &handler,
            lambda_http::request::from_str(&json.to_string()).unwrap(),
        )
        .await;
        assert_eq!(response.status(), 413, "refused before the handler runs");
    }

    #[tokio::test]
    async fn a_success_passes_through() {
        let handler: HttpInvoke = Arc::new(|r: HttpRequest| {
            Box::pin(async move {
                reply::created(
                    "/museum/reservations/r1",
                    &serde_json::json!({ "seats": r.json::<serde_json::Value>()?["seats"] }),
                )
            })
        });
        let response = handle(
            "museum-museum-reserve",
            Access::Public,
            &handler,
            event("$default", "/museum/museums/m-1/reservations"),
        )
        .await;
        assert_eq!(response.status(), 201);
        assert_eq!(response.headers()["location"], "/museum/reservations/r1");
        assert_eq!(response.body(), &Body::Binary(br#"{"seats":2}"#.to_vec()));
    }

    fn with_authorizer(context: serde_json::Value) -> lambda_http::Request {
        let mut json: serde_json::Value = serde_json::from_str(EVENT).unwrap();
        json["requestContext"]["authorizer"] = serde_json::json!({ "lambda": context });
        lambda_http::request::from_str(&json.to_string()).unwrap()
    }

    fn echo_subject() -> HttpInvoke {
        Arc::new(|r: HttpRequest| {
            Box::pin(async move {
                let p = r
                    .call()
                    .principal
                    .ok_or_else(|| AppError::internal(anyhow::anyhow!("no principal")))?;
                reply::ok(&serde_json::json!({ "sub": p.subject, "roles": p.roles }))
            })
        })
    }

    fn problem(response: &lambda_http::Response<Body>) -> serde_json::Value {
        let Body::Binary(body) = response.body() else {
            panic!("body {:?}", response.body())
        };
        assert_eq!(
            response.headers()["content-type"],
            "application/problem+json"
        );
        serde_json::from_slice(body).unwrap()
    }

    #[tokio::test]
    async fn the_authorizers_principal_reaches_the_handler_when_it_has_the_role() {
        let request =
            with_authorizer(serde_json::json!({ "sub": "kim", "roles": "ROLE_USER,ROLE_ADMIN" }));
        let response = handle("f", Access::Role("ROLE_ADMIN"), &echo_subject(), request).await;
        assert_eq!(response.status(), 200);
        let Body::Binary(body) = response.body() else {
            panic!()
        };
        let seen: serde_json::Value = serde_json::from_slice(body).unwrap();
        assert_eq!(
            seen,
            serde_json::json!({ "sub": "kim", "roles": ["ROLE_USER", "ROLE_ADMIN"] })
        );
    }

    #[tokio::test]
    async fn a_missing_role_is_403_and_no_principal_is_401_before_the_handler_runs() {
        let ran = Arc::new(std::sync::atomic::AtomicBool::new(false));
        let flag = ran.clone();
        let handler: HttpInvoke = Arc::new(move |_: HttpRequest| {
            flag.store(true, std::sync::atomic::Ordering::SeqCst);
            Box::pin(async { reply::ok(&"ran") })
        });
        let request = with_authorizer(serde_json::json!({ "sub": "kim", "roles": ["ROLE_USER"] }));
        let response = handle("f", Access::Role("ROLE_ADMIN"), &handler, request).await;
        assert_eq!(response.status(), 403);
        assert!(
            problem(&response)["detail"]
                .as_str()
                .unwrap()
                .contains("ROLE_ADMIN")
        );

        let anonymous = event("$default", "/museum/museums/m-1/reservations");
        let response = handle("f", Access::Authenticated, &handler, anonymous).await;
        assert_eq!(response.status(), 401);
        assert_eq!(problem(&response)["status"], 401);
        assert!(
            !ran.load(std::sync::atomic::Ordering::SeqCst),
            "the handler never ran"
        );

        let request = with_authorizer(serde_json::json!({ "sub": "kim" }));
        let response = handle("f", Access::Authenticated, &handler, request).await;
        assert_eq!(
            response.status(),
            200,
            "any valid token opens an authenticated route"
        );
    }
}
