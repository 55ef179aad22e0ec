//! API Gateway (HTTP API, payload 2.0) on loopback: each public route of the given functions,
//! with the request turned into the JSON event API Gateway sends and run through the Lambda HTTP
//! entry. Internal functions get no route, as on AWS (see `invoke` for how their callers reach them).

use std::{
    collections::BTreeMap,
    sync::{
        Arc,
        atomic::{AtomicU64, Ordering},
    },
};

use axum::{
    Router,
    body::Body,
    extract::{Path, Request},
    response::{IntoResponse, Response},
    routing::{MethodFilter, MethodRouter},
};
use kernel::{Function, Trigger, auth::Tokens, function::Invoke};
use serde_json::{Value, json};
use tokio::{net::TcpListener, sync::oneshot};

use crate::entry::http::handle;

/// A running emulated HTTP API.
pub struct ApiGateway {
    pub url: String,
    requests: Arc<AtomicU64>,
    stop: Option<oneshot::Sender<()>>,
}

impl ApiGateway {
    /// Requests served so far.
    pub fn requests(&self) -> u64 {
        self.requests.load(Ordering::Relaxed)
    }
}

impl Drop for ApiGateway {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
    }
}

/// A listener on a free loopback port and its base URL, to configure functions with before they
/// are served.
pub async fn listen() -> anyhow::Result<(TcpListener, String)> {
    let listener = TcpListener::bind(("127.0.0.1", 0)).await?;
    let url = format!("http://{}", listener.local_addr()?);
    Ok((listener, url))
}

/// Serves every public HTTP function (their routes below `/<system>`) on `listener`.
pub fn serve(listener: TcpListener, functions: &[Function]) -> ApiGateway {
    serve_with(listener, functions, None)
}

/// As `serve`, with protected routes behind the system's authorizer checking `tokens`, as the
/// HTTP API runs it: no `Authorization` header is HTTP API's own 401, a refused token its own
/// 403, and an accepted one's context reaches the function in `requestContext.authorizer`.
pub fn serve_with(
    listener: TcpListener,
    functions: &[Function],
    tokens: Option<Arc<Tokens>>,
) -> ApiGateway {
    let requests = Arc::new(AtomicU64::new(0));
    let mut paths: BTreeMap<String, MethodRouter> = BTreeMap::new();
    for f in functions {
        let (Trigger::Http(routes), Invoke::Http(invoke)) = (&f.info.trigger, &f.invoke) else {
            continue;
        };
        // Internal functions have no route on AWS: only their callers' invokes reach them.
        if f.info.internal {
            continue;
        }
        for route in routes {
            let route_key = format!("{} /{}{}", route.method, f.context.system, route.path);
            let Ok(filter) = MethodFilter::try_from(route.method.clone()) else {
                continue;
            };
            let (name, access) = (f.info.name, f.info.access);
            let (invoke, requests) = (invoke.clone(), requests.clone());
            let gate = access.is_protected().then(|| tokens.clone());
            let handler = move |Path(params): Path<BTreeMap<String, String>>, req: Request| {
                let (invoke, route_key, requests) =
                    (invoke.clone(), route_key.clone(), requests.clone());
                let gate = gate.clone();
                async move {
                    requests.fetch_add(1, Ordering::Relaxed);
                    let context = match gate {
                        None => None,
                        Some(tokens) => match authorize(tokens.as_deref(), req.headers()) {
                            Ok(context) => Some(context),
                            Err((status, message)) => {
                                let body = json!({ "message": message }).to_string();
                                let json = [("content-type", "application/json")];
                                return (status, json, body).into_response();
                            }
                        },
                    };
                    match to_event(&route_key, params, req).await {
                        Ok(mut event) => {
                            if let Some(context) = context {
                                event["requestContext"]["authorizer"] =
                                    json!({ "lambda": context });
                            }
                            match lambda_http::request::from_str(&event.to_string()) {
                                Ok(request) => {
                                    let (parts, body) =
                                        handle(name, access, &invoke, request).await.into_parts();
                                    Response::from_parts(parts, Body::from(body.to_vec()))
                                }
                                Err(e) => {
                                    (http::StatusCode::BAD_GATEWAY, e.to_string()).into_response()
                                }
                            }
                        }
                        Err(e) => (http::StatusCode::BAD_REQUEST, e.to_string()).into_response(),
                    }
                }
            };
            let path = format!("/{}{}", f.context.system, route.path);
            let entry = paths.remove(&path).unwrap_or_default();
            paths.insert(path, entry.on(filter, handler));
        }
    }
    let mut router = Router::new();
    for (path, methods) in paths {
        router = router.route(&path, methods);
    }
    let (stop, stopped) = oneshot::channel::<()>();
    let url = listener
        .local_addr()
        .map(|a| format!("http://{a}"))
        .unwrap_or_default();
    tokio::spawn(async move {
        let _ = axum::serve(listener, router)
            .with_graceful_shutdown(async {
                let _ = stopped.await;
            })
            .await;
    });
    ApiGateway {
        url,
        requests,
        stop: Some(stop),
    }
}

