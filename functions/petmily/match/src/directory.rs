//! The ports match reads user and pet through, synchronously (seed NFR 1), and their adapters
//! over those contexts' internal functions: each call with a timeout and a circuit breaker; an
//! open breaker answers 503 + Retry-After at once ("try later", seed NFR 2.3).

use async_trait::async_trait;
use http::StatusCode;
use kernel::{AppError, Call, sync::Caller};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// A member as user shows them to match.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Person {
    pub login_id: String,
    pub name: String,
    pub address: String,
    /// APPLIED, APPROVED, REJECTED, or null for a member who never applied.
    pub sitter_status: Option<String>,
}

impl Person {
    pub fn is_approved_sitter(&self) -> bool {
        self.sitter_status.as_deref() == Some("APPROVED")
    }
}

/// A pet as pet shows it to match.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct PetCard {
    pub id: String,
    pub owner_id: String,
    pub name: String,
    pub species: String,
    pub breed: String,
    pub age: u32,
    pub notes: String,
}

#[async_trait]
pub trait People: Send + Sync {
    async fn person(&self, login_id: &str, cx: &Call) -> Result<Person, AppError>;
}

#[async_trait]
pub trait Pets: Send + Sync {
    async fn pet(&self, pet_id: &str, cx: &Call) -> Result<PetCard, AppError>;
}

async fn get<T: serde::de::DeserializeOwned>(
    caller: &Caller,
    dependency: &str,
    kind: &'static str,
    id: &str,
    path: String,
    cx: &Call,
) -> Result<T, AppError> {
    let request = http::Request::builder()
        .method(http::Method::GET)
        .uri(petmily_events::path(&path))
        .body(bytes::Bytes::new())
        .map_err(AppError::internal)?;
    let response = caller.call(request, cx).await?;
    match response.status() {
        s if s.is_success() => kernel::sync::decode(dependency, &response),
        StatusCode::NOT_FOUND | StatusCode::BAD_REQUEST => Err(AppError::not_found(kind, id)),
        s => Err(AppError::internal(anyhow::anyhow!(
            "{dependency} answered {s}: {}",
            kernel::sync::problem_detail(&response)
        ))),
    }
}

/// user's `GET /internal/users/{loginId}`.
pub struct PeopleOverHttp(pub Caller);

#[async_trait]
impl People for PeopleOverHttp {
    async fn person(&self, login_id: &str, cx: &Call) -> Result<Person, AppError> {
        get(
            &self.0,
            "user",
            "Member",
            login_id,
            format!("/internal/users/{login_id}"),
            cx,
        )
        .await
    }
}

/// pet's `GET /internal/pets/{id}`.
pub struct PetsOverHttp(pub Caller);

#[async_trait]
impl Pets for PetsOverHttp {
    async fn pet(&self, pet_id: &str, cx: &Call) -> Result<PetCard, AppError> {
        get(
            &self.0,
            "pet",
            "Pet",
            pet_id,
            format!("/internal/pets/{pet_id}"),
            cx,
        )
        .await
    }
}
