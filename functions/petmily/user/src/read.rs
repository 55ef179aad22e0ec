//! `GET /api/v1/user/{id}`, `GET /api/v1/user/sitter/available?address=`, `GET /api/v1/sitter`
//! (admin), and `GET /internal/users/{loginId}` (match asks).

use kernel::{
    AppError, AppResult, Call, Lookup, Order, Page, PageRequest,
    input::{Json, List, Path},
    validate::Id,
};
use petmily_events::ROLE_ADMIN;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::{
    Deps,
    domain::{BY_STATUS, Sitter, SitterStatus},
    signup::Member,
    sitter::{LoginIdParam, login_id_param},
};

/// A sitter as the lists show them.
#[derive(Clone, Debug, PartialEq, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct SitterView {
    /// The sitter's login id.
    pub id: String,
    pub sitter_id: String,
    pub name: String,
    pub address: String,
    pub intro: String,
    pub experience: u32,
    pub status: SitterStatus,
    /// The mean score members gave, to two decimals; null before the first.
    pub average_rating: Option<f64>,
    pub rating_count: u64,
}

impl From<&Sitter> for SitterView {
    fn from(s: &Sitter) -> Self {
        Self {
            id: s.id.clone(),
            sitter_id: s.id.clone(),
            name: s.name.clone(),
            address: s.address.clone(),
            intro: s.intro.clone(),
            experience: s.experience,
            status: s.status,
            average_rating: s.average_rating(),
            rating_count: s.rating_count,
        }
    }
}

/// A member: themselves or an admin (403 otherwise).
pub async fn get(d: &Deps, id: Id, cx: &Call) -> AppResult<Json<Member>> {
    let caller = petmily_events::caller(cx)?;
    if caller.subject != id.as_str() && !caller.has_role(ROLE_ADMIN) {
        return Err(AppError::Forbidden(
            "only the member or an admin may read a member".into(),
        ));
    }
    Ok(Json(Member::from(&d.accounts.find(id.as_str()).await?.doc)))
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(rename_all = "camelCase")]
#[into_params(parameter_in = Query)]
pub struct AddressFilter {
    /// Only sitters whose address contains this text (any case).
    #[param(value_type = Option<String>, max_length = 200)]
    pub address: Option<String>,
}

/// Approved sitters whose address contains `address`, a page at a time.
pub async fn available(d: &Deps, q: List<AddressFilter>, _: &Call) -> AppResult<Page<SitterView>> {
    let text = match q.filter.address {
        Some(a) if a.chars().count() > 200 => {
            return Err(AppError::invalid(
                "`address` must be at most 200 characters",
            ));
        }
        Some(a) => a.trim().to_owned(),
        None => String::new(),
    };
    // Read the approved sitters page by page, keeping those that match, until the page is full.
    let mut items = Vec::new();
    let mut cursor = q.page.cursor.clone();
    loop {
        let want = q.page.limit - items.len();
        let page = d
            .sitters
            .list(
                Lookup::By(BY_STATUS, SitterStatus::Approved.as_str().into()),
                Order::Oldest,
                &PageRequest {
                    limit: want,
                    cursor: cursor.clone(),
                },
            )
            .await?;
        items.extend(
            page.items
                .iter()
                .filter(|s| s.serves(&text))
                .map(SitterView::from),
        );
        cursor = page.next_cursor;
        if cursor.is_none() || items.len() >= q.page.limit {
            break;
        }
    }
    Ok(Page {
        items,
        next_cursor: cursor,
    })
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(rename_all = "camelCase")]
#[into_params(parameter_in = Query)]
pub struct StatusFilter {
    /// APPLIED (default), APPROVED or REJECTED.
    pub status: Option<SitterStatus>,
}

/// Sitters by status, oldest first: what an admin decides on.
pub async fn sitters(d: &Deps, q: List<StatusFilter>, _: &Call) -> AppResult<Page<SitterView>> {
    let status = q.filter.status.unwrap_or_default();
    Ok(d.sitters
        .list(
            Lookup::By(BY_STATUS, status.as_str().into()),
            Order::Oldest,
            &q.page,
        )
        .await?
        .map(|s| SitterView::from(&s)))
}

/// What match needs to show a party: name and address, and whether they are an approved sitter.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Profile {
    pub login_id: String,
    pub name: String,
    pub address: String,
    /// Null when the member never applied as a sitter.
    pub sitter_status: Option<SitterStatus>,
}

pub async fn profile(d: &Deps, Path(p): Path<LoginIdParam>, _: &Call) -> AppResult<Json<Profile>> {
    let login_id = login_id_param(p)?;
    let account = d.accounts.find(&login_id).await?.doc;
    let sitter = d.sitters.get(&login_id).await?;
    Ok(Json(Profile {
        login_id,
        name: account.name,
        address: account.address,
        sitter_status: sitter.map(|s| s.doc.status),
    }))
}
