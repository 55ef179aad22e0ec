//! The moveview row: one per move, built only from events (CQRS). move's events set the move's
//! route and status, location's the position; each source arrives in its aggregate's order, in
//! any order relative to the other, so a row may first appear from either.

use family_events::{
    ArrivalImminent, LocRegistered, MoveCancelled, MoveEnded, MoveStarted, MoveUpdated,
};
use kernel::{AppError, Document, Envelope, Event, Keys, Slot};
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use utoipa::ToSchema;

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct MoveView {
    /// The move's id.
    pub id: String,
    pub move_id: String,
    pub customer_id: String,
    pub family_id: String,
    /// Metres of the route (null until the move's event arrives).
    pub distance: Option<u64>,
    /// Milliseconds of the route.
    pub duration: Option<u64>,
    /// MOVING, CANCELLED or ENDED; null until the move's event arrives.
    #[schema(example = "MOVING")]
    pub status: Option<String>,
    pub arrival_imminent: bool,
    pub eta: Option<String>,
    /// The last reported position (`LocRegistered`).
    pub loc_id: Option<String>,
    pub lat: Option<f64>,
    pub lon: Option<f64>,
    pub remaining_distance: Option<u64>,
    pub remaining_duration: Option<u64>,
    #[serde(with = "time::serde::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    pub updated_at: OffsetDateTime,
}

impl Default for MoveView {
    fn default() -> Self {
        Self {
            id: String::new(),
            move_id: String::new(),
            customer_id: String::new(),
            family_id: String::new(),
            distance: None,
            duration: None,
            status: None,
            arrival_imminent: false,
            eta: None,
            loc_id: None,
            lat: None,
            lon: None,
            remaining_distance: None,
            remaining_duration: None,
            updated_at: OffsetDateTime::UNIX_EPOCH,
        }
    }
}

/// Rows by mover and by family.
pub const BY_CUSTOMER: Slot = Slot::A;
pub const BY_FAMILY: Slot = Slot::B;

impl Document for MoveView {
    const KIND: &'static str = "MoveView";
    fn id(&self) -> &str {
        &self.id
    }
    fn keys(&self) -> Keys {
        Keys {
            a: Some(self.customer_id.clone()),
            b: Some(self.family_id.clone()),
        }
    }
}

fn rfc3339(t: OffsetDateTime) -> Option<String> {
    t.format(&time::format_description::well_known::Rfc3339)
        .ok()
}

/// The move an event is about: (move, mover, family).
pub fn subject(event: &Envelope) -> Result<(String, String, String), AppError> {
    Ok(match event.event_type.as_str() {
        MoveStarted::TYPE => {
            let e: MoveStarted = event.payload()?;
            (e.move_id, e.customer_id, e.family_id)
        }
        MoveUpdated::TYPE => {
            let e: MoveUpdated = event.payload()?;
            (e.move_id, e.customer_id, e.family_id)
        }
        MoveCancelled::TYPE => {
            let e: MoveCancelled = event.payload()?;
            (e.move_id, e.customer_id, e.family_id)
        }
        ArrivalImminent::TYPE => {
            let e: ArrivalImminent = event.payload()?;
            (e.move_id, e.customer_id, e.family_id)
        }
        MoveEnded::TYPE => {
            let e: MoveEnded = event.payload()?;
            (e.move_id, e.customer_id, e.family_id)
        }
        LocRegistered::TYPE => {
            let e: LocRegistered = event.payload()?;
            (e.move_id, e.customer_id, e.family_id)
        }
        other => {
            return Err(AppError::invalid(format!(
                "moveview does not project {other}"
            )));
        }
    })
}

