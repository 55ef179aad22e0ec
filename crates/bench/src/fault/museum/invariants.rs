//! The museum's invariants after a fault run, each a `Check` over the settled state, the ledger
//! of what clients were told, and the seats still held before the orphan sweep ran.

use std::collections::BTreeMap;

use kernel::Envelope;
use museum_museum::domain::{Reservation, ReservationStatus};

use super::{
    ledger::Ledger,
    state::{Booking, State, booking_of},
};
use crate::fault::Check;

/// How often each event type was recorded about each booking (or each exhibition, for
/// exhibition events).
struct Counts(BTreeMap<(String, String), usize>);

impl Counts {
    fn of(state: &State) -> Self {
        let mut counts = BTreeMap::new();
        let all = state
            .museum_events
            .iter()
            .chain(&state.book_events)
            .chain(&state.confirm_events);
        for e in all {
            let subject = booking_of(e).unwrap_or_else(|| e.aggregate_id.clone());
            *counts.entry((subject, e.event_type.clone())).or_default() += 1;
        }
        Self(counts)
    }

    fn get(&self, subject: &str, event_type: &str) -> usize {
        self.0
            .get(&(subject.to_owned(), event_type.to_owned()))
            .copied()
            .unwrap_or(0)
    }
}

pub fn all(state: &State, ledger: &Ledger, held_before_sweep: &[Reservation]) -> Vec<Check> {
    let counts = Counts::of(state);
    vec![
        seat_history(state),
        seat_balance(state),
        bookings_final(state, ledger, &counts),
        exhibitions(state, ledger, &counts),
        on_booked_reserves(state, held_before_sweep),
        on_booked_confirms(state, &counts),
        on_entry_confirmed(state, &counts),
        on_cancelled_returns_seats(state, &counts),
        on_cancelled_cancels_entry(state, &counts),
        on_museum_deleted(state),
        my_page_projection(state),
        orphans_released(state, &counts),
        no_server_errors(ledger),
    ]
}

/// Each exhibition's registration and seat events, in the order museum committed them (its
/// outbox order): seats move by conditional writes, so the count after each must stay in bounds.
fn museum_histories(events: &[Envelope]) -> BTreeMap<&str, Vec<&Envelope>> {
    let mut histories: BTreeMap<&str, Vec<&Envelope>> = BTreeMap::new();
    for e in events {
        if let Some(museum) = e.payload["museumId"].as_str() {
            histories.entry(museum).or_default().push(e);
        }
    }
    histories
}

fn number(e: &Envelope, field: &str) -> i64 {
    e.payload[field].as_i64().unwrap_or(i64::MIN)
}

fn seat_history(state: &State) -> Check {
    let mut check = Check::new(
        "seats never negative: replayed in commit order, every exhibition's seat events keep its free seats within [0, initial capacity]",
    );
    for (museum, history) in museum_histories(&state.museum_events) {
        let (mut initial, mut capacity) = (0, 0);
        for e in history {
            capacity = match e.event_type.as_str() {
                "MuseumRegistered" => {
                    initial = number(e, "capacity");
                    initial
                }
                "SeatsReserved" => capacity - number(e, "seats"),
                "SeatsReturned" => capacity + number(e, "seats"),
                _ => continue,
            };
            check.expect((0..=initial).contains(&capacity), || {
                format!(
                    "{museum}: after {} of booking {} it had {capacity} seats, outside 0..={initial}",
                    e.event_type, e.aggregate_id
                )
            });
        }
        if let Some(m) = state.museums.get(museum) {
            check.expect(m.capacity == capacity && m.capacity >= 0, || {
                format!(
                    "{museum}: capacity {} but its events say {capacity}",
                    m.capacity
                )
            });
        }
    }
    check
}

fn seat_balance(state: &State) -> Check {
    let mut check =
        Check::new("for every exhibition, capacity + seats of live bookings = initial capacity");
    for m in state.museums.values() {
        let held: i64 = state
            .bookings
            .values()
            .filter(|b| b.museum_id == m.id && b.is_live())
            .map(|b| b.seats)
            .sum();
        check.expect(m.capacity + held == m.initial_capacity, || {
            format!(
                "{}: {} free + {held} booked ≠ {}",
                m.id, m.capacity, m.initial_capacity
            )
        });
    }
    check
}

