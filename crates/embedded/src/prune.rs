//! Keeping the embedded data bounded without breaking exactly-once: delivered outbox entries,
//! old markers and old dead letters are pruned on a schedule, as TTLs prune them on AWS.
//!
//! The rule that keeps every effect once: a marker goes only when no redelivery of its event
//! can still arrive. Every delivery comes from a queue row, and a queue row comes from
//! - the outbox (the tailer, `deliver_again`): an entry is kept at most `outbox` after it was
//!   recorded once every cursor has passed it, and a marker is never older than its event, so
//!   an event that can still be queued from the outbox has markers younger than `outbox`;
//! - a dead letter (redrive): kept at most `dead_letters` after it died.
//!
//! A marker older than `markers` is pruned only if its event is in no queue row and no dead
//! letter of its function, and `outbox` and `dead_letters` are shorter than `markers`
//! (`Retention::check`). So a redelivery always meets the markers of the effects it repeats.

use std::{
    collections::BTreeMap,
    sync::Arc,
    time::{Duration, SystemTime, UNIX_EPOCH},
};

use kernel::store::Store;
use tokio::sync::watch;

use crate::{bus::Bus, store::SqliteStore};

const DAY: Duration = Duration::from_secs(24 * 3600);

/// What the embedded data keeps, and for how long.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Retention {
    /// An outbox entry is kept this long after it was recorded, and until every subscription's
    /// cursor has passed it (the AWS outbox TTL).
    pub outbox: Duration,
    /// A dead letter is kept this long after it died, then it can no longer be redriven (an SQS
    /// dead-letter queue's longest retention). Shorter than `markers`.
    pub dead_letters: Duration,
    /// A marker is kept this long after its effect was applied, and while its event is still
    /// queued or dead (the AWS marker TTL). Longer than `outbox` and `dead_letters`.
    pub markers: Duration,
    /// How often the pruner runs.
    pub prune_every: Duration,
    /// `deliver_again` is refused while the handler's queue holds this many messages.
    pub redelivery_queue_limit: u64,
}

impl Default for Retention {
    fn default() -> Self {
        Self {
            outbox: 7 * DAY,
            dead_letters: 14 * DAY,
            markers: 30 * DAY,
            prune_every: Duration::from_secs(600),
            redelivery_queue_limit: 10_000,
        }
    }
}

impl Retention {
    /// Refuses settings under which a redelivery could arrive after its markers were pruned.
    pub fn check(&self) -> anyhow::Result<()> {
        anyhow::ensure!(
            self.outbox < self.markers,
            "outbox retention ({:?}) must be shorter than marker retention ({:?}): an event still in the outbox can be delivered again",
            self.outbox,
            self.markers
        );
        anyhow::ensure!(
            self.dead_letters < self.markers,
            "dead-letter retention ({:?}) must be shorter than marker retention ({:?}): a dead letter can be redriven",
            self.dead_letters,
            self.markers
        );
        anyhow::ensure!(
            !self.prune_every.is_zero(),
            "the pruning interval must not be zero"
        );
        Ok(())
    }
}

/// What one pruning run deleted.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Pruned {
    pub outbox: u64,
    pub markers: u64,
    pub dead_letters: u64,
}

/// Prunes the bus and every store of the host, with the bus's `Retention`.
pub struct Pruner {
    bus: Arc<Bus>,
    stores: BTreeMap<String, Arc<SqliteStore>>,
}

fn unix(at: SystemTime) -> Duration {
    at.duration_since(UNIX_EPOCH).unwrap_or_default()
}

fn before(now: SystemTime, age: Duration) -> Duration {
    unix(now).saturating_sub(age)
}

impl Pruner {
    /// `stores`: every store the host opened, event sources or not (all hold markers).
    pub fn new(bus: Arc<Bus>, stores: impl IntoIterator<Item = Arc<SqliteStore>>) -> Self {
        let stores = stores
            .into_iter()
            .map(|s| (s.context().to_owned(), s))
            .collect();
        Self { bus, stores }
    }

    /// Prunes what `now` makes old enough. Dead letters go first, outboxes next, markers last,
    /// after the queues and dead letters they are checked against were read.
    pub async fn prune(&self, now: SystemTime) -> anyhow::Result<Pruned> {
        let retention = *self.bus.retention();
        let dead_letters = self
            .bus
            .prune_dead_letters(before(now, retention.dead_letters).as_millis() as i64)
            .await?;
        let cursors = self.bus.cursors().await?;
        let mut outbox = 0;
        let outbox_before = before(now, retention.outbox).as_secs() as i64;
        for (context, store) in &self.stores {
            // Only what every subscription's tailer has passed; an outbox nobody reads by age.
            let passed = self
                .bus
                .sources()
                .contains_key(context)
                .then(|| cursors.get(context).copied().unwrap_or(0));
            outbox += store.prune_outbox(passed, outbox_before).await?;
        }
        let undelivered = Arc::new(self.bus.undelivered().await?);
        // A marker is `function/eventId/document` (or `function/requestKey`).
        let keep = Arc::new(move |marker: &str| {
            let key = match marker.match_indices('/').nth(1) {
                Some((end, _)) => &marker[..end],
                None => marker,
            };
            undelivered.contains(key)
        });
        let mut markers = 0;
        let markers_before = before(now, retention.markers).as_secs() as i64;
        for store in self.stores.values() {
            markers += store.prune_markers(markers_before, keep.clone()).await?;
        }
        Ok(Pruned {
            outbox,
            markers,
            dead_letters,
        })
    }

    /// Prunes every `prune_every` until `shutdown` turns true.
    pub async fn run(self, mut shutdown: watch::Receiver<bool>) {
        let every = self.bus.retention().prune_every;
        loop {
            tokio::select! {
                _ = tokio::time::sleep(every) => {}
                _ = shutdown.changed() => {}
            }
            if *shutdown.borrow() {
                return;
            }
            match self.prune(SystemTime::now()).await {
                Ok(p) if p == Pruned::default() => {}
                Ok(p) => tracing::info!(
                    outbox = p.outbox,
                    markers = p.markers,
                    dead_letters = p.dead_letters,
                    "pruned"
                ),
                Err(e) => tracing::error!(error = %e, "pruning failed; trying again later"),
            }
        }
    }
}
