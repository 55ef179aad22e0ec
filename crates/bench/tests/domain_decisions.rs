//! Property tests of the museum's domain decisions: over arbitrary sequences of commands, each
//! aggregate's `decide` never panics, refuses exactly what its rules refuse, and keeps its
//! invariants; the MyPage projection ends in the same row whatever the interleaving of its two
//! event streams.

use kernel::{Aggregate, Call, Envelope};
use proptest::{collection::vec, prelude::*};

mod museum {
    use museum_museum::domain::{
        MAX_CAPACITY, MAX_SEATS_PER_BOOKING, Museum, MuseumCmd, MuseumEvent, MuseumStatus, Refusal,
    };

    use super::*;

    #[derive(Clone, Debug)]
    enum Op {
        Reserve(u32),
        /// Gives back the seats of one of the reservations still held (by position).
        Return(usize),
        Delete,
    }

    fn op() -> impl Strategy<Value = Op> {
        prop_oneof![
            6 => (1..=MAX_SEATS_PER_BOOKING).prop_map(Op::Reserve),
            3 => any::<usize>().prop_map(Op::Return),
            1 => Just(Op::Delete),
        ]
    }

    /// Mostly small exhibitions, so that sequences sell them out.
    fn capacity() -> impl Strategy<Value = u32> {
        prop_oneof![3 => 1u32..=300, 1 => 1..=MAX_CAPACITY]
    }

    fn registered(capacity: u32) -> Museum {
        let events = Museum::default()
            .decide(MuseumCmd::Register {
                id: "m1".into(),
                hall: "A".into(),
                date: "2026-12-24".into(),
                capacity,
            })
            .expect("a new exhibition registers");
        events.iter().fold(Museum::default(), |m, e| m.apply(e))
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(512))]

        #[test]
        fn seats_stay_between_zero_and_the_initial_capacity(capacity in capacity(), ops in vec(op(), 0..80)) {
            let mut museum = registered(capacity);
            let mut held: Vec<(String, u32)> = Vec::new();
            let mut deleted = false;
            for (n, op) in ops.into_iter().enumerate() {
                let taken: u32 = held.iter().map(|(_, s)| s).sum();
                match op {
                    Op::Reserve(seats) => {
                        let booking_id = format!("b{n}");
                        let decided = museum.decide(MuseumCmd::Reserve { booking_id: booking_id.clone(), seats });
                        let free = capacity - taken;
                        if deleted {
                            prop_assert_eq!(decided, Err(Refusal::Deleted("m1".into())));
                        } else if seats > free {
                            prop_assert_eq!(decided, Err(Refusal::NotEnoughSeats { wanted: seats, left: free }));
                        } else {
                            let events = decided.map_err(|r| TestCaseError::fail(r.to_string()))?;
                            prop_assert!(matches!(events.as_slice(),
                                [MuseumEvent::SeatsReserved(e)] if e.seats == seats && e.capacity == free - seats));
                            museum = events.iter().fold(museum, |m, e| m.apply(e));
                            held.push((booking_id, seats));
                        }
                    }
                    Op::Return(i) if !held.is_empty() => {
                        let (booking_id, seats) = held.remove(i % held.len());
                        let events = museum.decide(MuseumCmd::Return { booking_id, seats })
                            .map_err(|r| TestCaseError::fail(r.to_string()))?;
                        museum = events.iter().fold(museum, |m, e| m.apply(e));
                    }
                    Op::Return(_) => {}
                    Op::Delete => {
                        let decided = museum.decide(MuseumCmd::Delete);
                        if deleted {
                            prop_assert_eq!(decided, Err(Refusal::Deleted("m1".into())));
                        } else {
                            let events = decided.map_err(|r| TestCaseError::fail(r.to_string()))?;
                            museum = events.iter().fold(museum, |m, e| m.apply(e));
                            deleted = true;
                        }
                    }
                }
                let taken: u32 = held.iter().map(|(_, s)| s).sum();
                prop_assert_eq!(museum.capacity + taken, capacity, "free + held = initial");
                prop_assert!(museum.capacity <= museum.initial_capacity);
                prop_assert_eq!(museum.initial_capacity, capacity);
                prop_assert_eq!(museum.status == MuseumStatus::Deleted, deleted);
            }
        }
    }
}

mod book {
    use museum_book::domain::{
        Booking, BookingCmd, BookingEvent, BookingStatus, Refusal, SeatsTaken,
    };

    use super::*;

    fn cmd() -> impl Strategy<Value = BookingCmd> {
        prop_oneof![
            Just(BookingCmd::Complete),
            Just(BookingCmd::Cancel),
            Just(BookingCmd::ForceCancel),
            (1u32..=100).prop_map(book),
        ]
    }

    fn book(seats: u32) -> BookingCmd {
        BookingCmd::Book {
            id: "b1".into(),
            museum_id: "m1".into(),
            user_id: "u1".into(),
            taken: SeatsTaken {
                seats,
                hall: "A".into(),
                date: "2026-12-24".into(),
            },
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(512))]

