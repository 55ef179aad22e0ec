//! 호출 (a mover call): CALLED when movemanage has taken its request, CONFIRMED when a company is
//! assigned, FAILED when none could be; cancelled by the customer (CANCEL_REQUESTED) and
//! CANCELLED when the chain has released its company. Pure.

use kernel::{Aggregate, Document, Keys, Slot, aggregate::Decide};
use moving_events::{
    MoveType, MovercallCalled, MovercallCancelConfirmed, MovercallCancelled, MovercallConfirmed,
    MovercallFailed,
};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum CallStatus {
    /// 호출: movemanage took the request; a company is being assigned.
    #[default]
    Called,
    /// 호출확정: a company is assigned.
    Confirmed,
    /// No company near the location was free for the move type.
    Failed,
    /// The customer cancelled; the company is being released.
    CancelRequested,
    /// 호출취소: cancelled, the company released.
    Cancelled,
}

/// The company serving a call.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Mover {
    #[schema(example = "Mapo Movers")]
    pub name: String,
    #[schema(example = "0212345678")]
    pub tel: String,
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Movercall {
    pub id: String,
    #[schema(example = "01012345678")]
    pub tel: String,
    #[schema(example = "mapo")]
    pub location: String,
    #[schema(example = 2500000)]
    pub cost: u64,
    pub move_type: MoveType,
    pub status: CallStatus,
    /// The assigned company; null until one is.
    pub company: Option<Mover>,
    /// Why no company could be assigned (FAILED only).
    pub reason: Option<String>,
}

/// Calls by the customer's telephone (`GET /movers?tel=`).
pub const BY_TEL: Slot = Slot::A;

impl Document for Movercall {
    const KIND: &'static str = "Movercall";
    fn id(&self) -> &str {
        &self.id
    }
    fn keys(&self) -> Keys {
        Keys {
            a: Some(self.tel.clone()),
            b: None,
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "eventType", content = "payload")]
pub enum MovercallEvent {
    MovercallCalled(MovercallCalled),
    MovercallConfirmed(MovercallConfirmed),
    MovercallFailed(MovercallFailed),
    MovercallCancelled(MovercallCancelled),
    MovercallCancelConfirmed(MovercallCancelConfirmed),
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum MovercallCmd {
    /// Recorded once movemanage has taken the request (the sync call ran first).
    Call {
        id: String,
        tel: String,
        location: String,
        cost: u64,
        move_type: MoveType,
    },
    Confirm {
        mover: String,
        movertel: String,
    },
    Fail {
        reason: String,
    },
    Cancel,
    /// moveassign released the order's company (or had none).
    CancelConfirm {
        mover: Option<String>,
    },
}

#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum Refusal {
    #[error("call {0} already exists")]
    AlreadyCalled(String),
    #[error("call {0} is already cancelled")]
    AlreadyCancelled(String),
    #[error("call {0} failed: there is no company to cancel")]
    NothingToCancel(String),
}

impl From<Refusal> for kernel::AppError {
    fn from(r: Refusal) -> Self {
        Self::Conflict(r.to_string())
    }
}

impl Decide for Movercall {
    type Command = MovercallCmd;
    type Refusal = Refusal;

    /// Every rule of a call. Policies never refuse: an event that arrives after the call moved
    /// on changes nothing.
    fn decide(&self, cmd: MovercallCmd) -> Result<Vec<MovercallEvent>, Refusal> {
        use MovercallEvent as E;
        let (call_id, tel) = (self.id.clone(), self.tel.clone());
        match cmd {
            MovercallCmd::Call {
                id,
                tel,
                location,
                cost,
                move_type,
            } => {
                if !self.id.is_empty() {
                    return Err(Refusal::AlreadyCalled(self.id.clone()));
                }
                Ok(vec![E::MovercallCalled(MovercallCalled {
                    call_id: id,
                    tel,
                    location,
                    cost,
                    move_type,
                })])
            }
            MovercallCmd::Confirm { mover, movertel } => Ok(match self.status {
                CallStatus::Called => vec![E::MovercallConfirmed(MovercallConfirmed {
                    call_id,
                    tel,
                    mover,
                    movertel,
                })],
                _ => vec![],
            }),
            MovercallCmd::Fail { reason } => Ok(match self.status {
                CallStatus::Called => vec![E::MovercallFailed(MovercallFailed {
                    call_id,
                    tel,
                    reason,
                })],
                _ => vec![],
            }),
            MovercallCmd::Cancel => match self.status {
                CallStatus::Called | CallStatus::Confirmed => {
                    Ok(vec![E::MovercallCancelled(MovercallCancelled {
                        call_id,
                        tel,
                    })])
                }
                CallStatus::CancelRequested | CallStatus::Cancelled => {
                    Err(Refusal::AlreadyCancelled(call_id))
                }
                CallStatus::Failed => Err(Refusal::NothingToCancel(call_id)),
            },
            MovercallCmd::CancelConfirm { mover } => Ok(match self.status {
                CallStatus::CancelRequested => {
                    vec![E::MovercallCancelConfirmed(MovercallCancelConfirmed {
                        call_id,
                        tel,
                        mover,
                    })]
                }
                _ => vec![],
            }),
        }
    }
}

impl Aggregate for Movercall {
    type Event = MovercallEvent;

