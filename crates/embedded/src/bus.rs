//! The in-process event bus, the local stand-in for DynamoDB Streams → SNS FIFO → SQS FIFO.
//!
//! A tailer per context copies each newly recorded outbox event into the queue of every
//! subscription that wants it, and advances its cursor, in one transaction of the bus database.
//! A worker per subscription delivers the head of each message group (one aggregate) — so events
//! of one aggregate arrive in order, while different aggregates proceed in parallel — retries a
//! failure with exponential backoff, and after `max_attempts` moves it to the dead letters, which
//! can be listed and redriven. Queue rows are deleted only after the handler succeeded, so a crash
//! redelivers; handlers make their effect once with markers.

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
use rusqlite::{OptionalExtension, params};
use serde::Serialize;
use tokio::sync::{Notify, broadcast, watch};
use tracing::Instrument;

use crate::{
    sqlite::{Durability, Pool},
    store::SqliteStore,
    switches::Switchboard,
};

const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS cursors (
    source TEXT    PRIMARY KEY,
    seq    INTEGER NOT NULL
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
            concurrency: 8,
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
    wake: Notify,
    in_flight: Mutex<HashSet<String>>,
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

struct Head {
    id: i64,
    group: String,
    envelope: String,
    attempts: u32,
    next_at: i64,
}

#[derive(Debug, thiserror::Error)]
pub enum BusError {
    #[error("no event handler is named {0}")]
    UnknownFunction(String),
    #[error("no event {0} was recorded by the handler's source")]
    UnknownEvent(String),
    #[error(transparent)]
    Storage(#[from] anyhow::Error),
}

impl From<crate::sqlite::Lost> for BusError {
    fn from(e: crate::sqlite::Lost) -> Self {
        Self::Storage(e.into())
    }
}

pub struct Bus {
    pool: Pool,
    config: BusConfig,
    subscriptions: Vec<Arc<Subscription>>,
    sources: BTreeMap<String, Arc<SqliteStore>>,
    switches: Arc<Switchboard>,
    /// Every event as it is published to the queues, for whoever watches the flow.
    published: broadcast::Sender<Envelope>,
}

fn now_ms() -> i64 {
    kernel::breaker::now_ms()
}

impl Bus {
    pub fn open(
        path: &Path,
        durability: Durability,
        config: BusConfig,
        switches: Arc<Switchboard>,
    ) -> anyhow::Result<Self> {
        Ok(Self {
            pool: Pool::open(path, durability, SCHEMA)?,
            config,
            subscriptions: Vec::new(),
            sources: BTreeMap::new(),
            switches,
            published: broadcast::channel(1024).0,
        })
    }

    /// Events as they are published, live (a slow watcher misses some; the outboxes keep all).
    pub fn watch(&self) -> broadcast::Receiver<Envelope> {
        self.published.subscribe()
    }

    /// A context whose outbox the bus tails.
    pub fn add_source(&mut self, store: Arc<SqliteStore>) {
        use kernel::store::Store;
        self.sources.insert(store.context().to_owned(), store);
    }

    pub fn subscribe(&mut self, subscriber: Subscriber) {
        self.subscriptions.push(Arc::new(Subscription {
            subscriber,
            wake: Notify::new(),
            in_flight: Mutex::new(HashSet::new()),
            delivered: AtomicU64::new(0),
            retried: AtomicU64::new(0),
            dead: AtomicU64::new(0),
        }));
    }

    /// Starts the tailers and the workers; they stop when `shutdown` turns true.
    pub fn start(self: &Arc<Self>, shutdown: watch::Receiver<bool>) {
        for (source, store) in &self.sources {
            tokio::spawn(
                self.clone()
                    .tail(source.clone(), store.clone(), shutdown.clone()),
            );
        }
        for sub in &self.subscriptions {
            tokio::spawn(self.clone().work(sub.clone(), shutdown.clone()));
        }
    }

    async fn tail(
        self: Arc<Self>,
        source: String,
        store: Arc<SqliteStore>,
        mut shutdown: watch::Receiver<bool>,
    ) {
        let recorded = store.recorded();
        let subs: Vec<Arc<Subscription>> = self
            .subscriptions
            .iter()
            .filter(|s| s.subscriber.source == source)
            .cloned()
            .collect();
        loop {
            if *shutdown.borrow() {
                return;
            }
            match self.tail_once(&source, &store, &subs).await {
                Ok(true) => continue,
                Ok(false) => {}
                Err(e) => tracing::error!(source, error = %e, "outbox tailer failed; retrying"),
            }
            tokio::select! {
                _ = recorded.notified() => {}
                _ = tokio::time::sleep(Duration::from_secs(1)) => {}
                _ = shutdown.changed() => {}
            }
        }
    }

    /// Moves one batch from the outbox to the queues; `Ok(true)` if there may be more.
    async fn tail_once(
        &self,
        source: &str,
        store: &SqliteStore,
        subs: &[Arc<Subscription>],
    ) -> anyhow::Result<bool> {
        const BATCH: usize = 512;
        let src = source.to_owned();
        let cursor: i64 = self
            .pool
            .read(move |c| {
                Ok::<_, anyhow::Error>(
                    c.query_row("SELECT seq FROM cursors WHERE source = ?1", [&src], |r| {
                        r.get(0)
                    })
                    .optional()?
                    .unwrap_or(0),
                )
            })
            .await?;
        let batch = store.outbox_after(cursor, BATCH).await?;
        let Some(&(last, _)) = batch.last() else {
            return Ok(false);
        };
        let more = batch.len() == BATCH;
        let mut rows = Vec::new();
        let mut woken = Vec::new();
        for (_, event) in &batch {
            for (i, sub) in subs.iter().enumerate() {
                if sub.subscriber.types.contains(&event.event_type) {
                    rows.push((
                        sub.subscriber.function.clone(),
                        group_of(event),
                        event.event_id.clone(),
                        serde_json::to_string(event)?,
                    ));
                    woken.push(i);
                }
            }
        }
        let src = source.to_owned();
        self.pool
            .write(move |c| {
                let t = c.transaction()?;
                {
                    let mut insert = t.prepare_cached("INSERT INTO queue (sub, group_id, event_id, envelope) VALUES (?1, ?2, ?3, ?4)")?;
                    for (sub, group, event_id, envelope) in &rows {
                        insert.execute(params![sub, group, event_id, envelope])?;
                    }
                    t.execute(
                        "INSERT INTO cursors (source, seq) VALUES (?1, ?2) ON CONFLICT (source) DO UPDATE SET seq = excluded.seq",
                        params![src, last],
                    )?;
                }
                t.commit()?;
                Ok::<_, anyhow::Error>(())
            })
            .await?;
        for (_, event) in batch {
            let _ = self.published.send(event);
        }
        woken.sort_unstable();
        woken.dedup();
        for i in woken {
            subs[i].wake.notify_one();
        }
        Ok(more)
    }

    async fn work(self: Arc<Self>, sub: Arc<Subscription>, mut shutdown: watch::Receiver<bool>) {
        let function = sub.subscriber.function.clone();
        let Some(mut switch) = self.switches.watch(&function) else {
            tracing::error!(function, "event handler has no switch; not delivering");
            return;
        };
        loop {
            if *shutdown.borrow() {
                return;
            }
            if !*switch.borrow_and_update() {
                tokio::select! {
                    _ = switch.changed() => {}
                    _ = shutdown.changed() => {}
                }
                continue;
            }
            let wait = match self.dispatch_due(&sub).await {
                Ok(wait) => wait,
                Err(e) => {
                    tracing::error!(function, error = %e, "queue read failed; retrying");
                    Duration::from_secs(1)
                }
            };
            tokio::select! {
                _ = sub.wake.notified() => {}
                _ = tokio::time::sleep(wait) => {}
                _ = switch.changed() => {}
                _ = shutdown.changed() => {}
            }
        }
    }

    /// Starts a delivery for each due group head not already in flight; returns how long to wait
    /// before looking again.
    async fn dispatch_due(self: &Arc<Self>, sub: &Arc<Subscription>) -> anyhow::Result<Duration> {
        // Groups in flight before the read: their heads in the read may already be delivered.
        // Only this worker starts deliveries, so any other group's head is current.
        let busy = in_flight(sub).clone();
        let free = self.config.concurrency.saturating_sub(busy.len());
        if free == 0 {
            return Ok(Duration::from_secs(1));
        }
        let name = sub.subscriber.function.clone();
        let in_flight_now = busy.clone();
        let heads: Vec<Head> = self
            .pool
            .read(move |c| heads(c, &name, &in_flight_now))
            .await?;
        let now = now_ms();
        let mut started = 0;
        let mut next_due: Option<i64> = None;
        for head in heads {
            if started == free {
                break;
            }
            if busy.contains(&head.group) {
                continue;
            }
            if head.next_at > now {
                next_due = Some(next_due.map_or(head.next_at, |d| d.min(head.next_at)));
                continue;
            }
            in_flight(sub).insert(head.group.clone());
            started += 1;
            tokio::spawn(self.clone().deliver(sub.clone(), head));
        }
        Ok(match next_due {
            Some(at) => Duration::from_millis((at - now).clamp(1, 1000) as u64),
            None => Duration::from_secs(1),
        })
    }

    async fn deliver(self: Arc<Self>, sub: Arc<Subscription>, head: Head) {
        let function = sub.subscriber.function.clone();
        let outcome = match serde_json::from_str::<Envelope>(&head.envelope) {
            Err(e) => Err(format!("undecodable envelope: {e}")),
            Ok(event) => {
                let span = tracing::info_span!("event", function = %function, eventId = %event.event_id,
                    eventType = %event.event_type, correlationId = %event.correlation_id, attempt = head.attempts + 1);
                let invoke = sub.subscriber.invoke.clone();
                let timeout = self.config.handler_timeout;
                // Its own task, so that a panicking handler is a failed delivery, not a dead worker.
                let run = tokio::spawn(
                    async move { tokio::time::timeout(timeout, invoke(event)).await }
                        .instrument(span.clone()),
                );
                let result = match run.await {
                    Ok(Ok(Ok(()))) => Ok(()),
                    Ok(Ok(Err(e))) => Err(e.to_string()),
                    Ok(Err(_)) => Err(format!("timed out after {timeout:?}")),
                    Err(e) => Err(format!("handler panicked: {e}")),
                };
                if let Err(e) = &result {
                    span.in_scope(|| tracing::warn!(error = %e, "delivery failed"));
                }
                result
            }
        };
        if let Err(e) = self.settle(&sub, &head, outcome).await {
            tracing::error!(function, error = %e, "could not record a delivery's outcome; it will be redelivered");
        }
        in_flight(&sub).remove(&head.group);
        sub.wake.notify_one();
    }

    async fn settle(
        &self,
        sub: &Subscription,
        head: &Head,
        outcome: Result<(), String>,
    ) -> anyhow::Result<()> {
        let id = head.id;
        match outcome {
            Ok(()) => {
                self.pool
                    .write(move |c| {
                        Ok::<_, anyhow::Error>(c.execute("DELETE FROM queue WHERE id = ?1", [id])?)
                    })
                    .await?;
                sub.delivered.fetch_add(1, Ordering::Relaxed);
            }
            Err(error) => {
                let attempts = head.attempts + 1;
                if attempts >= self.config.max_attempts {
                    self.pool
                        .write(move |c| {
                            let t = c.transaction()?;
                            t.execute(
                                "INSERT INTO dead_letters (sub, group_id, event_id, envelope, attempts, last_error, died_at)
                                 SELECT sub, group_id, event_id, envelope, ?2, ?3, ?4 FROM queue WHERE id = ?1",
                                params![id, attempts, error, now_ms()],
                            )?;
                            t.execute("DELETE FROM queue WHERE id = ?1", [id])?;
                            t.commit()?;
                            Ok::<_, anyhow::Error>(())
                        })
                        .await?;
                    sub.dead.fetch_add(1, Ordering::Relaxed);
                    tracing::error!(function = %sub.subscriber.function, attempts, "moved to the dead letters");
                } else {
                    let next_at = now_ms() + self.retry_delay(attempts).as_millis() as i64;
                    self.pool
                        .write(move |c| {
                            Ok::<_, anyhow::Error>(c.execute(
                                "UPDATE queue SET attempts = ?2, next_at = ?3, last_error = ?4 WHERE id = ?1",
                                params![id, attempts, next_at, error],
                            )?)
                        })
                        .await?;
                    sub.retried.fetch_add(1, Ordering::Relaxed);
                }
            }
        }
        Ok(())
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
    /// transports produce them.
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
        self.pool
            .write(move |c| {
                c.execute(
                    "INSERT INTO queue (sub, group_id, event_id, envelope) VALUES (?1, ?2, ?3, ?4)",
                    params![name, group, event_id, json],
                )?;
                Ok::<_, anyhow::Error>(())
            })
            .await?;
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
    /// fresh attempts. Returns how many moved.
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
        for function in &moved {
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
}

/// How many of a subscription's oldest messages are looked at for group heads at a time.
const WINDOW: i64 = 512;

/// The first message of each group (the only one that may be delivered), oldest first. The
/// oldest `WINDOW` messages are enough unless a few busy or backed-off groups hold them all;
/// only then is every group of the queue looked at.
fn heads(c: &rusqlite::Connection, sub: &str, busy: &HashSet<String>) -> anyhow::Result<Vec<Head>> {
    let read = |r: &rusqlite::Row<'_>| {
        Ok(Head {
            id: r.get(0)?,
            group: r.get(1)?,
            envelope: r.get(2)?,
            attempts: r.get(3)?,
            next_at: r.get(4)?,
        })
    };
    let mut window = c.prepare_cached(
        "SELECT q.id, q.group_id, q.envelope, q.attempts, q.next_at
         FROM (SELECT * FROM queue WHERE sub = ?1 ORDER BY id LIMIT ?2) q
         WHERE NOT EXISTS (SELECT 1 FROM queue p WHERE p.sub = ?1 AND p.group_id = q.group_id AND p.id < q.id)
         ORDER BY q.id",
    )?;
    let found = window
        .query_map(params![sub, WINDOW], read)?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    let now = now_ms();
    let window_full = || -> rusqlite::Result<bool> {
        c.prepare_cached("SELECT COUNT(*) FROM (SELECT 1 FROM queue WHERE sub = ?1 LIMIT ?2)")?
            .query_row(params![sub, WINDOW], |r| r.get::<_, i64>(0))
            .map(|n| n == WINDOW)
    };
    if found
        .iter()
        .any(|h| h.next_at <= now && !busy.contains(&h.group))
        || !window_full()?
    {
        return Ok(found);
    }
    let mut every_group = c.prepare_cached(
        "SELECT q.id, q.group_id, q.envelope, q.attempts, q.next_at FROM queue q
         JOIN (SELECT MIN(id) AS id FROM queue WHERE sub = ?1 GROUP BY group_id) h ON q.id = h.id
         ORDER BY q.id LIMIT 1024",
    )?;
    Ok(every_group
        .query_map([sub], read)?
        .collect::<rusqlite::Result<Vec<_>>>()?)
}

fn in_flight(sub: &Subscription) -> std::sync::MutexGuard<'_, HashSet<String>> {
    // A poisoned set only means a panic while holding it; the set itself is still valid.
    sub.in_flight
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// The message group: one aggregate, so its events are delivered in order.
fn group_of(event: &Envelope) -> String {
    format!("{}#{}", event.aggregate_type, event.aggregate_id)
}
