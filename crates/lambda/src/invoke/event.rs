//! An internal call as the callee's ordinary HTTP entry sees it: the API Gateway HTTP API
//! (payload 2.0) event a route would have sent, and its proxy response read back.

use base64::{Engine, engine::general_purpose::STANDARD};
use bytes::Bytes;
use http::{HeaderName, HeaderValue, StatusCode};
use kernel::{HttpRequest, HttpResponse};
use serde::Deserialize;
use serde_json::{Map, Value, json};

use super::routes::Matched;

/// The event for `request`, routed as `matched`. The body travels as text when it is UTF-8.
pub fn request_event(request: &HttpRequest, matched: &Matched<'_>, request_id: &str) -> Value {
    let path = request.uri().path();
    let query = request.uri().query().unwrap_or_default();
    let route_key = format!("{} {}", matched.route.method, matched.route.path);
    let headers: Map<String, Value> = request
        .headers()
        .iter()
        .filter_map(|(k, v)| Some((k.as_str().to_owned(), json!(v.to_str().ok()?))))
        .collect();
    let query_parameters: Map<String, Value> = form_urlencoded::parse(query.as_bytes())
        .map(|(k, v)| (k.into_owned(), json!(v)))
        .collect();
    let mut event = json!({
        "version": "2.0",
        "routeKey": route_key,
        "rawPath": path,
        "rawQueryString": query,
        "headers": headers,
        "requestContext": {
            "apiId": "internal",
            "http": {
                "method": request.method().as_str(),
                "path": path,
                "protocol": "HTTP/1.1",
                "sourceIp": "127.0.0.1",
                "userAgent": "internal-invoke",
            },
            "requestId": request_id,
            "routeKey": route_key,
            "stage": "$default",
            "timeEpoch": 0,
        },
        "isBase64Encoded": false,
    });
    if !matched.params.is_empty() {
        let params: Map<String, Value> = matched
            .params
            .iter()
            .map(|(k, v)| (k.clone(), json!(v)))
            .collect();
        event["pathParameters"] = Value::Object(params);
    }
    if !query_parameters.is_empty() {
        event["queryStringParameters"] = Value::Object(query_parameters);
    }
    let body = request.body();
    if !body.is_empty() {
        match std::str::from_utf8(body) {
            Ok(text) => event["body"] = json!(text),
            Err(_) => {
                event["body"] = json!(STANDARD.encode(body));
                event["isBase64Encoded"] = json!(true);
            }
        }
    }
    event
}

/// What a `lambda_http` function answers an HTTP API event with.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct ProxyResponse {
    status_code: u16,
    #[serde(default)]
    headers: Map<String, Value>,
    #[serde(default)]
    body: Option<String>,
    #[serde(default)]
    is_base64_encoded: bool,
    #[serde(default)]
    cookies: Vec<String>,
}

/// The callee's proxy response as the kernel's `HttpResponse`.
pub fn response(payload: &[u8]) -> anyhow::Result<HttpResponse> {
    let proxy: ProxyResponse = serde_json::from_slice(payload)
        .map_err(|e| anyhow::anyhow!("the function answered no HTTP response: {e}"))?;
    let body = match proxy.body {
        Some(b) if proxy.is_base64_encoded => Bytes::from(STANDARD.decode(b)?),
        Some(b) => Bytes::from(b),
        None => Bytes::new(),
    };
    let mut response = http::Response::new(body);
    *response.status_mut() = StatusCode::from_u16(proxy.status_code)?;
    for (name, value) in &proxy.headers {
        let Some(value) = value.as_str() else {
            continue;
        };
        response.headers_mut().append(
            HeaderName::try_from(name.as_str())?,
            HeaderValue::from_str(value)?,
        );
    }
    for cookie in &proxy.cookies {
        response
            .headers_mut()
            .append(http::header::SET_COOKIE, HeaderValue::from_str(cookie)?);
    }
    Ok(response)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::invoke::routes::{InternalRoute, find};

    fn routes() -> Vec<InternalRoute> {
        vec![InternalRoute {
            context: "museum/museum".into(),
            method: "POST".into(),
            path: "/museum/museums/{id}/reservations".into(),
            function: "reserve".into(),
        }]
    }

    #[test]
    fn the_event_is_what_lambda_http_reads_as_the_same_request() {
        let request = http::Request::builder()
            .method("POST")
            .uri("/museum/museums/m-1/reservations?dryRun=true")
            .header("content-type", "application/json")
            .header("x-correlation-id", "corr-9")
            .body(Bytes::from_static(br#"{"seats":2}"#))
            .unwrap();
        let routes = routes();
        let matched = find(&routes, "POST", request.uri().path()).unwrap();
        let event = request_event(&request, &matched, "r-1");
        let seen = crate::entry::http::to_kernel(
            lambda_http::request::from_str(&event.to_string()).unwrap(),
        );
        use kernel::RequestExt as _;
        assert_eq!(seen.method(), "POST");
        assert_eq!(seen.uri(), "/museum/museums/m-1/reservations?dryRun=true");
        assert_eq!(seen.param("id").unwrap(), "m-1");
        assert_eq!(seen.call().correlation_id, "corr-9");
        assert_eq!(seen.body().as_ref(), br#"{"seats":2}"#);
    }

    #[test]
    fn a_binary_body_travels_base64_encoded() {
        let request = http::Request::builder()
            .method("POST")
            .uri("/museum/museums/m-1/reservations")
            .body(Bytes::from_static(&[0xff, 0x00, 0x7f]))
            .unwrap();
        let routes = routes();
        let matched = find(&routes, "POST", "/museum/museums/m-1/reservations").unwrap();
        let event = request_event(&request, &matched, "r-2");
        assert_eq!(event["isBase64Encoded"], true);
        let seen = crate::entry::http::to_kernel(
            lambda_http::request::from_str(&event.to_string()).unwrap(),
        );
        assert_eq!(seen.body().as_ref(), &[0xff, 0x00, 0x7f]);
    }

    #[test]
    fn reads_a_proxy_response_text_or_base64() {
        let r = response(
            br#"{"statusCode":409,"headers":{"content-type":"application/problem+json"},"multiValueHeaders":{},"body":"{\"detail\":\"no seats\"}","isBase64Encoded":false,"cookies":[]}"#,
        )
        .unwrap();
        assert_eq!(r.status(), 409);
        assert_eq!(r.headers()["content-type"], "application/problem+json");
        assert_eq!(r.body().as_ref(), br#"{"detail":"no seats"}"#);
        let r = response(br#"{"statusCode":201,"body":"aGk=","isBase64Encoded":true}"#).unwrap();
        assert_eq!(r.body().as_ref(), b"hi");
        assert!(response(br#"{"errorMessage":"boom"}"#).is_err());
    }
}
