//! The port location uses to ask move synchronously whether a move is still MOVING, and its
//! adapter over move's internal function.

use async_trait::async_trait;
use family_events::Point;
use http::StatusCode;
use kernel::{AppError, Call, sync::Caller};
use serde::Deserialize;

/// What move says about a move.
#[derive(Clone, Debug, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct MoveStanding {
    pub move_id: String,
    pub customer_id: String,
    pub family_id: String,
    /// MOVING, CANCELLED or ENDED.
    pub status: String,
    pub goal: Point,
}

#[async_trait]
pub trait Moves: Send + Sync {
    /// The move's status and goal; 404 if there is no such move.
    async fn standing(&self, move_id: &str, cx: &Call) -> Result<MoveStanding, AppError>;
}

/// move's `GET /moves/{id}/standing` through a `Caller` (timeout, circuit breaker, fallback).
pub struct MovesOverHttp(pub Caller);

#[async_trait]
impl Moves for MovesOverHttp {
    async fn standing(&self, move_id: &str, cx: &Call) -> Result<MoveStanding, AppError> {
        let request = http::Request::builder()
            .method(http::Method::GET)
            .uri(family_events::path(&format!("/moves/{move_id}/standing")))
            .body(bytes::Bytes::new())
            .map_err(AppError::internal)?;
        let response = self.0.call(request, cx).await?;
        match response.status() {
            s if s.is_success() => kernel::sync::decode("move", &response),
            StatusCode::NOT_FOUND => Err(AppError::not_found("Move", move_id)),
            StatusCode::BAD_REQUEST => {
                Err(AppError::Invalid(kernel::sync::problem_detail(&response)))
            }
            s => Err(AppError::internal(anyhow::anyhow!(
                "move answered {s}: {}",
                kernel::sync::problem_detail(&response)
            ))),
        }
    }
}
