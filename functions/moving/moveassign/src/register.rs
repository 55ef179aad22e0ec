//! `POST /moverassigns/companies` — a mover company joins the registry (requirement 3): its name,
//! telephone, the regions it serves and the move types it supports. It starts AVAILABLE.

use std::collections::BTreeSet;

use kernel::{AppError, AppResult, Call, Tx, input::Json, output::Created, validate::Text};
use moving_events::{MoveType, Tel};
use serde::Deserialize;
use utoipa::ToSchema;

use crate::{
    Deps,
    domain::{Company, CompanyStatus, region_key},
};

/// 업체명.
pub type CompanyName = Text<100>;
/// A region the company serves (a location as customers name it, e.g. `mapo`).
pub type Region = Text<50>;
/// Most regions one company may list.
pub const MAX_REGIONS: usize = 50;

#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct RegisterCompany {
    pub name: CompanyName,
    pub tel: Tel,
    /// 1 to 50 regions.
    #[schema(example = json!(["mapo", "seodaemun"]))]
    pub regions: Vec<Region>,
    /// PACKING and/or HALF_PACKING.
    #[schema(example = json!(["PACKING", "HALF_PACKING"]))]
    pub move_types: Vec<MoveType>,
}

pub async fn register(
    d: &Deps,
    Json(cmd): Json<RegisterCompany>,
    cx: &Call,
) -> AppResult<Created<Company>> {
    if cmd.regions.is_empty() || cmd.regions.len() > MAX_REGIONS {
        return Err(AppError::invalid(format!(
            "regions must list 1 to {MAX_REGIONS} regions"
        )));
    }
    if cmd.move_types.is_empty() {
        return Err(AppError::invalid(
            "moveTypes must list PACKING, HALF_PACKING or both",
        ));
    }
    let mut seen = BTreeSet::new();
    let regions: Vec<String> = cmd
        .regions
        .into_iter()
        .map(Text::into_string)
        .filter(|r| seen.insert(region_key(r)))
        .collect();
    let mut move_types = cmd.move_types;
    move_types.sort_by_key(|t| t.as_str());
    move_types.dedup();
    let company = Company {
        id: cx.new_id(),
        name: cmd.name.into_string(),
        tel: cmd.tel.into_string(),
        regions,
        move_types,
        status: CompanyStatus::Available,
        order_id: None,
    };
    let mut tx = Tx::new();
    tx.put(&company, 0)?;
    d.companies.store().commit(tx.into_inner()).await?;
    Ok(Created::at(
        moving_events::path(&format!("/moverassigns/companies/{}", company.id)),
        company,
    ))
}
