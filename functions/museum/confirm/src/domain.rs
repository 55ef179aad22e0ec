//! 입장 확인 (entry confirmation): one per booking, keyed by the booking's id. Its policies are
//! tolerant of order: a cancellation that arrives before the confirmation records the entry as
//! cancelled, and the late confirmation then changes nothing. Pure.

use kernel::{Aggregate, Document, Keys, Slot};
use museum_events::{EntryCancelled, EntryConfirmed, EntryForceCancelled};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum EntryStatus {
    #[default]
    Confirmed,
    Cancelled,
    ForceCancelled,
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Entry {
    /// The booking's id: one entry per booking.
    pub id: String,
    pub booking_id: String,
    pub user_id: String,
    pub status: EntryStatus,
}

pub const BY_USER: Slot = Slot::A;

impl Document for Entry {
    const KIND: &'static str = "Entry";
    fn id(&self) -> &str {
        &self.id
    }
    fn keys(&self) -> Keys {
        Keys {
            a: Some(self.user_id.clone()),
            b: None,
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "eventType", content = "payload")]
pub enum EntryEvent {
    EntryConfirmed(EntryConfirmed),
    EntryCancelled(EntryCancelled),
    EntryForceCancelled(EntryForceCancelled),
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum EntryCmd {
    Confirm,
    Cancel,
    ForceCancel,
}

impl Entry {
    /// The entry of a booking, before anything happened to it.
    pub fn of(booking_id: &str, user_id: &str) -> Self {
        Self {
            id: booking_id.to_owned(),
            booking_id: booking_id.to_owned(),
            user_id: user_id.to_owned(),
            ..Self::default()
        }
    }

    /// `exists`: whether the entry was recorded before. Never refuses: every outcome of a
    /// booking has exactly one entry state.
    pub fn decide(&self, exists: bool, cmd: EntryCmd) -> Vec<EntryEvent> {
        let (entry_id, booking_id, user_id) = (
            self.id.clone(),
            self.booking_id.clone(),
            self.user_id.clone(),
        );
        match (exists, self.status, cmd) {
            (false, _, EntryCmd::Confirm) => vec![EntryEvent::EntryConfirmed(EntryConfirmed {
                entry_id,
                booking_id,
                user_id,
            })],
            (_, EntryStatus::Confirmed, EntryCmd::Cancel) | (false, _, EntryCmd::Cancel) => {
                vec![EntryEvent::EntryCancelled(EntryCancelled {
                    entry_id,
                    booking_id,
                    user_id,
                })]
            }
            (_, EntryStatus::Confirmed, EntryCmd::ForceCancel)
            | (false, _, EntryCmd::ForceCancel) => {
                vec![EntryEvent::EntryForceCancelled(EntryForceCancelled {
                    entry_id,
                    booking_id,
                    user_id,
                })]
            }
            _ => vec![],
        }
    }
}

impl Aggregate for Entry {
    type Event = EntryEvent;

    fn apply(mut self, event: &EntryEvent) -> Self {
        let (id, booking, user, status) = match event {
            EntryEvent::EntryConfirmed(e) => (
                &e.entry_id,
                &e.booking_id,
                &e.user_id,
                EntryStatus::Confirmed,
            ),
            EntryEvent::EntryCancelled(e) => (
                &e.entry_id,
                &e.booking_id,
                &e.user_id,
                EntryStatus::Cancelled,
            ),
            EntryEvent::EntryForceCancelled(e) => (
                &e.entry_id,
                &e.booking_id,
                &e.user_id,
                EntryStatus::ForceCancelled,
            ),
        };
        self.id = id.clone();
        self.booking_id = booking.clone();
        self.user_id = user.clone();
        self.status = status;
        self
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn after(entry: Entry, events: Vec<EntryEvent>) -> Entry {
        events.iter().fold(entry, |e, ev| e.apply(ev))
    }

    #[test]
    fn a_booking_is_confirmed_once() {
        let new = Entry::of("b1", "u1");
        let confirmed = after(new.clone(), new.decide(false, EntryCmd::Confirm));
        assert_eq!(confirmed.status, EntryStatus::Confirmed);
        assert!(confirmed.decide(true, EntryCmd::Confirm).is_empty());
    }

    #[test]
    fn a_cancellation_cancels_a_confirmed_entry() {
        let confirmed = after(
            Entry::of("b1", "u1"),
            Entry::of("b1", "u1").decide(false, EntryCmd::Confirm),
        );
        let cancelled = after(confirmed.clone(), confirmed.decide(true, EntryCmd::Cancel));
        assert_eq!(cancelled.status, EntryStatus::Cancelled);
        assert!(cancelled.decide(true, EntryCmd::Cancel).is_empty());
        assert!(cancelled.decide(true, EntryCmd::ForceCancel).is_empty());
    }

    #[test]
    fn a_cancellation_before_the_confirmation_wins() {
        let new = Entry::of("b1", "u1");
        let cancelled = after(new.clone(), new.decide(false, EntryCmd::Cancel));
        assert_eq!(cancelled.status, EntryStatus::Cancelled);
        assert!(
            cancelled.decide(true, EntryCmd::Confirm).is_empty(),
            "a late confirmation changes nothing"
        );
    }

    #[test]
    fn deletion_force_cancels() {
        let confirmed = after(
            Entry::of("b1", "u1"),
            Entry::of("b1", "u1").decide(false, EntryCmd::Confirm),
        );
        let forced = after(
            confirmed.clone(),
            confirmed.decide(true, EntryCmd::ForceCancel),
        );
        assert_eq!(forced.status, EntryStatus::ForceCancelled);
    }
}