fn bookings_final(state: &State, ledger: &Ledger, counts: &Counts) -> Check {
    let mut check = Check::new(
        "every accepted booking recorded, every booking final (COMPLETED, CANCELLED or FORCE_CANCELLED), Booked once, at most one cancellation",
    );
    for (id, accepted) in &ledger.accepted {
        let recorded = state.bookings.get(id);
        check.expect(
            recorded.is_some_and(|b| {
                b.museum_id == accepted.museum_id && b.seats == i64::from(accepted.seats)
            }),
            || format!("{id}: accepted for {accepted:?}, recorded as {recorded:?}"),
        );
    }
    for b in state.bookings.values() {
        check.expect(
            matches!(
                b.status.as_str(),
                "COMPLETED" | "CANCELLED" | "FORCE_CANCELLED"
            ),
            || format!("{}: still {}", b.id, b.status),
        );
        let cancellations =
            counts.get(&b.id, "BookCancelled") + counts.get(&b.id, "BookForceCancelled");
        check.expect(
            counts.get(&b.id, "Booked") == 1 && cancellations == usize::from(!b.is_live()),
            || {
                format!(
                    "{} ({}): Booked {} times, cancelled {cancellations} times",
                    b.id,
                    b.status,
                    counts.get(&b.id, "Booked")
                )
            },
        );
    }
    for id in &ledger.cancelled {
        let status = state.bookings.get(id).map(|b| b.status.as_str());
        check.expect(status == Some("CANCELLED"), || {
            format!("{id}: cancelled (200) but {status:?}")
        });
    }
    check
}

fn exhibitions(state: &State, ledger: &Ledger, counts: &Counts) -> Check {
    let mut check = Check::new(
        "every registered exhibition recorded with its capacity; deleted ones DELETED, MuseumDeleted once",
    );
    for (id, capacity) in &ledger.registered {
        let m = state.museums.get(id);
        check.expect(
            m.is_some_and(|m| m.initial_capacity == i64::from(*capacity)),
            || format!("{id}: registered with {capacity} seats, recorded as {m:?}"),
        );
    }
    for m in state.museums.values() {
        let deleted = m.status == "DELETED";
        check.expect(
            counts.get(&m.id, "MuseumDeleted") == usize::from(deleted),
            || {
                format!(
                    "{} ({}): MuseumDeleted {} times",
                    m.id,
                    m.status,
                    counts.get(&m.id, "MuseumDeleted")
                )
            },
        );
        if ledger.deleted.contains(&m.id) {
            check.expect(deleted, || {
                format!("{}: deleted (200) but {}", m.id, m.status)
            });
        }
    }
    check
}

fn on_booked_reserves(state: &State, held_before_sweep: &[Reservation]) -> Check {
    let mut check = Check::new(
        "Booked → museum-museum-on-booked: every booking's seats reserved for it, none still HELD once delivered",
    );
    for b in state.bookings.values() {
        let r = state.reservations.get(&b.id);
        check.expect(
            r.is_some_and(|r| r.museum_id == b.museum_id && i64::from(r.seats) == b.seats),
            || format!("{}: reservation {r:?}", b.id),
        );
    }
    for r in held_before_sweep {
        check.expect(!state.bookings.contains_key(&r.id), || {
            format!(
                "{}: recorded, but its seats were still HELD after the drain",
                r.id
            )
        });
    }
    check
}

fn on_booked_confirms(state: &State, counts: &Counts) -> Check {
    let mut check = Check::new(
        "Booked → museum-confirm-on-booked: one entry per booking, EntryConfirmed at most once",
    );
    for b in state.bookings.values() {
        check.expect(state.entries.contains_key(&b.id), || {
            format!("{}: no entry", b.id)
        });
        check.expect(counts.get(&b.id, "EntryConfirmed") <= 1, || {
            format!(
                "{}: EntryConfirmed {} times",
                b.id,
                counts.get(&b.id, "EntryConfirmed")
            )
        });
    }
    check
}

fn on_entry_confirmed(state: &State, counts: &Counts) -> Check {
    let mut check = Check::new(
        "EntryConfirmed → museum-book-on-entry-confirmed: a confirmed live booking is COMPLETED, BookCompleted once",
    );
    for b in state.bookings.values() {
        let completed = counts.get(&b.id, "BookCompleted");
        let confirmed = counts.get(&b.id, "EntryConfirmed");
        check.expect(
            completed <= confirmed && (b.status != "COMPLETED" || completed == 1),
            || {
                format!(
                    "{} ({}): BookCompleted {completed} times, EntryConfirmed {confirmed} times",
                    b.id, b.status
                )
            },
        );
    }
    check
}

