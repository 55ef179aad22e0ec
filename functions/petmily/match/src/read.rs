//! `GET /api/v1/match` (the caller's matches) and `GET /api/v1/match/{id}`: each side sees the
//! other's details (requirement 9), read from user and pet synchronously; either down or its
//! breaker open → 503 with Retry-After ("try later"), at once.

use kernel::{
    AppError, AppResult, Call, Lookup, Order, Page,
    input::{Json, List},
    validate::Id,
};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::{
    Deps,
    directory::{Person, PetCard},
    domain::{BY_MATCH_MEMBER, BY_SITTER, Match, RequestedBy},
};

#[derive(Debug, Deserialize, IntoParams)]
#[serde(rename_all = "camelCase")]
#[into_params(parameter_in = Query)]
pub struct Side {
    /// MEMBER (default): matches for the caller's pets; SITTER: matches the caller sits.
    #[serde(rename = "as")]
    pub side: Option<RequestedBy>,
}

pub async fn list(d: &Deps, q: List<Side>, cx: &Call) -> AppResult<Page<Match>> {
    let caller = petmily_events::caller(cx)?.subject.clone();
    let slot = match q.filter.side.unwrap_or_default() {
        RequestedBy::Member => BY_MATCH_MEMBER,
        RequestedBy::Sitter => BY_SITTER,
    };
    d.matches
        .list(Lookup::By(slot, caller), Order::Newest, &q.page)
        .await
}

/// A match as its parties see it.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct MatchDetails {
    #[serde(flatten)]
    pub r#match: Match,
    pub member: Party,
    pub sitter: Party,
    pub pet: PetCard,
}

#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Party {
    pub login_id: String,
    pub name: String,
    pub address: String,
}

impl From<Person> for Party {
    fn from(p: Person) -> Self {
        Self {
            login_id: p.login_id,
            name: p.name,
            address: p.address,
        }
    }
}

pub async fn get(d: &Deps, id: Id, cx: &Call) -> AppResult<Json<MatchDetails>> {
    let caller = petmily_events::caller(cx)?;
    let m = d.matches.find(id.as_str()).await?.doc;
    if !m.is_party(&caller.subject) {
        return Err(AppError::Forbidden(
            "only the member and the sitter of a match may read it".into(),
        ));
    }
    let member = d.people.person(&m.member_id, cx).await?.into();
    let sitter = d.people.person(&m.sitter_id, cx).await?.into();
    let pet = d.pets.pet(&m.pet_id, cx).await?;
    Ok(Json(MatchDetails {
        member,
        sitter,
        pet,
        r#match: m,
    }))
}
