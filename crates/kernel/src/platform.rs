//! The platform: where a context's functions get their adapters. The embedded default and AWS
//! each implement it; a context's `Deps` is built from it and never names either.

use std::{str::FromStr, sync::Arc};

use async_trait::async_trait;
use serde::Serialize;

use crate::{error::AppError, function::ContextId, store::Store, sync::Caller};

pub trait Platform: Send + Sync {
    /// The context's own store (a DynamoDB table; a SQLite file).
    fn store(&self, context: ContextId) -> anyhow::Result<Arc<dyn Store>>;
    /// A client for `to`'s API, with timeout and circuit breaker, used by `from`.
    fn caller(&self, from: ContextId, to: ContextId) -> anyhow::Result<Caller>;
    /// Where the context sends messages to people.
    fn notifier(&self, context: ContextId) -> anyhow::Result<Arc<dyn Notifier>>;
    /// Configuration (environment variables on Lambda; flags and environment locally).
    fn setting(&self, name: &str) -> Option<String>;
    /// The secret store (Secrets Manager on AWS; environment, a file or a generated value locally).
    fn secrets(&self) -> Arc<dyn Secrets>;
}

/// A secret's value. It never prints: `Debug` and `Display` show only that it is redacted.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    pub fn new(value: String) -> Self {
        Self(value)
    }

    /// The value, for the one place that needs it (a key, a comparison).
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Secret(<redacted>)")
    }
}

/// Where secrets come from. Reads are cached by the adapters: a Lambda reads each secret once.
#[async_trait]
pub trait Secrets: Send + Sync {
    /// The secret declared as `spec`; an error if the store cannot give it.
    async fn secret(&self, spec: &crate::function::SecretSpec) -> anyhow::Result<Secret>;
}

/// A setting parsed as `T`, or `default` when unset; a value that does not parse is an error.
/// Prefer declaring it (`kernel::Setting`) so that the template and the docs know it.
pub fn setting<T: FromStr>(platform: &dyn Platform, name: &str, default: T) -> anyhow::Result<T>
where
    T::Err: std::fmt::Display,
{
    match platform.setting(name) {
        None => Ok(default),
        Some(raw) => raw
            .parse()
            .map_err(|e| anyhow::anyhow!("setting {name}={raw:?}: {e}")),
    }
}

/// A message to a person (a KakaoTalk message, a web push).
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Notification {
    pub channel: String,
    pub recipient: String,
    pub text: String,
    pub data: serde_json::Value,
}

#[async_trait]
pub trait Notifier: Send + Sync {
    async fn notify(&self, notification: Notification) -> Result<(), AppError>;
}