/// The system's authorizer on this request's headers: its context, or HTTP API's own refusal.
fn authorize(
    tokens: Option<&Tokens>,
    headers: &http::HeaderMap,
) -> Result<Value, (http::StatusCode, &'static str)> {
    let refuse = |status: http::StatusCode, message: &'static str| (status, message);
    let Some(authorization) = headers.get(http::header::AUTHORIZATION) else {
        return Err(refuse(http::StatusCode::UNAUTHORIZED, "Unauthorized"));
    };
    let Some(tokens) = tokens else {
        return Err(refuse(
            http::StatusCode::INTERNAL_SERVER_ERROR,
            "Internal Server Error",
        ));
    };
    let authorization = authorization.to_str().unwrap_or_default();
    let request = json!({
        "version": "2.0",
        "type": "REQUEST",
        "identitySource": [authorization],
        "headers": { "authorization": authorization },
        "requestContext": { "http": { "method": "GET", "path": "/" }, "timeEpoch": 0 },
    });
    let request = serde_json::from_value(request).map_err(|_| {
        refuse(
            http::StatusCode::INTERNAL_SERVER_ERROR,
            "Internal Server Error",
        )
    })?;
    let answer = crate::authorizer::authorize(tokens, &request, time::OffsetDateTime::now_utc());
    if answer.is_authorized {
        Ok(answer.context)
    } else {
        Err(refuse(http::StatusCode::FORBIDDEN, "Forbidden"))
    }
}

/// The JSON event API Gateway would send for this request.
async fn to_event(
    route_key: &str,
    params: BTreeMap<String, String>,
    req: Request,
) -> anyhow::Result<Value> {
    let (parts, body) = req.into_parts();
    let body = axum::body::to_bytes(body, 1 << 20).await?;
    let headers: serde_json::Map<String, Value> = parts
        .headers
        .iter()
        .filter_map(|(k, v)| {
            v.to_str()
                .ok()
                .map(|v| (k.as_str().to_owned(), Value::String(v.to_owned())))
        })
        .collect();
    let query = parts.uri.query().unwrap_or_default().to_owned();
    let query_map: serde_json::Map<String, Value> = form_urlencoded::parse(query.as_bytes())
        .map(|(k, v)| (k.into_owned(), Value::String(v.into_owned())))
        .collect();
    let path = parts.uri.path().to_owned();
    let mut event = json!({
        "version": "2.0",
        "routeKey": route_key,
        "rawPath": path,
        "rawQueryString": query,
        "headers": headers,
        "requestContext": {
            "accountId": super::ACCOUNT_ID,
            "apiId": "emulated",
            "domainName": "127.0.0.1",
            "http": { "method": parts.method.as_str(), "path": path, "protocol": "HTTP/1.1", "sourceIp": "127.0.0.1", "userAgent": "emulator" },
            "requestId": kernel::ids::new_id(),
            "routeKey": route_key,
            "stage": "$default",
            "time": "24/Dec/2026:10:00:00 +0000",
            "timeEpoch": 0,
        },
        "isBase64Encoded": false,
    });
    if !params.is_empty() {
        event["pathParameters"] = json!(params);
    }
    if !query_map.is_empty() {
        event["queryStringParameters"] = Value::Object(query_map);
    }
    if !body.is_empty() {
        event["body"] = Value::String(String::from_utf8_lossy(&body).into_owned());
    }
    Ok(event)
}
