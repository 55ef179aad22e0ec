//! The platform: where a context's functions get their adapters. The embedded default and AWS
//! each implement it; a context's `Deps` is built from it and never names either.

use std::{fmt, str::FromStr, sync::Arc};

use async_trait::async_trait;
use serde::Serialize;

use crate::{error::AppError, store::Store, sync::Caller};

/// A bounded context: `system/name`, e.g. `museum/book`. One store (table) and one topic each.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ContextId {
    pub system: &'static str,
    pub name: &'static str,
}

impl ContextId {
    pub const fn new(system: &'static str, name: &'static str) -> Self {
        Self { system, name }
    }
}

impl fmt::Display for ContextId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.system, self.name)
    }
}

/// A setting a context reads through `Platform::setting`: an environment variable on Lambda (the
/// template sets the default), a flag or environment variable on the local gateway.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Setting {
    pub name: &'static str,
    pub default: &'static str,
    pub doc: &'static str,
}

impl Setting {
    pub const fn new(name: &'static str, default: &'static str, doc: &'static str) -> Self {
        Self { name, default, doc }
    }

    /// The setting's value as `T`: the platform's, or the declared default.
    pub fn read<T: std::str::FromStr>(&self, platform: &dyn Platform) -> anyhow::Result<T>
    where
        T::Err: fmt::Display,
    {
        let raw = platform.setting(self.name);
        let raw = raw.as_deref().unwrap_or(self.default);
        raw.parse()
            .map_err(|e| anyhow::anyhow!("setting {}={raw:?}: {e}", self.name))
    }
}

/// A secret a context reads through `Platform::secrets`: Secrets Manager on AWS (generated at
/// deploy time, never a default); locally the environment variable of that name, else a file
/// in the data folder, else `local_default`, else a random value kept in the data folder.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SecretSpec {
    pub name: &'static str,
    pub doc: &'static str,
    pub local_default: Option<&'static str>,
}

impl SecretSpec {
    pub const fn new(name: &'static str, doc: &'static str) -> Self {
        Self {
            name,
            doc,
            local_default: None,
        }
    }

    /// A default for the local gateway only (never used on AWS).
    pub const fn local_default(mut self, value: &'static str) -> Self {
        self.local_default = Some(value);
        self
    }
}

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
    async fn secret(&self, spec: &SecretSpec) -> anyhow::Result<Secret>;
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
