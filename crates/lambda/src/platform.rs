//! The platform on AWS: each Lambda serves one context, so its table, its topics and the internal
//! functions it may call are named by the function's environment. Each client is built once,
//! when the function first needs it.

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
    breaker::DynamoBreakerStore,
    dynamo::DynamoStore,
    invoke::{INTERNAL_ROUTES, InvokeTransport, LazyClient, routes},
    live,
    notify::SnsNotifier,
    secrets::SecretsManager,
};

/// The context's DynamoDB table: its documents, outbox, markers and breaker states.
pub const TABLE_NAME: &str = "TABLE_NAME";
/// Where `lambda:Invoke` goes instead of Lambda's endpoint (an emulator), as the SDK's own
/// variable of that name says; read from the function's settings so that tests can set it.
pub const LAMBDA_ENDPOINT: &str = "AWS_ENDPOINT_URL_LAMBDA";
pub const SYNC_TIMEOUT_MS: &str = "SYNC_TIMEOUT_MS";
pub const BREAKER_FAILURES: &str = "BREAKER_FAILURES";
pub const BREAKER_OPEN_MS: &str = "BREAKER_OPEN_MS";
pub const NOTIFY_TOPIC_ARN: &str = "NOTIFY_TOPIC_ARN";

/// The one HTTPS client of a process, shared by every SDK client: hyper 1 and rustls on ring.
pub fn https_client() -> aws_smithy_runtime_api::client::http::SharedHttpClient {
    use aws_smithy_http_client::tls::{Provider, rustls_provider::CryptoMode};
    static CLIENT: OnceLock<aws_smithy_runtime_api::client::http::SharedHttpClient> =
        OnceLock::new();
    CLIENT
        .get_or_init(|| {
            aws_smithy_http_client::Builder::new()
                .tls_provider(Provider::Rustls(CryptoMode::Ring))
                .build_https()
        })
        .clone()
}

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
    config: SdkConfig,
    dynamo: OnceLock<aws_sdk_dynamodb::Client>,
    /// Shared by every caller of the instance: one connection pool to Lambda.
    lambda: OnceLock<Arc<LazyClient>>,
    settings: Settings,
    /// One per instance, shared by its callers, so that its short read cache is too.
    breakers: OnceLock<Arc<DynamoBreakerStore>>,
    secrets: Arc<SecretsManager>,
}

impl AwsPlatform {
    /// From the Lambda's environment. `aws-config` reads the region and credentials from it, and
    /// `AWS_ENDPOINT_URL` (or `AWS_ENDPOINT_URL_DYNAMODB`, ...) to point every client at an emulator.
    pub async fn from_env() -> anyhow::Result<Self> {
        Self::new(&Self::config_from_env().await, Settings::from_env())
    }

    /// The SDK configuration the environment gives (region, credentials, endpoints), on the
    /// one HTTPS client.
    pub async fn config_from_env() -> SdkConfig {
        aws_config::defaults(BehaviorVersion::latest())
            .http_client(https_client())
            .load()
            .await
    }

    pub fn new(config: &SdkConfig, settings: Settings) -> anyhow::Result<Self> {
        Ok(Self {
            config: config.clone(),
            dynamo: OnceLock::new(),
            lambda: OnceLock::new(),
            secrets: SecretsManager::new(config.clone(), settings.clone()),
            settings,
            breakers: OnceLock::new(),
        })
    }

    fn dynamo(&self) -> aws_sdk_dynamodb::Client {
        self.dynamo
            .get_or_init(|| aws_sdk_dynamodb::Client::new(&self.config))
            .clone()
    }

    fn lambda(&self) -> Arc<LazyClient> {
        self.lambda
            .get_or_init(|| {
                let mut config = aws_sdk_lambda::config::Builder::from(&self.config);
                if let Some(endpoint) = self.settings.get(LAMBDA_ENDPOINT) {
                    config = config.endpoint_url(endpoint);
                }
                LazyClient::new(config.build())
            })
            .clone()
    }

    pub fn settings(&self) -> &Settings {
        &self.settings
    }

