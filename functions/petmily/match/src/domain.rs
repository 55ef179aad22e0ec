//! 돌봄 신청 (a pet-care application) and 매칭 (a match between a member and a sitter). Pure.
//!
//! Two-way matching: the member asks a sitter, or an approved sitter offers; asking or offering
//! counts as that side's acceptance. The other side accepts (care starts: CARE_STARTED) or
//! rejects (REJECTED); either party ends the care (CARE_ENDED). Only the two parties act.

use kernel::{Aggregate, AppError, Document, Keys, Slot, aggregate::Decide};
use petmily_events::{
    CareServiceEnded, CareServiceStarted, MatchRejected, MatchRequested, PetCareApplicationMatched,
    PetCareApplicationOpened,
};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

// ---- application ----------------------------------------------------------------------------

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum ApplicationStatus {
    /// Sitters may offer; the member may ask sitters.
    #[default]
    Open,
    /// Care started on one of its matches.
    Matched,
}

impl ApplicationStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Open => "OPEN",
            Self::Matched => "MATCHED",
        }
    }
}

/// A member's care request for one of their pets.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct PetCareApplication {
    pub id: String,
    pub member_id: String,
    pub pet_id: String,
    pub pet_name: String,
    pub start_date: String,
    pub end_date: String,
    pub requirements: String,
    pub status: ApplicationStatus,
    /// The match whose care started, once MATCHED.
    pub match_id: Option<String>,
}

/// Applications by status (`?status=OPEN`) and by member.
pub const BY_STATUS: Slot = Slot::A;
pub const BY_MEMBER: Slot = Slot::B;

impl Document for PetCareApplication {
    const KIND: &'static str = "PetCareApplication";
    fn id(&self) -> &str {
        &self.id
    }
    fn keys(&self) -> Keys {
        Keys {
            a: Some(self.status.as_str().to_owned()),
            b: Some(self.member_id.clone()),
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "eventType", content = "payload")]
pub enum ApplicationEvent {
    PetCareApplicationOpened(PetCareApplicationOpened),
    PetCareApplicationMatched(PetCareApplicationMatched),
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ApplicationCmd {
    Open(PetCareApplicationOpened),
    /// Care started on `match_id`.
    Match {
        match_id: String,
    },
}

#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum ApplicationRefusal {
    #[error("application {0} already exists")]
    AlreadyOpen(String),
    #[error("application {0} is no longer open")]
    NotOpen(String),
}

impl From<ApplicationRefusal> for AppError {
    fn from(r: ApplicationRefusal) -> Self {
        Self::Conflict(r.to_string())
    }
}

impl Decide for PetCareApplication {
    type Command = ApplicationCmd;
    type Refusal = ApplicationRefusal;

    fn decide(&self, cmd: ApplicationCmd) -> Result<Vec<ApplicationEvent>, ApplicationRefusal> {
        match cmd {
            ApplicationCmd::Open(e) => {
                if !self.id.is_empty() {
                    return Err(ApplicationRefusal::AlreadyOpen(self.id.clone()));
                }
                Ok(vec![ApplicationEvent::PetCareApplicationOpened(e)])
            }
            ApplicationCmd::Match { match_id } => {
                if self.status != ApplicationStatus::Open {
                    return Err(ApplicationRefusal::NotOpen(self.id.clone()));
                }
                Ok(vec![ApplicationEvent::PetCareApplicationMatched(
                    PetCareApplicationMatched {
                        application_id: self.id.clone(),
                        match_id,
                    },
                )])
            }
        }
    }
}

impl Aggregate for PetCareApplication {
    type Event = ApplicationEvent;

