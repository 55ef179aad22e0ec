//! A stub of the API Gateway Management API on loopback, answering `PostToConnection` as the API
//! documents it: `POST /{stage}/@connections/{connectionId}` is 200 for a live connection (the
//! data recorded), 410 `GoneException` for one that is gone. moto accepts the call but keeps no
//! record of what was posted and never answers 410 (ARCHITECTURE.md), so the posts of a live
//! stream are tested against this. A connection can also be made to fail (500), as a throttled
//! or broken endpoint does.

use std::{
    collections::BTreeSet,
    sync::{Arc, Mutex, MutexGuard},
};

use axum::{
    Router,
    body::Bytes,
    extract::State,
    http::{Method, StatusCode, Uri},
    response::{IntoResponse, Response},
};

#[derive(Default)]
struct Connections {
    gone: BTreeSet<String>,
    failing: BTreeSet<String>,
    posted: Vec<(String, Bytes)>,
}

/// The stub, serving until the test ends.
#[derive(Clone)]
pub struct ManagementApi {
    /// The endpoint a `Poster` takes: `http://127.0.0.1:{port}/{stage}`.
    pub endpoint: String,
    state: Arc<Mutex<Connections>>,
}

impl ManagementApi {
    pub async fn start(stage: &str) -> anyhow::Result<Self> {
        let (listener, url) = super::api::listen().await?;
        let state = Arc::new(Mutex::new(Connections::default()));
        let app = Router::new().fallback(answer).with_state(state.clone());
        tokio::spawn(async move { axum::serve(listener, app).await });
        Ok(Self {
            endpoint: format!("{url}/{stage}"),
            state,
        })
    }

    fn state(&self) -> MutexGuard<'_, Connections> {
        self.state
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// From now on `connection_id` is gone (the page closed without `$disconnect` reaching us).
    pub fn gone(&self, connection_id: &str) {
        self.state().gone.insert(connection_id.to_owned());
    }

    /// From now on a post to `connection_id` fails with 500.
    pub fn failing(&self, connection_id: &str) {
        self.state().failing.insert(connection_id.to_owned());
    }

    /// What was posted to live connections, in order: the connection and the data as JSON.
    pub fn posted(&self) -> Vec<(String, serde_json::Value)> {
        self.state()
            .posted
            .iter()
            .map(|(id, data)| {
                let json = serde_json::from_slice(data)
                    .unwrap_or_else(|_| String::from_utf8_lossy(data).into());
                (id.clone(), json)
            })
            .collect()
    }
}

fn percent_decoded(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = bytes
            .get(i + 1..i + 3)
            .and_then(|h| std::str::from_utf8(h).ok())
            .and_then(|h| u8::from_str_radix(h, 16).ok());
        match (bytes[i], hex) {
            (b'%', Some(b)) => {
                out.push(b);
                i += 3;
            }
            (b, _) => {
                out.push(b);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

fn error(status: StatusCode, kind: &str, message: &str) -> Response {
    (
        status,
        [
            ("x-amzn-errortype", kind),
            ("content-type", "application/json"),
        ],
        serde_json::json!({ "message": message }).to_string(),
    )
        .into_response()
}

async fn answer(
    State(state): State<Arc<Mutex<Connections>>>,
    method: Method,
    uri: Uri,
    body: Bytes,
) -> Response {
    let path = percent_decoded(uri.path());
    let Some((_, id)) = path.split_once("/@connections/") else {
        return error(StatusCode::NOT_FOUND, "NotFoundException", "no such route");
    };
    if method != Method::POST {
        return error(
            StatusCode::METHOD_NOT_ALLOWED,
            "BadRequestException",
            "the stub answers PostToConnection only",
        );
    }
    let mut state = state
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    if state.gone.contains(id) {
        return error(StatusCode::GONE, "GoneException", "the connection is gone");
    }
    if state.failing.contains(id) {
        return error(
            StatusCode::INTERNAL_SERVER_ERROR,
            "InternalServerErrorException",
            "internal error",
        );
    }
    state.posted.push((id.to_owned(), body));
    StatusCode::OK.into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn connection_ids_are_percent_decoded() {
        assert_eq!(
            percent_decoded("/live/%40connections/ab%3D%2B"),
            "/live/@connections/ab=+"
        );
        assert_eq!(percent_decoded("100%"), "100%");
    }
}