fn on_cancelled_returns_seats(state: &State, counts: &Counts) -> Check {
    let mut check = Check::new(
        "BookCancelled/BookForceCancelled → museum-museum-on-book-cancelled: SeatsReturned exactly once per cancelled booking, never for a live one",
    );
    for b in state.bookings.values() {
        let returned = counts.get(&b.id, "SeatsReturned");
        let status = state.reservations.get(&b.id).map(|r| r.status);
        let expected = if b.is_live() {
            ReservationStatus::Booked
        } else {
            ReservationStatus::Returned
        };
        check.expect(
            returned == usize::from(!b.is_live()) && status == Some(expected),
            || {
                format!(
                    "{} ({}): SeatsReturned {returned} times, reservation {status:?}",
                    b.id, b.status
                )
            },
        );
    }
    check
}

fn entry_status_of(b: &Booking) -> &'static str {
    match b.status.as_str() {
        "CANCELLED" => "CANCELLED",
        "FORCE_CANCELLED" => "FORCE_CANCELLED",
        _ => "CONFIRMED",
    }
}

fn on_cancelled_cancels_entry(state: &State, counts: &Counts) -> Check {
    let mut check = Check::new(
        "BookCancelled/BookForceCancelled → museum-confirm-on-book-(force-)cancelled: every entry matches its booking, each entry event at most once",
    );
    for b in state.bookings.values() {
        let entry = state.entries.get(&b.id).map(|e| e.status.as_str());
        let once = ["EntryConfirmed", "EntryCancelled", "EntryForceCancelled"]
            .iter()
            .all(|t| counts.get(&b.id, t) <= 1);
        check.expect(entry == Some(entry_status_of(b)) && once, || {
            format!(
                "{} ({}): entry {entry:?}, entry events once: {once}",
                b.id, b.status
            )
        });
    }
    for e in state.entries.values() {
        check.expect(
            e.booking_id == e.id && state.bookings.contains_key(&e.id),
            || format!("entry {} has no booking", e.id),
        );
    }
    check
}

fn on_museum_deleted(state: &State) -> Check {
    let mut check = Check::new(
        "MuseumDeleted → museum-book-on-museum-deleted: no live booking of a deleted exhibition",
    );
    for b in state.bookings.values() {
        let deleted = state
            .museums
            .get(&b.museum_id)
            .is_some_and(|m| m.status == "DELETED");
        if deleted {
            check.expect(!b.is_live(), || {
                format!("{}: {} for deleted {}", b.id, b.status, b.museum_id)
            });
        }
    }
    check
}

fn my_page_projection(state: &State) -> Check {
    let mut check = Check::new(
        "book and confirm events → museum-mypage-on-booking/-on-entry: every event projected once, every row agrees with its booking and entry",
    );
    for missing in &state.unprojected {
        check.expect(false, || missing.clone());
    }
    let events = state.book_events.len() + state.confirm_events.len();
    check.checked += events.saturating_sub(state.unprojected.len());
    for b in state.bookings.values() {
        let row = state.my_pages.get(&b.id);
        let entry = state.entries.get(&b.id).map(|e| e.status.as_str());
        check.expect(
            row.is_some_and(|r| {
                r.user_id == b.user_id
                    && r.museum_id.as_deref() == Some(b.museum_id.as_str())
                    && r.seats == Some(b.seats)
                    && r.booking_status.as_deref() == Some(b.status.as_str())
                    && r.entry_status.as_deref() == entry
            }),
            || format!("{} ({}, entry {entry:?}): row {row:?}", b.id, b.status),
        );
    }
    for r in state.my_pages.values() {
        check.expect(state.bookings.contains_key(&r.id), || {
            format!("row {} has no booking", r.id)
        });
    }
    check
}

fn orphans_released(state: &State, counts: &Counts) -> Check {
    let mut check = Check::new(
        "seats taken for bookings never recorded are given back exactly once (orphan sweep or compensation)",
    );
    for r in state.reservations.values() {
        check.expect(counts.get(&r.id, "SeatsReserved") == 1, || {
            format!(
                "{}: SeatsReserved {} times",
                r.id,
                counts.get(&r.id, "SeatsReserved")
            )
        });
        if state.bookings.contains_key(&r.id) {
            continue;
        }
        let returned = counts.get(&r.id, "SeatsReturned");
        check.expect(
            r.status == ReservationStatus::Returned && returned == 1,
            || {
                format!(
                    "{} (never recorded): reservation {:?}, SeatsReturned {returned} times",
                    r.id, r.status
                )
            },
        );
    }
    check
}

