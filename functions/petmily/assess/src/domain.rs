//! 평가: an ended care (from `CareServiceEnded`) and the two ratings it allows, one per side.
//! Pure.

use kernel::{Aggregate, AppError, Document, aggregate::Decide};
use petmily_events::{PetAssessed, SitterAssessed};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// A care that ended: who may rate whom.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct EndedCare {
    /// The match's id.
    pub id: String,
    pub member_id: String,
    pub sitter_id: String,
    pub pet_id: String,
}

impl Document for EndedCare {
    const KIND: &'static str = "EndedCare";
    fn id(&self) -> &str {
        &self.id
    }
}

impl EndedCare {
    pub fn is_party(&self, login_id: &str) -> bool {
        self.member_id == login_id || self.sitter_id == login_id
    }
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum Target {
    #[default]
    Sitter,
    Pet,
}

/// One rating: `{matchId}-sitter` or `{matchId}-pet`, so each side rates once.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Assessment {
    pub id: String,
    pub match_id: String,
    pub target: Target,
    /// The sitter's login id or the pet's id.
    pub target_id: String,
    /// Who rated.
    pub by: String,
    pub score: u32,
    pub comment: String,
}

impl Document for Assessment {
    const KIND: &'static str = "Assessment";
    fn id(&self) -> &str {
        &self.id
    }
}

pub fn assessment_id(match_id: &str, target: Target) -> String {
    match target {
        Target::Sitter => format!("{match_id}-sitter"),
        Target::Pet => format!("{match_id}-pet"),
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "eventType", content = "payload")]
pub enum AssessEvent {
    SitterAssessed(SitterAssessed),
    PetAssessed(PetAssessed),
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Rate {
    pub care: EndedCare,
    pub target: Target,
    pub by: String,
    pub score: u32,
    pub comment: String,
}

#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum Refusal {
    #[error("only the member of match {0} rates its sitter")]
    NotTheMember(String),
    #[error("only the sitter of match {0} rates its pet")]
    NotTheSitter(String),
    #[error("{0} was rated already")]
    AlreadyRated(String),
}

impl From<Refusal> for AppError {
    fn from(r: Refusal) -> Self {
        match r {
            Refusal::AlreadyRated(_) => Self::Conflict(r.to_string()),
            _ => Self::Forbidden(r.to_string()),
        }
    }
}

impl Decide for Assessment {
    type Command = Rate;
    type Refusal = Refusal;

    /// The member rates the sitter, the sitter rates the pet; each once.
    fn decide(&self, cmd: Rate) -> Result<Vec<AssessEvent>, Refusal> {
        let care = cmd.care;
        let id = assessment_id(&care.id, cmd.target);
        let event = match cmd.target {
            Target::Sitter if cmd.by != care.member_id => {
                return Err(Refusal::NotTheMember(care.id));
            }
            Target::Pet if cmd.by != care.sitter_id => {
                return Err(Refusal::NotTheSitter(care.id));
            }
            _ if !self.id.is_empty() => return Err(Refusal::AlreadyRated(id)),
            Target::Sitter => AssessEvent::SitterAssessed(SitterAssessed {
                assessment_id: id,
                match_id: care.id,
                sitter_id: care.sitter_id,
                member_id: care.member_id,
                score: cmd.score,
                comment: cmd.comment,
            }),
            Target::Pet => AssessEvent::PetAssessed(PetAssessed {
                assessment_id: id,
                match_id: care.id,
                pet_id: care.pet_id,
                sitter_id: care.sitter_id,
                score: cmd.score,
                comment: cmd.comment,
            }),
        };
        Ok(vec![event])
    }
}

impl Aggregate for Assessment {
    type Event = AssessEvent;

    fn apply(self, event: &AssessEvent) -> Self {
        match event {
            AssessEvent::SitterAssessed(e) => Assessment {
                id: e.assessment_id.clone(),
                match_id: e.match_id.clone(),
                target: Target::Sitter,
                target_id: e.sitter_id.clone(),
                by: e.member_id.clone(),
                score: e.score,
                comment: e.comment.clone(),
            },
            AssessEvent::PetAssessed(e) => Assessment {
                id: e.assessment_id.clone(),
                match_id: e.match_id.clone(),
                target: Target::Pet,
                target_id: e.pet_id.clone(),
                by: e.sitter_id.clone(),
                score: e.score,
                comment: e.comment.clone(),
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use testkit::given;

    use super::*;

    fn care() -> EndedCare {
        EndedCare {
            id: "m1".into(),
            member_id: "kim".into(),
            sitter_id: "lee".into(),
            pet_id: "p1".into(),
        }
    }

    fn rate(target: Target, by: &str) -> Rate {
        Rate {
            care: care(),
            target,
            by: by.into(),
            score: 5,
            comment: "good".into(),
        }
    }

    fn sitter_assessed() -> AssessEvent {
        AssessEvent::SitterAssessed(SitterAssessed {
            assessment_id: "m1-sitter".into(),
            match_id: "m1".into(),
            sitter_id: "lee".into(),
            member_id: "kim".into(),
            score: 5,
            comment: "good".into(),
        })
    }

    #[test]
    fn the_member_rates_the_sitter_after_care_ended() {
        let a = given::<Assessment>([])
            .when(rate(Target::Sitter, "kim"))
            .then([sitter_assessed()]);
        assert_eq!((a.target_id.as_str(), a.score), ("lee", 5));
    }

    #[test]
    fn the_sitter_rates_the_pet() {
        let a = given::<Assessment>([])
            .when(rate(Target::Pet, "lee"))
            .then([AssessEvent::PetAssessed(PetAssessed {
                assessment_id: "m1-pet".into(),
                match_id: "m1".into(),
                pet_id: "p1".into(),
                sitter_id: "lee".into(),
                score: 5,
                comment: "good".into(),
            })]);
        assert_eq!(a.by, "lee");
    }

    #[test]
    fn each_side_rates_once() {
        given::<Assessment>([sitter_assessed()])
            .when(rate(Target::Sitter, "kim"))
            .then_refused(Refusal::AlreadyRated("m1-sitter".into()));
    }

    #[test]
    fn only_the_member_rates_the_sitter_and_only_the_sitter_rates_the_pet() {
        given::<Assessment>([])
            .when(rate(Target::Sitter, "lee"))
            .then_refused(Refusal::NotTheMember("m1".into()));
        given::<Assessment>([])
            .when(rate(Target::Pet, "kim"))
            .then_refused(Refusal::NotTheSitter("m1".into()));
    }
}
