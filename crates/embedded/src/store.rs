//! The embedded store of one bounded context: one SQLite file holding its documents, its outbox
//! and its markers. It enforces the same conditions as the DynamoDB table: a version per
//! document, absence checks, a marker per effect, all in one transaction.

use std::{
    path::Path,
    sync::{Arc, Mutex, PoisonError},
};

use async_trait::async_trait;
use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};
use kernel::{
    Envelope, Lookup, Marker, Order, Page, Slot,
    store::{Keys, Query, Record, Store, StoreError, Transaction},
};
use rusqlite::{Connection, ErrorCode, OptionalExtension, params};
use tokio::sync::{Notify, oneshot};

use crate::sqlite::{Durability, Lost, Pool};

const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS docs (
    kind    TEXT    NOT NULL,
    id      TEXT    NOT NULL,
    version INTEGER NOT NULL,
    body    TEXT    NOT NULL,
    ka      TEXT,
    kb      TEXT,
    PRIMARY KEY (kind, id)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS docs_by_a ON docs (kind, ka, id) WHERE ka IS NOT NULL;
CREATE INDEX IF NOT EXISTS docs_by_b ON docs (kind, kb, id) WHERE kb IS NOT NULL;
CREATE TABLE IF NOT EXISTS outbox (
    seq          INTEGER PRIMARY KEY AUTOINCREMENT,
    event_id     TEXT    NOT NULL UNIQUE,
    envelope     TEXT    NOT NULL,
    recorded_at  INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE IF NOT EXISTS markers (
    marker     TEXT    PRIMARY KEY,
    applied_at INTEGER NOT NULL
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS markers_by_age ON markers (applied_at);
";

/// Rows looked at per write transaction when pruning, so that commands wait at most that long.
const PRUNE_BATCH: i64 = 1000;

fn unix_now() -> i64 {
    time::OffsetDateTime::now_utc().unix_timestamp()
}

/// Brings a file written by an earlier version up to `SCHEMA`.
fn upgrade(c: &Connection) -> rusqlite::Result<()> {
    // Entries recorded before `recorded_at` existed count as recorded now: kept a full retention.
    if crate::sqlite::add_column(c, "outbox", "recorded_at", "INTEGER NOT NULL DEFAULT 0")? {
        c.execute("UPDATE outbox SET recorded_at = ?1", [unix_now()])?;
    }
    Ok(())
}

pub struct SqliteStore {
    context: String,
    pool: Pool,
    /// Woken after every commit that recorded events: the outbox tailer waits on it.
    recorded: Arc<Notify>,
    /// Transactions waiting for the next group commit.
    waiting: Arc<Mutex<Vec<Waiting>>>,
}

impl SqliteStore {
    pub fn open(context: &str, path: &Path, durability: Durability) -> anyhow::Result<Self> {
        let pool = Pool::open(path, durability, SCHEMA)?;
        pool.write_blocking(|c| upgrade(c).map_err(anyhow::Error::from))?;
        Ok(Self {
            context: context.to_owned(),
            pool,
            recorded: Arc::new(Notify::new()),
            waiting: Arc::new(Mutex::new(Vec::new())),
        })
    }

    /// The highest sequence number this outbox ever gave (0 if none), read on this thread. Pruned
    /// entries count: `AUTOINCREMENT` keeps the high mark in `sqlite_sequence`, in the same
    /// transactions as the entries, so it rolls back with them.
    pub fn outbox_end_blocking(&self) -> anyhow::Result<i64> {
        self.pool.write_blocking(|c| {
            Ok(c.query_row(
                "SELECT MAX(COALESCE((SELECT seq FROM sqlite_sequence WHERE name = 'outbox'), 0),
                            COALESCE((SELECT MAX(seq) FROM outbox), 0))",
                [],
                |r| r.get(0),
            )?)
        })
    }

    /// The id of the event at `seq`, if that entry is still kept, read on this thread.
    pub fn event_id_at_blocking(&self, seq: i64) -> anyhow::Result<Option<String>> {
        self.pool.write_blocking(|c| {
            Ok(
                c.query_row("SELECT event_id FROM outbox WHERE seq = ?1", [seq], |r| {
                    r.get(0)
                })
                .optional()?,
            )
        })
    }

    /// The last entry (sequence number and event id) whose event id — a ULID, so ordered by
    /// time — is not after `event_id`, read on this thread.
    pub fn last_entry_up_to_blocking(
        &self,
        event_id: &str,
    ) -> anyhow::Result<Option<(i64, String)>> {
        self.pool.write_blocking(|c| {
            Ok(c.query_row(
                "SELECT seq, event_id FROM outbox WHERE event_id <= ?1 ORDER BY seq DESC LIMIT 1",
                [event_id],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .optional()?)
        })
    }

    /// Deletes the oldest outbox entries recorded before `before` (unix seconds), none after
    /// `passed` (what every reader of the outbox has passed; `None`: nobody reads it). Only a
    /// prefix goes, so the outbox stays one range of sequence numbers. Returns how many went.
    pub async fn prune_outbox(&self, passed: Option<i64>, before: i64) -> anyhow::Result<u64> {
        let upto = passed.unwrap_or(i64::MAX);
        let mut pruned = 0;
        loop {
            let (n, more) = self
                .pool
                .write(move |c| {
                    let oldest: Vec<(i64, i64)> = c
                        .prepare_cached(
                            "SELECT seq, recorded_at FROM outbox WHERE seq <= ?1 ORDER BY seq LIMIT ?2",
                        )?
                        .query_map(params![upto, PRUNE_BATCH], |r| Ok((r.get(0)?, r.get(1)?)))?
                        .collect::<rusqlite::Result<_>>()?;
                    let old = oldest.iter().take_while(|(_, at)| *at < before).count();
                    let Some(&(last, _)) = oldest[..old].last() else {
                        return Ok::<_, anyhow::Error>((0, false));
                    };
                    let n = c
                        .prepare_cached("DELETE FROM outbox WHERE seq <= ?1")?
                        .execute([last])?;
                    Ok((n as u64, old == oldest.len() && oldest.len() as i64 == PRUNE_BATCH))
                })
                .await?;
            pruned += n;
            if !more {
                return Ok(pruned);
            }
        }
    }

    /// Deletes the markers applied before `before` (unix seconds) except those `keep` names.
    /// Returns how many went.
    pub async fn prune_markers(
        &self,
        before: i64,
        keep: Arc<dyn Fn(&str) -> bool + Send + Sync>,
    ) -> anyhow::Result<u64> {
        let mut after: (i64, String) = (i64::MIN, String::new());
        let mut pruned = 0;
        loop {
            let keep = keep.clone();
            let (n, last) = self
                .pool
                .write(move |c| {
                    let t = c.transaction()?;
                    let old: Vec<(i64, String)> = t
                        .prepare_cached(
                            "SELECT applied_at, marker FROM markers INDEXED BY markers_by_age
                             WHERE applied_at < ?1 AND (applied_at, marker) > (?2, ?3)
                             ORDER BY applied_at, marker LIMIT ?4",
                        )?
                        .query_map(params![before, after.0, after.1, PRUNE_BATCH], |r| {
                            Ok((r.get(0)?, r.get(1)?))
                        })?
                        .collect::<rusqlite::Result<_>>()?;
                    let mut n = 0;
                    {
                        let mut delete =
                            t.prepare_cached("DELETE FROM markers WHERE marker = ?1")?;
                        for (_, marker) in old.iter().filter(|(_, m)| !keep(m)) {
                            n += delete.execute([marker])? as u64;
                        }
                    }
                    t.commit()?;
                    let last = (old.len() as i64 == PRUNE_BATCH)
                        .then(|| old.last().cloned())
                        .flatten();
                    Ok::<_, anyhow::Error>((n, last))
                })
                .await?;
            pruned += n;
            match last {
                Some(last) => after = last,
                None => return Ok(pruned),
            }
        }
    }

    /// Notified after each commit that recorded events.
    pub fn recorded(&self) -> Arc<Notify> {
        self.recorded.clone()
    }

    /// Outbox entries after `after` (a sequence number), oldest first.
    pub async fn outbox_after(
        &self,
        after: i64,
        limit: usize,
    ) -> anyhow::Result<Vec<(i64, Envelope)>> {
        self.pool
            .read(move |c| {
                let mut stmt = c.prepare_cached(
                    "SELECT seq, envelope FROM outbox WHERE seq > ?1 ORDER BY seq LIMIT ?2",
                )?;
                let rows = stmt.query_map(params![after, limit as i64], |r| {
                    Ok((r.get::<_, i64>(0)?, r.get::<_, String>(1)?))
                })?;
                let mut out = Vec::new();
                for row in rows {
                    let (seq, json) = row?;
                    out.push((seq, serde_json::from_str(&json)?));
                }
                Ok::<_, anyhow::Error>(out)
            })
            .await
    }

    /// How many outbox entries follow `after`.
    pub async fn outbox_count_after(&self, after: i64) -> anyhow::Result<u64> {
        self.pool
            .read(move |c| {
                let n: i64 =
                    c.query_row("SELECT COUNT(*) FROM outbox WHERE seq > ?1", [after], |r| {
                        r.get(0)
                    })?;
                Ok::<_, anyhow::Error>(n as u64)
            })
            .await
    }

    /// The latest recorded events, newest first.
    pub async fn recent_events(&self, limit: usize) -> anyhow::Result<Vec<Envelope>> {
        self.pool
            .read(move |c| {
                let mut stmt =
                    c.prepare_cached("SELECT envelope FROM outbox ORDER BY seq DESC LIMIT ?1")?;
                let rows = stmt.query_map([limit as i64], |r| r.get::<_, String>(0))?;
                let mut out = Vec::new();
                for json in rows {
                    out.push(serde_json::from_str(&json?)?);
                }
                Ok::<_, anyhow::Error>(out)
            })
            .await
    }

    /// One recorded event, by id.
    pub async fn event(&self, event_id: &str) -> anyhow::Result<Option<Envelope>> {
        let event_id = event_id.to_owned();
        self.pool
            .lookup(move |c| {
                let json: Option<String> = c
                    .prepare_cached("SELECT envelope FROM outbox WHERE event_id = ?1")?
                    .query_row([&event_id], |r| r.get(0))
                    .optional()?;
                Ok::<_, anyhow::Error>(match json {
                    Some(j) => Some(serde_json::from_str(&j)?),
                    None => None,
                })
            })
            .await
    }
}

fn unavailable(e: impl Into<anyhow::Error>) -> StoreError {
    StoreError::Unavailable(e.into())
}

fn is_constraint(e: &rusqlite::Error) -> bool {
    e.sqlite_error_code() == Some(ErrorCode::ConstraintViolation)
}

fn read_record(r: &rusqlite::Row<'_>) -> rusqlite::Result<Record> {
    let body: String = r.get(3)?;
    let body = serde_json::from_str(&body).map_err(|e| {
        rusqlite::Error::FromSqlConversionFailure(3, rusqlite::types::Type::Text, Box::new(e))
    })?;
    Ok(Record {
        kind: r.get(0)?,
        id: r.get(1)?,
        version: r.get::<_, i64>(2)? as u64,
        body,
        keys: Keys {
            a: r.get(4)?,
            b: r.get(5)?,
        },
    })
}

/// Writes one transaction's items inside an open SQLite transaction (a savepoint of a group).
/// The JSON path of a top-level field; field names come from code, but are checked anyway.
fn json_path(field: &str) -> Result<String, StoreError> {
    if field.is_empty()
        || !field
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_')
    {
        return Err(StoreError::Invalid(format!(
            "{field:?} is not a field name"
        )));
    }
    Ok(format!("$.{field}"))
}

fn apply(t: &Connection, tx: &Transaction) -> Result<(), StoreError> {
    if let Some(Marker(marker)) = &tx.marker {
        match t
            .prepare_cached("INSERT INTO markers (marker, applied_at) VALUES (?1, ?2)")
            .and_then(|mut s| s.execute(params![marker, unix_now()]))
        {
            Ok(_) => {}
            Err(e) if is_constraint(&e) => return Err(StoreError::Duplicate),
            Err(e) => return Err(unavailable(e)),
        }
    }
    for (kind, id) in &tx.absent {
        let exists = t
            .prepare_cached("SELECT 1 FROM docs WHERE kind = ?1 AND id = ?2")
            .and_then(|mut s| s.exists(params![kind, id]))
            .map_err(unavailable)?;
        if exists {
            return Err(StoreError::Conflict);
        }
    }
    for put in &tx.puts {
        let r = &put.record;
        let body = serde_json::to_string(&r.body).map_err(unavailable)?;
        let changed = if put.expected == 0 {
            match t
                .prepare_cached("INSERT INTO docs (kind, id, version, body, ka, kb) VALUES (?1, ?2, ?3, ?4, ?5, ?6)")
                .and_then(|mut s| s.execute(params![r.kind, r.id, r.version as i64, body, r.keys.a, r.keys.b]))
            {
                Ok(n) => n,
                Err(e) if is_constraint(&e) => 0,
                Err(e) => return Err(unavailable(e)),
            }
        } else {
            t.prepare_cached(
                "UPDATE docs SET version = ?3, body = ?4, ka = ?5, kb = ?6 WHERE kind = ?1 AND id = ?2 AND version = ?7",
            )
            .and_then(|mut s| s.execute(params![r.kind, r.id, r.version as i64, body, r.keys.a, r.keys.b, put.expected as i64]))
            .map_err(unavailable)?
        };
        if changed != 1 {
            return Err(StoreError::Conflict);
        }
    }
    for c in &tx.checks {
        let path = json_path(&c.field)?;
        let holds = t
            .prepare_cached(
                "SELECT 1 FROM docs WHERE kind = ?1 AND id = ?2 AND json_extract(body, ?3) = json_extract(json(?4), '$')",
            )
            .and_then(|mut s| s.exists(params![c.kind, c.id, path, c.equals.to_string()]))
            .map_err(unavailable)?;
        if !holds {
            return Err(StoreError::Conflict);
        }
    }
    for a in &tx.adjust {
        let path = json_path(&a.field)?;
        let changed = t
            .prepare_cached(
                "UPDATE docs SET body = json_set(body, ?3, json_extract(body, ?3) + ?4), version = version + 1
                 WHERE kind = ?1 AND id = ?2 AND json_type(body, ?3) = 'integer' AND json_extract(body, ?3) + ?4 >= ?5",
            )
            .and_then(|mut s| s.execute(params![a.kind, a.id, path, a.by, a.min]))
            .map_err(unavailable)?;
        if changed != 1 {
            return Err(StoreError::Conflict);
        }
    }
    for event in &tx.events {
        let json = serde_json::to_string(event).map_err(unavailable)?;
        match t
            .prepare_cached(
                "INSERT INTO outbox (event_id, envelope, recorded_at) VALUES (?1, ?2, ?3)",
            )
            .and_then(|mut s| s.execute(params![event.event_id, json, unix_now()]))
        {
            Ok(_) => {}
            Err(e) if is_constraint(&e) => return Err(StoreError::Conflict),
            Err(e) => return Err(unavailable(e)),
        }
    }
    Ok(())
}

/// Transactions committed in one group at most.
const GROUP: usize = 256;

/// A commit waiting for its group.
type Waiting = (Transaction, oneshot::Sender<Result<(), StoreError>>);

/// Commits every waiting transaction, in groups: each transaction in its own savepoint, so it
/// still applies all or nothing and sees the ones before it, and each group in one SQLite
/// transaction, so one commit (one WAL append, one fsync with `Durability::Power`) serves many.
/// A transaction's result is sent only after its group committed.
fn commit_waiting(c: &mut Connection, waiting: &Mutex<Vec<Waiting>>) {
    loop {
        let group: Vec<Waiting> = {
            let mut waiting = waiting.lock().unwrap_or_else(PoisonError::into_inner);
            let n = waiting.len().min(GROUP);
            waiting.drain(..n).collect()
        };
        if group.is_empty() {
            return;
        }
        let (txs, replies): (Vec<_>, Vec<_>) = group.into_iter().unzip();
        match commit_group(c, &txs) {
            Ok(results) => {
                for (reply, result) in replies.into_iter().zip(results) {
                    let _ = reply.send(result);
                }
            }
            Err(e) => {
                for reply in replies {
                    let _ = reply.send(Err(unavailable(anyhow::anyhow!("{e:#}"))));
                }
            }
        }
    }
}

fn commit_group(
    c: &mut Connection,
    txs: &[Transaction],
) -> anyhow::Result<Vec<Result<(), StoreError>>> {
    let mut t = c.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
    let mut results = Vec::with_capacity(txs.len());
    for tx in txs {
        let savepoint = t.savepoint()?;
        let result = apply(&savepoint, tx);
        if result.is_ok() {
            savepoint.commit()?;
        }
        // Dropped unreleased, a savepoint rolls back its writes.
        results.push(result);
    }
    t.commit()?;
    Ok(results)
}

fn encode_cursor(id: &str) -> String {
    URL_SAFE_NO_PAD.encode(id)
}

fn decode_cursor(cursor: &str) -> Result<String, StoreError> {
    URL_SAFE_NO_PAD
        .decode(cursor)
        .ok()
        .and_then(|b| String::from_utf8(b).ok())
        .ok_or_else(|| StoreError::Invalid("`cursor` is not a cursor this list issued".into()))
}

/// The SQL of a list query. Each lookup names its index: without statistics SQLite would rather
/// walk the primary key in id order and filter, which grows with the whole kind.
fn query_sql(lookup: &Lookup, order: Order, after: bool) -> String {
    let (cmp, dir) = match order {
        Order::Oldest => (">", "ASC"),
        Order::Newest => ("<", "DESC"),
    };
    let (index, filter) = match lookup {
        Lookup::All => ("", ""),
        Lookup::By(Slot::A, _) => ("INDEXED BY docs_by_a", "AND ka = ?4"),
        Lookup::By(Slot::B, _) => ("INDEXED BY docs_by_b", "AND kb = ?4"),
    };
    let after = if after {
        format!("AND id {cmp} ?2")
    } else {
        "AND ?2 IS NULL".to_owned()
    };
    format!(
        "SELECT kind, id, version, body, ka, kb FROM docs {index}
         WHERE kind = ?1 {after} {filter} ORDER BY id {dir} LIMIT ?3"
    )
}

#[async_trait]
impl Store for SqliteStore {
    fn context(&self) -> &str {
        &self.context
    }

    async fn get(&self, kind: &str, id: &str) -> Result<Option<Record>, StoreError> {
        let (kind, id) = (kind.to_owned(), id.to_owned());
        self.pool
            .lookup(move |c| {
                c.prepare_cached(
                    "SELECT kind, id, version, body, ka, kb FROM docs WHERE kind = ?1 AND id = ?2",
                )
                .and_then(|mut s| s.query_row(params![kind, id], read_record).optional())
                .map_err(unavailable)
            })
            .await
    }

    async fn query(&self, q: Query) -> Result<Page<Record>, StoreError> {
        let after = q.cursor.as_deref().map(decode_cursor).transpose()?;
        self.pool
            .read(move |c| {
                let sql = query_sql(&q.lookup, q.order, after.is_some());
                let key = match &q.lookup {
                    Lookup::All => None,
                    Lookup::By(_, v) => Some(v.clone()),
                };
                let mut stmt = c.prepare_cached(&sql).map_err(unavailable)?;
                let fetch = q.limit as i64 + 1;
                let mut items: Vec<Record> = match key {
                    Some(k) => stmt.query_map(params![q.kind, after, fetch, k], read_record),
                    None => stmt.query_map(params![q.kind, after, fetch], read_record),
                }
                .and_then(|rows| rows.collect::<rusqlite::Result<Vec<_>>>())
                .map_err(unavailable)?;
                let next_cursor = if items.len() > q.limit {
                    items.truncate(q.limit);
                    items.last().map(|r| encode_cursor(&r.id))
                } else {
                    None
                };
                Ok(Page { items, next_cursor })
            })
            .await
    }

    async fn commit(&self, tx: Transaction) -> Result<(), StoreError> {
        if tx.size() > kernel::store::MAX_TRANSACTION_ITEMS {
            return Err(StoreError::Invalid(
                "a transaction holds at most 100 items".into(),
            ));
        }
        let has_events = !tx.events.is_empty();
        let (reply, result) = oneshot::channel();
        let first = {
            let mut waiting = self.waiting.lock().unwrap_or_else(PoisonError::into_inner);
            waiting.push((tx, reply));
            waiting.len() == 1
        };
        // The first to wait starts a group commit; the others join it or the next one. The
        // blocking call is spawned before this future can be dropped, so it always runs.
        if first {
            let waiting = self.waiting.clone();
            let _: Result<(), Lost> = self
                .pool
                .write(move |c| {
                    commit_waiting(c, &waiting);
                    Ok(())
                })
                .await;
        }
        result
            .await
            .map_err(|_| unavailable(anyhow::anyhow!("the group commit was lost")))??;
        if has_events {
            self.recorded.notify_one();
        }
        Ok(())
    }

    async fn is_applied(&self, marker: &Marker) -> Result<bool, StoreError> {
        let marker = marker.0.clone();
        self.pool
            .lookup(move |c| {
                c.prepare_cached("SELECT 1 FROM markers WHERE marker = ?1")
                    .and_then(|mut s| s.exists([marker]))
                    .map_err(unavailable)
            })
            .await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    struct Outbox(Arc<SqliteStore>);

    #[async_trait]
    impl testkit::EventLog for Outbox {
        async fn recorded(&self) -> Vec<Envelope> {
            self.0
                .outbox_after(0, 10_000)
                .await
                .unwrap()
                .into_iter()
                .map(|(_, e)| e)
                .collect()
        }
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn passes_the_store_conformance_suite() {
        let dir = tempfile::tempdir().unwrap();
        let store = Arc::new(
            SqliteStore::open("test/ctx", &dir.path().join("ctx.db"), Durability::Process).unwrap(),
        );
        testkit::store_conformance(store.clone(), Arc::new(Outbox(store))).await;
    }

    #[test]
    fn a_lookup_by_key_reads_its_index_not_the_whole_kind() {
        let dir = tempfile::tempdir().unwrap();
        let c = crate::sqlite::open(&dir.path().join("plan.db"), Durability::Process).unwrap();
        c.execute_batch(SCHEMA).unwrap();
        for (slot, index) in [(Slot::A, "docs_by_a"), (Slot::B, "docs_by_b")] {
            for (order, after) in [(Order::Newest, false), (Order::Oldest, true)] {
                let sql = query_sql(&Lookup::By(slot, "k".into()), order, after);
                let plan: String = c
                    .prepare(&format!("EXPLAIN QUERY PLAN {sql}"))
                    .unwrap()
                    .query_map(params!["Row", "01", 10, "k"], |r| r.get::<_, String>(3))
                    .unwrap()
                    .map(Result::unwrap)
                    .collect::<Vec<_>>()
                    .join("; ");
                assert!(
                    plan.contains(&format!("USING INDEX {index}")),
                    "{slot:?} {order:?}: {plan}"
                );
            }
        }
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn commits_grouped_together_still_apply_all_or_nothing_each() {
        let dir = tempfile::tempdir().unwrap();
        let store = Arc::new(
            SqliteStore::open("test/ctx", &dir.path().join("ctx.db"), Durability::Process).unwrap(),
        );
        // Each writes its own document and the one shared document, with its own event; only
        // one can create the shared one, and the others must leave nothing behind.
        let tries = (0..64).map(|i| {
            let store = store.clone();
            tokio::spawn(async move {
                let own = format!("own-{i}");
                let tx = Transaction {
                    puts: vec![
                        testkit::put(testkit::record("Doc", &own, 1, None, None)),
                        testkit::put(testkit::record("Doc", "shared", 1, None, None)),
                    ],
                    events: vec![testkit::event("test/ctx", &own, 1, i)],
                    marker: Some(Marker(format!("f/{}", i % 8))),
                    ..Transaction::default()
                };
                (own, store.commit(tx).await)
            })
        });
        let mut won = 0;
        for result in futures::future::join_all(tries).await {
            let (own, result) = result.unwrap();
            let applied = match result {
                Ok(()) => true,
                Err(StoreError::Conflict | StoreError::Duplicate) => false,
                Err(e) => panic!("{own}: {e}"),
            };
            won += usize::from(applied);
            let kept = store.get("Doc", &own).await.unwrap().is_some();
            assert_eq!(kept, applied, "{own}: all or nothing");
        }
        assert_eq!(won, 1);
        assert_eq!(store.outbox_after(0, 100).await.unwrap().len(), 1);
        let mut markers = 0;
        for i in 0..8 {
            markers += usize::from(store.is_applied(&Marker(format!("f/{i}"))).await.unwrap());
        }
        assert_eq!(markers, 1, "only the winner's marker stays");
    }

    #[tokio::test]
    async fn what_was_committed_survives_reopening() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("ctx.db");
        {
            let store = SqliteStore::open("test/ctx", &path, Durability::Power).unwrap();
            let tx = Transaction {
                puts: vec![testkit::put(testkit::record(
                    "Doc",
                    "d1",
                    1,
                    Some("a"),
                    None,
                ))],
                events: vec![testkit::event("test/ctx", "d1", 1, 7)],
                ..Transaction::default()
            };
            store.commit(tx).await.unwrap();
        }
        let store = SqliteStore::open("test/ctx", &path, Durability::Process).unwrap();
        assert_eq!(store.get("Doc", "d1").await.unwrap().unwrap().version, 1);
        let events = store.outbox_after(0, 10).await.unwrap();
        assert_eq!(events.len(), 1);
        assert_eq!(
            store.event(&events[0].1.event_id).await.unwrap(),
            Some(events[0].1.clone())
        );
    }
}
