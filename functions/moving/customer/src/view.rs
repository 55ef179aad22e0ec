//! The moverinfos row (the original's customer resource): one per call, with its company, built
//! only from movecall's events (CQRS), in the call's order. Pure.

use kernel::{AppError, Document, Envelope, Event, Keys, Slot};
use moving_events::{
    MovercallCalled, MovercallCancelConfirmed, MovercallCancelled, MovercallConfirmed,
    MovercallFailed,
};
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use utoipa::ToSchema;

/// The company serving a call, as the customer sees it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct CompanyInfo {
    #[schema(example = "Mapo Movers")]
    pub name: String,
    #[schema(example = "0212345678")]
    pub tel: String,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Moverinfo {
    /// The call's id.
    pub id: String,
    #[schema(example = "01012345678")]
    pub tel: String,
    #[schema(example = "PACKING")]
    pub move_type: String,
    #[schema(example = "mapo")]
    pub location: String,
    /// CALLED, CONFIRMED, FAILED, CANCEL_REQUESTED or CANCELLED.
    #[schema(example = "CONFIRMED")]
    pub status: String,
    pub company: Option<CompanyInfo>,
    #[serde(with = "time::serde::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    pub updated_at: OffsetDateTime,
}

impl Default for Moverinfo {
    fn default() -> Self {
        Self {
            id: String::new(),
            tel: String::new(),
            move_type: String::new(),
            location: String::new(),
            status: String::new(),
            company: None,
            updated_at: OffsetDateTime::UNIX_EPOCH,
        }
    }
}

/// Rows by the customer's telephone (`GET /moverinfos?tel=`).
pub const BY_TEL: Slot = Slot::A;

impl Document for Moverinfo {
    const KIND: &'static str = "Moverinfo";
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

/// The call an event of movecall is about, and whose it is.
pub fn subject(event: &Envelope) -> Result<(String, String), AppError> {
    Ok(match event.event_type.as_str() {
        MovercallCalled::TYPE => {
            let e: MovercallCalled = event.payload()?;
            (e.call_id, e.tel)
        }
        MovercallConfirmed::TYPE => {
            let e: MovercallConfirmed = event.payload()?;
            (e.call_id, e.tel)
        }
        MovercallFailed::TYPE => {
            let e: MovercallFailed = event.payload()?;
            (e.call_id, e.tel)
        }
        MovercallCancelled::TYPE => {
            let e: MovercallCancelled = event.payload()?;
            (e.call_id, e.tel)
        }
        MovercallCancelConfirmed::TYPE => {
            let e: MovercallCancelConfirmed = event.payload()?;
            (e.call_id, e.tel)
        }
        other => {
            return Err(AppError::invalid(format!(
                "moverinfos does not project {other}"
            )));
        }
    })
}

impl Moverinfo {
    /// The row after `event`. Pure.
    pub fn project(mut self, event: &Envelope) -> Result<Self, AppError> {
        let (call_id, tel) = subject(event)?;
        self.id = call_id;
        self.tel = tel;
        self.updated_at = event.occurred_at;
        match event.event_type.as_str() {
            MovercallCalled::TYPE => {
                let e: MovercallCalled = event.payload()?;
                self.location = e.location;
                self.move_type = e.move_type.as_str().to_owned();
                self.status = "CALLED".into();
            }
            MovercallConfirmed::TYPE => {
                let e: MovercallConfirmed = event.payload()?;
                self.status = "CONFIRMED".into();
                self.company = Some(CompanyInfo {
                    name: e.mover,
                    tel: e.movertel,
                });
            }
            MovercallFailed::TYPE => self.status = "FAILED".into(),
            MovercallCancelled::TYPE => self.status = "CANCEL_REQUESTED".into(),
            _ => self.status = "CANCELLED".into(),
        }
        Ok(self)
    }
}

#[cfg(test)]
mod tests {
    use kernel::Call;
    use moving_events::MoveType;
    use serde::Serialize;

    use super::*;

    #[derive(Serialize)]
    #[allow(clippy::enum_variant_names)] // named as the events they carry
    #[serde(tag = "eventType", content = "payload")]
    enum E {
        MovercallCalled(MovercallCalled),
        MovercallConfirmed(MovercallConfirmed),
        MovercallCancelled(MovercallCancelled),
        MovercallCancelConfirmed(MovercallCancelConfirmed),
    }

    fn envelope(version: u64, e: &E) -> Envelope {
        Envelope::record(
            "moving/movecall",
            "Movercall",
            "c1",
            version,
            e,
            &Call::new(None),
        )
        .unwrap()
    }

    fn called() -> Envelope {
        envelope(
            1,
            &E::MovercallCalled(MovercallCalled {
                call_id: "c1".into(),
                tel: "01012345678".into(),
                location: "mapo".into(),
                cost: 100,
                move_type: MoveType::HalfPacking,
            }),
        )
    }

    #[test]
    fn a_call_appears_as_called_without_a_company() {
        let row = Moverinfo::default().project(&called()).unwrap();
        assert_eq!(
            (
                row.id.as_str(),
                row.status.as_str(),
                row.move_type.as_str(),
                row.company
            ),
            ("c1", "CALLED", "HALF_PACKING", None)
        );
    }

    #[test]
    fn a_confirmed_call_shows_its_company() {
        let confirmed = envelope(
            2,
            &E::MovercallConfirmed(MovercallConfirmed {
                call_id: "c1".into(),
                tel: "01012345678".into(),
                mover: "Mapo Movers".into(),
                movertel: "0212345678".into(),
            }),
        );
        let row = Moverinfo::default()
            .project(&called())
            .and_then(|r| r.project(&confirmed))
            .unwrap();
        assert_eq!(row.status, "CONFIRMED");
        assert_eq!(row.company.unwrap().name, "Mapo Movers");
        assert_eq!(row.location, "mapo", "kept from the call");
    }

    #[test]
    fn a_cancelled_call_turns_cancel_requested_then_cancelled() {
        let cancelled = envelope(
            2,
            &E::MovercallCancelled(MovercallCancelled {
                call_id: "c1".into(),
                tel: "01012345678".into(),
            }),
        );
        let done = envelope(
            3,
            &E::MovercallCancelConfirmed(MovercallCancelConfirmed {
                call_id: "c1".into(),
                tel: "01012345678".into(),
                mover: None,
            }),
        );
        let row = Moverinfo::default().project(&called()).unwrap();
        let row = row.project(&cancelled).unwrap();
        assert_eq!(row.status, "CANCEL_REQUESTED");
        assert_eq!(row.project(&done).unwrap().status, "CANCELLED");
    }
}
