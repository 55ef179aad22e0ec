//! 고객 (customer): registers PENDING (or ACTIVE as the first member of a new family), turns ACTIVE
//! when a member approves, INACTIVE when one denies, DELETED when the customer leaves. Pure.

use family_events::{CustomerDeleted, CustomerRegistered, MemberDeleted, MemberRegistered};
use kernel::{Aggregate, Document, Keys, Slot, aggregate::Decide};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum CustomerStatus {
    /// 승인 대기: waiting for a member of the family to approve.
    #[default]
    Pending,
    /// A member of the family: may start a move, receives alarms.
    Active,
    /// The membership was denied.
    Inactive,
    /// 탈퇴: the customer deleted their account.
    Deleted,
}

impl CustomerStatus {
    pub fn code(self) -> &'static str {
        match self {
            Self::Pending => "PENDING",
            Self::Active => "ACTIVE",
            Self::Inactive => "INACTIVE",
            Self::Deleted => "DELETED",
        }
    }
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Customer {
    pub id: String,
    pub name: String,
    pub phone: String,
    pub family_id: String,
    pub status: CustomerStatus,
}

/// Customers by family (`GET /customers?familyId=`).
pub const BY_FAMILY: Slot = Slot::A;

impl Document for Customer {
    const KIND: &'static str = "Customer";
    fn id(&self) -> &str {
        &self.id
    }
    fn keys(&self) -> Keys {
        Keys {
            a: Some(self.family_id.clone()),
            b: None,
        }
    }
}

/// Written once per family id, in the same write as its first customer: whoever writes it
/// founds the family (ACTIVE at once); two first registrations racing cannot both.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct FamilyFounding {
    /// The family's id.
    pub id: String,
    pub founder: String,
}

impl Document for FamilyFounding {
    const KIND: &'static str = "FamilyFounding";
    fn id(&self) -> &str {
        &self.id
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "eventType", content = "payload")]
pub enum CustomerEvent {
    CustomerRegistered(CustomerRegistered),
    MemberRegistered(MemberRegistered),
    MemberDeleted(MemberDeleted),
    CustomerDeleted(CustomerDeleted),
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum CustomerCmd {
    Register {
        id: String,
        name: String,
        phone: String,
        family_id: String,
        /// The first member of a new family: ACTIVE at once.
        founder: bool,
    },
    /// A member approved (`FamilyApproved`).
    Activate,
    /// A member denied (`FamilyDenied`).
    Deactivate,
    Delete,
}

#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum Refusal {
    #[error("customer {0} already exists")]
    AlreadyRegistered(String),
    #[error("customer {0} is already deleted")]
    AlreadyDeleted(String),
}

impl From<Refusal> for kernel::AppError {
    fn from(r: Refusal) -> Self {
        Self::Conflict(r.to_string())
    }
}

impl Decide for Customer {
    type Command = CustomerCmd;
    type Refusal = Refusal;

    /// Every rule of a customer's account. The policies (activate, deactivate) never refuse: a
    /// decision that arrives after the account moved on (deleted) changes nothing.
    fn decide(&self, cmd: CustomerCmd) -> Result<Vec<CustomerEvent>, Refusal> {
        use CustomerEvent as E;
        let (customer_id, family_id) = (self.id.clone(), self.family_id.clone());
        match cmd {
            CustomerCmd::Register {
                id,
                name,
                phone,
                family_id,
                founder,
            } => {
                if !self.id.is_empty() {
                    return Err(Refusal::AlreadyRegistered(self.id.clone()));
                }
                let status = if founder {
                    CustomerStatus::Active
                } else {
                    CustomerStatus::Pending
                };
                let mut events = vec![E::CustomerRegistered(CustomerRegistered {
                    customer_id: id.clone(),
                    name: name.clone(),
                    phone,
                    family_id: family_id.clone(),
                    status: status.code().to_owned(),
                })];
                if founder {
                    events.push(E::MemberRegistered(MemberRegistered {
                        customer_id: id,
                        family_id,
                        name,
                    }));
                }
                Ok(events)
            }
            CustomerCmd::Activate => Ok(match self.status {
                CustomerStatus::Pending => vec![E::MemberRegistered(MemberRegistered {
                    customer_id,
                    family_id,
                    name: self.name.clone(),
                })],
                _ => vec![],
            }),
            CustomerCmd::Deactivate => Ok(match self.status {
                CustomerStatus::Pending => vec![E::MemberDeleted(MemberDeleted {
                    customer_id,
                    family_id,
                })],
                _ => vec![],
            }),
            CustomerCmd::Delete => {
                if self.status == CustomerStatus::Deleted {
                    return Err(Refusal::AlreadyDeleted(customer_id));
                }
                Ok(vec![E::CustomerDeleted(CustomerDeleted {
                    customer_id,
                    family_id,
                })])
            }
        }
    }
}

