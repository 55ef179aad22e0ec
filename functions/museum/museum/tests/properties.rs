//! Property tests of the exhibition's rules: over arbitrary sequences of takes, returns and a
//! deletion, nothing panics, exactly what the rules refuse is refused, and the free seats stay
//! between zero and the capacity.
#![allow(clippy::unwrap_used)]

use kernel::{Aggregate, Decide};
use proptest::{collection::vec, prelude::*};

use museum_museum::domain::{
    MAX_CAPACITY, MAX_SEATS_PER_BOOKING, Museum, MuseumCmd, MuseumStatus, Refusal, Seats,
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
        let mut seats = Seats { id: "m1".into(), free: i64::from(capacity) };
        let mut held: Vec<u32> = Vec::new();
        let mut deleted = false;
        for op in ops {
            let taken: u32 = held.iter().sum();
            match op {
                Op::Reserve(wanted) => {
                    let free = capacity - taken;
                    match seats.take(wanted) {
                        Ok(left) => {
                            prop_assert!(wanted <= free, "took {wanted} of {free}");
                            seats = left;
                            held.push(wanted);
                        }
                        Err(refusal) => prop_assert_eq!(
                            refusal,
                            Refusal::NotEnoughSeats { wanted, left: free }
                        ),
                    }
                }
                Op::Return(i) if !held.is_empty() => {
                    let back = held.remove(i % held.len());
                    seats = seats.give_back(back);
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
            let taken: u32 = held.iter().sum();
            prop_assert_eq!(seats.free + i64::from(taken), i64::from(capacity), "free + held = initial");
            prop_assert!(seats.free >= 0);
            prop_assert_eq!(museum.initial_capacity, capacity);
            prop_assert_eq!(museum.status == MuseumStatus::Deleted, deleted);
        }
    }
}