impl MoveView {
    /// The row after `event`. Pure.
    pub fn project(mut self, event: &Envelope) -> Result<Self, AppError> {
        let (move_id, customer_id, family_id) = subject(event)?;
        self.id = move_id.clone();
        self.move_id = move_id;
        self.customer_id = customer_id;
        self.family_id = family_id;
        self.updated_at = self.updated_at.max(event.occurred_at);
        match event.event_type.as_str() {
            MoveStarted::TYPE => {
                let e: MoveStarted = event.payload()?;
                self.distance = Some(e.distance);
                self.duration = Some(e.duration);
                self.eta = rfc3339(e.eta);
                // A position reported before this event arrived stays.
                if self.loc_id.is_none() {
                    self.lat = Some(e.start.lat);
                    self.lon = Some(e.start.lon);
                    self.remaining_distance = Some(e.distance);
                    self.remaining_duration = Some(e.duration);
                }
                self.status.get_or_insert(e.status);
            }
            MoveUpdated::TYPE => {
                let e: MoveUpdated = event.payload()?;
                self.distance = Some(e.distance);
                self.duration = Some(e.duration);
                self.eta = rfc3339(e.eta);
                self.arrival_imminent = false;
                self.remaining_distance = Some(e.distance);
                self.remaining_duration = Some(e.duration);
                self.status = Some(e.status);
            }
            MoveCancelled::TYPE => {
                let e: MoveCancelled = event.payload()?;
                self.status = Some(e.status);
            }
            ArrivalImminent::TYPE => {
                let e: ArrivalImminent = event.payload()?;
                self.arrival_imminent = true;
                self.eta = rfc3339(e.eta);
            }
            MoveEnded::TYPE => {
                let e: MoveEnded = event.payload()?;
                self.status = Some(e.status);
                self.lat = Some(e.position.lat);
                self.lon = Some(e.position.lon);
                self.remaining_distance = Some(0);
                self.remaining_duration = Some(0);
            }
            LocRegistered::TYPE => {
                let e: LocRegistered = event.payload()?;
                // Reports of one move arrive in order; an ended move keeps where it ended.
                if self.status.as_deref() != Some("ENDED") {
                    self.loc_id = Some(e.loc_id);
                    self.lat = Some(e.lat);
                    self.lon = Some(e.lon);
                    self.remaining_distance = Some(e.remaining_distance);
                    self.remaining_duration = Some(e.remaining_duration);
                }
            }
            _ => {}
        }
        Ok(self)
    }
}

#[cfg(test)]
mod tests {
    use family_events::{Point, samples};

    use super::*;

    fn sample(kind: &str) -> Envelope {
        samples()
            .into_iter()
            .find(|e| e.event_type == kind)
            .unwrap_or_else(|| panic!("no sample {kind}"))
    }

    fn row(events: &[Envelope]) -> MoveView {
        events
            .iter()
            .try_fold(MoveView::default(), |v, e| v.project(e))
            .unwrap_or_else(|e| panic!("{e}"))
    }

    #[test]
    fn a_started_move_shows_its_route_and_status_at_its_start() {
        let v = row(&[sample("MoveStarted")]);
        assert_eq!(v.status.as_deref(), Some("MOVING"));
        assert_eq!((v.distance, v.duration), (Some(9200), Some(828000)));
        assert_eq!((v.lat, v.lon), (Some(37.5665), Some(126.978)));
        assert_eq!(
            (v.customer_id.as_str(), v.family_id.as_str()),
            ("mom", "kims")
        );
    }

    #[test]
    fn a_reported_position_moves_the_row() {
        let v = row(&[sample("MoveStarted"), sample("LocRegistered")]);
        assert_eq!((v.lat, v.lon), (Some(37.52), Some(127.0)));
        assert_eq!(v.remaining_distance, Some(5400));
        assert_eq!(v.loc_id.as_deref(), Some("01KALOC0000000000000000001"));
    }

    #[test]
    fn a_position_that_arrives_before_the_start_is_kept() {
        let v = row(&[sample("LocRegistered"), sample("MoveStarted")]);
        assert_eq!((v.lat, v.lon), (Some(37.52), Some(127.0)));
        assert_eq!(v.status.as_deref(), Some("MOVING"));
    }

    #[test]
    fn cancelling_ending_and_imminence_show_in_the_row() {
        let v = row(&[sample("MoveStarted"), sample("ArrivalImminent")]);
        assert!(v.arrival_imminent);
        let v = row(&[sample("MoveStarted"), sample("MoveCancelled")]);
        assert_eq!(v.status.as_deref(), Some("CANCELLED"));
        let v = row(&[
            sample("MoveStarted"),
            sample("MoveEnded"),
            sample("LocRegistered"),
        ]);
        assert_eq!(v.status.as_deref(), Some("ENDED"));
        assert_eq!(v.remaining_distance, Some(0));
        // Where it ended (the sample's position), not the later report.
        let ended: MoveEnded = sample("MoveEnded")
            .payload()
            .unwrap_or_else(|e| panic!("{e}"));
        let Point { lat, lon } = ended.position;
        assert_eq!((v.lat, v.lon), (Some(lat), Some(lon)));
    }

    #[test]
    fn a_goal_change_resets_imminence_and_the_route() {
        let v = row(&[
            sample("MoveStarted"),
            sample("ArrivalImminent"),
            sample("MoveUpdated"),
        ]);
        assert!(!v.arrival_imminent);
        assert_eq!(v.distance, Some(7300));
    }
}