    fn breaker_store(&self, table: &str) -> Arc<DynamoBreakerStore> {
        self.breakers
            .get_or_init(|| Arc::new(DynamoBreakerStore::new(self.dynamo(), table)))
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
            self.dynamo(),
            table,
            context.to_string(),
        )))
    }

    /// A caller through `lambda:Invoke` to the internal routes of `to` in `INTERNAL_ROUTES`.
    fn caller(&self, from: ContextId, to: ContextId) -> anyhow::Result<Caller> {
        let callee = to.to_string();
        let routes: Vec<_> = routes::parse(self.settings.require(INTERNAL_ROUTES)?)?
            .into_iter()
            .filter(|r| r.context == callee)
            .collect();
        anyhow::ensure!(
            !routes.is_empty(),
            "{INTERNAL_ROUTES} lists no route of {to}, which {from} calls"
        );
        let table = self.settings.require(TABLE_NAME)?;
        let timeout = Duration::from_millis(setting(self, SYNC_TIMEOUT_MS, 1000u64)?);
        let breaker = Breaker::new(
            to.to_string(),
            self.breaker_policy()?,
            self.breaker_store(table),
        );
        let transport = Arc::new(InvokeTransport::new(routes, self.lambda()));
        Ok(Caller::new(to.to_string(), transport, breaker, timeout))
    }

    /// The system's notification topic; with `LIVE_STREAMS`, also the WebSocket connections
    /// of each live stream's recipient (`crate::live`).
    fn notifier(&self, _context: ContextId) -> anyhow::Result<Arc<dyn Notifier>> {
        let topic = self.settings.require(NOTIFY_TOPIC_ARN)?;
        let sns: Arc<dyn Notifier> = Arc::new(SnsNotifier::new(
            aws_sdk_sns::Client::new(&self.config),
            topic,
        ));
        let Some(streams) = self.settings.get(live::LIVE_STREAMS) else {
            return Ok(sns);
        };
        let posters = live::parse(streams)?
            .into_iter()
            .map(|s| {
                let connections = live::Connections::new(self.dynamo(), s.table);
                let poster = live::Poster::new(&self.config, &s.endpoint, connections);
                (s.channel, poster)
            })
            .collect();
        Ok(Arc::new(live::LiveNotifier::new(sns, posters)))
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
    const ROUTES: &str = r#"[{"context":"museum/museum","method":"POST","path":"/museum/museums/{id}/reservations","function":"reserve"}]"#;

    fn platform(settings: &[(&str, &str)]) -> AwsPlatform {
        let config = SdkConfig::builder()
            .behavior_version(BehaviorVersion::latest())
            .http_client(crate::platform::https_client())
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
        assert!(error(p.caller(BOOK, MUSEUM)).contains("INTERNAL_ROUTES"));
        assert!(error(p.notifier(BOOK)).contains("NOTIFY_TOPIC_ARN"));
    }

    #[test]
    fn builds_every_port_from_its_variables() {
        let p = platform(&[
            ("TABLE_NAME", "museum-book"),
            ("INTERNAL_ROUTES", ROUTES),
            (
                "NOTIFY_TOPIC_ARN",
                "arn:aws:sns:us-east-1:123456789012:notify",
            ),
            ("BREAKER_FAILURES", "3"),
        ]);
        assert_eq!(p.store(BOOK).unwrap().context(), "museum/book");
        assert!(p.caller(BOOK, MUSEUM).is_ok());
        assert!(p.notifier(BOOK).is_ok());
        let live = platform(&[
            (
                "NOTIFY_TOPIC_ARN",
                "arn:aws:sns:us-east-1:123456789012:notify",
            ),
            ("LIVE_STREAMS", "[]"),
        ]);
        assert!(live.notifier(BOOK).is_ok());
        let broken = platform(&[
            (
                "NOTIFY_TOPIC_ARN",
                "arn:aws:sns:us-east-1:123456789012:notify",
            ),
            ("LIVE_STREAMS", "{"),
        ]);
        assert!(error(broken.notifier(BOOK)).contains("LIVE_STREAMS"));
        assert_eq!(p.breaker_policy().unwrap().failures_to_open, 3);
        assert_eq!(p.setting("BREAKER_FAILURES").as_deref(), Some("3"));
    }

    #[test]
    fn a_setting_that_does_not_parse_is_an_error() {
        let p = platform(&[
            ("TABLE_NAME", "t"),
            ("INTERNAL_ROUTES", ROUTES),
            ("SYNC_TIMEOUT_MS", "soon"),
        ]);
        assert!(error(p.caller(BOOK, MUSEUM)).contains("SYNC_TIMEOUT_MS"));
    }
}
