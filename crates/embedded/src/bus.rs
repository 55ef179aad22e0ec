//! The in-process event bus, the local stand-in for DynamoDB Streams → SNS FIFO → SQS FIFO.
//!
//! A tailer per context copies each newly recorded outbox event into the queue of every
//! subscription that wants it, and advances its cursor, in one transaction of the bus database.
//! A worker per subscription keeps a window of its queue in memory and delivers the head of each
//! message group (one aggregate) — so events of one aggregate arrive in order, while up to
//! `concurrency` aggregates are in flight at once — retries a failure with exponential backoff,
//! and after `max_attempts` moves it to the dead letters, which can be listed and redriven. A
//! queue row is deleted only after its handler succeeded (the deletes of many deliveries share
//! one commit), and the next message of its group starts only after that commit; a crash
//! redelivers, and handlers make their effect once with markers.

mod settle;
mod tail;
mod worker;

use std::{
    collections::{BTreeMap, HashSet},
    path::Path,
    sync::{
        Arc, Mutex,
        atomic::{AtomicU64, Ordering},
    },
    time::Duration,
};

use kernel::{Envelope, function::EventInvoke};
use rusqlite::params;
use serde::Serialize;
use tokio::{
    sync::{Notify, broadcast, mpsc, watch},
    task::JoinHandle,
};

use crate::{
    prune::Retention,
    sqlite::{Durability, Pool},
    store::SqliteStore,
    switches::Switchboard,
};

pub use worker::BUFFERED;

const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS cursors (
    source   TEXT    PRIMARY KEY,
    seq      INTEGER NOT NULL,
    event_id TEXT
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS queue (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    sub        TEXT    NOT NULL,
    group_id   TEXT    NOT NULL,
    event_id   TEXT    NOT NULL,
    envelope   TEXT    NOT NULL,
    attempts   INTEGER NOT NULL DEFAULT 0,
    next_at    INTEGER NOT NULL DEFAULT 0,
    last_error TEXT
);
CREATE INDEX IF NOT EXISTS queue_heads ON queue (sub, group_id, id);
CREATE INDEX IF NOT EXISTS queue_order ON queue (sub, id);
CREATE TABLE IF NOT EXISTS dead_letters (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    sub        TEXT    NOT NULL,
    group_id   TEXT    NOT NULL,
    event_id   TEXT    NOT NULL,
    envelope   TEXT    NOT NULL,
    attempts   INTEGER NOT NULL,
    last_error TEXT,
    died_at    INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS dead_letters_by_age ON dead_letters (died_at);
";

#[derive(Clone, Copy, Debug)]
pub struct BusConfig {
    /// Deliveries of one message before it becomes a dead letter (SQS maxReceiveCount).
    pub max_attempts: u32,
    /// Wait before the first retry; doubles with each further attempt.
    pub first_retry: Duration,
    pub max_retry: Duration,
    /// Message groups (aggregates) one subscription works on at once.
    pub concurrency: usize,
    /// A handler still running after this has failed (Lambda's timeout).
    pub handler_timeout: Duration,
}

impl Default for BusConfig {
    fn default() -> Self {
        Self {
            max_attempts: 5,
            first_retry: Duration::from_millis(200),
            max_retry: Duration::from_secs(30),
            concurrency: 32,
            handler_timeout: Duration::from_secs(30),
        }
    }
}

/// An event handler's subscription: events of `types` recorded by context `source`.
#[derive(Clone)]
pub struct Subscriber {
    pub function: String,
    pub source: String,
    pub types: Vec<String>,
    pub invoke: EventInvoke,
}

struct Subscription {
    subscriber: Subscriber,
    /// Rung when rows were added to this subscription's queue.
    wake: Notify,
    delivered: AtomicU64,
    retried: AtomicU64,
    dead: AtomicU64,
}

/// A subscription's state, for the admin API and the tests.
#[derive(Clone, Debug, Serialize, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub struct SubscriptionStats {
    pub function: String,
    pub source: String,
    pub event_types: Vec<String>,
    pub pending: u64,
    pub dead_letters: u64,
    pub delivered: u64,
    pub retries: u64,
}

#[derive(Clone, Debug, Serialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct DeadLetter {
    pub id: i64,
    pub function: String,
    pub event: Envelope,
    pub attempts: u32,
    pub last_error: Option<String>,
    pub died_at: i64,
}

#[derive(Debug, thiserror::Error)]
pub enum BusError {
    #[error("no event handler is named {0}")]
    UnknownFunction(String),
    #[error("no event {0} was recorded by the handler's source")]
    UnknownEvent(String),
    /// `deliver_again` refused: the handler's queue is already this long.
    #[error(
        "the queue of {function} holds {limit} or more messages; deliver again once it has drained"
    )]
    QueueFull { function: String, limit: u64 },
    #[error(transparent)]
    Storage(#[from] anyhow::Error),
}

