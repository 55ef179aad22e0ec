//! 전시 (exhibition): a hall on a date, registered and deleted by the museum; and its seats, a
//! counter that bookings take from and give back to. Pure: no I/O, no AWS type.

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

/// An exhibition as the museum registered it. Its free seats are its `Seats` counter.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Museum {
    pub id: String,
    pub hall: String,
    /// `YYYY-MM-DD`
    pub date: String,
    /// Seats the exhibition was registered with (참석가능인원).
    pub initial_capacity: u32,
    pub status: MuseumStatus,
}

/// The exhibition's free seats: a counter taken from and given back to in place, by a write
/// conditional on staying at zero or more (`Tx::adjust`) — never read, decided and written back,
/// so a crowd booking one exhibition does not turn into retries.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Seats {
    /// The exhibition's id.
    pub id: String,
    pub free: i64,
}

/// The counter's field, as the conditional writes name it.
pub const FREE: &str = "free";
/// The exhibition's status field: seats are taken only while it reads OPEN.
pub const STATUS: &str = "status";

impl Document for Seats {
    const KIND: &'static str = "Seats";
    fn id(&self) -> &str {
        &self.id
    }
}

impl Seats {
    /// The seats left after taking `wanted` — the rule the conditional write enforces.
    pub fn take(&self, wanted: u32) -> Result<Seats, Refusal> {
        let free = self.free - i64::from(wanted);
        if free < 0 {
            return Err(Refusal::NotEnoughSeats {
                wanted,
                left: self.free.max(0) as u32,
            });
        }
        Ok(Seats {
            free,
            ..self.clone()
        })
    }

    /// Seats come back even to a deleted exhibition, so its books stay balanced.
    pub fn give_back(&self, seats: u32) -> Seats {
        Seats {
            free: self.free + i64::from(seats),
            ..self.clone()
        }
    }
}

/// An exhibition as the API shows it: what was registered, and the seats still free.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
#[schema(as = Museum)]
pub struct MuseumView {
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

impl MuseumView {
    pub fn of(museum: Museum, seats: &Seats) -> Self {
        Self {
            id: museum.id,
            hall: museum.hall,
            date: museum.date,
            capacity: seats.free.max(0) as u32,
            initial_capacity: museum.initial_capacity,
            status: museum.status,
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "eventType", content = "payload")]
pub enum MuseumEvent {
    MuseumRegistered(MuseumRegistered),
    MuseumDeleted(MuseumDeleted),
}

/// What happens to a booking's seats, recorded on the reservation (the aggregate is the
/// booking's reservation: its events reach consumers in its own order).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "eventType", content = "payload")]
pub enum SeatsEvent {
    SeatsReserved(SeatsReserved),
    SeatsReturned(SeatsReturned),
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum MuseumCmd {
    Register {
        id: String,
        hall: String,
        date: String,
        capacity: u32,
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
            MuseumCmd::Delete => {
                if self.status == MuseumStatus::Deleted {
                    return Err(Refusal::Deleted(self.id.clone()));
                }
                Ok(vec![E::MuseumDeleted(MuseumDeleted {
                    museum_id: self.id.clone(),
                })])
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
                self.initial_capacity = e.capacity;
                self.status = MuseumStatus::Open;
            }
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

    #[test]
    fn registering_records_the_seats_it_opens_with() {
        let cmd = MuseumCmd::Register {
            id: "m1".into(),
            hall: "A".into(),
            date: "2026-12-01".into(),
            capacity: 3,
        };
        let events = Museum::default().decide(cmd).unwrap();
        assert_eq!(events, vec![registered(3)]);
        let m = given(&events);
        assert_eq!((m.initial_capacity, m.status), (3, MuseumStatus::Open));
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

    fn seats(free: i64) -> Seats {
        Seats {
            id: "m1".into(),
            free,
        }
    }

    #[test]
    fn seats_are_taken_down_to_zero_and_no_further() {
        let left = seats(3).take(3).unwrap();
        assert_eq!(left.free, 0);
        assert_eq!(
            left.take(1),
            Err(Refusal::NotEnoughSeats { wanted: 1, left: 0 })
        );
    }

    #[test]
    fn more_seats_than_left_are_refused() {
        assert_eq!(
            seats(2).take(3),
            Err(Refusal::NotEnoughSeats { wanted: 3, left: 2 })
        );
    }

    #[test]
    fn a_deleted_exhibition_is_not_deleted_again() {
        let m = given(&[
            registered(3),
            MuseumEvent::MuseumDeleted(MuseumDeleted {
                museum_id: "m1".into(),
            }),
        ]);
        assert_eq!(m.status, MuseumStatus::Deleted);
        assert_eq!(
            m.decide(MuseumCmd::Delete),
            Err(Refusal::Deleted("m1".into()))
        );
    }

    #[test]
    fn returned_seats_come_back_whatever_the_exhibition_became() {
        let back = seats(3).take(2).unwrap().give_back(2);
        assert_eq!(back, seats(3));
    }

    #[test]
    fn the_view_shows_the_free_seats_beside_the_registered_ones() {
        let m = given(&[registered(3)]);
        let view = MuseumView::of(m, &seats(1));
        assert_eq!((view.capacity, view.initial_capacity), (1, 3));
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
