//! 이사업체관리 요청 (an assignment request, one per call; its id is the call's `orderId`):
//! ASSIGN_REQUESTED when taken, CONFIRMED when a company is assigned, FAILED when none could be,
//! CANCEL_REQUESTED when the call is cancelled (or was never recorded: an orphan). Pure.

use kernel::{Aggregate, Document, Keys, Slot, aggregate::Decide};
use moving_events::{
    MoveType, MovermanageAssigned, MovermanageCallRecorded, MovermanageCancelled,
    MovermanageConfirmed, MovermanageFailed,
};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum ManageStatus {
    /// Taken; moveassign assigns a company asynchronously.
    #[default]
    AssignRequested,
    Confirmed,
    Failed,
    CancelRequested,
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Movermanage {
    /// The call's id (`orderId`).
    pub id: String,
    pub tel: String,
    pub location: String,
    pub cost: u64,
    pub move_type: MoveType,
    pub status: ManageStatus,
    /// The assigned company's name, once CONFIRMED.
    pub mover: Option<String>,
    /// When it was taken (ms since the epoch).
    pub requested_at_ms: i64,
    /// Whether movecall is known to have recorded the call.
    pub call_recorded: bool,
}

/// Requests whose call is not known to be recorded (`UNRECORDED`), for the orphan sweep.
pub const BY_UNRECORDED: Slot = Slot::A;
pub const UNRECORDED: &str = "UNRECORDED";

impl Movermanage {
    /// Whether the orphan sweep should ask movecall about this request at `now_ms`.
    pub fn may_be_orphan(&self, now_ms: i64, hold_ms: i64) -> bool {
        !self.call_recorded
            && self.status != ManageStatus::CancelRequested
            && now_ms - self.requested_at_ms >= hold_ms
    }
}

impl Document for Movermanage {
    const KIND: &'static str = "Movermanage";
    fn id(&self) -> &str {
        &self.id
    }
    fn keys(&self) -> Keys {
        let unknown = !self.call_recorded && self.status != ManageStatus::CancelRequested;
        Keys {
            a: unknown.then(|| UNRECORDED.to_owned()),
            b: None,
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "eventType", content = "payload")]
pub enum MovermanageEvent {
    MovermanageAssigned(MovermanageAssigned),
    MovermanageCallRecorded(MovermanageCallRecorded),
    MovermanageConfirmed(MovermanageConfirmed),
    MovermanageFailed(MovermanageFailed),
    MovermanageCancelled(MovermanageCancelled),
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ManageCmd {
    Request {
        order_id: String,
        tel: String,
        location: String,
        cost: u64,
        move_type: MoveType,
        at_ms: i64,
    },
    /// movecall has recorded the call.
    CallRecorded,
    Confirm {
        mover: String,
    },
    Fail,
    Cancel,
}

#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum Refusal {
    #[error("order {0} was already requested with other details")]
    RequestedOtherwise(String),
}

impl From<Refusal> for kernel::AppError {
    fn from(r: Refusal) -> Self {
        Self::Conflict(r.to_string())
    }
}

impl Decide for Movermanage {
    type Command = ManageCmd;
    type Refusal = Refusal;

    /// A request is taken once (the same request again changes nothing: movecall may retry);
    /// policies never refuse.
    fn decide(&self, cmd: ManageCmd) -> Result<Vec<MovermanageEvent>, Refusal> {
        use MovermanageEvent as E;
        let order_id = self.id.clone();
        match cmd {
            ManageCmd::Request {
                order_id,
                tel,
                location,
                cost,
                move_type,
                at_ms,
            } => {
                if self.id.is_empty() {
                    return Ok(vec![E::MovermanageAssigned(MovermanageAssigned {
                        order_id,
                        tel,
                        location,
                        move_type,
                        cost,
                        requested_at_ms: at_ms,
                    })]);
                }
                let same = (&self.tel, &self.location, self.cost, self.move_type)
                    == (&tel, &location, cost, move_type);
                if same {
                    Ok(vec![])
                } else {
                    Err(Refusal::RequestedOtherwise(order_id))
                }
            }
            ManageCmd::CallRecorded => Ok(if self.call_recorded || self.id.is_empty() {
                vec![]
            } else {
                vec![E::MovermanageCallRecorded(MovermanageCallRecorded {
                    order_id,
                })]
            }),
            ManageCmd::Confirm { mover } => Ok(match self.status {
                ManageStatus::AssignRequested => {
                    vec![E::MovermanageConfirmed(MovermanageConfirmed {
                        order_id,
                        mover,
                    })]
                }
                _ => vec![],
            }),
            ManageCmd::Fail => Ok(match self.status {
                ManageStatus::AssignRequested => {
                    vec![E::MovermanageFailed(MovermanageFailed { order_id })]
                }
                _ => vec![],
            }),
            ManageCmd::Cancel => Ok(match self.status {
                ManageStatus::CancelRequested => vec![],
                _ => vec![E::MovermanageCancelled(MovermanageCancelled {
                    order_id,
                    tel: self.tel.clone(),
                })],
            }),
        }
    }
}

impl Aggregate for Movermanage {
    type Event = MovermanageEvent;

    fn apply(mut self, event: &MovermanageEvent) -> Self {
        match event {
            MovermanageEvent::MovermanageAssigned(e) => {
                self = Movermanage {
                    id: e.order_id.clone(),
                    tel: e.tel.clone(),
                    location: e.location.clone(),
                    cost: e.cost,
                    move_type: e.move_type,
                    status: ManageStatus::AssignRequested,
                    mover: None,
                    requested_at_ms: e.requested_at_ms,
                    call_recorded: false,
                };
            }
            MovermanageEvent::MovermanageCallRecorded(_) => self.call_recorded = true,
            MovermanageEvent::MovermanageConfirmed(e) => {
                self.status = ManageStatus::Confirmed;
                self.mover = Some(e.mover.clone());
            }
            MovermanageEvent::MovermanageFailed(_) => self.status = ManageStatus::Failed,
            MovermanageEvent::MovermanageCancelled(_) => {
                self.status = ManageStatus::CancelRequested;
            }
        }
        self
    }
}

#[cfg(test)]
mod tests {
    use testkit::given;

    use super::*;

    fn request(cost: u64) -> ManageCmd {
        ManageCmd::Request {
            order_id: "o1".into(),
            tel: "01012345678".into(),
            location: "mapo".into(),
            cost,
            move_type: MoveType::HalfPacking,
            at_ms: 5,
        }
    }

    fn assigned() -> MovermanageEvent {
        MovermanageEvent::MovermanageAssigned(MovermanageAssigned {
            order_id: "o1".into(),
            tel: "01012345678".into(),
            location: "mapo".into(),
            move_type: MoveType::HalfPacking,
            cost: 100,
            requested_at_ms: 5,
        })
    }

    fn cancelled() -> MovermanageEvent {
        MovermanageEvent::MovermanageCancelled(MovermanageCancelled {
            order_id: "o1".into(),
            tel: "01012345678".into(),
        })
    }

    #[test]
    fn a_request_is_recorded_as_assign_requested() {
        let m = given::<Movermanage>([])
            .when(request(100))
            .then([assigned()]);
        assert_eq!(m.status, ManageStatus::AssignRequested);
    }

    #[test]
    fn the_same_request_again_changes_nothing() {
        given::<Movermanage>([assigned()])
            .when(request(100))
            .then_nothing();
    }

    #[test]
    fn another_request_under_the_same_order_is_refused() {
        given::<Movermanage>([assigned()])
            .when(request(999))
            .then_refused(Refusal::RequestedOtherwise("o1".into()));
    }

    #[test]
    fn an_assigned_company_confirms_the_request_once() {
        let m = given::<Movermanage>([assigned()])
            .when(ManageCmd::Confirm {
                mover: "Mapo Movers".into(),
            })
            .then([MovermanageEvent::MovermanageConfirmed(
                MovermanageConfirmed {
                    order_id: "o1".into(),
                    mover: "Mapo Movers".into(),
                },
            )]);
        assert_eq!(m.status, ManageStatus::Confirmed);
        given::<Movermanage>([assigned(), cancelled()])
            .when(ManageCmd::Confirm { mover: "x".into() })
            .then_nothing();
    }

    #[test]
    fn no_company_fails_the_request() {
        let m = given::<Movermanage>([assigned()])
            .when(ManageCmd::Fail)
            .then([MovermanageEvent::MovermanageFailed(MovermanageFailed {
                order_id: "o1".into(),
            })]);
        assert_eq!(m.status, ManageStatus::Failed);
    }

    #[test]
    fn a_request_is_an_orphan_suspect_until_its_call_is_known_and_only_after_the_hold() {
        let m = given::<Movermanage>([assigned()]).state().clone();
        assert!(!m.may_be_orphan(10, 60), "still within the hold");
        assert!(m.may_be_orphan(65, 60));
        let recorded = MovermanageEvent::MovermanageCallRecorded(MovermanageCallRecorded {
            order_id: "o1".into(),
        });
        let m = given::<Movermanage>([assigned()])
            .when(ManageCmd::CallRecorded)
            .then([recorded.clone()]);
        assert!(!m.may_be_orphan(1_000, 60));
        assert_eq!(m.keys().a, None);
        given::<Movermanage>([assigned(), recorded])
            .when(ManageCmd::CallRecorded)
            .then_nothing();
        let cancelled = given::<Movermanage>([assigned(), cancelled()])
            .state()
            .clone();
        assert!(!cancelled.may_be_orphan(1_000, 60), "already withdrawn");
    }

    #[test]
    fn a_cancelled_call_turns_the_request_cancel_requested_once() {
        let m = given::<Movermanage>([assigned()])
            .when(ManageCmd::Cancel)
            .then([cancelled()]);
        assert_eq!(m.status, ManageStatus::CancelRequested);
        given::<Movermanage>([assigned(), cancelled()])
            .when(ManageCmd::Cancel)
            .then_nothing();
    }
}
