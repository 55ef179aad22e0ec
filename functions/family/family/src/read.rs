//! `GET /families/{familyId}` — the family's members with their membership status (requirement 2).

use kernel::{
    AppResult, Call,
    input::{Json, Path},
    validate::Id,
};
use serde::Deserialize;

use crate::{Deps, domain::Family};

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct FamilyRef {
    pub family_id: Id,
}

pub async fn get(d: &Deps, Path(r): Path<FamilyRef>, _: &Call) -> AppResult<Json<Family>> {
    Ok(Json(d.families.find(r.family_id.as_str()).await?.doc))
}
