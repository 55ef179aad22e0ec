//! Circuit-breaker state shared by every instance of a function: one item per breaker in the
//! context's table, changed only by conditional writes on its generation.

use std::{
    collections::HashMap,
    sync::Mutex,
    time::{Duration, Instant},
};

use anyhow::Context as _;
use async_trait::async_trait;
use aws_sdk_dynamodb::{
    Client,
    error::{DisplayErrorContext, ProvideErrorMetadata},
};
use kernel::breaker::{BreakerState, BreakerStore, Shared};

use crate::dynamo::item::{self, Item, n, s};

const STATE: &str = "state";
const UNTIL_MS: &str = "untilMs";
const GENERATION: &str = "generation";

/// How long an instance trusts the state it last read: every call reads the breaker, and one
/// read per second per instance is enough to notice another instance opening it.
const CACHE_FOR: Duration = Duration::from_secs(1);

pub struct DynamoBreakerStore {
    client: Client,
    table: String,
    cache: Mutex<HashMap<String, (Instant, Shared)>>,
}

impl DynamoBreakerStore {
    pub fn new(client: Client, table: impl Into<String>) -> Self {
        Self {
            client,
            table: table.into(),
            cache: Mutex::default(),
        }
    }

    fn cached(&self, name: &str) -> Option<Shared> {
        let cache = self.cache.lock().ok()?;
        cache
            .get(name)
            .filter(|(at, _)| at.elapsed() < CACHE_FOR)
            .map(|(_, shared)| *shared)
    }

    fn remember(&self, name: &str, shared: Option<Shared>) {
        if let Ok(mut cache) = self.cache.lock() {
            match shared {
                Some(shared) => cache.insert(name.to_owned(), (Instant::now(), shared)),
                None => cache.remove(name),
            };
        }
    }
}

fn key(name: &str) -> Item {
    HashMap::from([
        (item::PK.into(), s(format!("BREAKER#{name}"))),
        (item::SK.into(), s("BREAKER")),
    ])
}

fn encode(name: &str, shared: Shared) -> Item {
    let (state, until_ms) = match shared.state {
        BreakerState::Closed => ("CLOSED", 0),
        BreakerState::Open { until_ms } => ("OPEN", until_ms),
        BreakerState::HalfOpen { probe_until_ms } => ("HALF_OPEN", probe_until_ms),
    };
    let mut item = key(name);
    item.insert(STATE.into(), s(state));
    item.insert(UNTIL_MS.into(), n(until_ms));
    item.insert(GENERATION.into(), n(shared.generation));
    item
}

fn decode(found: &Item) -> anyhow::Result<Shared> {
    let until_ms: i64 = item::number(found, UNTIL_MS)?;
    let state = match item::string(found, STATE)? {
        "CLOSED" => BreakerState::Closed,
        "OPEN" => BreakerState::Open { until_ms },
        "HALF_OPEN" => BreakerState::HalfOpen {
            probe_until_ms: until_ms,
        },
        other => anyhow::bail!("unknown breaker state {other:?}"),
    };
    Ok(Shared {
        state,
        generation: item::number(found, GENERATION)?,
    })
}

#[async_trait]
impl BreakerStore for DynamoBreakerStore {
    async fn read(&self, name: &str) -> anyhow::Result<Shared> {
        if let Some(shared) = self.cached(name) {
            return Ok(shared);
        }
        let output = self
            .client
            .get_item()
            .table_name(&self.table)
            .set_key(Some(key(name)))
            .consistent_read(true)
            .send()
            .await
            .map_err(|e| anyhow::anyhow!("{}", DisplayErrorContext(e)))
            .with_context(|| format!("reading breaker {name}"))?;
        let shared = match output.item {
            Some(found) => decode(&found).with_context(|| format!("breaker {name}"))?,
            None => Shared::default(),
        };
        self.remember(name, Some(shared));
        Ok(shared)
    }

    async fn swap(&self, name: &str, expected: u64, next: BreakerState) -> anyhow::Result<bool> {
        let written = Shared {
            state: next,
            generation: expected + 1,
        };
        let put = self
            .client
            .put_item()
            .table_name(&self.table)
            .set_item(Some(encode(name, written)));
        let put = if expected == 0 {
            put.condition_expression("attribute_not_exists(pk)")
        } else {
            put.condition_expression("#generation = :expected")
                .expression_attribute_names("#generation", GENERATION)
                .expression_attribute_values(":expected", n(expected))
        };
        match put.send().await {
            Ok(_) => {
                self.remember(name, Some(written));
                Ok(true)
            }
            Err(e) if e.code() == Some("ConditionalCheckFailedException") => {
                // Another instance wrote first: what this one remembers is stale.
                self.remember(name, None);
                Ok(false)
            }
            Err(e) => {
                self.remember(name, None);
                Err(anyhow::anyhow!("{}", DisplayErrorContext(e)))
                    .with_context(|| format!("writing breaker {name}"))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_state_round_trips() {
        for state in [
            BreakerState::Closed,
            BreakerState::Open {
                until_ms: 1_700_000_000_123,
            },
            BreakerState::HalfOpen { probe_until_ms: 42 },
        ] {
            let shared = Shared {
                state,
                generation: 7,
            };
            let stored = encode("museum/museum", shared);
            assert_eq!(stored[item::PK], s("BREAKER#museum/museum"));
            assert_eq!(decode(&stored).unwrap(), shared);
        }
    }

    #[test]
    fn an_unknown_state_is_an_error() {
        let mut stored = encode("x", Shared::default());
        stored.insert(STATE.into(), s("AJAR"));
        assert!(decode(&stored).is_err());
    }
}
