//! `POST /families/{familyId}/members/{customerId}/approve|deny {approverId}` — an ACTIVE member
//! of the family decides on a membership request → `FamilyApproved` / `FamilyDenied`
//! (requirement 2). One who is not an ACTIVE member gets 403; someone who never asked, 404; a
//! request already decided, 409.

use kernel::{
    AppResult, Call, aggregate,
    input::{Json, Path},
    validate::Id,
};
use serde::Deserialize;
use utoipa::ToSchema;

use crate::{
    Deps,
    domain::{Family, FamilyCmd},
};
use kernel::aggregate::Decide;

/// A membership's address: the family and the customer who asked to join.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct MemberRef {
    pub family_id: Id,
    pub customer_id: Id,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Decision {
    /// The deciding member's customer id: an ACTIVE member of the family.
    pub approver_id: Id,
}

pub async fn approve(
    d: &Deps,
    (Path(r), Json(cmd)): (Path<MemberRef>, Json<Decision>),
    cx: &Call,
) -> AppResult<Json<Family>> {
    let (customer_id, approver_id) = (r.customer_id.into_string(), cmd.approver_id.into_string());
    decide(d, r.family_id.as_str(), cx, || FamilyCmd::Approve {
        customer_id: customer_id.clone(),
        approver_id: approver_id.clone(),
    })
    .await
}

pub async fn deny(
    d: &Deps,
    (Path(r), Json(cmd)): (Path<MemberRef>, Json<Decision>),
    cx: &Call,
) -> AppResult<Json<Family>> {
    let (customer_id, approver_id) = (r.customer_id.into_string(), cmd.approver_id.into_string());
    decide(d, r.family_id.as_str(), cx, || FamilyCmd::Deny {
        customer_id: customer_id.clone(),
        approver_id: approver_id.clone(),
    })
    .await
}

async fn decide(
    d: &Deps,
    family_id: &str,
    cx: &Call,
    cmd: impl Fn() -> FamilyCmd,
) -> AppResult<Json<Family>> {
    let family = aggregate::update(&d.families, family_id, cx, |f| Ok(f.decide(cmd())?)).await?;
    Ok(Json(family))
}
