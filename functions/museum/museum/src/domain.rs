//! 전시 (exhibition): its seats are taken synchronously by bookings and given back when a
//! booking is cancelled. Pure: no I/O, no AWS type.

use kernel::{Aggregate, Document, Keys, aggregate::Decide};
use museum_events::{MuseumDeleted, MuseumRegistered, SeatsReserved, SeatsReturned};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// Largest exhibition the museum registers.
pub const MAX_CAPACITY: u32 = 100_000;
/// Most seats one booking may take.
pub const MAX_SEATS_PER_BOOKING: u32 = 100;

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum MuseumStatus {
    #[default]
    Open,
    Deleted,
}

/// An exhibition: a hall on a date, and the seats (참석가능인원) still free.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Museum {
    pub id: String,
    pub hall: String,
    /// `YYYY-MM-DD`
    pub date: String,
    /// Seats still free: never below zero.
    pub capacity: u32,
    /// Seats the exhibition was registered with.
    pub initial_capacity: u32,
    pub status: MuseumStatus,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "eventType", content = "payload")]
pub enum MuseumEvent {
    MuseumRegistered(MuseumRegistered),
    SeatsReserved(SeatsReserved),
    SeatsReturned(SeatsReturned),
    MuseumDeleted(MuseumDeleted),
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum MuseumCmd {
    Register {
        id: String,
        hall: String,
        date: String,
        capacity: u32,
    },
    Reserve {
        booking_id: String,
        seats: u32,
    },
    Return {
        booking_id: String,
        seats: u32,
    },
    Delete,
}

/// Why the museum refused a command (each a 409: the exhibition is in the wrong state).
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum Refusal {
    #[error("exhibition {0} already exists")]
    AlreadyRegistered(String),
    #[error("exhibition {0} is deleted")]
    Deleted(String),
    #[error("not enough seats: {wanted} wanted, {left} left")]
    NotEnoughSeats { wanted: u32, left: u32 },
}

impl From<Refusal> for kernel::AppError {
    fn from(r: Refusal) -> Self {
        Self::Conflict(r.to_string())
    }
}

impl Decide for Museum {
    type Command = MuseumCmd;
    type Refusal = Refusal;

    fn decide(&self, cmd: MuseumCmd) -> Result<Vec<MuseumEvent>, Refusal> {
        use MuseumEvent as E;
        let museum_id = self.id.clone();
        match cmd {
            MuseumCmd::Register {
                id,
                hall,
                date,
                capacity,
            } => {
                if !self.id.is_empty() {
                    return Err(Refusal::AlreadyRegistered(self.id.clone()));
                }
                Ok(vec![E::MuseumRegistered(MuseumRegistered {
                    museum_id: id,
                    hall,
                    date,
                    capacity,
                })])
            }
            MuseumCmd::Reserve { booking_id, seats } => {
                if self.status == MuseumStatus::Deleted {
                    return Err(Refusal::Deleted(museum_id));
                }
                // The condition that keeps seats from going below zero: the write that records
                // this event is conditional on the version these seats were read at.
                let Some(capacity) = self.capacity.checked_sub(seats) else {
                    return Err(Refusal::NotEnoughSeats {
                        wanted: seats,
                        left: self.capacity,
                    });
                };
                Ok(vec![E::SeatsReserved(SeatsReserved {
                    museum_id,
                    booking_id,
                    seats,
                    capacity,
                })])
            }
            // Seats come back even to a deleted exhibition, so its books stay balanced.
            MuseumCmd::Return { booking_id, seats } => {
                let capacity = self.capacity + seats;
                Ok(vec![E::SeatsReturned(SeatsReturned {
                    museum_id,
                    booking_id,
                    seats,
                    capacity,
                })])
            }
            MuseumCmd::Delete => {
                if self.status == MuseumStatus::Deleted {
                    return Err(Refusal::Deleted(museum_id));
                }
                Ok(vec![E::MuseumDeleted(MuseumDeleted { museum_id })])
            }
        }
    }
}

impl Aggregate for Museum {
    type Event = MuseumEvent;

