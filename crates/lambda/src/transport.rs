//! Synchronous calls between contexts over HTTPS, through the system's API: the kernel's
//! `Caller` adds the timeout and the breaker around it.

use async_trait::async_trait;
use bytes::Bytes;
use http::header;
use kernel::{HttpRequest, HttpResponse, sync::Transport};

/// Sends each request to `{base_url}{path}`; the path already carries the system prefix.
#[derive(Clone, Debug)]
pub struct HttpsTransport {
    client: reqwest::Client,
    base_url: String,
}

impl HttpsTransport {
    /// `client` is built once per process and shared: it pools connections.
    pub fn new(client: reqwest::Client, base_url: impl Into<String>) -> Self {
        let base_url = base_url.into().trim_end_matches('/').to_owned();
        Self { client, base_url }
    }

    fn url(&self, request: &HttpRequest) -> String {
        let path = request.uri().path_and_query().map_or("/", |p| p.as_str());
        format!("{}{path}", self.base_url)
    }
}

/// The one HTTP client of a process.
pub fn client() -> anyhow::Result<reqwest::Client> {
    Ok(reqwest::Client::builder().build()?)
}

#[async_trait]
impl Transport for HttpsTransport {
    async fn send(&self, request: HttpRequest) -> anyhow::Result<HttpResponse> {
        let url = self.url(&request);
        let (mut parts, body) = request.into_parts();
        // The target's host is the base URL's, not the one the caller was reached at.
        parts.headers.remove(header::HOST);
        let response = self
            .client
            .request(parts.method, url)
            .headers(parts.headers)
            .body(body)
            .send()
            .await?;
        let status = response.status();
        let mut headers = response.headers().clone();
        for hop_by_hop in [header::CONNECTION, header::TRANSFER_ENCODING] {
            headers.remove(hop_by_hop);
        }
        let body: Bytes = response.bytes().await?;
        let mut answer = http::Response::new(body);
        *answer.status_mut() = status;
        *answer.headers_mut() = headers;
        Ok(answer)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::{Router, extract::Request, routing::any};
    use http::StatusCode;

    /// Answers 201 with what it received: method, path and query, a header and the body.
    async fn echo(request: Request) -> (StatusCode, [(&'static str, String); 1], String) {
        let (parts, body) = request.into_parts();
        let body = axum::body::to_bytes(body, 1024).await.unwrap();
        let seen = parts
            .headers
            .get("x-correlation-id")
            .map(|v| v.to_str().unwrap().to_owned())
            .unwrap_or_default();
        let echoed = format!(
            "{} {} {}",
            parts.method,
            parts.uri,
            String::from_utf8_lossy(&body)
        );
        (StatusCode::CREATED, [("x-seen", seen)], echoed)
    }

    #[tokio::test]
    async fn forwards_method_path_headers_and_body_and_maps_the_response_back() {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base = format!("http://{}/", listener.local_addr().unwrap());
        tokio::spawn(async move { axum::serve(listener, Router::new().fallback(any(echo))).await });

        let transport = HttpsTransport::new(client().unwrap(), base);
        let request = http::Request::builder()
            .method("POST")
            .uri("/museum/museums/m1/reservations?dry=1")
            .header("x-correlation-id", "c-1")
            .header("host", "caller.example")
            .body(Bytes::from_static(b"{\"seats\":2}"))
            .unwrap();
        let response = transport.send(request).await.unwrap();
        assert_eq!(response.status(), StatusCode::CREATED);
        assert_eq!(response.headers()["x-seen"], "c-1");
        assert_eq!(
            response.body().as_ref(),
            b"POST /museum/museums/m1/reservations?dry=1 {\"seats\":2}"
        );
    }

    #[tokio::test]
    async fn an_unreachable_api_is_an_error() {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        drop(listener);
        let transport = HttpsTransport::new(client().unwrap(), base);
        let request = http::Request::builder()
            .uri("/museum/museums")
            .body(Bytes::new())
            .unwrap();
        assert!(transport.send(request).await.is_err());
    }
}
