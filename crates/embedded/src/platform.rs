//! The embedded platform: the adapters a context gets when it runs on the local gateway.

use std::{
    collections::BTreeMap,
    path::{Path, PathBuf},
    sync::{Arc, Mutex, OnceLock, Weak},
    time::Duration,
};

use async_trait::async_trait;
use kernel::{
    AppError, ContextId, HttpRequest, HttpResponse, Platform,
    breaker::{Breaker, BreakerPolicy, InMemoryBreakerStore},
    platform::{Notification, Notifier, Secrets},
    store::Store,
    sync::{Caller, Transport},
};
use rusqlite::params;
use tokio::sync::broadcast;

use crate::{
    secrets::LocalSecrets,
    sqlite::{Durability, Pool},
    store::SqliteStore,
};

#[derive(Clone, Debug)]
pub struct EmbeddedConfig {
    pub data_dir: PathBuf,
    pub durability: Durability,
    /// How long a synchronous call may take before the caller answers 503.
    pub sync_timeout: Duration,
    pub breaker: BreakerPolicy,
    /// Settings the contexts read (`Platform::setting`); unset ones fall back to the environment.
    pub settings: BTreeMap<String, String>,
    /// Secrets given by the configuration (tests); others come from `LocalSecrets`.
    pub secrets: BTreeMap<String, String>,
}

impl EmbeddedConfig {
    pub fn new(data_dir: impl Into<PathBuf>) -> Self {
        Self {
            data_dir: data_dir.into(),
            durability: Durability::default(),
            sync_timeout: Duration::from_millis(1000),
            breaker: BreakerPolicy::default(),
            settings: BTreeMap::new(),
            secrets: BTreeMap::new(),
        }
    }
}

/// Routes a synchronous call into the gateway's own router, in process, through the same
/// routing and switches as a request from outside.
#[async_trait]
pub trait Dispatch: Send + Sync {
    async fn dispatch(&self, request: HttpRequest) -> HttpResponse;
}

/// The transport of every embedded `Caller`; the gateway plugs its router in once it is built.
#[derive(Default)]
pub struct LocalTransport {
    // Weak: the router owns the functions that own this transport.
    dispatch: OnceLock<Weak<dyn Dispatch>>,
}

impl LocalTransport {
    pub fn connect(&self, dispatch: &Arc<dyn Dispatch>) {
        let _ = self.dispatch.set(Arc::downgrade(dispatch));
    }
}

#[async_trait]
impl Transport for LocalTransport {
    async fn send(&self, request: HttpRequest) -> anyhow::Result<HttpResponse> {
        let dispatch = self
            .dispatch
            .get()
            .and_then(Weak::upgrade)
            .ok_or_else(|| anyhow::anyhow!("the local gateway is not serving"))?;
        Ok(dispatch.dispatch(request).await)
    }
}

pub struct EmbeddedPlatform {
    config: EmbeddedConfig,
    stores: Mutex<BTreeMap<ContextId, Arc<SqliteStore>>>,
    breakers: Arc<InMemoryBreakerStore>,
    transport: Arc<LocalTransport>,
    notifier: Arc<LocalNotifier>,
    secrets: Arc<LocalSecrets>,
}

impl EmbeddedPlatform {
    pub fn new(config: EmbeddedConfig) -> anyhow::Result<Self> {
        let notifier = Arc::new(LocalNotifier::open(
            &config.data_dir.join("notifications.db"),
            config.durability,
        )?);
        let secrets = Arc::new(LocalSecrets::new(
            config.data_dir.join("secrets"),
            config.secrets.clone().into_iter().collect(),
        ));
        Ok(Self {
            secrets,
            config,
            stores: Mutex::new(BTreeMap::new()),
            breakers: Arc::new(InMemoryBreakerStore::default()),
            transport: Arc::new(LocalTransport::default()),
            notifier,
        })
    }

    pub fn config(&self) -> &EmbeddedConfig {
        &self.config
    }

    pub fn transport(&self) -> &Arc<LocalTransport> {
        &self.transport
    }

    pub fn notifications(&self) -> &Arc<LocalNotifier> {
        &self.notifier
    }

