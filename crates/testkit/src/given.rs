//! Given/when/then for an aggregate's rules: given the events that happened, when a command
//! arrives, then these events (or this refusal). One test per rule, no store, no clock.
//!
//! ```ignore
//! given::<Booking>([booked(2), cancelled()]).when(BookingCmd::Cancel).then_refused(Refusal::AlreadyCancelled("b1".into()));
//! ```

use std::fmt::Debug;

use kernel::aggregate::Decide;

pub struct Given<A: Decide> {
    state: A,
}

/// The aggregate after `events`.
pub fn given<A: Decide>(events: impl IntoIterator<Item = A::Event>) -> Given<A> {
    let state = events.into_iter().fold(A::default(), |a, e| a.apply(&e));
    Given { state }
}

pub struct Then<A: Decide> {
    before: A,
    outcome: Result<Vec<A::Event>, A::Refusal>,
}

impl<A: Decide> Given<A> {
    pub fn when(self, command: A::Command) -> Then<A> {
        let outcome = self.state.decide(command);
        Then {
            before: self.state,
            outcome,
        }
    }

    pub fn state(&self) -> &A {
        &self.state
    }
}

impl<A: Decide> Then<A>
where
    A::Event: PartialEq + Debug,
    A::Refusal: PartialEq + Debug,
{
    /// The command decided exactly these events; returns the state after them.
    #[track_caller]
    pub fn then(self, expected: impl IntoIterator<Item = A::Event>) -> A {
        let expected: Vec<A::Event> = expected.into_iter().collect();
        match self.outcome {
            Ok(events) => {
                assert_eq!(events, expected, "the events decided");
                events.iter().fold(self.before, |a, e| a.apply(e))
            }
            Err(r) => panic!("refused with {r:?}; expected {expected:?}"),
        }
    }

    /// The command changed nothing.
    #[track_caller]
    pub fn then_nothing(self) -> A {
        self.then([])
    }

    /// The command was refused with `expected`.
    #[track_caller]
    pub fn then_refused(self, expected: A::Refusal) {
        match self.outcome {
            Err(r) => assert_eq!(r, expected, "the refusal"),
            Ok(events) => panic!("decided {events:?}; expected the refusal {expected:?}"),
        }
    }
}
