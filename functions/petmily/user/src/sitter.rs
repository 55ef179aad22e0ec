//! `POST /api/v1/user/sitter/apply` (requirement 4), `PUT /api/v1/sitter/update/{loginId}`
//! (requirement 5), and the ratings members give (requirement 14).

use kernel::{
    AppError, AppResult, Call, Envelope, Marker, Tx,
    aggregate::{self, Decide, Step},
    input::{Json, Path},
    output::Created,
    validate::{Count, Text},
};
use petmily_events::SitterAssessed;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::{
    Deps,
    domain::{Sitter, SitterCmd},
    read::SitterView,
    signup::Address,
    values::is_login_id,
};

pub const ON_SITTER_ASSESSED: &str = "petmily-user-on-sitter-assessed";

pub type Intro = Text<1000>;
/// Years of experience: 0 to 80.
pub type Experience = Count<0, 80>;

#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Apply {
    pub intro: Intro,
    /// Where the sitter works (the available list filters on it).
    pub address: Address,
    pub experience: Experience,
}

/// The caller applies as a sitter (APPLIED); again only after a rejection (409 otherwise).
pub async fn apply(d: &Deps, Json(cmd): Json<Apply>, cx: &Call) -> AppResult<Created<SitterView>> {
    let login_id = petmily_events::caller(cx)?.subject.clone();
    let account = d.accounts.find(&login_id).await?.doc;
    let apply = SitterCmd::Apply {
        login_id: login_id.clone(),
        name: account.name,
        address: cmd.address.into_string(),
        intro: cmd.intro.into_string(),
        experience: cmd.experience.get() as u32,
    };
    let sitter = match d.sitters.get(&login_id).await? {
        None => {
            aggregate::create(&d.sitters, Tx::new(), Sitter::default().decide(apply)?, cx)
                .await?
                .state
        }
        Some(_) => {
            aggregate::update(&d.sitters, &login_id, cx, |s| Ok(s.decide(apply.clone())?)).await?
        }
    };
    Ok(Created::at(
        petmily_events::path(&format!("/api/v1/user/{login_id}")),
        SitterView::from(&sitter),
    ))
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize, Serialize, ToSchema)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
#[schema(example = "APPROVED")]
pub enum Decision {
    Approved,
    Rejected,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct DecideSitter {
    pub decision: Decision,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct LoginIdParam {
    pub login_id: String,
}

/// The sitter's login id from the path: 404 for one that cannot be a login id.
pub fn login_id_param(p: LoginIdParam) -> AppResult<String> {
    if is_login_id(&p.login_id) {
        Ok(p.login_id)
    } else {
        Err(AppError::invalid(
            "`loginId` must be 3–32 of lowercase letters, digits, '_', '.' or '-'",
        ))
    }
}

/// An admin approves or rejects an APPLIED sitter → `SitterApproved` | `SitterRejected`.
pub async fn decide(
    d: &Deps,
    (Path(p), Json(cmd)): (Path<LoginIdParam>, Json<DecideSitter>),
    cx: &Call,
) -> AppResult<Json<SitterView>> {
    let login_id = login_id_param(p)?;
    let by = petmily_events::caller(cx)?.subject.clone();
    let command = match cmd.decision {
        Decision::Approved => SitterCmd::Approve { by },
        Decision::Rejected => SitterCmd::Reject { by },
    };
    let sitter = aggregate::update(
        &d.sitters,
        &login_id,
        cx,
        |s| Ok(s.decide(command.clone())?),
    )
    .await?;
    Ok(Json(SitterView::from(&sitter)))
}

/// On `SitterAssessed`: the score counts in the sitter's average, exactly once per event.
pub async fn on_sitter_assessed(d: &Deps, event: Envelope, _: &Call) -> Result<(), AppError> {
    let e: SitterAssessed = event.payload()?;
    let marker = Marker::of(ON_SITTER_ASSESSED, &event, &e.sitter_id);
    aggregate::write_once(&**d.sitters.store(), Some(&marker), || async {
        let Some(current) = d.sitters.get(&e.sitter_id).await? else {
            tracing::warn!(sitter_id = %e.sitter_id, "a rating for an unknown sitter");
            return Ok(Step::Skip(()));
        };
        let mut tx = Tx::new();
        tx.put(&current.doc.rated(e.score.clamp(1, 5)), current.version)?;
        Ok(Step::Write(tx, ()))
    })
    .await?;
    Ok(())
}
