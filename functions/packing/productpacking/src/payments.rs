//! The port productpacking uses to have an order paid synchronously, and its adapter over
//! payment's internal function through the platform's caller (timeout, breaker, fallback).

use async_trait::async_trait;
use http::StatusCode;
use kernel::{AppError, Call, sync::Caller};
use serde::Deserialize;

#[async_trait]
pub trait Payments: Send + Sync {
    /// Pays for `order_id`; idempotent on `order_id`. Returns the payment's id. 503 when payment
    /// is down or its breaker is open; 409 when the order was cancelled or rejected first.
    async fn pay(&self, order_id: &str, user_id: &str, cx: &Call) -> Result<String, AppError>;
}

/// payment's API through a `Caller`.
pub struct PaymentsOverHttp(pub Caller);

#[derive(Deserialize)]
struct Receipt {
    id: String,
}

#[async_trait]
impl Payments for PaymentsOverHttp {
    async fn pay(&self, order_id: &str, user_id: &str, cx: &Call) -> Result<String, AppError> {
        let body = serde_json::to_vec(&serde_json::json!({
            "orderId": order_id,
            "userId": user_id,
        }))?;
        let request = http::Request::builder()
            .method(http::Method::POST)
            .uri(packing_events::path("/payments"))
            .header(http::header::CONTENT_TYPE, "application/json")
            .body(body.into())
            .map_err(AppError::internal)?;
        let response = self.0.call(request, cx).await?;
        let detail = || kernel::sync::problem_detail(&response);
        match response.status() {
            s if s.is_success() => Ok(kernel::sync::decode::<Receipt>("payment", &response)?.id),
            StatusCode::CONFLICT => Err(AppError::Conflict(detail())),
            s => Err(AppError::internal(anyhow::anyhow!(
                "payment answered {s}: {}",
                detail()
            ))),
        }
    }
}