    fn apply(mut self, event: &MovercallEvent) -> Self {
        match event {
            MovercallEvent::MovercallCalled(e) => {
                self = Movercall {
                    id: e.call_id.clone(),
                    tel: e.tel.clone(),
                    location: e.location.clone(),
                    cost: e.cost,
                    move_type: e.move_type,
                    status: CallStatus::Called,
                    company: None,
                    reason: None,
                };
            }
            MovercallEvent::MovercallConfirmed(e) => {
                self.status = CallStatus::Confirmed;
                self.company = Some(Mover {
                    name: e.mover.clone(),
                    tel: e.movertel.clone(),
                });
            }
            MovercallEvent::MovercallFailed(e) => {
                self.status = CallStatus::Failed;
                self.reason = Some(e.reason.clone());
            }
            MovercallEvent::MovercallCancelled(_) => self.status = CallStatus::CancelRequested,
            MovercallEvent::MovercallCancelConfirmed(_) => self.status = CallStatus::Cancelled,
        }
        self
    }
}

#[cfg(test)]
mod tests {
    use testkit::given;

    use super::*;

    fn call() -> MovercallCmd {
        MovercallCmd::Call {
            id: "c1".into(),
            tel: "01012345678".into(),
            location: "mapo".into(),
            cost: 2_500_000,
            move_type: MoveType::Packing,
        }
    }

    fn called() -> MovercallEvent {
        MovercallEvent::MovercallCalled(MovercallCalled {
            call_id: "c1".into(),
            tel: "01012345678".into(),
            location: "mapo".into(),
            cost: 2_500_000,
            move_type: MoveType::Packing,
        })
    }

    fn confirm() -> MovercallCmd {
        MovercallCmd::Confirm {
            mover: "Mapo Movers".into(),
            movertel: "0212345678".into(),
        }
    }

    fn confirmed() -> MovercallEvent {
        MovercallEvent::MovercallConfirmed(MovercallConfirmed {
            call_id: "c1".into(),
            tel: "01012345678".into(),
            mover: "Mapo Movers".into(),
            movertel: "0212345678".into(),
        })
    }

    fn failed() -> MovercallEvent {
        MovercallEvent::MovercallFailed(MovercallFailed {
            call_id: "c1".into(),
            tel: "01012345678".into(),
            reason: "none free".into(),
        })
    }

    fn cancelled() -> MovercallEvent {
        MovercallEvent::MovercallCancelled(MovercallCancelled {
            call_id: "c1".into(),
            tel: "01012345678".into(),
        })
    }

    fn cancel_confirmed() -> MovercallEvent {
        MovercallEvent::MovercallCancelConfirmed(MovercallCancelConfirmed {
            call_id: "c1".into(),
            tel: "01012345678".into(),
            mover: Some("Mapo Movers".into()),
        })
    }

    #[test]
    fn a_call_is_recorded_as_called() {
        let c = given::<Movercall>([]).when(call()).then([called()]);
        assert_eq!((c.status, c.company), (CallStatus::Called, None));
    }

    #[test]
    fn a_call_is_made_once() {
        given::<Movercall>([called()])
            .when(call())
            .then_refused(Refusal::AlreadyCalled("c1".into()));
    }

    #[test]
    fn an_assigned_company_confirms_the_call_with_its_details() {
        let c = given::<Movercall>([called()])
            .when(confirm())
            .then([confirmed()]);
        assert_eq!(c.status, CallStatus::Confirmed);
        assert_eq!(c.company.unwrap().name, "Mapo Movers");
    }

    #[test]
    fn a_confirmation_is_applied_once() {
        given::<Movercall>([called(), confirmed()])
            .when(confirm())
            .then_nothing();
    }

    #[test]
    fn no_free_company_fails_the_call() {
        let c = given::<Movercall>([called()])
            .when(MovercallCmd::Fail {
                reason: "none free".into(),
            })
            .then([failed()]);
        assert_eq!(c.status, CallStatus::Failed);
    }

    #[test]
    fn a_late_assignment_does_not_revive_a_cancelled_call() {
        given::<Movercall>([called(), cancelled()])
            .when(confirm())
            .then_nothing();
        given::<Movercall>([called(), cancelled()])
            .when(MovercallCmd::Fail { reason: "x".into() })
            .then_nothing();
    }

    #[test]
    fn a_called_or_confirmed_call_can_be_cancelled() {
        let c = given::<Movercall>([called()])
            .when(MovercallCmd::Cancel)
            .then([cancelled()]);
        assert_eq!(c.status, CallStatus::CancelRequested);
        given::<Movercall>([called(), confirmed()])
            .when(MovercallCmd::Cancel)
            .then([cancelled()]);
    }

    #[test]
    fn cancelling_twice_is_refused() {
        given::<Movercall>([called(), cancelled()])
            .when(MovercallCmd::Cancel)
            .then_refused(Refusal::AlreadyCancelled("c1".into()));
        given::<Movercall>([called(), cancelled(), cancel_confirmed()])
            .when(MovercallCmd::Cancel)
            .then_refused(Refusal::AlreadyCancelled("c1".into()));
    }

    #[test]
    fn a_failed_call_has_nothing_to_cancel() {
        given::<Movercall>([called(), failed()])
            .when(MovercallCmd::Cancel)
            .then_refused(Refusal::NothingToCancel("c1".into()));
    }

    #[test]
    fn the_released_company_turns_a_cancel_request_cancelled_once() {
        let c = given::<Movercall>([called(), confirmed(), cancelled()])
            .when(MovercallCmd::CancelConfirm {
                mover: Some("Mapo Movers".into()),
            })
            .then([cancel_confirmed()]);
        assert_eq!(c.status, CallStatus::Cancelled);
        given::<Movercall>([called(), confirmed(), cancelled(), cancel_confirmed()])
            .when(MovercallCmd::CancelConfirm { mover: None })
            .then_nothing();
    }

    #[test]
    fn a_release_never_cancels_a_call_nobody_cancelled() {
        given::<Movercall>([called(), confirmed()])
            .when(MovercallCmd::CancelConfirm { mover: None })
            .then_nothing();
    }
}
