//! 이사업체 할당: the mover companies and the assignment of one to each call (`orderId`).
//! A company serves one move at a time (decided): AVAILABLE, or BUSY with the order it serves.
//! Pure.

use kernel::{Aggregate, Document, Keys, Slot, aggregate::Decide};
use moving_events::{MoveType, MoverassignCancelled, MoverassignCompleted, MoverassignFailed};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum CompanyStatus {
    #[default]
    Available,
    /// Serving a move (`orderId`).
    Busy,
}

impl CompanyStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Available => "AVAILABLE",
            Self::Busy => "BUSY",
        }
    }
}

/// A mover company (이사업체) in the registry.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Company {
    pub id: String,
    #[schema(example = "Mapo Movers")]
    pub name: String,
    #[schema(example = "0212345678")]
    pub tel: String,
    /// The locations it serves (where it is "near").
    #[schema(example = json!(["mapo", "seodaemun"]))]
    pub regions: Vec<String>,
    pub move_types: Vec<MoveType>,
    pub status: CompanyStatus,
    /// The call it serves while BUSY.
    pub order_id: Option<String>,
}

/// Companies by status: the assigner reads only the AVAILABLE ones.
pub const BY_STATUS: Slot = Slot::A;

impl Document for Company {
    const KIND: &'static str = "Company";
    fn id(&self) -> &str {
        &self.id
    }
    fn keys(&self) -> Keys {
        Keys {
            a: Some(self.status.as_str().to_owned()),
            b: None,
        }
    }
}

/// Regions are matched without regard to case or surrounding spaces.
pub fn region_key(region: &str) -> String {
    region.trim().to_lowercase()
}

impl Company {
    /// Whether this company could serve a move of `move_type` at `location` (free or not).
    pub fn serves(&self, location: &str, move_type: MoveType) -> bool {
        let at = region_key(location);
        self.move_types.contains(&move_type) && self.regions.iter().any(|r| region_key(r) == at)
    }

    /// This company, taken for `order_id`; `None` if it is serving another move.
    pub fn take(&self, order_id: &str) -> Option<Company> {
        (self.status == CompanyStatus::Available).then(|| Company {
            status: CompanyStatus::Busy,
            order_id: Some(order_id.to_owned()),
            ..self.clone()
        })
    }

    /// This company, free again; `None` unless it is serving `order_id` (a release proves its
    /// right by naming the order the company serves).
    pub fn release(&self, order_id: &str) -> Option<Company> {
        (self.order_id.as_deref() == Some(order_id)).then(|| Company {
            status: CompanyStatus::Available,
            order_id: None,
            ..self.clone()
        })
    }
}

/// The companies, in the order given (oldest registered first), that are free and serve the move.
pub fn pick<'a>(companies: &'a [Company], location: &str, move_type: MoveType) -> Vec<&'a Company> {
    companies
        .iter()
        .filter(|c| c.status == CompanyStatus::Available && c.serves(location, move_type))
        .collect()
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum AssignStatus {
    #[default]
    Assigned,
    Failed,
    Cancelled,
}

/// The assignment of a call (`id` is its `orderId`).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Moverassign {
    pub id: String,
    pub tel: String,
    pub location: String,
    pub move_type: MoveType,
    pub status: AssignStatus,
    pub company_id: Option<String>,
    /// The company's name.
    pub mover: Option<String>,
    pub movertel: Option<String>,
    pub reason: Option<String>,
}

impl Document for Moverassign {
    const KIND: &'static str = "Moverassign";
    fn id(&self) -> &str {
        &self.id
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "eventType", content = "payload")]
pub enum MoverassignEvent {
    MoverassignCompleted(MoverassignCompleted),
    MoverassignFailed(MoverassignFailed),
    MoverassignCancelled(MoverassignCancelled),
}

/// The order as movemanage's event gives it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Order {
    pub order_id: String,
    pub tel: String,
    pub location: String,
    pub move_type: MoveType,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum AssignCmd {
    /// Assign `taken` (the company the handler reserved for the order), or fail if none.
    Assign {
        order: Order,
        taken: Option<Company>,
    },
    /// The call was cancelled: release the company, if the order has one.
    Cancel { order_id: String, tel: String },
}

/// Policies never refuse: every command either changes the assignment or changes nothing.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum Refusal {}

impl From<Refusal> for kernel::AppError {
    fn from(r: Refusal) -> Self {
        match r {}
    }
}

impl Decide for Moverassign {
    type Command = AssignCmd;
    type Refusal = Refusal;

    fn decide(&self, cmd: AssignCmd) -> Result<Vec<MoverassignEvent>, Refusal> {
        use MoverassignEvent as E;
        Ok(match cmd {
            // An order is assigned once; one already cancelled is never assigned.
            AssignCmd::Assign { .. } if !self.id.is_empty() => vec![],
            AssignCmd::Assign {
                order,
                taken: Some(c),
            } => vec![E::MoverassignCompleted(MoverassignCompleted {
                order_id: order.order_id,
                tel: order.tel,
                company_id: c.id,
                mover: c.name,
                movertel: c.tel,
            })],
            AssignCmd::Assign { order, taken: None } => {
                vec![E::MoverassignFailed(MoverassignFailed {
                    reason: format!(
                        "no company near {} is free for {}",
                        order.location,
                        order.move_type.as_str()
                    ),
                    order_id: order.order_id,
                    tel: order.tel,
                })]
            }
            AssignCmd::Cancel { .. }
                if self.status == AssignStatus::Cancelled && !self.id.is_empty() =>
            {
                vec![]
            }
            AssignCmd::Cancel { order_id, tel } => {
                vec![E::MoverassignCancelled(MoverassignCancelled {
                    order_id,
                    tel,
                    company_id: self.company_id.clone(),
                    mover: self.mover.clone(),
                })]
            }
        })
    }
}

