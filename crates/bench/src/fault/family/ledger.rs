//! What the family clients asked for and what they were told: the fault run's ledger, against
//! which the final state is checked.

use std::collections::{BTreeMap, BTreeSet};

pub use crate::fault::outcome::Outcome;

#[derive(Clone, Copy, Debug, Default)]
pub struct Tally {
    pub done: u64,
    pub refused: u64,
    pub unavailable: u64,
    pub server_errors: u64,
    pub lost: u64,
}

/// A move the family system accepted (201).
#[derive(Clone, Debug)]
pub struct Started {
    pub mover: String,
    pub family: String,
}

#[derive(Debug, Default)]
pub struct Ledger {
    /// Families and their members ACTIVE before the clients started (they get every alarm).
    pub founding_members: BTreeMap<String, Vec<String>>,
    pub started: BTreeMap<String, Started>,
    /// Moves whose cancellation was answered 200.
    pub cancelled: BTreeSet<String>,
    /// Positions accepted (201), per move.
    pub reports: BTreeMap<String, u64>,
    pub tallies: BTreeMap<&'static str, Tally>,
    pub server_errors: Vec<String>,
}

impl Ledger {
    pub fn record(&mut self, kind: &'static str, what: &str, outcome: &Outcome) {
        let t = self.tallies.entry(kind).or_default();
        match outcome {
            Outcome::Done(_) => t.done += 1,
            Outcome::Refused(_) => t.refused += 1,
            Outcome::Unavailable => t.unavailable += 1,
            Outcome::ServerError(status, body) => {
                t.server_errors += 1;
                self.server_errors.push(format!("{what} → {status} {body}"));
            }
            Outcome::Lost => t.lost += 1,
        }
    }

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
