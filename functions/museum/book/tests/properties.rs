//! Property tests of a booking's decisions: made once, ended once, never revived.
#![allow(clippy::unwrap_used)]

use kernel::{Aggregate, Decide};
use proptest::{collection::vec, prelude::*};

use museum_book::domain::{Booking, BookingCmd, BookingEvent, BookingStatus, Refusal, SeatsTaken};

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
