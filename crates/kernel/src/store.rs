//! The storage port of a bounded context, as the adapters implement it: versioned records,
//! events recorded in the same atomic write (the outbox), and the markers that make an event's
//! effect happen once. The typed side, what handlers use, is `crate::repo`.

use async_trait::async_trait;
use serde::Serialize;

use crate::envelope::Envelope;

/// A stored document: an aggregate's state or a view row.
#[derive(Clone, Debug, PartialEq)]
pub struct Record {
    pub kind: String,
    pub id: String,
    /// Starts at 1; every write bumps it. A write is conditional on the version it read.
    pub version: u64,
    pub body: serde_json::Value,
    pub keys: Keys,
}

/// Up to two secondary keys per document, one per index slot, for `Lookup::By`.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Keys {
    pub a: Option<String>,
    pub b: Option<String>,
}

/// The two secondary index slots every store provides (two GSIs on DynamoDB).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Slot {
    A,
    B,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Lookup {
    /// Every document of the kind.
    All,
    /// Documents of the kind whose key in `Slot` equals the value.
    By(Slot, String),
}

/// Lists are ordered by id; ids are ULIDs, so this is creation order.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Order {
    #[default]
    Oldest,
    Newest,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Query {
    pub kind: String,
    pub lookup: Lookup,
    pub order: Order,
    pub limit: usize,
    /// Opaque, from a previous page's `next_cursor`.
    pub cursor: Option<String>,
}

/// One page of a list, as every list endpoint answers it.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Page<T> {
    pub items: Vec<T>,
    pub next_cursor: Option<String>,
}

impl<T> Page<T> {
    pub fn map<U>(self, f: impl FnMut(T) -> U) -> Page<U> {
        Page {
            items: self.items.into_iter().map(f).collect(),
            next_cursor: self.next_cursor,
        }
    }
}

/// One put in a transaction: the new record, written only if the stored version is `expected`
/// (0: only if absent).
#[derive(Clone, Debug, PartialEq)]
pub struct Put {
    pub record: Record,
    pub expected: u64,
}

/// Everything one command or one event handler changes, written atomically or not at all.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Transaction {
    pub puts: Vec<Put>,
    /// Documents that must not exist for the write to happen.
    pub absent: Vec<(String, String)>,
    /// Counters changed in place, without being read first.
    pub adjust: Vec<Adjust>,
    /// Fields that must hold a value for the write to happen.
    pub checks: Vec<Check>,
    /// Recorded in the outbox (the table's stream), published after the commit.
    pub events: Vec<Envelope>,
    /// If set, the write happens only if this marker was never written, and writes it.
    pub marker: Option<Marker>,
}

impl Transaction {
    /// Documents, conditions, events and the marker: what counts against `MAX_TRANSACTION_ITEMS`.
    pub fn size(&self) -> usize {
        self.puts.len()
            + self.absent.len()
            + self.adjust.len()
            + self.checks.len()
            + self.events.len()
            + usize::from(self.marker.is_some())
    }
}

/// A counter changed in place: the document's integer field `field` goes up by `by` (down when
/// negative), only if the document exists and the result is at least `min`; its version goes up
/// by one, so a writer that read it before conflicts. A hot counter (an exhibition's seats) is
/// written this way: no read, no retry on someone else's write.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Adjust {
    pub kind: String,
    pub id: String,
    pub field: String,
    pub by: i64,
    pub min: i64,
}

/// A condition on a stored document: it exists and its field `field` equals `equals` (a string,
/// number or boolean).
#[derive(Clone, Debug, PartialEq)]
pub struct Check {
    pub kind: String,
    pub id: String,
    pub field: String,
    pub equals: serde_json::Value,
}

/// Proof that an effect was applied: written in the same atomic write as the effect.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Marker(pub String);

impl Marker {
    /// The marker of `function`'s effect of `event` on document `on`.
    pub fn of(function: &str, event: &Envelope, on: &str) -> Self {
        Self(format!("{function}/{}/{on}", event.event_id))
    }
    /// The marker of a request that carries its own idempotency key.
    pub fn request(function: &str, key: &str) -> Self {
        Self(format!("{function}/{key}"))
    }
}

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// A version or absence condition failed: someone else wrote first.
    #[error("condition failed")]
    Conflict,
    /// The transaction's marker exists: this effect was already applied.
    #[error("already applied")]
    Duplicate,
    /// The write can never succeed (too large, too many items).
    #[error("{0}")]
    Invalid(String),
    #[error("store unavailable: {0}")]
    Unavailable(#[source] anyhow::Error),
}

/// Maximum documents plus events plus conditions in one transaction (DynamoDB's limit is 100).
pub const MAX_TRANSACTION_ITEMS: usize = 100;

#[async_trait]
pub trait Store: Send + Sync {
    /// `system/context`: events committed here carry it as their source.
    fn context(&self) -> &str;
    async fn get(&self, kind: &str, id: &str) -> Result<Option<Record>, StoreError>;
    async fn query(&self, query: Query) -> Result<Page<Record>, StoreError>;
    async fn commit(&self, tx: Transaction) -> Result<(), StoreError>;
    async fn is_applied(&self, marker: &Marker) -> Result<bool, StoreError>;
}
