//! The port move uses to ask customer synchronously whether a customer may start a move, and its
//! adapter over customer's internal function.

use async_trait::async_trait;
use http::StatusCode;
use kernel::{AppError, Call, sync::Caller};
use serde::Deserialize;

/// What customer says about a customer.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CustomerStanding {
    pub customer_id: String,
    pub family_id: String,
    /// PENDING, ACTIVE, INACTIVE or DELETED.
    pub status: String,
}

#[async_trait]
pub trait Customers: Send + Sync {
    /// The customer's family and status; 404 if there is no such customer.
    async fn standing(&self, customer_id: &str, cx: &Call) -> Result<CustomerStanding, AppError>;
}

/// customer's `GET /customers/{id}/standing` through a `Caller` (timeout, circuit breaker,
/// fallback).
pub struct CustomersOverHttp(pub Caller);

#[async_trait]
impl Customers for CustomersOverHttp {
    async fn standing(&self, customer_id: &str, cx: &Call) -> Result<CustomerStanding, AppError> {
        let request = http::Request::builder()
            .method(http::Method::GET)
            .uri(family_events::path(&format!(
                "/customers/{customer_id}/standing"
            )))
            .body(bytes::Bytes::new())
            .map_err(AppError::internal)?;
        let response = self.0.call(request, cx).await?;
        match response.status() {
            s if s.is_success() => kernel::sync::decode("customer", &response),
            StatusCode::NOT_FOUND => Err(AppError::not_found("Customer", customer_id)),
            StatusCode::BAD_REQUEST => {
                Err(AppError::Invalid(kernel::sync::problem_detail(&response)))
            }
            s => Err(AppError::internal(anyhow::anyhow!(
                "customer answered {s}: {}",
                kernel::sync::problem_detail(&response)
            ))),
        }
    }
}
