//! A request's outcome as a fault-run client sees it: every scenario tallies its requests by it.

use std::collections::BTreeMap;

use kernel::Envelope;
use serde_json::Value;

use crate::api::Reply;

#[derive(Clone, Debug)]
pub enum Outcome {
    /// 2xx, with the body.
    Done(Value),
    /// 4xx: the request was refused, with this status.
    Refused(u16),
    /// 503: a function was down or a breaker open.
    Unavailable,
    /// Any other 5xx: a fault of the system.
    ServerError(u16, Value),
    /// No answer: the connection was refused or lost (the process was being killed).
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

    pub fn label(&self) -> &'static str {
        match self {
            Self::Done(_) => "done",
            Self::Refused(_) => "refused (4xx)",
            Self::Unavailable => "unavailable (503)",
            Self::ServerError(..) => "server error",
            Self::Lost => "lost (no answer)",
        }
    }
}

/// How each kind of request ended, and every server error met (with the request that met it).
#[derive(Debug, Default)]
pub struct Tallies {
    counts: BTreeMap<(&'static str, &'static str), u64>,
    pub server_errors: Vec<String>,
}

impl Tallies {
    pub fn record(&mut self, kind: &'static str, what: &str, outcome: &Outcome) {
        *self.counts.entry((kind, outcome.label())).or_default() += 1;
        if let Outcome::ServerError(status, body) = outcome {
            self.server_errors.push(format!("{what} → {status} {body}"));
        }
    }

    /// Requests of `kind` answered 2xx.
    pub fn done(&self, kind: &str) -> u64 {
        self.counts.get(&(kind, "done")).copied().unwrap_or(0)
    }

    /// Requests of every kind.
    pub fn total(&self) -> u64 {
        self.counts.values().sum()
    }

    /// One line per kind of request: `<system> <kind>: 12 done, 3 refused (4xx), ...`.
    pub fn lines(&self, system: &str) -> Vec<String> {
        let mut kinds: BTreeMap<&str, Vec<String>> = BTreeMap::new();
        for ((kind, label), n) in &self.counts {
            kinds.entry(kind).or_default().push(format!("{n} {label}"));
        }
        kinds
            .into_iter()
            .map(|(kind, counts)| format!("{system} {kind}: {}", counts.join(", ")))
            .collect()
    }
}

/// How often each event type was recorded about each aggregate.
pub struct EventCounts(BTreeMap<(String, String), usize>);

impl EventCounts {
    pub fn of(events: &[Envelope]) -> Self {
        let mut counts = BTreeMap::new();
        for e in events {
            *counts
                .entry((e.aggregate_id.clone(), e.event_type.clone()))
                .or_default() += 1;
        }
        Self(counts)
    }

    pub fn count(&self, aggregate_id: &str, event_type: &str) -> usize {
        self.0
            .get(&(aggregate_id.to_owned(), event_type.to_owned()))
            .copied()
            .unwrap_or(0)
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn tallies_count_outcomes_per_kind_and_keep_server_errors() {
        let mut tallies = Tallies::default();
        tallies.record("order", "POST", &Outcome::Done(json!({})));
        tallies.record("order", "POST", &Outcome::Unavailable);
        tallies.record("order", "POST", &Outcome::ServerError(500, json!({})));
        assert_eq!(tallies.done("order"), 1);
        assert_eq!(tallies.total(), 3);
        assert_eq!(tallies.server_errors.len(), 1);
        assert_eq!(
            tallies.lines("packing"),
            ["packing order: 1 done, 1 server error, 1 unavailable (503)"]
        );
    }
}
