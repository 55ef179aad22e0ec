//! 가족 (family): its members' memberships. A request is recorded on `CustomerRegistered`
//! (REGISTERED; APPROVED at once for the family's first member); an APPROVED member approves or
//! denies the others; a deleted customer's membership is removed. Pure.

use family_events::{FamilyApproved, FamilyDenied, MembershipRemoved, MembershipRequested};
use kernel::{Aggregate, Document, aggregate::Decide};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum MembershipStatus {
    /// 가입 요청: waiting for an ACTIVE member's decision.
    #[default]
    Registered,
    /// 승인: a member of the family.
    Approved,
    /// 거절.
    Denied,
}

impl MembershipStatus {
    pub fn code(self) -> &'static str {
        match self {
            Self::Registered => "REGISTERED",
            Self::Approved => "APPROVED",
            Self::Denied => "DENIED",
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Membership {
    pub customer_id: String,
    pub name: String,
    pub status: MembershipStatus,
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Family {
    /// The family's id.
    pub id: String,
    /// In the order they asked to join.
    pub members: Vec<Membership>,
}

impl Document for Family {
    const KIND: &'static str = "Family";
    fn id(&self) -> &str {
        &self.id
    }
}

impl Family {
    pub fn member(&self, customer_id: &str) -> Option<&Membership> {
        self.members.iter().find(|m| m.customer_id == customer_id)
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "eventType", content = "payload")]
pub enum FamilyEvent {
    MembershipRequested(MembershipRequested),
    FamilyApproved(FamilyApproved),
    FamilyDenied(FamilyDenied),
    MembershipRemoved(MembershipRemoved),
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum FamilyCmd {
    /// From `CustomerRegistered`; `active` for the family's first member.
    Request {
        family_id: String,
        customer_id: String,
        name: String,
        active: bool,
    },
    Approve {
        customer_id: String,
        approver_id: String,
    },
    Deny {
        customer_id: String,
        approver_id: String,
    },
    /// From `CustomerDeleted`.
    Remove { customer_id: String },
}

#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum Refusal {
    #[error("{0} is not an ACTIVE member of family {1}")]
    NotAnActiveMember(String, String),
    #[error("{0} has not asked to join family {1}")]
    NoRequest(String, String),
    #[error("the membership of {0} is already {1}")]
    AlreadyDecided(String, &'static str),
}

impl From<Refusal> for kernel::AppError {
    fn from(r: Refusal) -> Self {
        match r {
            Refusal::NotAnActiveMember(..) => Self::Forbidden(r.to_string()),
            Refusal::NoRequest(customer, _) => Self::not_found("Membership", customer),
            Refusal::AlreadyDecided(..) => Self::Conflict(r.to_string()),
        }
    }
}

impl Family {
    fn decision(&self, customer_id: &str, approver_id: &str) -> Result<(), Refusal> {
        let family = self.id.clone();
        match self.member(approver_id) {
            Some(m) if m.status == MembershipStatus::Approved => {}
            _ => return Err(Refusal::NotAnActiveMember(approver_id.to_owned(), family)),
        }
        match self.member(customer_id) {
            None => Err(Refusal::NoRequest(customer_id.to_owned(), family)),
            Some(m) if m.status != MembershipStatus::Registered => Err(Refusal::AlreadyDecided(
                customer_id.to_owned(),
                m.status.code(),
            )),
            Some(_) => Ok(()),
        }
    }
}

impl Decide for Family {
    type Command = FamilyCmd;
    type Refusal = Refusal;

    /// Every rule of a family's membership. The policies (request, remove) never refuse: a
    /// repeated request or the removal of someone who is no member changes nothing.
    fn decide(&self, cmd: FamilyCmd) -> Result<Vec<FamilyEvent>, Refusal> {
        use FamilyEvent as E;
        match cmd {
            FamilyCmd::Request {
                family_id,
                customer_id,
                name,
                active,
            } => {
                if self.member(&customer_id).is_some() {
                    return Ok(vec![]);
                }
                let status = if active {
                    MembershipStatus::Approved
                } else {
                    MembershipStatus::Registered
                };
                Ok(vec![E::MembershipRequested(MembershipRequested {
                    family_id,
                    customer_id,
                    name,
                    status: status.code().to_owned(),
                })])
            }
            FamilyCmd::Approve {
                customer_id,
                approver_id,
            } => {
                self.decision(&customer_id, &approver_id)?;
                Ok(vec![E::FamilyApproved(FamilyApproved {
                    family_id: self.id.clone(),
                    customer_id,
                    approver_id,
                })])
            }
            FamilyCmd::Deny {
                customer_id,
                approver_id,
            } => {
                self.decision(&customer_id, &approver_id)?;
                Ok(vec![E::FamilyDenied(FamilyDenied {
                    family_id: self.id.clone(),
                    customer_id,
                    approver_id,
                })])
            }
            FamilyCmd::Remove { customer_id } => Ok(match self.member(&customer_id) {
                Some(_) => vec![E::MembershipRemoved(MembershipRemoved {
                    family_id: self.id.clone(),
                    customer_id,
                })],
                None => vec![],
            }),
        }
    }
}

impl Aggregate for Family {
    type Event = FamilyEvent;

    fn apply(mut self, event: &FamilyEvent) -> Self {
        let set = |f: &mut Family, customer: &str, status| {
            if let Some(m) = f.members.iter_mut().find(|m| m.customer_id == customer) {
                m.status = status;
            }
        };
        match event {
            FamilyEvent::MembershipRequested(e) => {
                self.id = e.family_id.clone();
                self.members.push(Membership {
                    customer_id: e.customer_id.clone(),
                    name: e.name.clone(),
                    status: if e.status == "APPROVED" {
                        MembershipStatus::Approved
                    } else {
                        MembershipStatus::Registered
                    },
                });
            }
            FamilyEvent::FamilyApproved(e) => {
                set(&mut self, &e.customer_id, MembershipStatus::Approved)
            }
            FamilyEvent::FamilyDenied(e) => {
                set(&mut self, &e.customer_id, MembershipStatus::Denied)
            }
            FamilyEvent::MembershipRemoved(e) => {
                self.members.retain(|m| m.customer_id != e.customer_id)
            }
        }
        self
    }
}

#[cfg(test)]
mod tests {
    use testkit::given;

    use super::*;

    fn requested(customer: &str, status: &str) -> FamilyEvent {
        FamilyEvent::MembershipRequested(MembershipRequested {
            family_id: "kims".into(),
            customer_id: customer.into(),
            name: customer.to_uppercase(),
            status: status.into(),
        })
    }

    fn request(customer: &str, active: bool) -> FamilyCmd {
        FamilyCmd::Request {
            family_id: "kims".into(),
            customer_id: customer.into(),
            name: customer.to_uppercase(),
            active,
        }
    }

    fn approve(customer: &str, approver: &str) -> FamilyCmd {
        FamilyCmd::Approve {
            customer_id: customer.into(),
            approver_id: approver.into(),
        }
    }

    fn approved(customer: &str, approver: &str) -> FamilyEvent {
        FamilyEvent::FamilyApproved(FamilyApproved {
            family_id: "kims".into(),
            customer_id: customer.into(),
            approver_id: approver.into(),
        })
    }

    fn deny(customer: &str, approver: &str) -> FamilyCmd {
        FamilyCmd::Deny {
            customer_id: customer.into(),
            approver_id: approver.into(),
        }
    }

    #[test]
    fn a_registration_creates_a_membership_request() {
        let f = given::<Family>([requested("mom", "APPROVED")])
            .when(request("son", false))
            .then([requested("son", "REGISTERED")]);
        assert_eq!(
            f.member("son").map(|m| m.status),
            Some(MembershipStatus::Registered)
        );
    }

    #[test]
    fn the_first_member_of_a_new_family_is_approved_at_once() {
        let f = given::<Family>([])
            .when(request("mom", true))
            .then([requested("mom", "APPROVED")]);
        assert_eq!(f.id, "kims");
        assert_eq!(
            f.member("mom").map(|m| m.status),
            Some(MembershipStatus::Approved)
        );
    }

    #[test]
    fn a_repeated_request_changes_nothing() {
        given::<Family>([requested("mom", "APPROVED")])
            .when(request("mom", false))
            .then_nothing();
    }

    #[test]
    fn an_active_member_approves_a_request() {
        let f = given::<Family>([requested("mom", "APPROVED"), requested("son", "REGISTERED")])
            .when(approve("son", "mom"))
            .then([approved("son", "mom")]);
        assert_eq!(
            f.member("son").map(|m| m.status),
            Some(MembershipStatus::Approved)
        );
    }

    #[test]
    fn an_active_member_denies_a_request() {
        let f = given::<Family>([requested("mom", "APPROVED"), requested("son", "REGISTERED")])
            .when(deny("son", "mom"))
            .then([FamilyEvent::FamilyDenied(FamilyDenied {
                family_id: "kims".into(),
                customer_id: "son".into(),
                approver_id: "mom".into(),
            })]);
        assert_eq!(
            f.member("son").map(|m| m.status),
            Some(MembershipStatus::Denied)
        );
    }

    #[test]
    fn one_who_is_not_an_active_member_may_not_decide() {
        let given_ = || {
            given::<Family>([
                requested("mom", "APPROVED"),
                requested("son", "REGISTERED"),
                requested("dad", "REGISTERED"),
            ])
        };
        given_()
            .when(approve("son", "dad"))
            .then_refused(Refusal::NotAnActiveMember("dad".into(), "kims".into()));
        given_()
            .when(approve("son", "stranger"))
            .then_refused(Refusal::NotAnActiveMember("stranger".into(), "kims".into()));
        given_()
            .when(approve("son", "son"))
            .then_refused(Refusal::NotAnActiveMember("son".into(), "kims".into()));
    }

    #[test]
    fn a_decided_membership_cannot_be_decided_again() {
        given::<Family>([
            requested("mom", "APPROVED"),
            requested("son", "REGISTERED"),
            approved("son", "mom"),
        ])
        .when(deny("son", "mom"))
        .then_refused(Refusal::AlreadyDecided("son".into(), "APPROVED"));
    }

    #[test]
    fn deciding_on_someone_who_never_asked_is_refused() {
        given::<Family>([requested("mom", "APPROVED")])
            .when(approve("ghost", "mom"))
            .then_refused(Refusal::NoRequest("ghost".into(), "kims".into()));
    }

    #[test]
    fn a_deleted_customer_loses_the_membership() {
        let f = given::<Family>([requested("mom", "APPROVED"), requested("son", "REGISTERED")])
            .when(FamilyCmd::Remove {
                customer_id: "son".into(),
            })
            .then([FamilyEvent::MembershipRemoved(MembershipRemoved {
                family_id: "kims".into(),
                customer_id: "son".into(),
            })]);
        assert!(f.member("son").is_none());
        given::<Family>([requested("mom", "APPROVED")])
            .when(FamilyCmd::Remove {
                customer_id: "son".into(),
            })
            .then_nothing();
    }
}
