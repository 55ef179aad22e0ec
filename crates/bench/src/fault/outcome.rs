//! A request's outcome as a fault-run client sees it: every scenario tallies its requests by it.

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
