//! 예약 (booking): made after its seats were taken, completed when its entry is confirmed,
//! cancelled by the user or force-cancelled when its exhibition is deleted. Pure.

use kernel::{Aggregate, Document, Keys, Slot, aggregate::Decide};
use museum_events::{BookCancelled, BookCompleted, BookForceCancelled, Booked};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum BookingStatus {
    /// Seats taken; waiting for the entry confirmation.
    #[default]
    Booked,
    /// 예약 완료: the entry is confirmed.
    Completed,
    /// 예약 취소: cancelled by the user.
    Cancelled,
    /// 강제 취소: the exhibition was deleted.
    ForceCancelled,
}

impl BookingStatus {
    pub fn is_live(self) -> bool {
        matches!(self, Self::Booked | Self::Completed)
    }
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Booking {
    pub id: String,
    pub museum_id: String,
    pub user_id: String,
    pub seats: u32,
    pub hall: String,
    pub date: String,
    pub status: BookingStatus,
}

/// Bookings by exhibition (force-cancel) and by user (`GET /books?userId=`).
pub const BY_MUSEUM: Slot = Slot::A;
pub const BY_USER: Slot = Slot::B;

impl Document for Booking {
    const KIND: &'static str = "Booking";
    fn id(&self) -> &str {
        &self.id
    }
    fn keys(&self) -> Keys {
        Keys {
            a: Some(self.museum_id.clone()),
            b: Some(self.user_id.clone()),
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "eventType", content = "payload")]
pub enum BookingEvent {
    Booked(Booked),
    BookCompleted(BookCompleted),
    BookCancelled(BookCancelled),
    BookForceCancelled(BookForceCancelled),
}

/// What museum answered when the seats were taken.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SeatsTaken {
    pub seats: u32,
    pub hall: String,
    pub date: String,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum BookingCmd {
    Book {
        id: String,
        museum_id: String,
        user_id: String,
        taken: SeatsTaken,
    },
    Complete,
    Cancel,
    ForceCancel,
}

#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum Refusal {
    #[error("booking {0} already exists")]
    AlreadyBooked(String),
    #[error("booking {0} is already cancelled")]
    AlreadyCancelled(String),
}

impl From<Refusal> for kernel::AppError {
    fn from(r: Refusal) -> Self {
        Self::Conflict(r.to_string())
    }
}

impl Decide for Booking {
    type Command = BookingCmd;
    type Refusal = Refusal;

    /// Every rule of a booking. Policies (complete, force-cancel) never refuse: an event that
    /// arrives after the booking moved on changes nothing.
    fn decide(&self, cmd: BookingCmd) -> Result<Vec<BookingEvent>, Refusal> {
        use BookingEvent as E;
        let (booking_id, museum_id, user_id, seats) = (
            self.id.clone(),
            self.museum_id.clone(),
            self.user_id.clone(),
            self.seats,
        );
        match cmd {
            BookingCmd::Book {
                id,
                museum_id,
                user_id,
                taken,
            } => {
                if !self.id.is_empty() {
                    return Err(Refusal::AlreadyBooked(self.id.clone()));
                }
                Ok(vec![E::Booked(Booked {
                    booking_id: id,
                    museum_id,
                    user_id,
                    seats: taken.seats,
                    hall: taken.hall,
                    date: taken.date,
                })])
            }
            BookingCmd::Complete => Ok(match self.status {
                BookingStatus::Booked => vec![E::BookCompleted(BookCompleted {
                    booking_id,
                    museum_id,
                    user_id,
                })],
                _ => vec![],
            }),
            BookingCmd::Cancel => {
                if !self.status.is_live() {
                    return Err(Refusal::AlreadyCancelled(booking_id));
                }
                Ok(vec![E::BookCancelled(BookCancelled {
                    booking_id,
                    museum_id,
                    user_id,
                    seats,
                })])
            }
            BookingCmd::ForceCancel => Ok(if self.status.is_live() {
                vec![E::BookForceCancelled(BookForceCancelled {
                    booking_id,
                    museum_id,
                    user_id,
                    seats,
                })]
            } else {
                vec![]
            }),
        }
    }
}

impl Aggregate for Booking {
    type Event = BookingEvent;

