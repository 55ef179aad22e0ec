//! What every handler knows about the call it serves: who caused it, when, and where its new
//! ids and its sense of time come from.

use std::{fmt, sync::Arc};

use time::OffsetDateTime;

use crate::{
    clock::{self, Clock},
    ids::{self, Ids},
};

/// The caller on whose behalf a function runs, as the front door established it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Principal {
    pub subject: String,
    pub roles: Vec<String>,
}

impl Principal {
    pub fn has_role(&self, role: &str) -> bool {
        self.roles.iter().any(|r| r == role)
    }
}

/// One invocation: an HTTP request, the delivery of one event, or a timer's run.
#[derive(Clone)]
pub struct Call {
    /// Carried from the first request through every event it causes.
    pub correlation_id: String,
    /// The event that caused this call, if an event did.
    pub causation_id: Option<String>,
    /// The authenticated caller, where the route needs one.
    pub principal: Option<Principal>,
    /// The time this call started: the domain reads time only from here.
    pub now: OffsetDateTime,
    clock: Arc<dyn Clock>,
    ids: Arc<dyn Ids>,
}

impl fmt::Debug for Call {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Call")
            .field("correlation_id", &self.correlation_id)
            .field("causation_id", &self.causation_id)
            .field("principal", &self.principal)
            .field("now", &self.now)
            .finish_non_exhaustive()
    }
}

impl Call {
    /// A call from outside: keeps the caller's correlation id, or starts a new one.
    pub fn new(correlation_id: Option<String>) -> Self {
        Self::with(correlation_id, clock::system(), ids::ulids())
    }

    /// A call on a given clock and id source (tests fix both).
    pub fn with(correlation_id: Option<String>, clock: Arc<dyn Clock>, ids: Arc<dyn Ids>) -> Self {
        Self {
            correlation_id: correlation_id
                .filter(|c| is_valid_correlation_id(c))
                .unwrap_or_else(|| ids.next()),
            causation_id: None,
            principal: None,
            now: clock.now(),
            clock,
            ids,
        }
    }

    pub fn with_principal(mut self, principal: Principal) -> Self {
        self.principal = Some(principal);
        self
    }

    /// A new id (ULID), from this call's id source.
    pub fn new_id(&self) -> String {
        self.ids.next()
    }

    /// The time now (later than `now` in a long call), from this call's clock.
    pub fn clock(&self) -> &Arc<dyn Clock> {
        &self.clock
    }

    /// Milliseconds since the call started.
    pub fn elapsed(&self) -> std::time::Duration {
        let elapsed = self.clock.now() - self.now;
        elapsed.try_into().unwrap_or_default()
    }

    /// `now` as Unix milliseconds.
    pub fn now_ms(&self) -> i64 {
        (self.now.unix_timestamp_nanos() / 1_000_000) as i64
    }
}

/// Correlation ids arrive from clients: accept only short, printable, log-safe ones.
fn is_valid_correlation_id(id: &str) -> bool {
    !id.is_empty()
        && id.len() <= 128
        && id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"-_.:".contains(&b))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{clock::FixedClock, ids::Sequence};

    #[test]
    fn keeps_a_clean_correlation_id_and_replaces_a_hostile_one() {
        assert_eq!(Call::new(Some("abc-123".into())).correlation_id, "abc-123");
        let replaced = Call::new(Some("bad\nid".into())).correlation_id;
        assert_eq!(replaced.len(), 26);
        assert_eq!(Call::new(Some("x".repeat(500))).correlation_id.len(), 26);
    }

    #[test]
    fn ids_and_time_come_from_what_the_call_was_given() {
        let clock = FixedClock::standard();
        let cx = Call::with(None, clock.clone(), Sequence::new("id-"));
        assert_eq!(cx.correlation_id, "id-000001");
        assert_eq!(cx.new_id(), "id-000002");
        clock.advance(std::time::Duration::from_secs(3));
        assert_eq!(cx.elapsed(), std::time::Duration::from_secs(3));
        assert_eq!(cx.now, time::macros::datetime!(2026-12-01 09:00 UTC));
    }
}
