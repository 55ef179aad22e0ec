//! One error type for every function, mapped once to an RFC 9457 problem+json response.

use bytes::Bytes;
use http::{HeaderValue, StatusCode, header};
use serde::Serialize;

/// What went wrong, in terms a caller can act on. Each variant has exactly one HTTP status.
#[derive(Debug, thiserror::Error)]
pub enum AppError {
    /// 400: the request is malformed or a value is out of range.
    #[error("{0}")]
    Invalid(String),
    /// 401: no credentials, or credentials that do not verify.
    #[error("{0}")]
    Unauthorized(String),
    /// 403: authenticated, but not allowed to do this.
    #[error("{0}")]
    Forbidden(String),
    /// 404: the id names nothing.
    #[error("{kind} {id} not found")]
    NotFound { kind: &'static str, id: String },
    /// 405: the route exists but not with this method.
    #[error("{0}")]
    MethodNotAllowed(String),
    /// 408: the client took too long to send its request.
    #[error("{0}")]
    Timeout(String),
    /// 413: the request body is larger than any function accepts.
    #[error("{0}")]
    TooLarge(String),
    /// 415: the body is not JSON, or does not say so.
    #[error("{0}")]
    UnsupportedMediaType(String),
    /// 409: wrong state for this command, or a concurrent write won.
    #[error("{0}")]
    Conflict(String),
    /// 422: the command is well formed but a business rule refused it.
    #[error("{0}")]
    Refused(String),
    /// 429: too many requests of this kind for now; try again after `retry_after` seconds.
    #[error("{detail}")]
    TooManyRequests { detail: String, retry_after: u32 },
    /// 503: a dependency is down or its breaker is open; try again after `retry_after` seconds.
    #[error("{dep} is unavailable")]
    Unavailable { dep: String, retry_after: u32 },
    /// 500: a fault of ours. The cause is logged, never shown.
    #[error("internal error")]
    Internal(#[source] anyhow::Error),
}

impl AppError {
    pub fn invalid(detail: impl Into<String>) -> Self {
        Self::Invalid(detail.into())
    }
    pub fn conflict(detail: impl Into<String>) -> Self {
        Self::Conflict(detail.into())
    }
    pub fn not_found(kind: &'static str, id: impl Into<String>) -> Self {
        Self::NotFound {
            kind,
            id: id.into(),
        }
    }
    pub fn unavailable(dep: impl Into<String>, retry_after: u32) -> Self {
        Self::Unavailable {
            dep: dep.into(),
            retry_after,
        }
    }
    pub fn internal(e: impl Into<anyhow::Error>) -> Self {
        Self::Internal(e.into())
    }

    pub fn status(&self) -> StatusCode {
        match self {
            Self::Invalid(_) => StatusCode::BAD_REQUEST,
            Self::Unauthorized(_) => StatusCode::UNAUTHORIZED,
            Self::Forbidden(_) => StatusCode::FORBIDDEN,
            Self::NotFound { .. } => StatusCode::NOT_FOUND,
            Self::MethodNotAllowed(_) => StatusCode::METHOD_NOT_ALLOWED,
            Self::Timeout(_) => StatusCode::REQUEST_TIMEOUT,
            Self::TooLarge(_) => StatusCode::PAYLOAD_TOO_LARGE,
            Self::UnsupportedMediaType(_) => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            Self::Conflict(_) => StatusCode::CONFLICT,
            Self::Refused(_) => StatusCode::UNPROCESSABLE_ENTITY,
            Self::TooManyRequests { .. } => StatusCode::TOO_MANY_REQUESTS,
            Self::Unavailable { .. } => StatusCode::SERVICE_UNAVAILABLE,
            Self::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    /// The problem+json response for this error. `instance` is the request path.
    pub fn to_response(&self, instance: &str, correlation_id: &str) -> http::Response<Bytes> {
        let status = self.status();
        if let Self::Internal(cause) = self {
            tracing::error!(error = ?cause, "internal error");
        }
        let problem = Problem {
            r#type: "about:blank",
            title: status.canonical_reason().unwrap_or("Error"),
            status: status.as_u16(),
            detail: self.to_string(),
            instance,
            correlation_id,
        };
        let body = serde_json::to_vec(&problem).unwrap_or_default();
        let mut response = http::Response::new(Bytes::from(body));
        *response.status_mut() = status;
        let headers = response.headers_mut();
        headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(PROBLEM_JSON));
        if let Self::Unavailable { retry_after, .. } | Self::TooManyRequests { retry_after, .. } =
            self
        {
            headers.insert(header::RETRY_AFTER, HeaderValue::from(*retry_after));
        }
        if matches!(self, Self::Unauthorized(_)) {
            headers.insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
        }
        response
    }
}

pub const PROBLEM_JSON: &str = "application/problem+json";

/// RFC 9457 problem details, plus the correlation id to find the logs of this request.
#[derive(Debug, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Problem<'a> {
    #[schema(example = "about:blank")]
    pub r#type: &'a str,
    pub title: &'a str,
    pub status: u16,
    pub detail: String,
    pub instance: &'a str,
    pub correlation_id: &'a str,
}

impl From<serde_json::Error> for AppError {
    fn from(e: serde_json::Error) -> Self {
        Self::Internal(e.into())
    }
}

pub type AppResult<T> = Result<T, AppError>;

#[cfg(test)]
mod tests {
    use super::*;

    fn body(r: &http::Response<Bytes>) -> serde_json::Value {
        serde_json::from_slice(r.body()).unwrap()
    }

    #[test]
    fn every_error_is_problem_json_with_its_status() {
        let r = AppError::not_found("Booking", "b1").to_response("/museum/books/b1", "c1");
        assert_eq!(r.status(), 404);
        assert_eq!(r.headers()[header::CONTENT_TYPE], PROBLEM_JSON);
        let p = body(&r);
        assert_eq!(p["status"], 404);
        assert_eq!(p["title"], "Not Found");
        assert_eq!(p["detail"], "Booking b1 not found");
        assert_eq!(p["instance"], "/museum/books/b1");
        assert_eq!(p["correlationId"], "c1");
    }

    #[test]
    fn unavailable_says_when_to_retry() {
        let r = AppError::unavailable("museum", 7).to_response("/x", "c");
        assert_eq!(r.status(), 503);
        assert_eq!(r.headers()[header::RETRY_AFTER], "7");
    }

    #[test]
    fn too_many_requests_says_when_to_retry() {
        let e = AppError::TooManyRequests {
            detail: "slow down".into(),
            retry_after: 30,
        };
        let r = e.to_response("/x", "c");
        assert_eq!(r.status(), 429);
        assert_eq!(r.headers()[header::RETRY_AFTER], "30");
    }

    #[test]
    fn internal_errors_hide_their_cause() {
        let r =
            AppError::internal(anyhow::anyhow!("secret connection string")).to_response("/x", "c");
        assert_eq!(r.status(), 500);
        assert_eq!(body(&r)["detail"], "internal error");
    }
}