    fn apply(mut self, event: &BookingEvent) -> Self {
        match event {
            BookingEvent::Booked(e) => {
                self = Booking {
                    id: e.booking_id.clone(),
                    museum_id: e.museum_id.clone(),
                    user_id: e.user_id.clone(),
                    seats: e.seats,
                    hall: e.hall.clone(),
                    date: e.date.clone(),
                    status: BookingStatus::Booked,
                };
            }
            BookingEvent::BookCompleted(_) => self.status = BookingStatus::Completed,
            BookingEvent::BookCancelled(_) => self.status = BookingStatus::Cancelled,
            BookingEvent::BookForceCancelled(_) => self.status = BookingStatus::ForceCancelled,
        }
        self
    }
}

/// Recorded when an exhibition is deleted: no booking of it may be recorded after that.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct MuseumClosure {
    /// The exhibition's id.
    pub id: String,
}

impl Document for MuseumClosure {
    const KIND: &'static str = "MuseumClosure";
    fn id(&self) -> &str {
        &self.id
    }
}

#[cfg(test)]
mod tests {
    use testkit::given;

    use super::*;

    fn booked() -> BookingEvent {
        BookingEvent::Booked(Booked {
            booking_id: "b1".into(),
            museum_id: "m1".into(),
            user_id: "u1".into(),
            seats: 2,
            hall: "A".into(),
            date: "2026-12-24".into(),
        })
    }

    fn book() -> BookingCmd {
        BookingCmd::Book {
            id: "b1".into(),
            museum_id: "m1".into(),
            user_id: "u1".into(),
            taken: SeatsTaken {
                seats: 2,
                hall: "A".into(),
                date: "2026-12-24".into(),
            },
        }
    }

    fn completed() -> BookingEvent {
        BookingEvent::BookCompleted(BookCompleted {
            booking_id: "b1".into(),
            museum_id: "m1".into(),
            user_id: "u1".into(),
        })
    }

    fn cancelled() -> BookingEvent {
        BookingEvent::BookCancelled(BookCancelled {
            booking_id: "b1".into(),
            museum_id: "m1".into(),
            user_id: "u1".into(),
            seats: 2,
        })
    }

    fn force_cancelled() -> BookingEvent {
        BookingEvent::BookForceCancelled(BookForceCancelled {
            booking_id: "b1".into(),
            museum_id: "m1".into(),
            user_id: "u1".into(),
            seats: 2,
        })
    }

    #[test]
    fn booking_records_the_seats_museum_gave() {
        let b = given::<Booking>([]).when(book()).then([booked()]);
        assert_eq!(
            (b.status, b.seats, b.hall.as_str()),
            (BookingStatus::Booked, 2, "A")
        );
    }

    #[test]
    fn a_booking_is_made_once() {
        given::<Booking>([booked()])
            .when(book())
            .then_refused(Refusal::AlreadyBooked("b1".into()));
    }

    #[test]
    fn a_confirmed_entry_completes_the_booking_once() {
        let b = given::<Booking>([booked()])
            .when(BookingCmd::Complete)
            .then([completed()]);
        assert_eq!(b.status, BookingStatus::Completed);
        given::<Booking>([booked(), completed()])
            .when(BookingCmd::Complete)
            .then_nothing();
    }

    #[test]
    fn a_late_confirmation_does_not_revive_a_cancelled_booking() {
        given::<Booking>([booked(), cancelled()])
            .when(BookingCmd::Complete)
            .then_nothing();
    }

    #[test]
    fn cancelling_gives_the_seats_in_the_event() {
        given::<Booking>([booked(), completed()])
            .when(BookingCmd::Cancel)
            .then([cancelled()]);
    }

    #[test]
    fn cancelling_twice_is_refused() {
        given::<Booking>([booked(), cancelled()])
            .when(BookingCmd::Cancel)
            .then_refused(Refusal::AlreadyCancelled("b1".into()));
        given::<Booking>([booked(), force_cancelled()])
            .when(BookingCmd::Cancel)
            .then_refused(Refusal::AlreadyCancelled("b1".into()));
    }

    #[test]
    fn force_cancel_touches_only_live_bookings() {
        let b = given::<Booking>([booked()])
            .when(BookingCmd::ForceCancel)
            .then([force_cancelled()]);
        assert_eq!(b.status, BookingStatus::ForceCancelled);
        given::<Booking>([booked(), force_cancelled()])
            .when(BookingCmd::ForceCancel)
            .then_nothing();
        given::<Booking>([booked(), cancelled()])
            .when(BookingCmd::ForceCancel)
            .then_nothing();
    }
}
