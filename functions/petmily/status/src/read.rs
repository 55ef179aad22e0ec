//! `GET /api/v1/match/status?memberId=` — the member's own matches with status, sitter and pet,
//! newest first; only that member or an admin may read (403 otherwise).

use kernel::{AppError, AppResult, Call, Lookup, Order, Page, input::List, validate::Id};
use petmily_events::ROLE_ADMIN;
use serde::Deserialize;
use utoipa::IntoParams;

use crate::{
    Deps,
    view::{BY_MEMBER, CareStatus},
};

#[derive(Debug, Deserialize, IntoParams)]
#[serde(rename_all = "camelCase")]
#[into_params(parameter_in = Query)]
pub struct MemberFilter {
    /// The member whose care status to read (defaults to the caller).
    #[param(value_type = Option<String>, pattern = "^(?!\\.{1,2}$)[A-Za-z0-9._@-]{1,64}$")]
    pub member_id: Option<Id>,
}

pub async fn list(d: &Deps, q: List<MemberFilter>, cx: &Call) -> AppResult<Page<CareStatus>> {
    let caller = petmily_events::caller(cx)?;
    let member = q
        .filter
        .member_id
        .map(Id::into_string)
        .unwrap_or_else(|| caller.subject.clone());
    if member != caller.subject && !caller.has_role(ROLE_ADMIN) {
        return Err(AppError::Forbidden(
            "only the member or an admin reads a member's care status".into(),
        ));
    }
    d.rows
        .list(Lookup::By(BY_MEMBER, member), Order::Newest, &q.page)
        .await
}