impl From<crate::sqlite::Lost> for BusError {
    fn from(e: crate::sqlite::Lost) -> Self {
        Self::Storage(e.into())
    }
}

pub struct Bus {
    pool: Arc<Pool>,
    config: BusConfig,
    retention: Retention,
    subscriptions: Vec<Arc<Subscription>>,
    sources: BTreeMap<String, Arc<SqliteStore>>,
    switches: Arc<Switchboard>,
    /// Every event as it is published to the queues, for whoever watches the flow.
    published: broadcast::Sender<Envelope>,
    settle: settle::Settler,
    /// The settler's end of its channel, until `start` runs it.
    settle_requests: Mutex<Option<mpsc::UnboundedReceiver<settle::Request>>>,
}

fn now_ms() -> i64 {
    kernel::breaker::now_ms()
}

/// The bus's tasks, once started.
pub struct Running(Vec<JoinHandle<()>>);

impl Running {
    /// Waits until every tailer, worker and delivery has stopped (after the shutdown signal).
    pub async fn stopped(self) {
        for task in self.0 {
            let _ = task.await;
        }
    }
}

impl Bus {
    pub fn open(
        path: &Path,
        durability: Durability,
        config: BusConfig,
        switches: Arc<Switchboard>,
    ) -> anyhow::Result<Self> {
        let pool = Pool::open(path, durability, SCHEMA)?;
        pool.write_blocking(|c| {
            crate::sqlite::add_column(c, "cursors", "event_id", "TEXT")?;
            Ok::<_, anyhow::Error>(())
        })?;
        let (settle, settle_requests) = settle::Settler::new();
        Ok(Self {
            pool: Arc::new(pool),
            config,
            retention: Retention::default(),
            subscriptions: Vec::new(),
            sources: BTreeMap::new(),
            switches,
            published: broadcast::channel(1024).0,
            settle,
            settle_requests: Mutex::new(Some(settle_requests)),
        })
    }

    /// How long the bus keeps dead letters and how long a queue `deliver_again` may grow (the
    /// `Pruner` reads the rest).
    pub fn set_retention(&mut self, retention: Retention) -> anyhow::Result<()> {
        retention.check()?;
        self.retention = retention;
        Ok(())
    }

    pub fn retention(&self) -> &Retention {
        &self.retention
    }

    /// Events as they are published, live (a slow watcher misses some; the outboxes keep all).
    pub fn watch(&self) -> broadcast::Receiver<Envelope> {
        self.published.subscribe()
    }

    /// A context whose outbox the bus tails. Call it before anything writes to the store: it
    /// repairs a cursor that a power loss left past the outbox's end (see `tail::repair`).
    pub fn add_source(&mut self, store: Arc<SqliteStore>) -> anyhow::Result<()> {
        use kernel::store::Store;
        tail::repair(&self.pool, &store)?;
        self.sources.insert(store.context().to_owned(), store);
        Ok(())
    }

    pub(crate) fn sources(&self) -> &BTreeMap<String, Arc<SqliteStore>> {
        &self.sources
    }

    pub fn subscribe(&mut self, subscriber: Subscriber) {
        self.subscriptions.push(Arc::new(Subscription {
            subscriber,
            wake: Notify::new(),
            delivered: AtomicU64::new(0),
            retried: AtomicU64::new(0),
            dead: AtomicU64::new(0),
        }));
    }

    /// Starts the tailers, the workers and the settler; they stop when `shutdown` turns true.
    pub fn start(self: &Arc<Self>, shutdown: watch::Receiver<bool>) -> Running {
        let mut tasks = Vec::new();
        let requests = self
            .settle_requests
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .take();
        if let Some(requests) = requests {
            // Not one of `Running`'s tasks: stopping deliveries settle through it, and it ends
            // when the bus is dropped.
            tokio::spawn(settle::run(self.pool.clone(), requests));
        }
        for (source, store) in &self.sources {
            let subs = self
                .subscriptions
                .iter()
                .filter(|s| &s.subscriber.source == source)
                .cloned()
                .collect();
            tasks.push(tokio::spawn(tail::run(
                self.clone(),
                source.clone(),
                store.clone(),
                subs,
                shutdown.clone(),
            )));
        }
        for sub in &self.subscriptions {
            tasks.push(tokio::spawn(worker::run(
                self.clone(),
                sub.clone(),
                shutdown.clone(),
            )));
        }
        Running(tasks)
    }