impl Aggregate for Customer {
    type Event = CustomerEvent;

    fn apply(mut self, event: &CustomerEvent) -> Self {
        match event {
            CustomerEvent::CustomerRegistered(e) => {
                self = Customer {
                    id: e.customer_id.clone(),
                    name: e.name.clone(),
                    phone: e.phone.clone(),
                    family_id: e.family_id.clone(),
                    status: if e.status == "ACTIVE" {
                        CustomerStatus::Active
                    } else {
                        CustomerStatus::Pending
                    },
                };
            }
            CustomerEvent::MemberRegistered(_) => self.status = CustomerStatus::Active,
            CustomerEvent::MemberDeleted(_) => self.status = CustomerStatus::Inactive,
            CustomerEvent::CustomerDeleted(_) => self.status = CustomerStatus::Deleted,
        }
        self
    }
}

#[cfg(test)]
mod tests {
    use testkit::given;

    use super::*;

    fn register(founder: bool) -> CustomerCmd {
        CustomerCmd::Register {
            id: "son".into(),
            name: "Kim Son".into(),
            phone: "010-1".into(),
            family_id: "kims".into(),
            founder,
        }
    }

    fn registered(status: &str) -> CustomerEvent {
        CustomerEvent::CustomerRegistered(CustomerRegistered {
            customer_id: "son".into(),
            name: "Kim Son".into(),
            phone: "010-1".into(),
            family_id: "kims".into(),
            status: status.into(),
        })
    }

    fn member_registered() -> CustomerEvent {
        CustomerEvent::MemberRegistered(MemberRegistered {
            customer_id: "son".into(),
            family_id: "kims".into(),
            name: "Kim Son".into(),
        })
    }

    fn member_deleted() -> CustomerEvent {
        CustomerEvent::MemberDeleted(MemberDeleted {
            customer_id: "son".into(),
            family_id: "kims".into(),
        })
    }

    fn deleted() -> CustomerEvent {
        CustomerEvent::CustomerDeleted(CustomerDeleted {
            customer_id: "son".into(),
            family_id: "kims".into(),
        })
    }

    #[test]
    fn a_customer_joining_an_existing_family_is_pending() {
        let c = given::<Customer>([])
            .when(register(false))
            .then([registered("PENDING")]);
        assert_eq!(c.status, CustomerStatus::Pending);
    }

    #[test]
    fn the_first_member_of_a_new_family_is_active_at_once() {
        let c = given::<Customer>([])
            .when(register(true))
            .then([registered("ACTIVE"), member_registered()]);
        assert_eq!(c.status, CustomerStatus::Active);
    }

    #[test]
    fn a_customer_registers_once() {
        given::<Customer>([registered("PENDING")])
            .when(register(false))
            .then_refused(Refusal::AlreadyRegistered("son".into()));
    }

    #[test]
    fn an_approval_turns_a_pending_customer_active_once() {
        let c = given::<Customer>([registered("PENDING")])
            .when(CustomerCmd::Activate)
            .then([member_registered()]);
        assert_eq!(c.status, CustomerStatus::Active);
        given::<Customer>([registered("PENDING"), member_registered()])
            .when(CustomerCmd::Activate)
            .then_nothing();
    }

    #[test]
    fn a_denial_turns_a_pending_customer_inactive() {
        let c = given::<Customer>([registered("PENDING")])
            .when(CustomerCmd::Deactivate)
            .then([member_deleted()]);
        assert_eq!(c.status, CustomerStatus::Inactive);
    }

    #[test]
    fn a_late_decision_does_not_revive_a_deleted_customer() {
        given::<Customer>([registered("PENDING"), deleted()])
            .when(CustomerCmd::Activate)
            .then_nothing();
        given::<Customer>([registered("PENDING"), deleted()])
            .when(CustomerCmd::Deactivate)
            .then_nothing();
    }

    #[test]
    fn deleting_marks_the_customer_deleted_and_twice_is_refused() {
        let c = given::<Customer>([registered("ACTIVE"), member_registered()])
            .when(CustomerCmd::Delete)
            .then([deleted()]);
        assert_eq!(c.status, CustomerStatus::Deleted);
        given::<Customer>([registered("PENDING"), deleted()])
            .when(CustomerCmd::Delete)
            .then_refused(Refusal::AlreadyDeleted("son".into()));
    }
}