    /// The context's SQLite store, opened once: `<data>/<system>/<context>.db`.
    pub fn sqlite(&self, context: ContextId) -> anyhow::Result<Arc<SqliteStore>> {
        let mut stores = self
            .stores
            .lock()
            .map_err(|_| anyhow::anyhow!("store registry poisoned"))?;
        if let Some(s) = stores.get(&context) {
            return Ok(s.clone());
        }
        let path = self
            .config
            .data_dir
            .join(context.system)
            .join(format!("{}.db", context.name));
        let store = Arc::new(SqliteStore::open(
            &context.to_string(),
            &path,
            self.config.durability,
        )?);
        stores.insert(context, store.clone());
        Ok(store)
    }
}

impl Platform for EmbeddedPlatform {
    fn store(&self, context: ContextId) -> anyhow::Result<Arc<dyn Store>> {
        Ok(self.sqlite(context)?)
    }

    fn caller(&self, _from: ContextId, to: ContextId) -> anyhow::Result<Caller> {
        let breaker = Breaker::new(to.to_string(), self.config.breaker, self.breakers.clone());
        Ok(Caller::new(
            to.to_string(),
            self.transport.clone(),
            breaker,
            self.config.sync_timeout,
        ))
    }

    fn notifier(&self, _context: ContextId) -> anyhow::Result<Arc<dyn Notifier>> {
        Ok(self.notifier.clone())
    }

    fn setting(&self, name: &str) -> Option<String> {
        self.config
            .settings
            .get(name)
            .cloned()
            .or_else(|| std::env::var(name).ok())
    }

    fn secrets(&self) -> Arc<dyn Secrets> {
        self.secrets.clone()
    }
}

/// Records every notification and streams it to whoever listens (the gateway's SSE endpoints).
pub struct LocalNotifier {
    pool: Pool,
    live: broadcast::Sender<Notification>,
}

const NOTIFICATIONS: &str = "
CREATE TABLE IF NOT EXISTS notifications (
    id        INTEGER PRIMARY KEY AUTOINCREMENT,
    channel   TEXT    NOT NULL,
    recipient TEXT    NOT NULL,
    text      TEXT    NOT NULL,
    data      TEXT    NOT NULL,
    sent_at   INTEGER NOT NULL
);
";

impl LocalNotifier {
    pub fn open(path: &Path, durability: Durability) -> anyhow::Result<Self> {
        Ok(Self {
            pool: Pool::open(path, durability, NOTIFICATIONS)?,
            live: broadcast::channel(1024).0,
        })
    }

    pub fn subscribe(&self) -> broadcast::Receiver<Notification> {
        self.live.subscribe()
    }

    /// The latest notifications, newest first.
    pub async fn recent(&self, limit: usize) -> anyhow::Result<Vec<Notification>> {
        self.pool
            .read(move |c| {
                let mut stmt = c.prepare_cached(
                    "SELECT channel, recipient, text, data FROM notifications ORDER BY id DESC LIMIT ?1",
                )?;
                let rows = stmt
                    .query_map([limit as i64], |r| {
                        Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?, r.get::<_, String>(2)?, r.get::<_, String>(3)?))
                    })?
                    .collect::<rusqlite::Result<Vec<_>>>()?;
                let mut out = Vec::with_capacity(rows.len());
                for (channel, recipient, text, data) in rows {
                    out.push(Notification { channel, recipient, text, data: serde_json::from_str(&data)? });
                }
                Ok::<_, anyhow::Error>(out)
            })
            .await
    }
}

#[async_trait]
impl Notifier for LocalNotifier {
    async fn notify(&self, n: Notification) -> Result<(), AppError> {
        let row = n.clone();
        self.pool
            .write(move |c| {
                c.execute(
                    "INSERT INTO notifications (channel, recipient, text, data, sent_at) VALUES (?1, ?2, ?3, ?4, ?5)",
                    params![row.channel, row.recipient, row.text, row.data.to_string(), kernel::breaker::now_ms()],
                )?;
                Ok::<_, anyhow::Error>(())
            })
            .await
            .map_err(AppError::internal)?;
        tracing::info!(channel = %n.channel, recipient = %n.recipient, "notification sent");
        let _ = self.live.send(n);
        Ok(())
    }
}
