//! Aggregates: `decide` (in each domain) says which events a command causes; `apply` folds them.
//! This module loads, decides, and commits state and events in one conditional write.

use std::{fmt::Debug, future::Future, time::Duration};

use serde::Serialize;

use crate::{
    call::Call,
    envelope::Envelope,
    error::AppError,
    repo::{Document, Repo, Tx, Versioned},
    store::{Marker, StoreError},
};

pub trait Aggregate: Document + Default + Clone {
    /// The context's event enum, serialized as `{"eventType": .., "payload": ..}`.
    type Event: Serialize + Debug + Send + Sync;
    /// Folds one event into the state. Never fails: rules live in `decide`.
    fn apply(self, event: &Self::Event) -> Self;
}

/// An aggregate whose rules take a command: `decide` says which events it causes, or why not.
/// Pure: no I/O, no clock; what it needs from outside comes in the command.
pub trait Decide: Aggregate {
    type Command;
    type Refusal;
    fn decide(&self, command: Self::Command) -> Result<Vec<Self::Event>, Self::Refusal>;
}

/// What a commit wrote.
#[derive(Clone, Debug)]
pub struct Committed<A> {
    pub state: A,
    pub version: u64,
    pub events: Vec<Envelope>,
}

/// What an idempotent update did.
#[derive(Clone, Debug)]
pub enum Outcome<A> {
    Committed(Committed<A>),
    /// `decide` returned no events: nothing to write.
    Unchanged(Versioned<A>),
    /// The marker was already written: this effect happened before.
    AlreadyApplied,
}

/// Folds `events` into `state` (at `version`) and adds the new state and the events to `tx`.
pub fn record<A: Aggregate>(
    tx: &mut Tx,
    source: &str,
    state: A,
    version: u64,
    events: Vec<A::Event>,
    cx: &Call,
) -> Result<Committed<A>, AppError> {
    let mut state = state;
    let mut next = version;
    let mut envelopes = Vec::with_capacity(events.len());
    for event in &events {
        next += 1;
        state = state.apply(event);
        envelopes.push(Envelope::record(
            source,
            A::KIND,
            state.id(),
            next,
            event,
            cx,
        )?);
    }
    tx.put_version(&state, version, next.max(version + 1))?;
    tx.events(envelopes.iter().cloned());
    Ok(Committed {
        state,
        version: next.max(version + 1),
        events: envelopes,
    })
}

/// Records a new aggregate from its first events; 409 if one with its id exists.
pub async fn create<A: Aggregate>(
    repo: &Repo<A>,
    mut tx: Tx,
    events: Vec<A::Event>,
    cx: &Call,
) -> Result<Committed<A>, AppError> {
    let committed = record(&mut tx, repo.store().context(), A::default(), 0, events, cx)?;
    match repo.store().commit(tx.into_inner()).await {
        Ok(()) => Ok(committed),
        Err(StoreError::Conflict) => Err(AppError::conflict(format!(
            "{} {} already exists or a precondition failed",
            A::KIND,
            committed.state.id()
        ))),
        Err(e) => Err(e.into()),
    }
}

/// Loads aggregate `id`, decides, and commits the events, reading and deciding again when a
/// concurrent write won. Returns the state after the command (404 if there is no such aggregate).
pub async fn update<A, F>(repo: &Repo<A>, id: &str, cx: &Call, decide: F) -> Result<A, AppError>
where
    A: Aggregate,
    F: Fn(&A) -> Result<Vec<A::Event>, AppError>,
{
    match update_once(repo, id, None, cx, decide).await? {
        Outcome::Committed(c) => Ok(c.state),
        Outcome::Unchanged(v) => Ok(v.doc),
        Outcome::AlreadyApplied => Err(AppError::internal(anyhow::anyhow!(
            "an update without a marker was a duplicate"
        ))),
    }
}

/// `update`, at most once per marker: the marker is written in the same atomic write as the
/// events, and a call whose marker exists is `AlreadyApplied` and changes nothing.
pub async fn update_once<A, F>(
    repo: &Repo<A>,
    id: &str,
    marker: Option<Marker>,
    cx: &Call,
    decide: F,
) -> Result<Outcome<A>, AppError>
where
    A: Aggregate,
    F: Fn(&A) -> Result<Vec<A::Event>, AppError>,
{
    let store = repo.store();
    let outcome = write_once(&**store, marker.as_ref(), || async {
        let current = repo.find(id).await?;
        let events = decide(&current.doc)?;
        if events.is_empty() {
            return Ok(Step::Skip(Outcome::Unchanged(current)));
        }
        let mut tx = Tx::new();
        let committed = record(
            &mut tx,
            store.context(),
            current.doc,
            current.version,
            events,
            cx,
        )?;
        Ok(Step::Write(tx, Outcome::Committed(committed)))
    })
    .await?;
    Ok(outcome.unwrap_or(Outcome::AlreadyApplied))
}

/// What one attempt of `write_once` decided.
pub enum Step<T> {
    /// Commit this transaction (the marker is added to it), then answer `T`.
    Write(Tx, T),
    /// Nothing to write; answer `T`.
    Skip(T),
}

/// The exactly-once effect of an event handler: `attempt` reads and decides; its transaction is
/// committed together with `marker`, so a redelivered event changes nothing. A concurrent write
/// makes it read and decide again. `Ok(None)`: the marker shows this effect happened before.
pub async fn write_once<T, F, Fut>(
    store: &dyn crate::store::Store,
    marker: Option<&Marker>,
    attempt: F,
) -> Result<Option<T>, AppError>
where
    F: Fn() -> Fut,
    Fut: Future<Output = Result<Step<T>, Attempt>>,
{
    if let Some(m) = marker
        && store.is_applied(m).await?
    {
        return Ok(None);
    }
    retry_on_conflict(|| async {
        match attempt().await? {
            Step::Skip(t) => Ok(t),
            Step::Write(mut tx, t) => {
                tx.marker(marker.cloned());
                store.commit(tx.into_inner()).await?;
                Ok(t)
            }
        }
    })
    .await
}

/// Why one attempt of a read-decide-write failed.
#[derive(Debug)]
pub enum Attempt {
    App(AppError),
    Store(StoreError),
}

impl From<AppError> for Attempt {
    fn from(e: AppError) -> Self {
        Self::App(e)
    }
}

impl From<StoreError> for Attempt {
    fn from(e: StoreError) -> Self {
        Self::Store(e)
    }
}

/// How many times a read-decide-write is tried before the caller is told to retry.
pub const MAX_ATTEMPTS: u32 = 32;

/// Runs `attempt` until no concurrent write beats it. `Ok(None)`: its marker was already written.
pub async fn retry_on_conflict<T, F, Fut>(mut attempt: F) -> Result<Option<T>, AppError>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<T, Attempt>>,
{
    for n in 0..MAX_ATTEMPTS {
        match attempt().await {
            Ok(t) => return Ok(Some(t)),
            Err(Attempt::Store(StoreError::Conflict)) => tokio::time::sleep(backoff(n)).await,
            Err(Attempt::Store(StoreError::Duplicate)) => return Ok(None),
            Err(Attempt::Store(e)) => return Err(e.into()),
            Err(Attempt::App(e)) => return Err(e),
        }
    }
    Err(AppError::conflict(
        "too many concurrent changes to the same resource; retry",
    ))
}

/// Full jitter, from 1 ms doubling to at most 64 ms.
fn backoff(attempt: u32) -> Duration {
    let cap_us = 1_000u64 << attempt.min(6);
    Duration::from_micros(rand::random_range(0..=cap_us))
}
