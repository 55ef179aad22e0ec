//! A store in memory, for handler tests: the same conditions as the SQLite and DynamoDB stores (it
//! passes the same conformance suite), no file, no emulator. Not for production: nothing survives
//! the process.

use std::{
    collections::{BTreeMap, HashSet},
    sync::Mutex,
};

use async_trait::async_trait;
use kernel::{
    Envelope, Lookup, Marker, Order, Page, Slot,
    store::{MAX_TRANSACTION_ITEMS, Query, Record, Store, StoreError, Transaction},
};

#[derive(Default)]
struct State {
    docs: BTreeMap<(String, String), Record>,
    outbox: Vec<Envelope>,
    markers: HashSet<String>,
}

pub struct MemoryStore {
    context: String,
    state: Mutex<State>,
}

impl MemoryStore {
    /// The store of `context` (`system/name`).
    pub fn new(context: &str) -> std::sync::Arc<Self> {
        std::sync::Arc::new(Self {
            context: context.to_owned(),
            state: Mutex::new(State::default()),
        })
    }

    /// Every event committed, in commit order.
    pub fn events(&self) -> Vec<Envelope> {
        self.lock().outbox.clone()
    }

    /// The types of every event committed, in commit order.
    pub fn event_types(&self) -> Vec<String> {
        self.lock()
            .outbox
            .iter()
            .map(|e| e.event_type.clone())
            .collect()
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        self.state
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

fn key_of(record: &Record, slot: Slot) -> Option<&String> {
    match slot {
        Slot::A => record.keys.a.as_ref(),
        Slot::B => record.keys.b.as_ref(),
    }
}

/// Cursors are opaque to clients: the last id, hex-encoded.
fn encode_cursor(id: &str) -> String {
    id.bytes().map(|b| format!("{b:02x}")).collect()
}

fn decode_cursor(cursor: &str) -> Result<String, StoreError> {
    let invalid = || StoreError::Invalid("`cursor` is not a cursor this list issued".into());
    if !cursor.len().is_multiple_of(2) {
        return Err(invalid());
    }
    let bytes = (0..cursor.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&cursor[i..i + 2], 16))
        .collect::<Result<Vec<u8>, _>>()
        .map_err(|_| invalid())?;
    String::from_utf8(bytes).map_err(|_| invalid())
}

#[async_trait]
impl Store for MemoryStore {
    fn context(&self) -> &str {
        &self.context
    }

    async fn get(&self, kind: &str, id: &str) -> Result<Option<Record>, StoreError> {
        Ok(self
            .lock()
            .docs
            .get(&(kind.to_owned(), id.to_owned()))
            .cloned())
    }

    async fn query(&self, q: Query) -> Result<Page<Record>, StoreError> {
        if q.limit == 0 {
            return Err(StoreError::Invalid(
                "a list limit must be at least 1".into(),
            ));
        }
        let after = q.cursor.as_deref().map(decode_cursor).transpose()?;
        let state = self.lock();
        let mut matching: Vec<&Record> = state
            .docs
            .values()
            .filter(|r| r.kind == q.kind)
            .filter(|r| match &q.lookup {
                Lookup::All => true,
                Lookup::By(slot, key) => key_of(r, *slot) == Some(key),
            })
            .collect();
        if q.order == Order::Newest {
            matching.reverse();
        }
        let mut items: Vec<Record> = matching
            .into_iter()
            .filter(|r| match (&after, q.order) {
                (None, _) => true,
                (Some(a), Order::Oldest) => r.id > *a,
                (Some(a), Order::Newest) => r.id < *a,
            })
            .take(q.limit + 1)
            .cloned()
            .collect();
        let next_cursor = if items.len() > q.limit {
            items.truncate(q.limit);
            items.last().map(|r| encode_cursor(&r.id))
        } else {
            None
        };
        Ok(Page { items, next_cursor })
    }

    async fn commit(&self, tx: Transaction) -> Result<(), StoreError> {
        if tx.size() > MAX_TRANSACTION_ITEMS {
            return Err(StoreError::Invalid(format!(
                "a transaction holds at most {MAX_TRANSACTION_ITEMS} items"
            )));
        }
        let mut state = self.lock();
        if let Some(Marker(m)) = &tx.marker
            && state.markers.contains(m)
        {
            return Err(StoreError::Duplicate);
        }
        // Applied to a copy in the order the SQLite store applies them; kept only if all hold.
        let mut docs = state.docs.clone();
        for (kind, id) in &tx.absent {
            if docs.contains_key(&(kind.clone(), id.clone())) {
                return Err(StoreError::Conflict);
            }
        }
        for put in &tx.puts {
            let key = (put.record.kind.clone(), put.record.id.clone());
            if docs.get(&key).map_or(0, |r| r.version) != put.expected {
                return Err(StoreError::Conflict);
            }
            docs.insert(key, put.record.clone());
        }
        for c in &tx.checks {
            let holds = docs
                .get(&(c.kind.clone(), c.id.clone()))
                .is_some_and(|r| r.body.get(&c.field) == Some(&c.equals));
            if !holds {
                return Err(StoreError::Conflict);
            }
        }
        for a in &tx.adjust {
            let record = docs
                .get_mut(&(a.kind.clone(), a.id.clone()))
                .ok_or(StoreError::Conflict)?;
            let now = record
                .body
                .get(&a.field)
                .and_then(serde_json::Value::as_i64)
                .ok_or(StoreError::Conflict)?;
            if now + a.by < a.min {
                return Err(StoreError::Conflict);
            }
            record.body[&a.field] = (now + a.by).into();
            record.version += 1;
        }
        let recorded: HashSet<&str> = state.outbox.iter().map(|e| e.event_id.as_str()).collect();
        if tx
            .events
            .iter()
            .any(|e| recorded.contains(e.event_id.as_str()))
        {
            return Err(StoreError::Conflict);
        }
        state.docs = docs;
        state.outbox.extend(tx.events);
        if let Some(Marker(m)) = tx.marker {
            state.markers.insert(m);
        }
        Ok(())
    }

    async fn is_applied(&self, marker: &Marker) -> Result<bool, StoreError> {
        Ok(self.lock().markers.contains(&marker.0))
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::*;

    struct Log(Arc<MemoryStore>);

    #[async_trait]
    impl crate::EventLog for Log {
        async fn recorded(&self) -> Vec<Envelope> {
            self.0.events()
        }
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn passes_the_store_conformance_suite() {
        let store = MemoryStore::new("test/ctx");
        crate::store_conformance(store.clone(), Arc::new(Log(store))).await;
    }
}
