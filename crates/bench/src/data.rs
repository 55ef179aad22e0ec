//! A gateway's data folder opened directly, through the same embedded stores the gateway uses:
//! to seed it before a gateway starts on it, or to read every recorded event once its process
//! is stopped (the admin API shows only the latest thousand).

use std::{path::Path, sync::Arc};

use embedded::{EmbeddedConfig, EmbeddedPlatform, store::SqliteStore};
use kernel::{ContextId, Envelope};

pub struct DataFolder {
    platform: EmbeddedPlatform,
}

/// Outbox entries read per query.
const EVENTS_PER_READ: usize = 10_000;

impl DataFolder {
    /// Opens the folder; no gateway may be running on it.
    pub fn open(path: &Path) -> anyhow::Result<Self> {
        Ok(Self {
            platform: EmbeddedPlatform::new(EmbeddedConfig::new(path))?,
        })
    }

    /// The context's store, where the gateway keeps it.
    pub fn store(&self, context: ContextId) -> anyhow::Result<Arc<SqliteStore>> {
        self.platform.sqlite(context)
    }

    /// Every event the context recorded, oldest first.
    pub async fn events(&self, context: ContextId) -> anyhow::Result<Vec<Envelope>> {
        let store = self.store(context)?;
        let mut events = Vec::new();
        let mut after = 0;
        loop {
            let batch = store.outbox_after(after, EVENTS_PER_READ).await?;
            let Some(&(last, _)) = batch.last() else {
                return Ok(events);
            };
            after = last;
            events.extend(batch.into_iter().map(|(_, e)| e));
        }
    }
}
