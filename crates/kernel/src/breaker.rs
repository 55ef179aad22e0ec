//! A circuit breaker whose state can be shared by every instance of a function (DynamoDB on AWS,
//! memory in the one local process). Failures are counted per instance; opening, electing the one
//! half-open probe and closing are conditional writes, so instances agree.

use std::{
    sync::{
        Arc, Mutex,
        atomic::{AtomicU32, Ordering},
    },
    time::Duration,
};

use async_trait::async_trait;

use crate::clock::Clock;
pub use crate::clock::now_ms;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BreakerState {
    Closed,
    /// Calls fail fast until then.
    Open {
        until_ms: i64,
    },
    /// One probe call is under way; others fail fast until it reports or `probe_until_ms` passes.
    HalfOpen {
        probe_until_ms: i64,
    },
}

/// The stored state and its generation, which every conditional write compares.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Shared {
    pub state: BreakerState,
    pub generation: u64,
}

impl Default for Shared {
    fn default() -> Self {
        Self {
            state: BreakerState::Closed,
            generation: 0,
        }
    }
}

#[async_trait]
pub trait BreakerStore: Send + Sync {
    async fn read(&self, name: &str) -> anyhow::Result<Shared>;
    /// Stores `next` with generation `expected + 1` if the stored generation is still `expected`.
    /// `Ok(false)`: another instance wrote first.
    async fn swap(&self, name: &str, expected: u64, next: BreakerState) -> anyhow::Result<bool>;
}

/// Breaker state for one process.
#[derive(Default)]
pub struct InMemoryBreakerStore(Mutex<std::collections::HashMap<String, Shared>>);

#[async_trait]
impl BreakerStore for InMemoryBreakerStore {
    async fn read(&self, name: &str) -> anyhow::Result<Shared> {
        let map = self
            .0
            .lock()
            .map_err(|_| anyhow::anyhow!("breaker store poisoned"))?;
        Ok(map.get(name).copied().unwrap_or_default())
    }

    async fn swap(&self, name: &str, expected: u64, next: BreakerState) -> anyhow::Result<bool> {
        let mut map = self
            .0
            .lock()
            .map_err(|_| anyhow::anyhow!("breaker store poisoned"))?;
        let current = map.entry(name.to_owned()).or_default();
        if current.generation != expected {
            return Ok(false);
        }
        *current = Shared {
            state: next,
            generation: expected + 1,
        };
        Ok(true)
    }
}

#[derive(Clone, Copy, Debug)]
pub struct BreakerPolicy {
    /// Consecutive failures (in one instance) that open the breaker.
    pub failures_to_open: u32,
    /// How long it stays open before one probe is let through.
    pub open_for: Duration,
    /// How long a probe may take before another instance may probe instead.
    pub probe_timeout: Duration,
}

impl Default for BreakerPolicy {
    fn default() -> Self {
        Self {
            failures_to_open: 5,
            open_for: Duration::from_secs(10),
            probe_timeout: Duration::from_secs(5),
        }
    }
}

/// Whether a call may go ahead.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Admission {
    Allowed,
    /// This call is the half-open probe: its result closes or reopens the breaker.
    Probe {
        generation: u64,
    },
    Rejected {
        retry_after: Duration,
    },
}

pub struct Breaker {
    name: String,
    policy: BreakerPolicy,
    store: Arc<dyn BreakerStore>,
    failures: AtomicU32,
    /// Wall time: the state is shared with other instances.
    clock: Arc<dyn Clock>,
}

impl Breaker {
    pub fn new(
        name: impl Into<String>,
        policy: BreakerPolicy,
        store: Arc<dyn BreakerStore>,
    ) -> Self {
        Self {
            name: name.into(),
            policy,
            store,
            failures: AtomicU32::new(0),
            clock: crate::clock::system(),
        }
    }

    /// The breaker on another clock (tests move a fixed one instead of sleeping).
    pub fn with_clock(mut self, clock: Arc<dyn Clock>) -> Self {
        self.clock = clock;
        self
    }

    pub fn name(&self) -> &str {
        &self.name
    }

    pub async fn admit(&self) -> Admission {
        // Fail open: a breaker that cannot read its state must not take the dependency down.
        let shared = match self.store.read(&self.name).await {
            Ok(s) => s,
            Err(e) => {
                tracing::warn!(breaker = %self.name, error = %e, "breaker state unreadable; allowing the call");
                return Admission::Allowed;
            }
        };
        let now = self.clock.now_ms();
        let wait = |until: i64| Admission::Rejected {
            retry_after: Duration::from_millis((until - now).max(1) as u64),
        };
        match shared.state {
            BreakerState::Closed => Admission::Allowed,
            BreakerState::Open { until_ms } if now < until_ms => wait(until_ms),
            BreakerState::HalfOpen { probe_until_ms } if now < probe_until_ms => {
                wait(probe_until_ms)
            }
            BreakerState::Open { .. } | BreakerState::HalfOpen { .. } => {
                let probe_until_ms = now + self.policy.probe_timeout.as_millis() as i64;
                match self
                    .store
                    .swap(
                        &self.name,
                        shared.generation,
                        BreakerState::HalfOpen { probe_until_ms },
                    )
                    .await
                {
                    Ok(true) => Admission::Probe {
                        generation: shared.generation + 1,
                    },
                    _ => wait(probe_until_ms),
                }
            }
        }
    }