        #[test]
        fn a_booking_is_made_once_ends_once_and_never_comes_back(
            seats in 1u32..=100,
            cmds in vec(cmd(), 0..40),
        ) {
            let first = Booking::default().decide(book(seats)).map_err(|r| TestCaseError::fail(r.to_string()))?;
            let mut booking = first.iter().fold(Booking::default(), |b, e| b.apply(e));
            let mut history = first;
            for cmd in cmds {
                let before = booking.status;
                let decided = booking.decide(cmd.clone());
                match (&cmd, before.is_live()) {
                    (BookingCmd::Book { .. }, _) => prop_assert_eq!(decided, Err(Refusal::AlreadyBooked("b1".into()))),
                    (BookingCmd::Cancel, false) => prop_assert_eq!(decided, Err(Refusal::AlreadyCancelled("b1".into()))),
                    _ => {
                        let events = decided.map_err(|r| TestCaseError::fail(r.to_string()))?;
                        prop_assert!(events.len() <= 1);
                        booking = events.iter().fold(booking, |b, e| b.apply(e));
                        history.extend(events);
                    }
                }
                // Cancelled and force-cancelled are final.
                if !before.is_live() {
                    prop_assert_eq!(booking.status, before);
                }
                prop_assert_eq!(booking.seats, seats);
            }
            let count = |f: fn(&BookingEvent) -> bool| history.iter().filter(|e| f(e)).count();
            prop_assert_eq!(count(|e| matches!(e, BookingEvent::Booked(_))), 1);
            prop_assert!(count(|e| matches!(e, BookingEvent::BookCompleted(_))) <= 1);
            let ends = count(|e| matches!(e, BookingEvent::BookCancelled(_) | BookingEvent::BookForceCancelled(_)));
            prop_assert_eq!(ends, usize::from(!booking.status.is_live()));
            // A cancellation gives back exactly the seats that were booked.
            for e in &history {
                if let BookingEvent::BookCancelled(c) = e { prop_assert_eq!(c.seats, seats); }
                if let BookingEvent::BookForceCancelled(c) = e { prop_assert_eq!(c.seats, seats); }
            }
            // Completion only follows a live booking.
            let completed_after_end = history.iter()
                .skip_while(|e| !matches!(e, BookingEvent::BookCancelled(_) | BookingEvent::BookForceCancelled(_)))
                .any(|e| matches!(e, BookingEvent::BookCompleted(_)));
            prop_assert!(!completed_after_end);
            prop_assert!(booking.status != BookingStatus::Completed || count(|e| matches!(e, BookingEvent::BookCompleted(_))) == 1);
        }
    }
}

mod confirm {
    use museum_confirm::domain::{Entry, EntryCmd, EntryEvent, EntryStatus};

    use super::*;

    fn cmd() -> impl Strategy<Value = EntryCmd> {
        prop_oneof![
            Just(EntryCmd::Confirm),
            Just(EntryCmd::Cancel),
            Just(EntryCmd::ForceCancel)
        ]
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(512))]

        /// Deliveries in any order, duplicates included: the first cancellation of either kind
        /// decides the entry for good, and each event is recorded at most once.
        #[test]
        fn the_first_cancellation_decides_the_entry_in_any_order(cmds in vec(cmd(), 1..20)) {
            let mut entry = Entry::of("b1", "u1");
            let mut exists = false;
            let mut history = Vec::new();
            for cmd in &cmds {
                let events = entry.decide(exists, cmd.clone());
                prop_assert!(events.len() <= 1);
                exists |= !events.is_empty();
                entry = events.iter().fold(entry, |e, ev| e.apply(ev));
                history.extend(events);
            }
            let expected = match cmds.iter().find(|c| **c != EntryCmd::Confirm) {
                Some(EntryCmd::Cancel) => EntryStatus::Cancelled,
                Some(EntryCmd::ForceCancel) => EntryStatus::ForceCancelled,
                _ => EntryStatus::Confirmed,
            };
            prop_assert_eq!(entry.status, expected);
            prop_assert_eq!((entry.id.as_str(), entry.booking_id.as_str(), entry.user_id.as_str()), ("b1", "b1", "u1"));
            for kind in [0, 1, 2] {
                let n = history.iter().filter(|e| match e {
                    EntryEvent::EntryConfirmed(_) => kind == 0,
                    EntryEvent::EntryCancelled(_) => kind == 1,
                    EntryEvent::EntryForceCancelled(_) => kind == 2,
                }).count();
                prop_assert!(n <= 1, "{history:?}");
            }
            let cancellations = history.iter().filter(|e| !matches!(e, EntryEvent::EntryConfirmed(_))).count();
            prop_assert!(cancellations <= 1, "{history:?}");
        }
    }
}

mod mypage {
    use museum_book::domain::BookingEvent;
    use museum_confirm::domain::EntryEvent;
    use museum_events::{
        BookCancelled, BookCompleted, BookForceCancelled, Booked, EntryCancelled, EntryConfirmed,
        EntryForceCancelled,
    };
    use museum_mypage::view::MyPage;

    use super::*;

