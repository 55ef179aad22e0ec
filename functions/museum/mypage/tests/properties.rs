//! Property tests of the MyPage projection: the row depends on each event stream and not on
//! their interleaving.
#![allow(clippy::unwrap_used)]

use kernel::{Call, Envelope};
use proptest::prelude::*;

use museum_book::domain::BookingEvent;
use museum_confirm::domain::EntryEvent;
use museum_events::{
    BookCancelled, BookCompleted, BookForceCancelled, Booked, EntryCancelled, EntryConfirmed,
    EntryForceCancelled,
};
use museum_mypage::view::MyPage;

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