    fn apply(mut self, event: &ApplicationEvent) -> Self {
        match event {
            ApplicationEvent::PetCareApplicationOpened(e) => {
                self.id = e.application_id.clone();
                self.member_id = e.member_id.clone();
                self.pet_id = e.pet_id.clone();
                self.pet_name = e.pet_name.clone();
                self.start_date = e.start_date.clone();
                self.end_date = e.end_date.clone();
                self.status = ApplicationStatus::Open;
            }
            ApplicationEvent::PetCareApplicationMatched(e) => {
                self.status = ApplicationStatus::Matched;
                self.match_id = Some(e.match_id.clone());
            }
        }
        self
    }
}

// ---- match ----------------------------------------------------------------------------------

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum RequestedBy {
    /// The member asked a sitter.
    #[default]
    Member,
    /// A sitter offered.
    Sitter,
}

impl RequestedBy {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Member => "MEMBER",
            Self::Sitter => "SITTER",
        }
    }
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum MatchStatus {
    /// One side asked; the other has not answered.
    #[default]
    Requested,
    Rejected,
    CareStarted,
    CareEnded,
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Match {
    pub id: String,
    pub application_id: String,
    pub member_id: String,
    pub sitter_id: String,
    pub sitter_name: String,
    pub pet_id: String,
    pub pet_name: String,
    pub start_date: String,
    pub end_date: String,
    pub requested_by: RequestedBy,
    pub member_accepted: bool,
    pub sitter_accepted: bool,
    pub status: MatchStatus,
}

/// Matches by member and by sitter.
pub const BY_MATCH_MEMBER: Slot = Slot::A;
pub const BY_SITTER: Slot = Slot::B;

impl Document for Match {
    const KIND: &'static str = "Match";
    fn id(&self) -> &str {
        &self.id
    }
    fn keys(&self) -> Keys {
        Keys {
            a: Some(self.member_id.clone()),
            b: Some(self.sitter_id.clone()),
        }
    }
}

impl Match {
    pub fn is_party(&self, login_id: &str) -> bool {
        self.member_id == login_id || self.sitter_id == login_id
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "eventType", content = "payload")]
pub enum MatchEvent {
    MatchRequested(MatchRequested),
    MatchRejected(MatchRejected),
    CareServiceStarted(CareServiceStarted),
    CareServiceEnded(CareServiceEnded),
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum MatchCmd {
    /// Ask (`requested_by` MEMBER) or offer (SITTER) care for `application`.
    Request {
        id: String,
        application: Box<PetCareApplication>,
        sitter_id: String,
        sitter_name: String,
        requested_by: RequestedBy,
    },
    Accept {
        by: String,
    },
    Reject {
        by: String,
    },
    End {
        by: String,
    },
}

#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum MatchRefusal {
    #[error("only the member and the sitter of match {0} may act on it")]
    NotAParty(String),
    #[error("application {0} is no longer open")]
    ApplicationNotOpen(String),
    #[error("a member cannot care for their own pet")]
    OwnPet,
    #[error("match {0} is {1}, not {2}")]
    WrongState(String, &'static str, &'static str),
    #[error("you asked for match {0}: the other side accepts or rejects it")]
    OwnRequest(String),
}

impl From<MatchRefusal> for AppError {
    fn from(r: MatchRefusal) -> Self {
        match r {
            MatchRefusal::NotAParty(_) => Self::Forbidden(r.to_string()),
            MatchRefusal::OwnPet => Self::Refused(r.to_string()),
            _ => Self::Conflict(r.to_string()),
        }
    }
}

impl MatchStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Requested => "REQUESTED",
            Self::Rejected => "REJECTED",
            Self::CareStarted => "CARE_STARTED",
            Self::CareEnded => "CARE_ENDED",
        }
    }
}

impl Match {
    fn party(&self, by: &str) -> Result<(), MatchRefusal> {
        if self.is_party(by) {
            Ok(())
        } else {
            Err(MatchRefusal::NotAParty(self.id.clone()))
        }
    }

    fn expect(&self, status: MatchStatus) -> Result<(), MatchRefusal> {
        if self.status == status {
            Ok(())
        } else {
            Err(MatchRefusal::WrongState(
                self.id.clone(),
                self.status.as_str(),
                status.as_str(),
            ))
        }
    }

