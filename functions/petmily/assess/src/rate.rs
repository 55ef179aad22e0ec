//! `POST /api/v1/assess/sitter|pet` (requirements 13, 14): after `CareServiceEnded` each side
//! rates once (before the end, or a second time → 409); `GET /api/v1/assess/{id}`.

use kernel::{
    AppError, AppResult, Call, Envelope, Marker, Tx,
    aggregate::{self, Decide, Step},
    input::Json,
    output::Created,
    validate::{Count, Id, Text},
};
use petmily_events::CareServiceEnded;
use serde::Deserialize;
use utoipa::ToSchema;

use crate::{
    Deps,
    domain::{Assessment, EndedCare, Rate, Target},
};

pub const ON_CARE_ENDED: &str = "petmily-assess-on-care-ended";

/// 1 to 5.
pub type Score = Count<1, 5>;
pub type Comment = Text<1000>;

#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct RateCare {
    pub match_id: Id,
    pub score: Score,
    pub comment: Option<Comment>,
}

/// On `CareServiceEnded`: the care may be rated from now on (once per event).
pub async fn on_care_ended(d: &Deps, event: Envelope, _: &Call) -> Result<(), AppError> {
    let e: CareServiceEnded = event.payload()?;
    let marker = Marker::of(ON_CARE_ENDED, &event, &e.match_id);
    aggregate::write_once(&**d.cares.store(), Some(&marker), || async {
        if d.cares.get(&e.match_id).await?.is_some() {
            return Ok(Step::Skip(()));
        }
        let mut tx = Tx::new();
        tx.put(
            &EndedCare {
                id: e.match_id.clone(),
                member_id: e.member_id.clone(),
                sitter_id: e.sitter_id.clone(),
                pet_id: e.pet_id.clone(),
            },
            0,
        )?;
        Ok(Step::Write(tx, ()))
    })
    .await?;
    Ok(())
}

pub async fn sitter(
    d: &Deps,
    Json(cmd): Json<RateCare>,
    cx: &Call,
) -> AppResult<Created<Assessment>> {
    rate(d, cmd, Target::Sitter, cx).await
}

pub async fn pet(d: &Deps, Json(cmd): Json<RateCare>, cx: &Call) -> AppResult<Created<Assessment>> {
    rate(d, cmd, Target::Pet, cx).await
}

async fn rate(
    d: &Deps,
    cmd: RateCare,
    target: Target,
    cx: &Call,
) -> AppResult<Created<Assessment>> {
    let by = petmily_events::caller(cx)?.subject.clone();
    let care = d.cares.get(cmd.match_id.as_str()).await?.ok_or_else(|| {
        AppError::conflict(format!(
            "match {} has no ended care to rate (yet)",
            cmd.match_id
        ))
    })?;
    let id = crate::domain::assessment_id(&care.doc.id, target);
    let current = d.assessments.get(&id).await?;
    let events = current.map(|v| v.doc).unwrap_or_default().decide(Rate {
        care: care.doc,
        target,
        by,
        score: cmd.score.get() as u32,
        comment: cmd.comment.map(String::from).unwrap_or_default(),
    })?;
    let created = aggregate::create(&d.assessments, Tx::new(), events, cx)
        .await
        .map_err(|e| match e {
            AppError::Conflict(_) => AppError::conflict(format!("{id} was rated already")),
            other => other,
        })?;
    Ok(Created::at(
        petmily_events::path(&format!("/api/v1/assess/{id}")),
        created.state,
    ))
}

/// A rating, for the parties of its match.
pub async fn get(d: &Deps, id: Id, cx: &Call) -> AppResult<Json<Assessment>> {
    let caller = petmily_events::caller(cx)?;
    let a = d.assessments.find(id.as_str()).await?.doc;
    let care = d.cares.find(&a.match_id).await?.doc;
    if !care.is_party(&caller.subject) {
        return Err(AppError::Forbidden(
            "only the match's member and sitter read its ratings".into(),
        ));
    }
    Ok(Json(a))
}