    fn envelope(source: &str, kind: &str, version: u64, event: &impl serde::Serialize) -> Envelope {
        Envelope::record(source, kind, "b1", version, event, &Call::new(None)).expect("an event")
    }

    /// A booking's events in its own order: booked, maybe completed, maybe cancelled either way.
    fn book_events() -> impl Strategy<Value = (Vec<Envelope>, &'static str)> {
        (any::<bool>(), 0..3u8).prop_map(|(completed, end)| {
            let (b, m, u) = ("b1".to_owned(), "m1".to_owned(), "u1".to_owned());
            let mut events = vec![BookingEvent::Booked(Booked {
                booking_id: b.clone(),
                museum_id: m.clone(),
                user_id: u.clone(),
                seats: 2,
                hall: "A".into(),
                date: "2026-12-24".into(),
            })];
            let mut status = "BOOKED";
            if completed {
                events.push(BookingEvent::BookCompleted(BookCompleted {
                    booking_id: b.clone(),
                    museum_id: m.clone(),
                    user_id: u.clone(),
                }));
                status = "COMPLETED";
            }
            match end {
                1 => {
                    events.push(BookingEvent::BookCancelled(BookCancelled {
                        booking_id: b,
                        museum_id: m,
                        user_id: u,
                        seats: 2,
                    }));
                    status = "CANCELLED";
                }
                2 => {
                    events.push(BookingEvent::BookForceCancelled(BookForceCancelled {
                        booking_id: b,
                        museum_id: m,
                        user_id: u,
                        seats: 2,
                    }));
                    status = "FORCE_CANCELLED";
                }
                _ => {}
            }
            let envelopes = events
                .iter()
                .enumerate()
                .map(|(i, e)| envelope("museum/book", "Booking", i as u64 + 1, e))
                .collect();
            (envelopes, status)
        })
    }

    /// An entry's events in its own order, as confirm records them.
    fn entry_events() -> impl Strategy<Value = (Vec<Envelope>, Option<&'static str>)> {
        (any::<bool>(), 0..3u8).prop_map(|(confirmed, end)| {
            let ids = || ("b1".to_owned(), "b1".to_owned(), "u1".to_owned());
            let mut events = Vec::new();
            let mut status = None;
            if confirmed {
                let (entry_id, booking_id, user_id) = ids();
                events.push(EntryEvent::EntryConfirmed(EntryConfirmed {
                    entry_id,
                    booking_id,
                    user_id,
                }));
                status = Some("CONFIRMED");
            }
            match end {
                1 => {
                    let (entry_id, booking_id, user_id) = ids();
                    events.push(EntryEvent::EntryCancelled(EntryCancelled {
                        entry_id,
                        booking_id,
                        user_id,
                    }));
                    status = Some("CANCELLED");
                }
                2 => {
                    let (entry_id, booking_id, user_id) = ids();
                    events.push(EntryEvent::EntryForceCancelled(EntryForceCancelled {
                        entry_id,
                        booking_id,
                        user_id,
                    }));
                    status = Some("FORCE_CANCELLED");
                }
                _ => {}
            }
            let envelopes = events
                .iter()
                .enumerate()
                .map(|(i, e)| envelope("museum/confirm", "Entry", i as u64 + 1, e))
                .collect();
            (envelopes, status)
        })
    }

    /// Merges two streams, keeping each one's order; `choices` picks the stream at each step.
    fn interleave(a: &[Envelope], b: &[Envelope], choices: u64) -> Vec<Envelope> {
        let (mut i, mut j, mut out) = (0, 0, Vec::new());
        for step in 0.. {
            let take_a = match (i < a.len(), j < b.len()) {
                (false, false) => break,
                (true, false) => true,
                (false, true) => false,
                (true, true) => choices >> (step % 64) & 1 == 1,
            };
            if take_a {
                out.push(a[i].clone());
                i += 1;
            } else {
                out.push(b[j].clone());
                j += 1;
            }
        }
        out
    }

    fn project(events: &[Envelope]) -> Result<MyPage, TestCaseError> {
        events
            .iter()
            .try_fold(MyPage::default(), |row, e| row.project(e))
            .map_err(|e| TestCaseError::fail(e.to_string()))
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(512))]

        #[test]
        fn the_row_depends_on_each_stream_and_not_on_their_interleaving(
            (book, booking_status) in book_events(),
            (entry, entry_status) in entry_events(),
            choices in any::<u64>(),
            duplicate in any::<usize>(),
        ) {
            let mut events = interleave(&book, &entry, choices);
            // A delivery repeated at once (an effect not guarded by a marker) changes nothing.
            let again = events[duplicate % events.len()].clone();
            events.insert(duplicate % events.len(), again);
            let row = project(&events)?;
            prop_assert_eq!(row.booking_status.as_deref(), Some(booking_status));
            prop_assert_eq!(row.entry_status.as_deref(), entry_status);
            prop_assert_eq!((row.id.as_str(), row.user_id.as_str(), row.seats), ("b1", "u1", Some(2)));
            prop_assert_eq!((row.hall.as_deref(), row.museum_id.as_deref()), (Some("A"), Some("m1")));
        }
    }
}
