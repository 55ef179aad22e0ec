//! The platform on AWS: each Lambda serves one context, so its table, its topics and its API are
//! named by the function's environment. Clients are built once, when the Lambda starts.

use std::{
    collections::HashMap,
    sync::{Arc, OnceLock},
    time::Duration,
};

use aws_config::{BehaviorVersion, SdkConfig};
use kernel::{
    ContextId, Platform,
    breaker::{Breaker, BreakerPolicy},
    platform::{Notifier, Secrets, setting},
    store::Store,
    sync::Caller,
};

use crate::{
    breaker::DynamoBreakerStore, dynamo::DynamoStore, notify::SnsNotifier, secrets::SecretsManager,
    transport::HttpsTransport,
};

/// The context's DynamoDB table: its documents, outbox, markers and breaker states.
pub const TABLE_NAME: &str = "TABLE_NAME";
/// The API every synchronous call goes through, e.g. `https://abc.execute-api.eu-west-1.amazonaws.com`.
pub const API_BASE_URL: &str = "API_BASE_URL";
pub const SYNC_TIMEOUT_MS: &str = "SYNC_TIMEOUT_MS";
pub const BREAKER_FAILURES: &str = "BREAKER_FAILURES";
pub const BREAKER_OPEN_MS: &str = "BREAKER_OPEN_MS";
pub const NOTIFY_TOPIC_ARN: &str = "NOTIFY_TOPIC_ARN";

/// Configuration by name: the process environment on Lambda, a fixed map in tests.
#[derive(Clone, Debug, Default)]
pub struct Settings(HashMap<String, String>);

impl Settings {
    pub fn from_env() -> Self {
        Self(std::env::vars().collect())
    }

    pub fn from_pairs<K: Into<String>, V: Into<String>>(
        pairs: impl IntoIterator<Item = (K, V)>,
    ) -> Self {
        Self(
            pairs
                .into_iter()
                .map(|(k, v)| (k.into(), v.into()))
                .collect(),
        )
    }

    pub fn get(&self, name: &str) -> Option<&str> {
        self.0
            .get(name)
            .map(String::as_str)
            .filter(|v| !v.is_empty())
    }

    /// A setting the function cannot run without: its absence is an error that names it.
    pub fn require(&self, name: &str) -> anyhow::Result<&str> {
        self.get(name)
            .ok_or_else(|| anyhow::anyhow!("environment variable {name} is not set"))
    }
}

pub struct AwsPlatform {
    dynamo: aws_sdk_dynamodb::Client,
    sns: aws_sdk_sns::Client,
    http: reqwest::Client,
    settings: Settings,
    /// One per instance, shared by its callers, so that its short read cache is too.
    breakers: OnceLock<Arc<DynamoBreakerStore>>,
    secrets: Arc<SecretsManager>,
}

impl AwsPlatform {
    /// From the Lambda's environment. `aws-config` reads the region and credentials from it, and
    /// `AWS_ENDPOINT_URL` (or `AWS_ENDPOINT_URL_DYNAMODB`, ...) to point every client at an emulator.
    pub async fn from_env() -> anyhow::Result<Self> {
        let config = aws_config::load_defaults(BehaviorVersion::latest()).await;
        Self::new(&config, Settings::from_env())
    }

    pub fn new(config: &SdkConfig, settings: Settings) -> anyhow::Result<Self> {
        Ok(Self {
            dynamo: aws_sdk_dynamodb::Client::new(config),
            sns: aws_sdk_sns::Client::new(config),
            http: crate::transport::client()?,
            secrets: SecretsManager::new(config.clone(), settings.clone()),
            settings,
            breakers: OnceLock::new(),
        })
    }

    pub fn settings(&self) -> &Settings {
        &self.settings
    }

    fn breaker_store(&self, table: &str) -> Arc<DynamoBreakerStore> {
        self.breakers
            .get_or_init(|| Arc::new(DynamoBreakerStore::new(self.dynamo.clone(), table)))
            .clone()
    }