    /// Exponential backoff with jitter: first_retry · 2^(attempts-1), capped, ±25%.
    fn retry_delay(&self, attempts: u32) -> Duration {
        let base = self
            .config
            .first_retry
            .saturating_mul(1 << attempts.saturating_sub(1).min(16));
        let capped = base.min(self.config.max_retry);
        capped.mul_f64(rand::random_range(0.75..=1.25))
    }

    fn subscription(&self, function: &str) -> Result<&Arc<Subscription>, BusError> {
        self.subscriptions
            .iter()
            .find(|s| s.subscriber.function == function)
            .ok_or_else(|| BusError::UnknownFunction(function.to_owned()))
    }

    /// Delivers an already recorded event to one handler again: a duplicate, as at-least-once
    /// transports produce them. Refused while the handler's queue holds
    /// `retention.redelivery_queue_limit` messages, so the admin API cannot grow it without end.
    pub async fn deliver_again(&self, function: &str, event_id: &str) -> Result<(), BusError> {
        let sub = self.subscription(function)?;
        let store = self
            .sources
            .get(&sub.subscriber.source)
            .ok_or_else(|| BusError::UnknownEvent(event_id.to_owned()))?;
        let event = store
            .event(event_id)
            .await?
            .ok_or_else(|| BusError::UnknownEvent(event_id.to_owned()))?;
        let (name, group, json) = (
            function.to_owned(),
            group_of(&event),
            serde_json::to_string(&event).map_err(anyhow::Error::from)?,
        );
        let event_id = event.event_id.clone();
        let limit = self.retention.redelivery_queue_limit;
        let queued = self
            .pool
            .write(move |c| {
                let t = c.transaction()?;
                let limit = i64::try_from(limit).unwrap_or(i64::MAX);
                let pending: i64 = t
                    .prepare_cached(
                        "SELECT COUNT(*) FROM (SELECT 1 FROM queue WHERE sub = ?1 LIMIT ?2)",
                    )?
                    .query_row(params![name, limit], |r| r.get(0))?;
                if pending >= limit {
                    return Ok::<_, anyhow::Error>(false);
                }
                t.prepare_cached(
                    "INSERT INTO queue (sub, group_id, event_id, envelope) VALUES (?1, ?2, ?3, ?4)",
                )?
                .execute(params![name, group, event_id, json])?;
                t.commit()?;
                Ok(true)
            })
            .await?;
        if !queued {
            return Err(BusError::QueueFull {
                function: function.to_owned(),
                limit,
            });
        }
        sub.wake.notify_one();
        Ok(())
    }

    pub async fn dead_letters(&self) -> Result<Vec<DeadLetter>, BusError> {
        Ok(self
            .pool
            .read(|c| {
                let mut stmt = c.prepare_cached(
                    "SELECT id, sub, envelope, attempts, last_error, died_at FROM dead_letters ORDER BY id",
                )?;
                let rows = stmt
                    .query_map([], |r| {
                        Ok((r.get::<_, i64>(0)?, r.get::<_, String>(1)?, r.get::<_, String>(2)?, r.get::<_, u32>(3)?, r.get(4)?, r.get(5)?))
                    })?
                    .collect::<rusqlite::Result<Vec<_>>>()?;
                let mut letters = Vec::with_capacity(rows.len());
                for (id, function, envelope, attempts, last_error, died_at) in rows {
                    letters.push(DeadLetter { id, function, event: serde_json::from_str(&envelope)?, attempts, last_error, died_at });
                }
                Ok::<_, anyhow::Error>(letters)
            })
            .await?)
    }

    /// Moves dead letters (one, or all when `id` is None) back to the end of their queue with
    /// fresh attempts. Returns how many moved. Dead letters expire (`Retention::dead_letters`)
    /// well before the markers of their events may (`Retention::markers`), and the pruner keeps
    /// the markers of every event still queued or dead, so a redriven event always meets them.
    pub async fn redrive(&self, id: Option<i64>) -> Result<usize, BusError> {
        let moved: Vec<String> = self
            .pool
            .write(move |c| {
                let t = c.transaction()?;
                let subs: Vec<String> = {
                    let mut stmt = t.prepare("SELECT sub FROM dead_letters WHERE ?1 IS NULL OR id = ?1 ORDER BY id")?;
                    stmt.query_map([id], |r| r.get(0))?.collect::<rusqlite::Result<_>>()?
                };
                t.execute(
                    "INSERT INTO queue (sub, group_id, event_id, envelope)
                     SELECT sub, group_id, event_id, envelope FROM dead_letters WHERE ?1 IS NULL OR id = ?1 ORDER BY id",
                    [id],
                )?;
                t.execute("DELETE FROM dead_letters WHERE ?1 IS NULL OR id = ?1", [id])?;
                t.commit()?;
                Ok::<_, anyhow::Error>(subs)
            })
            .await?;
        for function in moved.iter().collect::<HashSet<_>>() {
            if let Ok(sub) = self.subscription(function) {
                sub.wake.notify_one();
            }
        }
        Ok(moved.len())
    }

