//! Property tests of the exhibition's decisions: over arbitrary sequences of commands `decide` never
//! panics, refuses exactly what its rules refuse, and keeps seats between zero and the capacity.
#![allow(clippy::unwrap_used)]

use kernel::{Aggregate, Decide};
use proptest::{collection::vec, prelude::*};

use museum_museum::domain::{
    MAX_CAPACITY, MAX_SEATS_PER_BOOKING, Museum, MuseumCmd, MuseumEvent, MuseumStatus, Refusal,
};

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
