//! What every handler knows about the call it serves: who caused it, and when.

use time::OffsetDateTime;

use crate::envelope::Envelope;

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

/// One invocation: an HTTP request or the delivery of one event.
#[derive(Clone, Debug)]
pub struct Call {
    /// Carried from the first request through every event it causes.
    pub correlation_id: String,
    /// The event that caused this call, if an event did.
    pub causation_id: Option<String>,
    /// The authenticated caller, where the system has auth.
    pub principal: Option<Principal>,
    /// The time this call started; the domain reads time only from here.
    pub now: OffsetDateTime,
}

impl Call {
    /// A call from outside: keeps the caller's correlation id, or starts a new one.
    pub fn new(correlation_id: Option<String>) -> Self {
        Self {
            correlation_id: correlation_id
                .filter(|c| is_valid_correlation_id(c))
                .unwrap_or_else(crate::ids::new_id),
            causation_id: None,
            principal: None,
            now: OffsetDateTime::now_utc(),
        }
    }

    /// The call that handles `event`: same correlation, caused by that event.
    pub fn caused_by(event: &Envelope) -> Self {
        Self {
            correlation_id: event.correlation_id.clone(),
            causation_id: Some(event.event_id.clone()),
            principal: None,
            now: OffsetDateTime::now_utc(),
        }
    }

    pub fn with_principal(mut self, principal: Principal) -> Self {
        self.principal = Some(principal);
        self
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

    #[test]
    fn keeps_a_clean_correlation_id_and_replaces_a_hostile_one() {
        assert_eq!(Call::new(Some("abc-123".into())).correlation_id, "abc-123");
        let replaced = Call::new(Some("bad\nid".into())).correlation_id;
        assert_eq!(replaced.len(), 26);
        assert_eq!(Call::new(Some("x".repeat(500))).correlation_id.len(), 26);
    }
}
