//! The MyPage row: one per booking, built only from events (CQRS). Book's events set the booking
//! half, confirm's the entry half; each half arrives in its aggregate's order, in any order
//! relative to the other, so a row may first appear with only one half.

use kernel::{Document, Envelope, Keys, Slot};
use museum_events::{
    BookCancelled, BookCompleted, BookForceCancelled, Booked, EntryCancelled, EntryConfirmed,
    EntryForceCancelled,
};
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use utoipa::ToSchema;

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct MyPage {
    /// The booking's id.
    pub id: String,
    pub user_id: String,
    pub museum_id: Option<String>,
    pub hall: Option<String>,
    pub date: Option<String>,
    pub seats: Option<u32>,
    /// BOOKED, COMPLETED, CANCELLED or FORCE_CANCELLED; null until the booking's event arrives.
    #[schema(example = "COMPLETED")]
    pub booking_status: Option<String>,
    /// CONFIRMED, CANCELLED or FORCE_CANCELLED; null until the entry's event arrives.
    #[schema(example = "CONFIRMED")]
    pub entry_status: Option<String>,
    #[serde(with = "time::serde::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    pub updated_at: OffsetDateTime,
}

impl Default for MyPage {
    fn default() -> Self {
        Self {
            id: String::new(),
            user_id: String::new(),
            museum_id: None,
            hall: None,
            date: None,
            seats: None,
            booking_status: None,
            entry_status: None,
            updated_at: OffsetDateTime::UNIX_EPOCH,
        }
    }
}

pub const BY_USER: Slot = Slot::A;

impl Document for MyPage {
    const KIND: &'static str = "MyPage";
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

/// The booking an event is about, and who booked it.
pub fn subject(event: &Envelope) -> Result<(String, String), kernel::AppError> {
    use kernel::Event;
    Ok(match event.event_type.as_str() {
        Booked::TYPE => {
            let e: Booked = event.payload()?;
            (e.booking_id, e.user_id)
        }
        BookCompleted::TYPE => {
            let e: BookCompleted = event.payload()?;
            (e.booking_id, e.user_id)
        }
        BookCancelled::TYPE => {
            let e: BookCancelled = event.payload()?;
            (e.booking_id, e.user_id)
        }
        BookForceCancelled::TYPE => {
            let e: BookForceCancelled = event.payload()?;
            (e.booking_id, e.user_id)
        }
        EntryConfirmed::TYPE => {
            let e: EntryConfirmed = event.payload()?;
            (e.booking_id, e.user_id)
        }
        EntryCancelled::TYPE => {
            let e: EntryCancelled = event.payload()?;
            (e.booking_id, e.user_id)
        }
        EntryForceCancelled::TYPE => {
            let e: EntryForceCancelled = event.payload()?;
            (e.booking_id, e.user_id)
        }
        other => {
            return Err(kernel::AppError::invalid(format!(
                "mypage does not project {other}"
            )));
        }
    })
}

impl MyPage {
    /// The row after `event`. Pure.
    pub fn project(mut self, event: &Envelope) -> Result<Self, kernel::AppError> {
        use kernel::Event;
        let (booking_id, user_id) = subject(event)?;
        self.id = booking_id;
        self.user_id = user_id;
        self.updated_at = event.occurred_at;
        match event.event_type.as_str() {
            Booked::TYPE => {
                let e: Booked = event.payload()?;
                self.museum_id = Some(e.museum_id);
                self.hall = Some(e.hall);
                self.date = Some(e.date);
                self.seats = Some(e.seats);
                // A booking event that arrived before `Booked` (after a redrive) already says more.
                self.booking_status.get_or_insert_with(|| "BOOKED".into());
            }
            BookCompleted::TYPE => self.booking_status = Some("COMPLETED".into()),
            BookCancelled::TYPE => self.booking_status = Some("CANCELLED".into()),
            BookForceCancelled::TYPE => self.booking_status = Some("FORCE_CANCELLED".into()),
            EntryConfirmed::TYPE => {
                self.entry_status.get_or_insert_with(|| "CONFIRMED".into());
            }
            EntryCancelled::TYPE => self.entry_status = Some("CANCELLED".into()),
            EntryForceCancelled::TYPE => self.entry_status = Some("FORCE_CANCELLED".into()),
            _ => {}
        }
        Ok(self)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use kernel::Call;

    fn event(e: impl Serialize) -> Envelope {
        Envelope::record("museum/book", "Booking", "b1", 1, &e, &Call::new(None)).unwrap()
    }

    #[derive(Serialize)]
    #[serde(tag = "eventType", content = "payload")]
    enum Any {
        Booked(Booked),
        BookCompleted(BookCompleted),
        EntryConfirmed(EntryConfirmed),
        EntryCancelled(EntryCancelled),
    }

    fn booked() -> Envelope {
        event(Any::Booked(Booked {
            booking_id: "b1".into(),
            museum_id: "m1".into(),
            user_id: "u1".into(),
            seats: 2,
            hall: "A".into(),
            date: "2026-12-24".into(),
        }))
    }

    fn confirmed() -> Envelope {
        event(Any::EntryConfirmed(EntryConfirmed {
            entry_id: "b1".into(),
            booking_id: "b1".into(),
            user_id: "u1".into(),
        }))
    }

    #[test]
    fn a_booking_then_its_confirmation_fill_the_row() {
        let row = MyPage::default()
            .project(&booked())
            .unwrap()
            .project(&confirmed())
            .unwrap();
        let completed = event(Any::BookCompleted(BookCompleted {
            booking_id: "b1".into(),
            museum_id: "m1".into(),
            user_id: "u1".into(),
        }));
        let row = row.project(&completed).unwrap();
        assert_eq!(row.hall.as_deref(), Some("A"));
        assert_eq!(row.booking_status.as_deref(), Some("COMPLETED"));
        assert_eq!(row.entry_status.as_deref(), Some("CONFIRMED"));
        assert_eq!(row.user_id, "u1");
    }

    #[test]
    fn the_entry_half_may_arrive_first() {
        let row = MyPage::default().project(&confirmed()).unwrap();
        assert_eq!(
            (row.booking_status.clone(), row.entry_status.as_deref()),
            (None, Some("CONFIRMED"))
        );
        let row = row.project(&booked()).unwrap();
        assert_eq!(
            (row.booking_status.as_deref(), row.entry_status.as_deref()),
            (Some("BOOKED"), Some("CONFIRMED"))
        );
    }

    #[test]
    fn a_cancelled_entry_is_not_reconfirmed_by_a_late_event() {
        let cancelled = event(Any::EntryCancelled(EntryCancelled {
            entry_id: "b1".into(),
            booking_id: "b1".into(),
            user_id: "u1".into(),
        }));
        let row = MyPage::default()
            .project(&cancelled)
            .unwrap()
            .project(&confirmed())
            .unwrap();
        assert_eq!(row.entry_status.as_deref(), Some("CANCELLED"));
    }
}
