//! What the family clients asked for and what they were told: the fault run's ledger, against
//! which the final state is checked.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::Value;

use crate::api::Reply;

/// A request's outcome as a client sees it.
#[derive(Clone, Debug)]
pub enum Outcome {
    /// 2xx, with the body.
    Done(Value),
    /// 4xx, with this status.
    Refused(u16),
    /// 503: a function was down or a breaker open.
    Unavailable,
    /// Any other 5xx: a fault of the system.
    ServerError(u16, Value),
    /// No answer (the process was being killed).
    Lost,
}

impl Outcome {
    pub fn of(reply: reqwest::Result<Reply>) -> Self {
        match reply {
            Err(_) => Self::Lost,
            Ok(r) if r.is_success() => Self::Done(r.body),
            Ok(r) if r.status == 503 => Self::Unavailable,
            Ok(r) if r.status >= 500 => Self::ServerError(r.status, r.body),
            Ok(r) => Self::Refused(r.status),
        }
    }
}

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
