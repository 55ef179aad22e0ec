//! The outbox tailer of one context: copies each newly recorded event into the queue of every
//! subscription that wants it and advances the context's cursor, in one transaction.

use std::{sync::Arc, time::Duration};

use rusqlite::{OptionalExtension, params};
use tokio::sync::watch;

use super::{Bus, Subscription, group_of};
use crate::{sqlite::Pool, store::SqliteStore};

/// Outbox entries moved to the queues in one transaction at most.
const BATCH: usize = 2048;

/// Where the tailer stands in one outbox: the last sequence number it moved, and that entry's
/// event id (to recognise a sequence number given twice).
struct Cursor {
    seq: i64,
    event_id: Option<String>,
}

fn read_cursor(c: &rusqlite::Connection, source: &str) -> rusqlite::Result<Cursor> {
    Ok(
        c.prepare_cached("SELECT seq, event_id FROM cursors WHERE source = ?1")?
            .query_row([source], |r| {
                Ok(Cursor {
                    seq: r.get(0)?,
                    event_id: r.get(1)?,
                })
            })
            .optional()?
            .unwrap_or(Cursor {
                seq: 0,
                event_id: None,
            }),
    )
}

fn write_cursor(c: &rusqlite::Connection, source: &str, cursor: &Cursor) -> rusqlite::Result<()> {
    c.prepare_cached(
        "INSERT INTO cursors (source, seq, event_id) VALUES (?1, ?2, ?3)
         ON CONFLICT (source) DO UPDATE SET seq = excluded.seq, event_id = excluded.event_id",
    )?
    .execute(params![source, cursor.seq, cursor.event_id])?;
    Ok(())
}

/// Makes the cursor of `store` safe before anything is delivered or written.
///
/// With `Durability::Process` a power loss can roll back the last commits of the context's file
/// and of `bus.db` independently. If the context lost events the bus had already tailed, its
/// cursor is past what the outbox kept, and `AUTOINCREMENT` hands those sequence numbers out
/// again: the tailer (`seq > cursor`) would silently skip the events that get them. The bus
/// knows the id of the event it tailed last; when that event is no longer at the cursor (the
/// cursor is past the outbox's end, or another event has its sequence number), the cursor goes
/// back to the last entry whose event is not newer than it. Event ids are ULIDs: every event
/// recorded after the loss is newer, so none is skipped; a few may be delivered twice, which
/// markers make harmless. A cursor whose entry was merely pruned is left alone.
pub(super) fn repair(pool: &Pool, store: &SqliteStore) -> anyhow::Result<()> {
    use kernel::store::Store;
    let source = store.context();
    let cursor = pool.write_blocking(|c| read_cursor(c, source).map_err(anyhow::Error::from))?;
    let end = store.outbox_end_blocking()?;
    let at_cursor = store.event_id_at_blocking(cursor.seq)?;
    let lost = cursor.seq > end
        || matches!((&cursor.event_id, &at_cursor), (Some(tailed), Some(there)) if tailed != there);
    if !lost {
        return Ok(());
    }
    let resume = match &cursor.event_id {
        Some(tailed) => match store.last_entry_up_to_blocking(tailed)? {
            Some((seq, event_id)) => Cursor {
                seq,
                event_id: Some(event_id),
            },
            None => Cursor {
                seq: 0,
                event_id: None,
            },
        },
        // Written before cursors named their event: the outbox's end is the best guess.
        None => Cursor {
            seq: end,
            event_id: store.event_id_at_blocking(end)?,
        },
    };
    tracing::error!(
        source,
        cursor = cursor.seq,
        outbox_end = end,
        resume_after = resume.seq,
        "the bus had tailed events this outbox no longer holds: the context lost its last commits (a power loss with --durability process?), and events delivered from them are gone from it; tailing again from the last event it kept, so that no new event is skipped"
    );
    pool.write_blocking(|c| write_cursor(c, source, &resume).map_err(anyhow::Error::from))
}

struct Tailer {
    bus: Arc<Bus>,
    source: String,
    store: Arc<SqliteStore>,
    subs: Vec<Arc<Subscription>>,
    /// Only this tailer moves the cursor, so it is read once.
    cursor: i64,
}

pub(super) async fn run(
    bus: Arc<Bus>,
    source: String,
    store: Arc<SqliteStore>,
    subs: Vec<Arc<Subscription>>,
    mut shutdown: watch::Receiver<bool>,
) {
    let recorded = store.recorded();
    let src = source.clone();
    let cursor = loop {
        let src = src.clone();
        match bus
            .pool
            .read(move |c| read_cursor(c, &src).map_err(anyhow::Error::from))
            .await
        {
            Ok(cursor) => break cursor.seq,
            Err(e) => {
                tracing::error!(source, error = %e, "reading the tailer's cursor failed; retrying");
                tokio::select! {
                    _ = tokio::time::sleep(Duration::from_secs(1)) => {}
                    _ = shutdown.changed() => return,
                }
            }
        }
    };
    let mut tailer = Tailer {
        bus,
        source,
        store,
        subs,
        cursor,
    };
    loop {
        if *shutdown.borrow() {
            return;
        }
        match tailer.tail_once().await {
            Ok(true) => continue,
            Ok(false) => {}
            Err(e) => {
                tracing::error!(source = tailer.source, error = %e, "outbox tailer failed; retrying");
            }
        }
        tokio::select! {
            _ = recorded.notified() => {}
            _ = tokio::time::sleep(Duration::from_secs(1)) => {}
            _ = shutdown.changed() => {}
        }
    }
}

impl Tailer {
    /// Moves one batch from the outbox to the queues; `Ok(true)` if there may be more.
    async fn tail_once(&mut self) -> anyhow::Result<bool> {
        let batch = self.store.outbox_after(self.cursor, BATCH).await?;
        let Some((last, last_event)) = batch.last() else {
            return Ok(false);
        };
        let cursor = Cursor {
            seq: *last,
            event_id: Some(last_event.event_id.clone()),
        };
        let more = batch.len() == BATCH;
        let mut rows = Vec::new();
        let mut woken = vec![false; self.subs.len()];
        for (_, event) in &batch {
            let mut json = None;
            for (i, sub) in self.subs.iter().enumerate() {
                if sub.subscriber.types.contains(&event.event_type) {
                    let json = match &json {
                        Some(json) => Arc::clone(json),
                        None => json.insert(Arc::new(serde_json::to_string(event)?)).clone(),
                    };
                    rows.push((
                        sub.subscriber.function.clone(),
                        group_of(event),
                        event.event_id.clone(),
                        json,
                    ));
                    woken[i] = true;
                }
            }
        }
        let source = self.source.clone();
        self.bus
            .pool
            .write(move |c| {
                let t = c.transaction()?;
                {
                    let mut insert = t.prepare_cached(
                        "INSERT INTO queue (sub, group_id, event_id, envelope) VALUES (?1, ?2, ?3, ?4)",
                    )?;
                    for (sub, group, event_id, envelope) in &rows {
                        insert.execute(params![sub, group, event_id, envelope.as_str()])?;
                    }
                    write_cursor(&t, &source, &cursor)?;
                }
                t.commit()?;
                Ok::<_, anyhow::Error>(())
            })
            .await?;
        self.cursor = *last;
        for (_, event) in batch {
            let _ = self.bus.published.send(event);
        }
        for (sub, woken) in self.subs.iter().zip(woken) {
            if woken {
                sub.wake.notify_one();
            }
        }
        Ok(more)
    }
}