    pub async fn stats(&self) -> Result<Vec<SubscriptionStats>, BusError> {
        let counts: BTreeMap<String, (u64, u64)> = self
            .pool
            .read(|c| {
                let mut counts = BTreeMap::<String, (u64, u64)>::new();
                let mut pending =
                    c.prepare_cached("SELECT sub, COUNT(*) FROM queue GROUP BY sub")?;
                for row in pending.query_map([], |r| {
                    Ok((r.get::<_, String>(0)?, r.get::<_, i64>(1)? as u64))
                })? {
                    let (sub, n) = row?;
                    counts.entry(sub).or_default().0 = n;
                }
                let mut dead =
                    c.prepare_cached("SELECT sub, COUNT(*) FROM dead_letters GROUP BY sub")?;
                for row in dead.query_map([], |r| {
                    Ok((r.get::<_, String>(0)?, r.get::<_, i64>(1)? as u64))
                })? {
                    let (sub, n) = row?;
                    counts.entry(sub).or_default().1 = n;
                }
                Ok::<_, anyhow::Error>(counts)
            })
            .await?;
        Ok(self
            .subscriptions
            .iter()
            .map(|s| {
                let (pending, dead_letters) = counts
                    .get(&s.subscriber.function)
                    .copied()
                    .unwrap_or_default();
                SubscriptionStats {
                    function: s.subscriber.function.clone(),
                    source: s.subscriber.source.clone(),
                    event_types: s.subscriber.types.clone(),
                    pending,
                    dead_letters,
                    delivered: s.delivered.load(Ordering::Relaxed),
                    retries: s.retried.load(Ordering::Relaxed),
                }
            })
            .collect())
    }

    /// Events recorded but not yet delivered: outbox entries not yet tailed plus queued messages.
    pub async fn backlog(&self) -> Result<u64, BusError> {
        let (queued, cursors): (u64, BTreeMap<String, i64>) = self
            .pool
            .read(|c| {
                // One snapshot: a tailer commit between the two reads would count its events in
                // neither the queue nor the untailed outbox.
                let snapshot = c.transaction()?;
                let queued = snapshot
                    .query_row("SELECT COUNT(*) FROM queue", [], |r| r.get::<_, i64>(0))?
                    as u64;
                let cursors = snapshot
                    .prepare_cached("SELECT source, seq FROM cursors")?
                    .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?
                    .collect::<rusqlite::Result<_>>()?;
                Ok::<_, anyhow::Error>((queued, cursors))
            })
            .await?;
        let mut untailed = 0;
        for (source, store) in &self.sources {
            let after = cursors.get(source).copied().unwrap_or(0);
            untailed += store.outbox_count_after(after).await?;
        }
        Ok(queued + untailed)
    }

    /// Where the tailer of each source stands: every outbox entry up to it is in the queues.
    pub(crate) async fn cursors(&self) -> anyhow::Result<BTreeMap<String, i64>> {
        self.pool
            .read(|c| {
                Ok(c.prepare_cached("SELECT source, seq FROM cursors")?
                    .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?
                    .collect::<rusqlite::Result<_>>()?)
            })
            .await
    }

    /// Every `function/eventId` still in a queue or a dead letter: a redelivery of it can still
    /// come, so the markers of its effects must stay.
    pub(crate) async fn undelivered(&self) -> anyhow::Result<HashSet<String>> {
        self.pool
            .read(|c| {
                let snapshot = c.transaction()?;
                let keys = snapshot
                    .prepare_cached(
                        "SELECT sub || '/' || event_id FROM queue
                         UNION SELECT sub || '/' || event_id FROM dead_letters",
                    )?
                    .query_map([], |r| r.get(0))?
                    .collect::<rusqlite::Result<_>>()?;
                Ok(keys)
            })
            .await
    }

    /// Deletes the dead letters that died before `before` (unix milliseconds).
    pub(crate) async fn prune_dead_letters(&self, before: i64) -> anyhow::Result<u64> {
        self.pool
            .write(move |c| {
                Ok(
                    c.prepare_cached("DELETE FROM dead_letters WHERE died_at < ?1")?
                        .execute([before])? as u64,
                )
            })
            .await
    }
}

/// The message group: one aggregate, so its events are delivered in order.
fn group_of(event: &Envelope) -> String {
    format!("{}#{}", event.aggregate_type, event.aggregate_id)
}
