//! `POST /api/v1/match/application` — a member picks their own pet and writes the care request
//! (requirement 6): the pet is read from pet synchronously (owner checked). `GET` lists them by
//! status, for sitters looking for OPEN ones.

use kernel::{
    AppError, AppResult, Call, Lookup, Order, Page, Tx,
    aggregate::{self, Decide},
    input::{Json, List},
    output::Created,
    validate::{Date, Id, Text},
};
use petmily_events::PetCareApplicationOpened;
use serde::Deserialize;
use utoipa::{IntoParams, ToSchema};

use crate::{
    Deps,
    domain::{ApplicationCmd, ApplicationStatus, BY_MEMBER, BY_STATUS, PetCareApplication},
};

pub type Requirements = Text<2000>;

#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Apply {
    pub pet_id: Id,
    pub start_date: Date,
    pub end_date: Date,
    pub requirements: Option<Requirements>,
}

pub async fn apply(
    d: &Deps,
    Json(cmd): Json<Apply>,
    cx: &Call,
) -> AppResult<Created<PetCareApplication>> {
    let member = petmily_events::caller(cx)?.subject.clone();
    if cmd.end_date.get() < cmd.start_date.get() {
        return Err(AppError::invalid(
            "`endDate` must not be before `startDate`",
        ));
    }
    let pet = d.pets.pet(cmd.pet_id.as_str(), cx).await?;
    if pet.owner_id != member {
        return Err(AppError::Forbidden(
            "a care request is written for one of your own pets".into(),
        ));
    }
    let id = cx.new_id();
    let events =
        PetCareApplication::default().decide(ApplicationCmd::Open(PetCareApplicationOpened {
            application_id: id.clone(),
            member_id: member,
            pet_id: pet.id,
            pet_name: pet.name,
            start_date: cmd.start_date.to_string(),
            end_date: cmd.end_date.to_string(),
        }))?;
    let initial = PetCareApplication {
        requirements: cmd.requirements.map(String::from).unwrap_or_default(),
        ..PetCareApplication::default()
    };
    let mut tx = Tx::new();
    let committed = aggregate::record(
        &mut tx,
        d.applications.store().context(),
        initial,
        0,
        events,
        cx,
    )?;
    d.applications.store().commit(tx.into_inner()).await?;
    Ok(Created::at(
        petmily_events::path(&format!("/api/v1/match/application/{id}")),
        committed.state,
    ))
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(rename_all = "camelCase")]
#[into_params(parameter_in = Query)]
pub struct ApplicationFilter {
    /// OPEN (the default) or MATCHED.
    pub status: Option<ApplicationStatus>,
    /// Only this member's requests.
    #[param(value_type = Option<String>, pattern = "^(?!\\.{1,2}$)[A-Za-z0-9._@-]{1,64}$")]
    pub member_id: Option<Id>,
}

/// Sitters browse OPEN requests; a member lists their own (any status). Someone else's
/// requests by member, or MATCHED ones of everyone, only an admin lists (403 otherwise).
pub async fn list(
    d: &Deps,
    q: List<ApplicationFilter>,
    cx: &Call,
) -> AppResult<Page<PetCareApplication>> {
    let caller = petmily_events::caller(cx)?;
    let admin = caller.has_role(petmily_events::ROLE_ADMIN);
    let status = q.filter.status;
    let lookup = match q.filter.member_id {
        Some(member) if member.as_str() == caller.subject || admin => {
            Lookup::By(BY_MEMBER, member.into_string())
        }
        Some(_) => {
            return Err(AppError::Forbidden(
                "a member lists only their own care requests".into(),
            ));
        }
        None => match status.unwrap_or_default() {
            ApplicationStatus::Open => {
                Lookup::By(BY_STATUS, ApplicationStatus::Open.as_str().into())
            }
            s if admin => Lookup::By(BY_STATUS, s.as_str().into()),
            _ => {
                return Err(AppError::Forbidden(
                    "everyone's MATCHED care requests are for admins; list your own with memberId"
                        .into(),
                ));
            }
        },
    };
    let page = d.applications.list(lookup, Order::Newest, &q.page).await?;
    // A member filter with a status keeps only that status.
    Ok(Page {
        items: page
            .items
            .into_iter()
            .filter(|a| status.is_none_or(|s| a.status == s))
            .collect(),
        next_cursor: page.next_cursor,
    })
}

pub async fn get(d: &Deps, id: Id, _: &Call) -> AppResult<Json<PetCareApplication>> {
    Ok(Json(d.applications.find(id.as_str()).await?.doc))
}