    /// Whether `by` is the side that has not accepted yet.
    fn answers(&self, by: &str) -> Result<(), MatchRefusal> {
        let requester = match self.requested_by {
            RequestedBy::Member => &self.member_id,
            RequestedBy::Sitter => &self.sitter_id,
        };
        if requester == by {
            Err(MatchRefusal::OwnRequest(self.id.clone()))
        } else {
            Ok(())
        }
    }
}

impl Decide for Match {
    type Command = MatchCmd;
    type Refusal = MatchRefusal;

    fn decide(&self, cmd: MatchCmd) -> Result<Vec<MatchEvent>, MatchRefusal> {
        match cmd {
            MatchCmd::Request {
                id,
                application,
                sitter_id,
                sitter_name,
                requested_by,
            } => {
                if application.status != ApplicationStatus::Open {
                    return Err(MatchRefusal::ApplicationNotOpen(application.id));
                }
                if sitter_id == application.member_id {
                    return Err(MatchRefusal::OwnPet);
                }
                Ok(vec![MatchEvent::MatchRequested(MatchRequested {
                    match_id: id,
                    application_id: application.id,
                    member_id: application.member_id,
                    sitter_id,
                    sitter_name,
                    pet_id: application.pet_id,
                    pet_name: application.pet_name,
                    requested_by: requested_by.as_str().to_owned(),
                    start_date: application.start_date,
                    end_date: application.end_date,
                })])
            }
            MatchCmd::Accept { by } => {
                self.party(&by)?;
                self.expect(MatchStatus::Requested)?;
                self.answers(&by)?;
                Ok(vec![MatchEvent::CareServiceStarted(CareServiceStarted {
                    match_id: self.id.clone(),
                    application_id: self.application_id.clone(),
                    member_id: self.member_id.clone(),
                    sitter_id: self.sitter_id.clone(),
                    sitter_name: self.sitter_name.clone(),
                    pet_id: self.pet_id.clone(),
                    pet_name: self.pet_name.clone(),
                })])
            }
            MatchCmd::Reject { by } => {
                self.party(&by)?;
                self.expect(MatchStatus::Requested)?;
                self.answers(&by)?;
                Ok(vec![MatchEvent::MatchRejected(MatchRejected {
                    match_id: self.id.clone(),
                    member_id: self.member_id.clone(),
                    sitter_id: self.sitter_id.clone(),
                    rejected_by: by,
                })])
            }
            MatchCmd::End { by } => {
                self.party(&by)?;
                self.expect(MatchStatus::CareStarted)?;
                Ok(vec![MatchEvent::CareServiceEnded(CareServiceEnded {
                    match_id: self.id.clone(),
                    member_id: self.member_id.clone(),
                    sitter_id: self.sitter_id.clone(),
                    pet_id: self.pet_id.clone(),
                    ended_by: by,
                })])
            }
        }
    }
}

impl Aggregate for Match {
    type Event = MatchEvent;

    fn apply(mut self, event: &MatchEvent) -> Self {
        match event {
            MatchEvent::MatchRequested(e) => {
                let by_member = e.requested_by == "MEMBER";
                self = Match {
                    id: e.match_id.clone(),
                    application_id: e.application_id.clone(),
                    member_id: e.member_id.clone(),
                    sitter_id: e.sitter_id.clone(),
                    sitter_name: e.sitter_name.clone(),
                    pet_id: e.pet_id.clone(),
                    pet_name: e.pet_name.clone(),
                    start_date: e.start_date.clone(),
                    end_date: e.end_date.clone(),
                    requested_by: if by_member {
                        RequestedBy::Member
                    } else {
                        RequestedBy::Sitter
                    },
                    member_accepted: by_member,
                    sitter_accepted: !by_member,
                    status: MatchStatus::Requested,
                };
            }
            MatchEvent::MatchRejected(_) => self.status = MatchStatus::Rejected,
            MatchEvent::CareServiceStarted(_) => {
                self.member_accepted = true;
                self.sitter_accepted = true;
                self.status = MatchStatus::CareStarted;
            }
            MatchEvent::CareServiceEnded(_) => self.status = MatchStatus::CareEnded,
        }
        self
    }
}

