//! The port book uses to take seats from museum synchronously, and its adapter over museum's API.

use async_trait::async_trait;
use bytes::Bytes;
use http::StatusCode;
use kernel::{AppError, Call, sync::Caller};
use serde::Deserialize;

use crate::domain::SeatsTaken;

#[async_trait]
pub trait MuseumSeats: Send + Sync {
    /// Takes `seats` for `booking_id`; idempotent on `booking_id`.
    async fn take(
        &self,
        booking_id: &str,
        museum_id: &str,
        seats: u32,
        cx: &Call,
    ) -> Result<SeatsTaken, AppError>;
    /// Gives back the seats of a booking that could not be recorded.
    async fn release(&self, booking_id: &str, museum_id: &str, cx: &Call) -> Result<(), AppError>;
}

/// museum's API through a `Caller` (timeout, circuit breaker, fallback).
pub struct MuseumSeatsOverHttp(pub Caller);

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct SeatReceipt {
    seats: u32,
    hall: String,
    date: String,
}

fn request(
    method: http::Method,
    path: String,
    body: Bytes,
) -> Result<kernel::HttpRequest, AppError> {
    http::Request::builder()
        .method(method)
        .uri(museum_events::path(&path))
        .header(http::header::CONTENT_TYPE, "application/json")
        .body(body)
        .map_err(AppError::internal)
}

#[async_trait]
impl MuseumSeats for MuseumSeatsOverHttp {
    async fn take(
        &self,
        booking_id: &str,
        museum_id: &str,
        seats: u32,
        cx: &Call,
    ) -> Result<SeatsTaken, AppError> {
        let body =
            serde_json::to_vec(&serde_json::json!({ "bookingId": booking_id, "seats": seats }))?;
        let req = request(
            http::Method::POST,
            format!("/museums/{museum_id}/reservations"),
            body.into(),
        )?;
        let response = self.0.call(req, cx).await?;
        let detail = || kernel::sync::problem_detail(&response);
        match response.status() {
            s if s.is_success() => {
                let r: SeatReceipt = kernel::sync::decode("museum", &response)?;
                Ok(SeatsTaken {
                    seats: r.seats,
                    hall: r.hall,
                    date: r.date,
                })
            }
            StatusCode::NOT_FOUND => Err(AppError::not_found("Museum", museum_id)),
            StatusCode::CONFLICT => Err(AppError::Conflict(detail())),
            StatusCode::BAD_REQUEST => Err(AppError::Invalid(detail())),
            s => Err(AppError::internal(anyhow::anyhow!(
                "museum answered {s}: {}",
                detail()
            ))),
        }
    }

    async fn release(&self, booking_id: &str, museum_id: &str, cx: &Call) -> Result<(), AppError> {
        let req = request(
            http::Method::DELETE,
            format!("/museums/{museum_id}/reservations/{booking_id}"),
            Bytes::new(),
        )?;
        let response = self.0.call(req, cx).await?;
        match response.status() {
            s if s.is_success() => Ok(()),
            s => Err(AppError::internal(anyhow::anyhow!(
                "museum refused the release: {s}"
            ))),
        }
    }
}