fn no_server_errors(ledger: &Ledger) -> Check {
    let mut check = Check::new("no request answered with a 5xx other than 503");
    check.checked = ledger
        .tallies
        .values()
        .map(|t| (t.done + t.refused + t.unavailable + t.server_errors) as usize)
        .sum::<usize>()
        - ledger.server_errors.len();
    for error in &ledger.server_errors {
        check.expect(false, || error.clone());
    }
    check
}

#[cfg(test)]
mod tests {
    use serde_json::{Value, json};

    use super::*;
    use crate::fault::museum::{
        ledger::Accepted,
        state::{Entry, Museum, MyPageRow},
    };

    fn event(
        source: &str,
        kind: &str,
        aggregate: &str,
        version: u64,
        event_type: &str,
        payload: Value,
    ) -> Envelope {
        Envelope {
            event_id: format!("{aggregate}-{event_type}-{version}"),
            event_type: event_type.into(),
            source: source.into(),
            aggregate_type: kind.into(),
            aggregate_id: aggregate.into(),
            version,
            occurred_at: time::OffsetDateTime::UNIX_EPOCH,
            correlation_id: "c".into(),
            causation_id: None,
            payload,
        }
    }

    fn seats(version: u64, event_type: &str, booking: &str, seats: u32, capacity: u32) -> Envelope {
        let payload =
            json!({ "museumId": "m1", "bookingId": booking, "seats": seats, "capacity": capacity });
        event(
            "museum/museum",
            "Museum",
            "m1",
            version,
            event_type,
            payload,
        )
    }

    fn booking_event(booking: &str, version: u64, event_type: &str) -> Envelope {
        event(
            "museum/book",
            "Booking",
            booking,
            version,
            event_type,
            json!({ "bookingId": booking }),
        )
    }

    fn entry_event(booking: &str, version: u64, event_type: &str) -> Envelope {
        event(
            "museum/confirm",
            "Entry",
            booking,
            version,
            event_type,
            json!({ "bookingId": booking }),
        )
    }

    fn booking(id: &str, seats: i64, status: &str) -> Booking {
        Booking {
            id: id.into(),
            museum_id: "m1".into(),
            user_id: "u1".into(),
            seats,
            status: status.into(),
        }
    }

    fn reservation(id: &str, seats: u32, status: ReservationStatus) -> Reservation {
        Reservation {
            id: id.into(),
            museum_id: "m1".into(),
            seats,
            status,
            held_at: 0,
            returned_because: None,
        }
    }

    fn row(b: &Booking, entry: &str) -> MyPageRow {
        MyPageRow {
            id: b.id.clone(),
            user_id: b.user_id.clone(),
            museum_id: Some(b.museum_id.clone()),
            seats: Some(b.seats),
            booking_status: Some(b.status.clone()),
            entry_status: Some(entry.into()),
        }
    }

    /// One exhibition of 10 seats: b1 (2 seats) completed, b2 (3 seats) cancelled by its user.
    fn settled() -> (State, Ledger) {
        let b1 = booking("b1", 2, "COMPLETED");
        let b2 = booking("b2", 3, "CANCELLED");
        let state = State {
            museums: BTreeMap::from([(
                "m1".into(),
                Museum {
                    id: "m1".into(),
                    capacity: 8,
                    initial_capacity: 10,
                    status: "OPEN".into(),
                },
            )]),
            my_pages: BTreeMap::from([
                ("b1".into(), row(&b1, "CONFIRMED")),
                ("b2".into(), row(&b2, "CANCELLED")),
            ]),
            bookings: BTreeMap::from([("b1".into(), b1), ("b2".into(), b2)]),
            entries: BTreeMap::from([
                (
                    "b1".into(),
                    Entry {
                        id: "b1".into(),
                        booking_id: "b1".into(),
                        status: "CONFIRMED".into(),
                    },
                ),
                (
                    "b2".into(),
                    Entry {
                        id: "b2".into(),
                        booking_id: "b2".into(),
                        status: "CANCELLED".into(),
                    },
                ),
            ]),
            museum_events: vec![
                event(
                    "museum/museum",
                    "Museum",
                    "m1",
                    1,
                    "MuseumRegistered",
                    json!({ "museumId": "m1", "capacity": 10 }),
                ),
                seats(2, "SeatsReserved", "b1", 2, 8),
                seats(3, "SeatsReserved", "b2", 3, 5),
                seats(4, "SeatsReturned", "b2", 3, 8),
            ],
            book_events: vec![
                booking_event("b1", 1, "Booked"),
                booking_event("b2", 1, "Booked"),
                booking_event("b1", 2, "BookCompleted"),
                booking_event("b2", 2, "BookCancelled"),
            ],
            confirm_events: vec![
                entry_event("b1", 1, "EntryConfirmed"),
                entry_event("b2", 1, "EntryConfirmed"),
                entry_event("b2", 2, "EntryCancelled"),
            ],
            reservations: BTreeMap::from([
                ("b1".into(), reservation("b1", 2, ReservationStatus::Booked)),
                (
                    "b2".into(),
                    reservation("b2", 3, ReservationStatus::Returned),
                ),
            ]),
            unprojected: vec![],
        };
        let mut ledger = Ledger::default();
        ledger.registered.insert("m1".into(), 10);
        for (id, seats) in [("b1", 2), ("b2", 3)] {
            ledger.accepted.insert(
                id.into(),
                Accepted {
                    museum_id: "m1".into(),
                    seats,
                },
            );
        }
        ledger.cancelled.insert("b2".into());
        (state, ledger)
    }