    fn apply(mut self, event: &MuseumEvent) -> Self {
        match event {
            MuseumEvent::MuseumRegistered(e) => {
                self.id = e.museum_id.clone();
                self.hall = e.hall.clone();
                self.date = e.date.clone();
                self.capacity = e.capacity;
                self.initial_capacity = e.capacity;
                self.status = MuseumStatus::Open;
            }
            MuseumEvent::SeatsReserved(e) => self.capacity = e.capacity,
            MuseumEvent::SeatsReturned(e) => self.capacity = e.capacity,
            MuseumEvent::MuseumDeleted(_) => self.status = MuseumStatus::Deleted,
        }
        self
    }
}

impl Document for Museum {
    const KIND: &'static str = "Museum";
    fn id(&self) -> &str {
        &self.id
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum ReservationStatus {
    /// Seats taken; the booking that took them is not known to be recorded yet.
    Held,
    /// The booking is recorded: the seats stay taken until it is cancelled.
    Booked,
    /// The seats are back in the exhibition.
    Returned,
}

/// Why a reservation's seats went back.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum ReturnReason {
    /// The booking was cancelled or force-cancelled.
    BookingCancelled,
    /// Book never recorded the booking (its compensation, or the orphan sweep).
    NeverBooked,
}

/// The seats one booking took, keyed by the booking's id: it makes taking seats idempotent and
/// giving them back exactly-once.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Reservation {
    /// The booking's id.
    pub id: String,
    pub museum_id: String,
    pub seats: u32,
    pub status: ReservationStatus,
    /// Unix milliseconds when the seats were taken.
    pub held_at: i64,
    /// Set once the seats are back.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub returned_because: Option<ReturnReason>,
}

/// What can happen to a booking's seats.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ReservationCmd {
    /// Take `seats` of `museum_id` for the booking (book's synchronous call).
    Hold {
        booking_id: String,
        museum_id: String,
        seats: u32,
        at_ms: i64,
    },
    /// The booking is recorded: its seats stay taken until it is cancelled.
    Book,
    /// Give the seats back, for `because`.
    GiveBack { because: ReturnReason },
}

/// What a reservation command decided.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ReservationChange {
    /// A new reservation (the exhibition's seats are taken in the same write).
    Created(Reservation),
    /// The reservation in its new state.
    Updated(Reservation),
    /// Nothing to write: the command already happened, or no longer applies.
    Unchanged,
}

/// Why a reservation command was refused (each a 409: the seats are in another state).
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum ReservationRefusal {
    #[error("booking {0} already reserved other seats")]
    ReservedOtherwise(String),
    #[error("booking {0} is recorded; cancel the booking instead")]
    Recorded(String),
    #[error("booking {0} was recorded after its seats were released as never booked")]
    ReleasedAsNeverBooked(String),
}

impl From<ReservationRefusal> for kernel::AppError {
    fn from(r: ReservationRefusal) -> Self {
        Self::Conflict(r.to_string())
    }
}

impl ReturnReason {
    /// The states a reservation's seats may come back from, for this reason: a booking never
    /// recorded only while held; a cancelled one from held or booked.
    pub fn returns_from(self) -> &'static [ReservationStatus] {
        match self {
            Self::NeverBooked => &[ReservationStatus::Held],
            Self::BookingCancelled => &[ReservationStatus::Held, ReservationStatus::Booked],
        }
    }
}

impl Reservation {
    /// Every rule of a booking's seats. `current`: the stored reservation, if any. Pure.
    pub fn decide(
        current: Option<&Reservation>,
        cmd: ReservationCmd,
    ) -> Result<ReservationChange, ReservationRefusal> {
        use ReservationChange::{Created, Unchanged, Updated};
        match (current, cmd) {
            (
                None,
                ReservationCmd::Hold {
                    booking_id,
                    museum_id,
                    seats,
                    at_ms,
                },
            ) => Ok(Created(Reservation {
                id: booking_id,
                museum_id,
                seats,
                status: ReservationStatus::Held,
                held_at: at_ms,
                returned_because: None,
            })),
            // Taking seats is idempotent on the booking: the same call again takes nothing more.
            (
                Some(r),
                ReservationCmd::Hold {
                    museum_id, seats, ..
                },
            ) if r.museum_id == museum_id
                && r.seats == seats
                && r.status != ReservationStatus::Returned =>
            {
                Ok(Unchanged)
            }
            (Some(r), ReservationCmd::Hold { .. }) => {
                Err(ReservationRefusal::ReservedOtherwise(r.id.clone()))
            }
            (None, ReservationCmd::Book | ReservationCmd::GiveBack { .. }) => Ok(Unchanged),
            (Some(r), ReservationCmd::Book) => match (r.status, r.returned_because) {
                (ReservationStatus::Held, _) => Ok(Updated(Reservation {
                    status: ReservationStatus::Booked,
                    ..r.clone()
                })),
                (ReservationStatus::Booked, _) => Ok(Unchanged),
                // Its cancellation reached museum first: the two arrive on separate queues.
                (ReservationStatus::Returned, Some(ReturnReason::BookingCancelled)) => {
                    Ok(Unchanged)
                }
                (ReservationStatus::Returned, _) => {
                    Err(ReservationRefusal::ReleasedAsNeverBooked(r.id.clone()))
                }
            },
            (Some(r), ReservationCmd::GiveBack { because }) => {
                if r.status == ReservationStatus::Returned {
                    Ok(Unchanged)
                } else if because.returns_from().contains(&r.status) {
                    Ok(Updated(Reservation {
                        status: ReservationStatus::Returned,
                        returned_because: Some(because),
                        ..r.clone()
                    }))
                } else {
                    Err(ReservationRefusal::Recorded(r.id.clone()))
                }
            }
        }
    }
}