impl Aggregate for Moverassign {
    type Event = MoverassignEvent;

    fn apply(mut self, event: &MoverassignEvent) -> Self {
        match event {
            MoverassignEvent::MoverassignCompleted(e) => {
                self.id = e.order_id.clone();
                self.tel = e.tel.clone();
                self.status = AssignStatus::Assigned;
                self.company_id = Some(e.company_id.clone());
                self.mover = Some(e.mover.clone());
                self.movertel = Some(e.movertel.clone());
            }
            MoverassignEvent::MoverassignFailed(e) => {
                self.id = e.order_id.clone();
                self.tel = e.tel.clone();
                self.status = AssignStatus::Failed;
                self.reason = Some(e.reason.clone());
            }
            MoverassignEvent::MoverassignCancelled(e) => {
                self.id = e.order_id.clone();
                self.tel = e.tel.clone();
                self.status = AssignStatus::Cancelled;
            }
        }
        self
    }
}

#[cfg(test)]
mod tests {
    use testkit::given;

    use super::*;

    fn company(id: &str, regions: &[&str], types: &[MoveType]) -> Company {
        Company {
            id: id.into(),
            name: format!("{id} Movers"),
            tel: "0212345678".into(),
            regions: regions.iter().map(|r| (*r).to_owned()).collect(),
            move_types: types.to_vec(),
            status: CompanyStatus::Available,
            order_id: None,
        }
    }

    fn order() -> Order {
        Order {
            order_id: "o1".into(),
            tel: "01012345678".into(),
            location: "mapo".into(),
            move_type: MoveType::Packing,
        }
    }

    fn completed() -> MoverassignEvent {
        MoverassignEvent::MoverassignCompleted(MoverassignCompleted {
            order_id: "o1".into(),
            tel: "01012345678".into(),
            company_id: "k1".into(),
            mover: "k1 Movers".into(),
            movertel: "0212345678".into(),
        })
    }

    fn cancel() -> AssignCmd {
        AssignCmd::Cancel {
            order_id: "o1".into(),
            tel: "01012345678".into(),
        }
    }

    #[test]
    fn a_company_serves_its_regions_and_move_types_only() {
        let c = company("k1", &["Mapo", "guro"], &[MoveType::Packing]);
        assert!(c.serves(" mapo ", MoveType::Packing));
        assert!(!c.serves("mapo", MoveType::HalfPacking));
        assert!(!c.serves("gangnam", MoveType::Packing));
    }

    #[test]
    fn a_busy_company_is_not_picked() {
        let free = company("k1", &["mapo"], &[MoveType::Packing]);
        let busy = free.take("o0").unwrap();
        let elsewhere = company("k2", &["guro"], &[MoveType::Packing]);
        let half = company("k3", &["mapo"], &[MoveType::HalfPacking]);
        let all = [busy.clone(), elsewhere, half, free.clone()];
        let picked = pick(&all, "mapo", MoveType::Packing);
        assert_eq!(picked, vec![&free]);
        assert!(busy.take("o1").is_none(), "one move at a time");
    }

    #[test]
    fn only_the_order_a_company_serves_can_release_it() {
        let busy = company("k1", &["mapo"], &[MoveType::Packing])
            .take("o1")
            .unwrap();
        assert!(busy.release("o2").is_none());
        let free = busy.release("o1").unwrap();
        assert_eq!(
            (free.status, free.order_id),
            (CompanyStatus::Available, None)
        );
    }

    #[test]
    fn a_taken_company_completes_the_assignment_with_its_details() {
        let taken = company("k1", &["mapo"], &[MoveType::Packing]).take("o1");
        let a = given::<Moverassign>([])
            .when(AssignCmd::Assign {
                order: order(),
                taken,
            })
            .then([completed()]);
        assert_eq!(a.status, AssignStatus::Assigned);
    }

    #[test]
    fn no_company_fails_the_assignment_naming_why() {
        let a = given::<Moverassign>([])
            .when(AssignCmd::Assign {
                order: order(),
                taken: None,
            })
            .then([MoverassignEvent::MoverassignFailed(MoverassignFailed {
                order_id: "o1".into(),
                tel: "01012345678".into(),
                reason: "no company near mapo is free for PACKING".into(),
            })]);
        assert_eq!(a.status, AssignStatus::Failed);
    }

    #[test]
    fn an_order_is_assigned_once() {
        given::<Moverassign>([completed()])
            .when(AssignCmd::Assign {
                order: order(),
                taken: None,
            })
            .then_nothing();
    }

    #[test]
    fn cancelling_names_the_company_to_release() {
        let a = given::<Moverassign>([completed()]).when(cancel()).then([
            MoverassignEvent::MoverassignCancelled(MoverassignCancelled {
                order_id: "o1".into(),
                tel: "01012345678".into(),
                company_id: Some("k1".into()),
                mover: Some("k1 Movers".into()),
            }),
        ]);
        assert_eq!(a.status, AssignStatus::Cancelled);
    }

    #[test]
    fn a_cancel_before_the_assignment_blocks_it() {
        let cancelled = MoverassignEvent::MoverassignCancelled(MoverassignCancelled {
            order_id: "o1".into(),
            tel: "01012345678".into(),
            company_id: None,
            mover: None,
        });
        given::<Moverassign>([])
            .when(cancel())
            .then([cancelled.clone()]);
        given::<Moverassign>([cancelled.clone()])
            .when(AssignCmd::Assign {
                order: order(),
                taken: None,
            })
            .then_nothing();
        given::<Moverassign>([cancelled])
            .when(cancel())
            .then_nothing();
    }
}
