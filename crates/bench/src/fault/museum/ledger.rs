//! What the museum clients asked for and what they were told: the fault run's ledger, against
//! which the final state is checked.

use std::collections::{BTreeMap, BTreeSet};

pub use crate::fault::outcome::Outcome;

/// Outcomes of one kind of request.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Tally {
    pub done: u64,
    pub refused: u64,
    pub unavailable: u64,
    pub server_errors: u64,
    pub lost: u64,
}

impl Tally {
    fn add(&mut self, outcome: &Outcome) {
        match outcome {
            Outcome::Done(_) => self.done += 1,
            Outcome::Refused(_) => self.refused += 1,
            Outcome::Unavailable => self.unavailable += 1,
            Outcome::ServerError(..) => self.server_errors += 1,
            Outcome::Lost => self.lost += 1,
        }
    }
}

/// A booking the museum accepted (201).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Accepted {
    pub museum_id: String,
    pub seats: u32,
}

#[derive(Clone, Debug, Default)]
pub struct Ledger {
    /// Exhibitions registered (201), with the capacity asked for.
    pub registered: BTreeMap<String, u32>,
    /// Exhibitions the clients book: registered, not deleted, not known to be sold out.
    pub open: Vec<String>,
    /// Exhibitions whose deletion was answered 200.
    pub deleted: BTreeSet<String>,
    pub accepted: BTreeMap<String, Accepted>,
    /// Bookings whose cancellation was answered 200.
    pub cancelled: BTreeSet<String>,
    /// Outcomes per kind of request.
    pub tallies: BTreeMap<&'static str, Tally>,
    /// Every 5xx other than 503: the request and the answer.
    pub server_errors: Vec<String>,
}

impl Ledger {
    /// Counts an outcome of `kind` (`"book"`, `"cancel"`, ...) of the request `what`.
    pub fn record(&mut self, kind: &'static str, what: &str, outcome: &Outcome) {
        self.tallies.entry(kind).or_default().add(outcome);
        if let Outcome::ServerError(status, body) = outcome {
            self.server_errors.push(format!("{what} → {status} {body}"));
        }
    }

    /// One line per kind of request.
    pub fn summary(&self) -> Vec<String> {
        self.tallies
            .iter()
            .map(|(kind, t)| {
                format!(
                    "{kind}: {} done, {} refused (4xx), {} unavailable (503), {} lost (no answer), {} server errors",
                    t.done, t.refused, t.unavailable, t.lost, t.server_errors
                )
            })
            .collect()
    }
}
