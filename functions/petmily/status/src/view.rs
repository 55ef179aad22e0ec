//! One row per match: its status, its sitter and its pet, as match's events told them. Pure.

use kernel::{AppError, Document, Envelope, Keys, Slot};
use petmily_events::{CareServiceEnded, CareServiceStarted, MatchRejected, MatchRequested};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct CareStatus {
    /// The match's id.
    pub id: String,
    pub member_id: String,
    pub sitter_id: String,
    pub sitter_name: String,
    pub pet_id: String,
    pub pet_name: String,
    pub start_date: String,
    pub end_date: String,
    /// REQUESTED, REJECTED, CARE_STARTED or CARE_ENDED.
    pub status: String,
    /// The version of the last match event shown (older ones arriving late change nothing).
    pub version: u64,
}

/// Rows by member.
pub const BY_MEMBER: Slot = Slot::A;

impl Document for CareStatus {
    const KIND: &'static str = "CareStatus";
    fn id(&self) -> &str {
        &self.id
    }
    fn keys(&self) -> Keys {
        Keys {
            a: Some(self.member_id.clone()),
            b: None,
        }
    }
}

impl CareStatus {
    /// The row after `event`; unchanged for an event it has shown already.
    pub fn project(mut self, event: &Envelope) -> Result<Self, AppError> {
        if event.version <= self.version {
            return Ok(self);
        }
        self.id = event.aggregate_id.clone();
        self.version = event.version;
        if event.is::<MatchRequested>() {
            let e: MatchRequested = event.payload()?;
            self.member_id = e.member_id;
            self.sitter_id = e.sitter_id;
            self.sitter_name = e.sitter_name;
            self.pet_id = e.pet_id;
            self.pet_name = e.pet_name;
            self.start_date = e.start_date;
            self.end_date = e.end_date;
            self.status = "REQUESTED".into();
        } else if event.is::<MatchRejected>() {
            let e: MatchRejected = event.payload()?;
            self.member_id = e.member_id;
            self.sitter_id = e.sitter_id;
            self.status = "REJECTED".into();
        } else if event.is::<CareServiceStarted>() {
            let e: CareServiceStarted = event.payload()?;
            self.member_id = e.member_id;
            self.sitter_id = e.sitter_id;
            self.sitter_name = e.sitter_name;
            self.pet_id = e.pet_id;
            self.pet_name = e.pet_name;
            self.status = "CARE_STARTED".into();
        } else if event.is::<CareServiceEnded>() {
            let e: CareServiceEnded = event.payload()?;
            self.member_id = e.member_id;
            self.sitter_id = e.sitter_id;
            self.status = "CARE_ENDED".into();
        } else {
            return Err(AppError::invalid(format!(
                "status does not show {}",
                event.event_type
            )));
        }
        Ok(self)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn envelope(version: u64, event_type: &str, payload: serde_json::Value) -> Envelope {
        let mut e = Envelope::sample::<MatchRequested>(petmily_events::MATCH, "Match", "matchId");
        e.version = version;
        e.event_type = event_type.into();
        e.aggregate_id = "m1".into();
        e.payload = payload;
        e
    }

    fn requested() -> Envelope {
        envelope(
            1,
            "MatchRequested",
            serde_json::json!({"matchId":"m1","applicationId":"a1","memberId":"kim","sitterId":"lee","sitterName":"Lee","petId":"p1","petName":"Bori","requestedBy":"MEMBER","startDate":"2026-12-24","endDate":"2026-12-26"}),
        )
    }

    fn ended() -> Envelope {
        envelope(
            3,
            "CareServiceEnded",
            serde_json::json!({"matchId":"m1","memberId":"kim","sitterId":"lee","petId":"p1","endedBy":"kim"}),
        )
    }

    #[test]
    fn a_request_shows_the_sitter_and_the_pet() {
        let row = CareStatus::default().project(&requested()).unwrap();
        assert_eq!(
            (
                row.status.as_str(),
                row.sitter_name.as_str(),
                row.pet_name.as_str()
            ),
            ("REQUESTED", "Lee", "Bori")
        );
    }

    #[test]
    fn a_later_event_moves_the_status_and_an_older_one_changes_nothing() {
        let row = CareStatus::default()
            .project(&requested())
            .unwrap()
            .project(&ended())
            .unwrap();
        assert_eq!(
            (row.status.as_str(), row.pet_name.as_str()),
            ("CARE_ENDED", "Bori")
        );
        let again = row.clone().project(&requested()).unwrap();
        assert_eq!(again, row);
    }
}
