//! The port movecall uses to hand a call to movemanage synchronously, and its adapter over
//! movemanage's internal API (timeout, circuit breaker, fallback: the platform's `Caller`).

use async_trait::async_trait;
use bytes::Bytes;
use http::StatusCode;
use kernel::{AppError, Call, sync::Caller};
use moving_events::MoveType;
use serde::Serialize;

/// What movemanage needs to take an assignment request; `order_id` is the call's id.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct AssignRequest {
    pub order_id: String,
    pub tel: String,
    pub location: String,
    pub cost: u64,
    pub move_type: MoveType,
}

#[async_trait]
pub trait Movemanage: Send + Sync {
    /// movemanage records the request (ASSIGN_REQUESTED); idempotent on `order_id`.
    async fn request(&self, request: &AssignRequest, cx: &Call) -> Result<(), AppError>;
    /// Withdraws the request of a call that could not be recorded (the saga's compensation).
    async fn withdraw(&self, order_id: &str, cx: &Call) -> Result<(), AppError>;
}

pub struct MovemanageOverHttp(pub Caller);

fn request(
    method: http::Method,
    path: String,
    body: Bytes,
) -> Result<kernel::HttpRequest, AppError> {
    http::Request::builder()
        .method(method)
        .uri(moving_events::path(&path))
        .header(http::header::CONTENT_TYPE, "application/json")
        .body(body)
        .map_err(AppError::internal)
}

#[async_trait]
impl Movemanage for MovemanageOverHttp {
    async fn request(&self, order: &AssignRequest, cx: &Call) -> Result<(), AppError> {
        let body = serde_json::to_vec(order)?;
        let req = request(http::Method::POST, "/movermanages".into(), body.into())?;
        let response = self.0.call(req, cx).await?;
        match response.status() {
            s if s.is_success() => Ok(()),
            StatusCode::BAD_REQUEST => {
                Err(AppError::Invalid(kernel::sync::problem_detail(&response)))
            }
            s => Err(AppError::internal(anyhow::anyhow!(
                "movemanage answered {s}: {}",
                kernel::sync::problem_detail(&response)
            ))),
        }
    }

    async fn withdraw(&self, order_id: &str, cx: &Call) -> Result<(), AppError> {
        let req = request(
            http::Method::DELETE,
            format!("/movermanages/{order_id}"),
            Bytes::new(),
        )?;
        let response = self.0.call(req, cx).await?;
        match response.status() {
            s if s.is_success() || s == StatusCode::NOT_FOUND => Ok(()),
            s => Err(AppError::internal(anyhow::anyhow!(
                "movemanage refused the withdrawal: {s}"
            ))),
        }
    }
}