#[cfg(test)]
mod tests {
    use testkit::given;

    use super::*;

    fn application() -> PetCareApplication {
        PetCareApplication {
            id: "a1".into(),
            member_id: "kim".into(),
            pet_id: "p1".into(),
            pet_name: "Bori".into(),
            start_date: "2026-12-24".into(),
            end_date: "2026-12-26".into(),
            requirements: String::new(),
            status: ApplicationStatus::Open,
            match_id: None,
        }
    }

    fn request(by: RequestedBy) -> MatchCmd {
        MatchCmd::Request {
            id: "m1".into(),
            application: Box::new(application()),
            sitter_id: "lee".into(),
            sitter_name: "Lee".into(),
            requested_by: by,
        }
    }

    fn requested(by: &str) -> MatchEvent {
        MatchEvent::MatchRequested(MatchRequested {
            match_id: "m1".into(),
            application_id: "a1".into(),
            member_id: "kim".into(),
            sitter_id: "lee".into(),
            sitter_name: "Lee".into(),
            pet_id: "p1".into(),
            pet_name: "Bori".into(),
            requested_by: by.into(),
            start_date: "2026-12-24".into(),
            end_date: "2026-12-26".into(),
        })
    }

    fn started() -> MatchEvent {
        MatchEvent::CareServiceStarted(CareServiceStarted {
            match_id: "m1".into(),
            application_id: "a1".into(),
            member_id: "kim".into(),
            sitter_id: "lee".into(),
            sitter_name: "Lee".into(),
            pet_id: "p1".into(),
            pet_name: "Bori".into(),
        })
    }

    fn ended(by: &str) -> MatchEvent {
        MatchEvent::CareServiceEnded(CareServiceEnded {
            match_id: "m1".into(),
            member_id: "kim".into(),
            sitter_id: "lee".into(),
            pet_id: "p1".into(),
            ended_by: by.into(),
        })
    }

    fn by(who: &str) -> String {
        who.to_owned()
    }

    #[test]
    fn a_member_asking_counts_as_the_members_acceptance() {
        let m = given::<Match>([])
            .when(request(RequestedBy::Member))
            .then([requested("MEMBER")]);
        assert_eq!(
            (m.status, m.member_accepted, m.sitter_accepted),
            (MatchStatus::Requested, true, false)
        );
    }

    #[test]
    fn a_sitter_offering_counts_as_the_sitters_acceptance() {
        let m = given::<Match>([])
            .when(request(RequestedBy::Sitter))
            .then([requested("SITTER")]);
        assert_eq!((m.member_accepted, m.sitter_accepted), (false, true));
    }

    #[test]
    fn only_an_open_application_can_be_matched() {
        let mut matched = application();
        matched.status = ApplicationStatus::Matched;
        given::<Match>([])
            .when(MatchCmd::Request {
                id: "m1".into(),
                application: Box::new(matched),
                sitter_id: "lee".into(),
                sitter_name: "Lee".into(),
                requested_by: RequestedBy::Member,
            })
            .then_refused(MatchRefusal::ApplicationNotOpen("a1".into()));
    }

    #[test]
    fn a_member_cannot_sit_their_own_pet() {
        given::<Match>([])
            .when(MatchCmd::Request {
                id: "m1".into(),
                application: Box::new(application()),
                sitter_id: "kim".into(),
                sitter_name: "Kim".into(),
                requested_by: RequestedBy::Sitter,
            })
            .then_refused(MatchRefusal::OwnPet);
    }

    #[test]
    fn care_starts_when_the_other_side_accepts() {
        let m = given::<Match>([requested("MEMBER")])
            .when(MatchCmd::Accept { by: by("lee") })
            .then([started()]);
        assert_eq!(m.status, MatchStatus::CareStarted);
        given::<Match>([requested("SITTER")])
            .when(MatchCmd::Accept { by: by("kim") })
            .then([started()]);
    }