/// Reservations by status (the orphan sweep lists the held ones).
pub const BY_STATUS: kernel::Slot = kernel::Slot::A;

impl Document for Reservation {
    const KIND: &'static str = "Reservation";
    fn id(&self) -> &str {
        &self.id
    }
    fn keys(&self) -> Keys {
        let status = serde_json::to_value(self.status)
            .ok()
            .and_then(|v| v.as_str().map(str::to_owned));
        Keys {
            a: status,
            b: Some(self.museum_id.clone()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn given(events: &[MuseumEvent]) -> Museum {
        events.iter().fold(Museum::default(), |m, e| m.apply(e))
    }

    fn registered(capacity: u32) -> MuseumEvent {
        MuseumEvent::MuseumRegistered(MuseumRegistered {
            museum_id: "m1".into(),
            hall: "A".into(),
            date: "2026-12-01".into(),
            capacity,
        })
    }

    fn reserve(seats: u32) -> MuseumCmd {
        MuseumCmd::Reserve {
            booking_id: "b1".into(),
            seats,
        }
    }

    #[test]
    fn registering_sets_the_seats() {
        let cmd = MuseumCmd::Register {
            id: "m1".into(),
            hall: "A".into(),
            date: "2026-12-01".into(),
            capacity: 3,
        };
        let events = Museum::default().decide(cmd).unwrap();
        assert_eq!(events, vec![registered(3)]);
        let m = given(&events);
        assert_eq!(
            (m.capacity, m.initial_capacity, m.status),
            (3, 3, MuseumStatus::Open)
        );
    }

    #[test]
    fn a_registered_exhibition_is_not_registered_again() {
        let cmd = MuseumCmd::Register {
            id: "m1".into(),
            hall: "A".into(),
            date: "2026-12-01".into(),
            capacity: 3,
        };
        assert_eq!(
            given(&[registered(3)]).decide(cmd),
            Err(Refusal::AlreadyRegistered("m1".into()))
        );
    }

    #[test]
    fn reserving_takes_seats_down_to_zero_and_no_further() {
        let m = given(&[registered(3)]);
        let events = m.decide(reserve(3)).unwrap();
        let m = events.iter().fold(m, |m, e| m.apply(e));
        assert_eq!(m.capacity, 0);
        assert_eq!(
            m.decide(reserve(1)),
            Err(Refusal::NotEnoughSeats { wanted: 1, left: 0 })
        );
    }

    #[test]
    fn more_seats_than_left_are_refused() {
        assert_eq!(
            given(&[registered(2)]).decide(reserve(3)),
            Err(Refusal::NotEnoughSeats { wanted: 3, left: 2 })
        );
    }

    #[test]
    fn a_deleted_exhibition_takes_no_bookings() {
        let m = given(&[
            registered(3),
            MuseumEvent::MuseumDeleted(MuseumDeleted {
                museum_id: "m1".into(),
            }),
        ]);
        assert_eq!(m.decide(reserve(1)), Err(Refusal::Deleted("m1".into())));
        assert_eq!(
            m.decide(MuseumCmd::Delete),
            Err(Refusal::Deleted("m1".into()))
        );
    }

    #[test]
    fn returned_seats_come_back_even_after_deletion() {
        let m = given(&[registered(3)]);
        let m = m
            .decide(reserve(2))
            .unwrap()
            .iter()
            .fold(m, |m, e| m.apply(e));
        let m = m
            .decide(MuseumCmd::Delete)
            .unwrap()
            .iter()
            .fold(m, |m, e| m.apply(e));
        let m = m
            .decide(MuseumCmd::Return {
                booking_id: "b1".into(),
                seats: 2,
            })
            .unwrap()
            .iter()
            .fold(m, |m, e| m.apply(e));
        assert_eq!((m.capacity, m.status), (3, MuseumStatus::Deleted));
    }

    fn hold(seats: u32) -> ReservationCmd {
        ReservationCmd::Hold {
            booking_id: "b1".into(),
            museum_id: "m1".into(),
            seats,
            at_ms: 7,
        }
    }

    fn held() -> Reservation {
        match Reservation::decide(None, hold(2)) {
            Ok(ReservationChange::Created(r)) => r,
            other => panic!("{other:?}"),
        }
    }

    fn after(r: &Reservation, cmd: ReservationCmd) -> Reservation {
        match Reservation::decide(Some(r), cmd) {
            Ok(ReservationChange::Updated(r)) => r,
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn holding_seats_again_for_the_same_booking_takes_nothing_more() {
        assert_eq!(
            (held().status, held().held_at),
            (ReservationStatus::Held, 7)
        );
        assert_eq!(
            Reservation::decide(Some(&held()), hold(2)),
            Ok(ReservationChange::Unchanged)
        );
        assert_eq!(
            Reservation::decide(Some(&held()), hold(3)),
            Err(ReservationRefusal::ReservedOtherwise("b1".into()))
        );
    }

    #[test]
    fn a_recorded_booking_keeps_its_seats_against_a_release_as_never_booked() {
        let booked = after(&held(), ReservationCmd::Book);
        let never = ReservationCmd::GiveBack {
            because: ReturnReason::NeverBooked,
        };
        assert_eq!(
            Reservation::decide(Some(&booked), never),
            Err(ReservationRefusal::Recorded("b1".into()))
        );
        let cancelled = after(
            &booked,
            ReservationCmd::GiveBack {
                because: ReturnReason::BookingCancelled,
            },
        );
        assert_eq!(cancelled.status, ReservationStatus::Returned);
    }

    #[test]
    fn seats_come_back_once() {
        let back = after(
            &held(),
            ReservationCmd::GiveBack {
                because: ReturnReason::NeverBooked,
            },
        );
        assert_eq!(back.returned_because, Some(ReturnReason::NeverBooked));
        for because in [ReturnReason::NeverBooked, ReturnReason::BookingCancelled] {
            assert_eq!(
                Reservation::decide(Some(&back), ReservationCmd::GiveBack { because }),
                Ok(ReservationChange::Unchanged)
            );
        }
        assert_eq!(
            Reservation::decide(Some(&back), hold(2)),
            Err(ReservationRefusal::ReservedOtherwise("b1".into()))
        );
    }

    #[test]
    fn a_booking_recorded_after_its_cancellation_reached_museum_changes_nothing() {
        let cancelled = after(
            &held(),
            ReservationCmd::GiveBack {
                because: ReturnReason::BookingCancelled,
            },
        );
        assert_eq!(
            Reservation::decide(Some(&cancelled), ReservationCmd::Book),
            Ok(ReservationChange::Unchanged)
        );
        let orphaned = after(
            &held(),
            ReservationCmd::GiveBack {
                because: ReturnReason::NeverBooked,
            },
        );
        assert_eq!(
            Reservation::decide(Some(&orphaned), ReservationCmd::Book),
            Err(ReservationRefusal::ReleasedAsNeverBooked("b1".into()))
        );
    }

    #[test]
    fn event_tags_are_the_published_names() {
        use kernel::Event;
        let tag = |e: &MuseumEvent| {
            serde_json::to_value(e).unwrap()["eventType"]
                .as_str()
                .unwrap()
                .to_owned()
        };
        assert_eq!(tag(&registered(1)), MuseumRegistered::TYPE);
        let deleted = MuseumEvent::MuseumDeleted(MuseumDeleted {
            museum_id: "m".into(),
        });
        assert_eq!(tag(&deleted), MuseumDeleted::TYPE);
    }
}