    fn breaker_policy(&self) -> anyhow::Result<BreakerPolicy> {
        let defaults = BreakerPolicy::default();
        let open_ms = setting(self, BREAKER_OPEN_MS, defaults.open_for.as_millis() as u64)?;
        Ok(BreakerPolicy {
            failures_to_open: setting(self, BREAKER_FAILURES, defaults.failures_to_open)?,
            open_for: Duration::from_millis(open_ms),
            ..defaults
        })
    }
}

impl Platform for AwsPlatform {
    fn store(&self, context: ContextId) -> anyhow::Result<Arc<dyn Store>> {
        let table = self.settings.require(TABLE_NAME)?;
        Ok(Arc::new(DynamoStore::new(
            self.dynamo.clone(),
            table,
            context.to_string(),
        )))
    }

    fn caller(&self, _from: ContextId, to: ContextId) -> anyhow::Result<Caller> {
        let base_url = self.settings.require(API_BASE_URL)?;
        let table = self.settings.require(TABLE_NAME)?;
        let timeout = Duration::from_millis(setting(self, SYNC_TIMEOUT_MS, 1000u64)?);
        let breaker = Breaker::new(
            to.to_string(),
            self.breaker_policy()?,
            self.breaker_store(table),
        );
        let transport = Arc::new(HttpsTransport::new(self.http.clone(), base_url));
        Ok(Caller::new(to.to_string(), transport, breaker, timeout))
    }

    fn notifier(&self, _context: ContextId) -> anyhow::Result<Arc<dyn Notifier>> {
        let topic = self.settings.require(NOTIFY_TOPIC_ARN)?;
        Ok(Arc::new(SnsNotifier::new(self.sns.clone(), topic)))
    }

    fn setting(&self, name: &str) -> Option<String> {
        self.settings.get(name).map(str::to_owned)
    }

    fn secrets(&self) -> Arc<dyn Secrets> {
        self.secrets.clone()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const BOOK: ContextId = ContextId::new("museum", "book");
    const MUSEUM: ContextId = ContextId::new("museum", "museum");

    fn platform(settings: &[(&str, &str)]) -> AwsPlatform {
        let config = SdkConfig::builder()
            .behavior_version(BehaviorVersion::latest())
            .build();
        AwsPlatform::new(&config, Settings::from_pairs(settings.iter().copied())).unwrap()
    }

    fn error<T>(result: anyhow::Result<T>) -> String {
        match result {
            Ok(_) => panic!("expected an error"),
            Err(e) => e.to_string(),
        }
    }

    #[test]
    fn a_missing_variable_is_an_error_that_names_it() {
        let p = platform(&[("TABLE_NAME", "")]);
        assert!(error(p.store(BOOK)).contains("TABLE_NAME"));
        assert!(error(p.caller(BOOK, MUSEUM)).contains("API_BASE_URL"));
        assert!(error(p.notifier(BOOK)).contains("NOTIFY_TOPIC_ARN"));
    }

    #[test]
    fn builds_every_port_from_its_variables() {
        let p = platform(&[
            ("TABLE_NAME", "museum-book"),
            ("API_BASE_URL", "https://api.example"),
            (
                "NOTIFY_TOPIC_ARN",
                "arn:aws:sns:us-east-1:123456789012:notify",
            ),
            ("BREAKER_FAILURES", "3"),
        ]);
        assert_eq!(p.store(BOOK).unwrap().context(), "museum/book");
        assert!(p.caller(BOOK, MUSEUM).is_ok());
        assert!(p.notifier(BOOK).is_ok());
        assert_eq!(p.breaker_policy().unwrap().failures_to_open, 3);
        assert_eq!(
            p.setting("API_BASE_URL").as_deref(),
            Some("https://api.example")
        );
    }

    #[test]
    fn a_setting_that_does_not_parse_is_an_error() {
        let p = platform(&[
            ("TABLE_NAME", "t"),
            ("API_BASE_URL", "https://api.example"),
            ("SYNC_TIMEOUT_MS", "soon"),
        ]);
        assert!(error(p.caller(BOOK, MUSEUM)).contains("SYNC_TIMEOUT_MS"));
    }
}
