//! Lambda's Invoke API (`POST /2015-03-31/functions/{name}/invocations`) on loopback, for the
//! internal calls functions make with `lambda:Invoke`: moto runs Lambdas only in Docker. Each
//! payload goes to the named function's ordinary `lambda_http` entry, in process, and its
//! response goes back as Lambda returns it. A function taken down answers as a crashed Lambda
//! does: 200 with `X-Amz-Function-Error: Unhandled`.

use std::{
    collections::{BTreeMap, BTreeSet},
    sync::{Arc, Mutex},
};

use axum::{
    Router,
    body::Bytes,
    extract::{Path, State},
    http::{HeaderMap, HeaderValue, StatusCode},
    response::{IntoResponse, Response},
    routing::post,
};
use kernel::{
    Access, Function,
    function::{HttpInvoke, Invoke},
};
use lambda_http::{Service, request::LambdaRequest};
use tokio::{net::TcpListener, sync::oneshot};

use crate::entry::http::handle;

#[derive(Clone)]
struct Callee {
    name: &'static str,
    access: Access,
    invoke: HttpInvoke,
}

#[derive(Default)]
struct Ledger {
    down: BTreeSet<String>,
    calls: BTreeMap<String, u64>,
}

#[derive(Clone)]
struct Api {
    /// By deployed name (`<prefix>-<declared name>`).
    callees: Arc<BTreeMap<String, Callee>>,
    ledger: Arc<Mutex<Ledger>>,
}

/// A running Invoke API.
pub struct InvokeApi {
    pub url: String,
    ledger: Arc<Mutex<Ledger>>,
    stop: Option<oneshot::Sender<()>>,
}

impl InvokeApi {
    /// Invocations each function (declared name) got so far.
    pub fn calls(&self, name: &str) -> u64 {
        self.ledger().calls.get(name).copied().unwrap_or(0)
    }

    /// Makes `name` fail every invocation, as a crashing Lambda would, until `up`.
    pub fn down(&self, name: &str) {
        self.ledger().down.insert(name.to_owned());
    }

    pub fn up(&self, name: &str) {
        self.ledger().down.remove(name);
    }

    fn ledger(&self) -> std::sync::MutexGuard<'_, Ledger> {
        self.ledger
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

impl Drop for InvokeApi {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
    }
}

/// The function name of an Invoke path: a name, `name:qualifier` or an ARN, without the alias.
fn function_name(target: &str) -> &str {
    let name = target.rsplit_once(":function:").map_or(target, |(_, n)| n);
    name.split(':').next().unwrap_or(name)
}

async fn invocation(
    State(api): State<Api>,
    Path(target): Path<String>,
    payload: Bytes,
) -> Response {
    let name = function_name(&target);
    let Some(callee) = api.callees.get(name).cloned() else {
        let body = format!(r#"{{"Type":"User","message":"Function not found: {name}"}}"#);
        let mut response = (StatusCode::NOT_FOUND, body).into_response();
        response.headers_mut().insert(
            "x-amzn-errortype",
            HeaderValue::from_static("ResourceNotFoundException"),
        );
        return response;
    };
    let down = {
        let mut ledger = api
            .ledger
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        *ledger.calls.entry(callee.name.to_owned()).or_default() += 1;
        ledger.down.contains(callee.name)
    };
    let mut headers = HeaderMap::new();
    headers.insert("x-amz-executed-version", HeaderValue::from_static("1"));
    if down {
        headers.insert(
            "x-amz-function-error",
            HeaderValue::from_static("Unhandled"),
        );
        let body = r#"{"errorType":"Runtime.ExitError","errorMessage":"the function is down"}"#;
        return (StatusCode::OK, headers, body).into_response();
    }
    match run(&callee, &payload).await {
        Ok(body) => (StatusCode::OK, headers, body).into_response(),
        Err(e) => {
            headers.insert(
                "x-amz-function-error",
                HeaderValue::from_static("Unhandled"),
            );
            let body = serde_json::json!({ "errorType": "Runtime.HandlerError", "errorMessage": e.to_string() });
            (StatusCode::OK, headers, body.to_string()).into_response()
        }
    }
}

/// Runs the payload through the function's HTTP entry as `lambda_http::run` would.
async fn run(callee: &Callee, payload: &[u8]) -> anyhow::Result<Vec<u8>> {
    let request: LambdaRequest = serde_json::from_slice(payload)?;
    let callee = callee.clone();
    let service = lambda_http::service_fn(move |request: lambda_http::Request| {
        let callee = callee.clone();
        async move {
            Ok::<_, lambda_http::Error>(
                handle(callee.name, callee.access, &callee.invoke, request).await,
            )
        }
    });
    let mut adapter = lambda_http::Adapter::from(service);
    let event = lambda_runtime::LambdaEvent::new(request, lambda_runtime::Context::default());
    let response = adapter
        .call(event)
        .await
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    Ok(serde_json::to_vec(&response)?)
}

/// Serves every HTTP function of `functions` (internal or not) on `listener` under its deployed
/// name, `<prefix>-<declared name>`. The listener is bound first, so that the functions can be
/// configured with its URL before they exist.
pub fn serve(listener: TcpListener, prefix: &str, functions: &[Function]) -> InvokeApi {
    let callees: BTreeMap<String, Callee> = functions
        .iter()
        .filter_map(|f| match &f.invoke {
            Invoke::Http(invoke) => Some((
                format!("{prefix}-{}", f.info.name),
                Callee {
                    name: f.info.name,
                    access: f.info.access,
                    invoke: invoke.clone(),
                },
            )),
            _ => None,
        })
        .collect();
    serve_on(listener, callees)
}

fn serve_on(listener: TcpListener, callees: BTreeMap<String, Callee>) -> InvokeApi {
    let ledger = Arc::new(Mutex::new(Ledger::default()));
    let api = Api {
        callees: Arc::new(callees),
        ledger: ledger.clone(),
    };
    let router = Router::new()
        .route(
            "/2015-03-31/functions/{target}/invocations",
            post(invocation),
        )
        .with_state(api);
    let url = listener
        .local_addr()
        .map(|a| format!("http://{a}"))
        .unwrap_or_default();
    let (stop, stopped) = oneshot::channel::<()>();
    tokio::spawn(async move {
        let _ = axum::serve(listener, router)
            .with_graceful_shutdown(async {
                let _ = stopped.await;
            })
            .await;
    });
    InvokeApi {
        url,
        ledger,
        stop: Some(stop),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_the_function_of_a_name_an_alias_or_an_arn() {
        assert_eq!(
            function_name("p-museum-museum-reserve"),
            "p-museum-museum-reserve"
        );
        assert_eq!(
            function_name("p-museum-museum-reserve:live"),
            "p-museum-museum-reserve"
        );
        assert_eq!(
            function_name(
                "arn:aws:lambda:us-east-1:123456789012:function:p-museum-museum-reserve:live"
            ),
            "p-museum-museum-reserve"
        );
    }
}
