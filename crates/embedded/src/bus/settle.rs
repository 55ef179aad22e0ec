//! Recording what became of deliveries. Each outcome waits for its own commit, but outcomes that
//! arrive while a commit is running share the next one: one write transaction of the bus
//! database settles many deliveries, of every subscription.

use std::sync::Arc;

use rusqlite::params;
use tokio::sync::{mpsc, oneshot};

use super::now_ms;
use crate::sqlite::Pool;

/// Outcomes settled in one transaction at most.
const BATCH: usize = 1024;

/// What to record for one queue row.
#[derive(Debug)]
pub(super) enum Outcome {
    /// The handler succeeded: the row goes.
    Delivered,
    /// The handler failed; it is tried again at `next_at` (unix ms).
    Retry {
        attempts: u32,
        next_at: i64,
        error: String,
    },
    /// The handler failed its last attempt: the row becomes a dead letter.
    Dead { attempts: u32, error: String },
}

pub(super) struct Request {
    id: i64,
    outcome: Outcome,
    committed: oneshot::Sender<bool>,
}

#[derive(Clone)]
pub(super) struct Settler(mpsc::UnboundedSender<Request>);

impl Settler {
    pub(super) fn new() -> (Self, mpsc::UnboundedReceiver<Request>) {
        let (tx, rx) = mpsc::unbounded_channel();
        (Self(tx), rx)
    }

    /// Records `outcome` for queue row `id`; true once committed, false if the write failed (the
    /// row is then as it was, and will be delivered again).
    pub(super) async fn settle(&self, id: i64, outcome: Outcome) -> bool {
        let (committed, done) = oneshot::channel();
        let request = Request {
            id,
            outcome,
            committed,
        };
        self.0.send(request).is_ok() && done.await.unwrap_or(false)
    }
}

/// Commits outcomes as they come, as many per transaction as have arrived.
pub(super) async fn run(pool: Arc<Pool>, mut requests: mpsc::UnboundedReceiver<Request>) {
    let mut batch = Vec::with_capacity(BATCH);
    while requests.recv_many(&mut batch, BATCH).await > 0 {
        let (outcomes, replies): (Vec<_>, Vec<_>) = batch
            .drain(..)
            .map(|r| ((r.id, r.outcome), r.committed))
            .unzip();
        let committed = match pool.write(move |c| write(c, &outcomes)).await {
            Ok(()) => true,
            Err(e) => {
                tracing::error!(error = %e, deliveries = replies.len(), "could not record the outcome of deliveries; they will be redelivered");
                false
            }
        };
        for reply in replies {
            let _ = reply.send(committed);
        }
    }
}

fn write(c: &mut rusqlite::Connection, outcomes: &[(i64, Outcome)]) -> anyhow::Result<()> {
    let t = c.transaction()?;
    for (id, outcome) in outcomes {
        match outcome {
            Outcome::Delivered => {
                t.prepare_cached("DELETE FROM queue WHERE id = ?1")?
                    .execute([id])?;
            }
            Outcome::Retry {
                attempts,
                next_at,
                error,
            } => {
                t.prepare_cached(
                    "UPDATE queue SET attempts = ?2, next_at = ?3, last_error = ?4 WHERE id = ?1",
                )?
                .execute(params![id, attempts, next_at, error])?;
            }
            Outcome::Dead { attempts, error } => {
                t.prepare_cached(
                    "INSERT INTO dead_letters (sub, group_id, event_id, envelope, attempts, last_error, died_at)
                     SELECT sub, group_id, event_id, envelope, ?2, ?3, ?4 FROM queue WHERE id = ?1",
                )?
                .execute(params![id, attempts, error, now_ms()])?;
                t.prepare_cached("DELETE FROM queue WHERE id = ?1")?
                    .execute([id])?;
            }
        }
    }
    t.commit()?;
    Ok(())
}