    #[test]
    fn the_asking_side_cannot_accept_its_own_request() {
        given::<Match>([requested("MEMBER")])
            .when(MatchCmd::Accept { by: by("kim") })
            .then_refused(MatchRefusal::OwnRequest("m1".into()));
    }

    #[test]
    fn a_stranger_cannot_act_on_a_match() {
        for cmd in [
            MatchCmd::Accept { by: by("park") },
            MatchCmd::Reject { by: by("park") },
            MatchCmd::End { by: by("park") },
        ] {
            given::<Match>([requested("MEMBER")])
                .when(cmd)
                .then_refused(MatchRefusal::NotAParty("m1".into()));
        }
    }

    #[test]
    fn the_other_side_rejects_a_request_once() {
        let m = given::<Match>([requested("MEMBER")])
            .when(MatchCmd::Reject { by: by("lee") })
            .then([MatchEvent::MatchRejected(MatchRejected {
                match_id: "m1".into(),
                member_id: "kim".into(),
                sitter_id: "lee".into(),
                rejected_by: "lee".into(),
            })]);
        assert_eq!(m.status, MatchStatus::Rejected);
        given::<Match>([requested("MEMBER"), started()])
            .when(MatchCmd::Reject { by: by("lee") })
            .then_refused(MatchRefusal::WrongState(
                "m1".into(),
                "CARE_STARTED",
                "REQUESTED",
            ));
    }

    #[test]
    fn either_party_ends_running_care_once() {
        let m = given::<Match>([requested("MEMBER"), started()])
            .when(MatchCmd::End { by: by("kim") })
            .then([ended("kim")]);
        assert_eq!(m.status, MatchStatus::CareEnded);
        given::<Match>([requested("MEMBER"), started()])
            .when(MatchCmd::End { by: by("lee") })
            .then([ended("lee")]);
        given::<Match>([requested("MEMBER"), started(), ended("kim")])
            .when(MatchCmd::End { by: by("lee") })
            .then_refused(MatchRefusal::WrongState(
                "m1".into(),
                "CARE_ENDED",
                "CARE_STARTED",
            ));
    }

    #[test]
    fn care_cannot_end_before_it_started() {
        given::<Match>([requested("SITTER")])
            .when(MatchCmd::End { by: by("kim") })
            .then_refused(MatchRefusal::WrongState(
                "m1".into(),
                "REQUESTED",
                "CARE_STARTED",
            ));
    }

    #[test]
    fn an_application_is_matched_once() {
        let opened = ApplicationEvent::PetCareApplicationOpened(PetCareApplicationOpened {
            application_id: "a1".into(),
            member_id: "kim".into(),
            pet_id: "p1".into(),
            pet_name: "Bori".into(),
            start_date: "2026-12-24".into(),
            end_date: "2026-12-26".into(),
        });
        let matched = ApplicationEvent::PetCareApplicationMatched(PetCareApplicationMatched {
            application_id: "a1".into(),
            match_id: "m1".into(),
        });
        let a = given::<PetCareApplication>([opened.clone()])
            .when(ApplicationCmd::Match {
                match_id: "m1".into(),
            })
            .then([matched.clone()]);
        assert_eq!(a.status, ApplicationStatus::Matched);
        given::<PetCareApplication>([opened, matched])
            .when(ApplicationCmd::Match {
                match_id: "m2".into(),
            })
            .then_refused(ApplicationRefusal::NotOpen("a1".into()));
    }

    #[test]
    fn refusals_map_to_forbidden_conflict_and_unprocessable() {
        let status = |r: MatchRefusal| AppError::from(r).status().as_u16();
        assert_eq!(status(MatchRefusal::NotAParty("m1".into())), 403);
        assert_eq!(status(MatchRefusal::OwnRequest("m1".into())), 409);
        assert_eq!(status(MatchRefusal::OwnPet), 422);
    }
}
