//! `POST /api/v1/match` — two-way matching (requirements 7, 8): the application's member asks a
//! chosen sitter (`sitterId`), or an approved sitter offers (no `sitterId`). user is read
//! synchronously to check the sitter is APPROVED; user down → 503 and nothing is recorded.

use kernel::{
    AppError, AppResult, Call,
    aggregate::{self, Decide},
    input::Json,
    output::Created,
    validate::Id,
};
use serde::Deserialize;
use utoipa::ToSchema;

use crate::{
    Deps,
    domain::{ApplicationStatus, Match, MatchCmd, RequestedBy},
};

#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct RequestMatch {
    pub application_id: Id,
    /// The sitter the member asks; left out when a sitter offers.
    pub sitter_id: Option<Id>,
}

pub async fn request(
    d: &Deps,
    Json(cmd): Json<RequestMatch>,
    cx: &Call,
) -> AppResult<Created<Match>> {
    let caller = petmily_events::caller(cx)?.subject.clone();
    let application = d.applications.find(cmd.application_id.as_str()).await?.doc;
    if application.status != ApplicationStatus::Open {
        return Err(AppError::conflict(format!(
            "application {} is no longer open",
            application.id
        )));
    }
    let (sitter_id, requested_by) = if caller == application.member_id {
        let sitter = cmd.sitter_id.ok_or_else(|| {
            AppError::invalid("`sitterId` names the sitter you ask for your application")
        })?;
        (sitter.into_string(), RequestedBy::Member)
    } else {
        if cmd.sitter_id.as_ref().is_some_and(|s| s.as_str() != caller) {
            return Err(AppError::Forbidden(
                "only the application's member asks a sitter; a sitter offers for themselves"
                    .into(),
            ));
        }
        (caller.clone(), RequestedBy::Sitter)
    };
    if sitter_id == application.member_id {
        return Err(AppError::Refused(
            "a member cannot care for their own pet".into(),
        ));
    }
    let sitter = d.people.person(&sitter_id, cx).await?;
    if !sitter.is_approved_sitter() {
        return Err(match requested_by {
            RequestedBy::Sitter => {
                AppError::Forbidden("only an approved sitter may offer care".into())
            }
            RequestedBy::Member => {
                AppError::Refused(format!("{sitter_id} is not an approved sitter"))
            }
        });
    }
    let live = d
        .matches
        .list_all(kernel::Lookup::By(
            crate::domain::BY_SITTER,
            sitter_id.clone(),
        ))
        .await?;
    if live.iter().any(|m| {
        m.application_id == application.id && m.status == crate::domain::MatchStatus::Requested
    }) {
        return Err(AppError::conflict(format!(
            "{sitter_id} already has a pending match for application {}",
            application.id
        )));
    }
    let id = cx.new_id();
    let events = Match::default().decide(MatchCmd::Request {
        id: id.clone(),
        application: Box::new(application),
        sitter_id,
        sitter_name: sitter.name,
        requested_by,
    })?;
    let created = aggregate::create(&d.matches, kernel::Tx::new(), events, cx).await?;
    Ok(Created::at(
        petmily_events::path(&format!("/api/v1/match/{id}")),
        created.state,
    ))
}