    pub async fn record_success(&self, admission: Admission) {
        self.failures.store(0, Ordering::Relaxed);
        if let Admission::Probe { generation } = admission {
            self.write(generation, BreakerState::Closed).await;
            tracing::info!(breaker = %self.name, "breaker closed");
        }
    }

    pub async fn record_failure(&self, admission: Admission) {
        match admission {
            Admission::Probe { generation } => self.open(generation).await,
            Admission::Allowed => {
                let failures = self.failures.fetch_add(1, Ordering::Relaxed) + 1;
                if failures >= self.policy.failures_to_open {
                    self.failures.store(0, Ordering::Relaxed);
                    if let Ok(shared) = self.store.read(&self.name).await
                        && shared.state == BreakerState::Closed
                    {
                        self.open(shared.generation).await;
                    }
                }
            }
            Admission::Rejected { .. } => {}
        }
    }

    async fn open(&self, generation: u64) {
        let until_ms = self.clock.now_ms() + self.policy.open_for.as_millis() as i64;
        if self
            .write(generation, BreakerState::Open { until_ms })
            .await
        {
            tracing::warn!(breaker = %self.name, open_for_ms = self.policy.open_for.as_millis() as u64, "breaker opened");
        }
    }

    async fn write(&self, generation: u64, next: BreakerState) -> bool {
        match self.store.swap(&self.name, generation, next).await {
            Ok(won) => won,
            Err(e) => {
                tracing::warn!(breaker = %self.name, error = %e, "breaker state not written");
                false
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    use crate::clock::FixedClock;

    fn breaker_on(store: Arc<dyn BreakerStore>, clock: &Arc<FixedClock>) -> Breaker {
        let policy = BreakerPolicy {
            failures_to_open: 3,
            open_for: Duration::from_millis(50),
            probe_timeout: Duration::from_millis(50),
        };
        Breaker::new("museum", policy, store).with_clock(clock.clone())
    }

    fn breaker(store: Arc<dyn BreakerStore>) -> (Breaker, Arc<FixedClock>) {
        let clock = FixedClock::standard();
        (breaker_on(store, &clock), clock)
    }

    #[tokio::test]
    async fn opens_after_consecutive_failures_then_one_probe_closes_it() {
        let (b, clock) = breaker(Arc::new(InMemoryBreakerStore::default()));
        for _ in 0..3 {
            let a = b.admit().await;
            assert_eq!(a, Admission::Allowed);
            b.record_failure(a).await;
        }
        assert!(matches!(b.admit().await, Admission::Rejected { .. }));
        clock.advance(Duration::from_millis(49));
        assert!(
            matches!(b.admit().await, Admission::Rejected { .. }),
            "still open just before open_for"
        );
        clock.advance(Duration::from_millis(1));
        let probe = b.admit().await;
        assert!(matches!(probe, Admission::Probe { .. }));
        // While the probe runs, everyone else still fails fast.
        assert!(matches!(b.admit().await, Admission::Rejected { .. }));
        b.record_success(probe).await;
        assert_eq!(b.admit().await, Admission::Allowed);
    }

    #[tokio::test]
    async fn a_failed_probe_reopens() {
        let (b, clock) = breaker(Arc::new(InMemoryBreakerStore::default()));
        for _ in 0..3 {
            b.record_failure(Admission::Allowed).await;
        }
        clock.advance(Duration::from_millis(50));
        let probe = b.admit().await;
        b.record_failure(probe).await;
        assert!(matches!(b.admit().await, Admission::Rejected { .. }));
    }

    #[tokio::test]
    async fn a_success_resets_the_count() {
        let (b, _) = breaker(Arc::new(InMemoryBreakerStore::default()));
        b.record_failure(Admission::Allowed).await;
        b.record_failure(Admission::Allowed).await;
        b.record_success(Admission::Allowed).await;
        b.record_failure(Admission::Allowed).await;
        assert_eq!(b.admit().await, Admission::Allowed);
    }

    #[tokio::test]
    async fn instances_sharing_a_store_elect_one_probe() {
        let store: Arc<dyn BreakerStore> = Arc::new(InMemoryBreakerStore::default());
        let clock = FixedClock::standard();
        let (a, b) = (breaker_on(store.clone(), &clock), breaker_on(store, &clock));
        for _ in 0..3 {
            a.record_failure(Admission::Allowed).await;
        }
        assert!(
            matches!(b.admit().await, Admission::Rejected { .. }),
            "b sees a's open breaker"
        );
        clock.advance(Duration::from_millis(50));
        let (pa, pb) = (a.admit().await, b.admit().await);
        let probes = [pa, pb]
            .iter()
            .filter(|x| matches!(x, Admission::Probe { .. }))
            .count();
        assert_eq!(probes, 1);
    }

    struct Broken;
    #[async_trait]
    impl BreakerStore for Broken {
        async fn read(&self, _: &str) -> anyhow::Result<Shared> {
            anyhow::bail!("table unreachable")
        }
        async fn swap(&self, _: &str, _: u64, _: BreakerState) -> anyhow::Result<bool> {
            anyhow::bail!("table unreachable")
        }
    }

    #[tokio::test]
    async fn fails_open_when_its_state_cannot_be_read() {
        let (b, _) = breaker(Arc::new(Broken));
        for _ in 0..10 {
            let a = b.admit().await;
            assert_eq!(a, Admission::Allowed);
            b.record_failure(a).await;
        }
    }
}