    fn failed(state: &State, ledger: &Ledger) -> Vec<String> {
        all(state, ledger, &[])
            .into_iter()
            .filter(|c| !c.passed())
            .map(|c| c.name)
            .collect()
    }

    #[test]
    fn a_consistent_state_passes_every_check() {
        let (state, ledger) = settled();
        assert_eq!(failed(&state, &ledger), Vec::<String>::new());
    }

    #[test]
    fn seats_returned_twice_are_caught() {
        let (mut state, ledger) = settled();
        state
            .museum_events
            .push(seats(5, "SeatsReturned", "b2", 3, 11));
        state.museums.get_mut("m1").unwrap().capacity = 11;
        let failed = failed(&state, &ledger);
        assert!(
            failed.iter().any(|c| c.starts_with("seats never negative")),
            "{failed:?}"
        );
        assert!(
            failed.iter().any(|c| c.starts_with("for every exhibition")),
            "{failed:?}"
        );
        assert!(
            failed
                .iter()
                .any(|c| c.starts_with("BookCancelled/BookForceCancelled → museum-museum")),
            "{failed:?}"
        );
    }

    #[test]
    fn a_booking_left_booked_or_live_on_a_deleted_exhibition_is_caught() {
        let (mut state, ledger) = settled();
        state.bookings.get_mut("b1").unwrap().status = "BOOKED".into();
        state.museums.get_mut("m1").unwrap().status = "DELETED".into();
        let failed = failed(&state, &ledger);
        assert!(
            failed
                .iter()
                .any(|c| c.starts_with("every accepted booking")),
            "{failed:?}"
        );
        assert!(
            failed.iter().any(|c| c.starts_with("MuseumDeleted →")),
            "{failed:?}"
        );
        assert!(
            failed
                .iter()
                .any(|c| c.starts_with("every registered exhibition")),
            "{failed:?}"
        );
    }

    #[test]
    fn an_unprojected_event_or_a_stale_row_is_caught() {
        let (mut state, ledger) = settled();
        state
            .unprojected
            .push("museum-mypage-on-booking never applied BookCompleted".into());
        state.my_pages.get_mut("b2").unwrap().entry_status = Some("CONFIRMED".into());
        let failed = failed(&state, &ledger);
        assert_eq!(failed.len(), 1, "{failed:?}");
        assert!(failed[0].starts_with("book and confirm events → museum-mypage"));
    }

    #[test]
    fn seats_held_for_a_recorded_booking_or_never_given_back_are_caught() {
        let (mut state, ledger) = settled();
        state.reservations.insert(
            "orphan".into(),
            reservation("orphan", 1, ReservationStatus::Held),
        );
        let held = [reservation("b1", 2, ReservationStatus::Held)];
        let failed: Vec<String> = all(&state, &ledger, &held)
            .into_iter()
            .filter(|c| !c.passed())
            .map(|c| c.name)
            .collect();
        assert!(
            failed
                .iter()
                .any(|c| c.starts_with("Booked → museum-museum-on-booked")),
            "{failed:?}"
        );
        assert!(
            failed
                .iter()
                .any(|c| c.starts_with("seats taken for bookings never recorded")),
            "{failed:?}"
        );
    }
}
