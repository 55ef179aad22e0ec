//! Replaying what a publisher set aside. A stream record that could not be published after its
//! bounded retries is described in the publisher's on-failure queue (Lambda's `DDBStreamBatchInfo`:
//! shard and sequence numbers, not the record). The records' keys name the aggregates whose
//! outbox items they were; each aggregate's event log (`LOG#...`, which the stream filter never
//! selects) holds the events, and they are published again from the record's time on. The topic
//! drops what it already has (by event id, for five minutes) and every consumer's marker drops
//! what it already applied, so a replay changes nothing twice.

use std::collections::BTreeSet;

use anyhow::Context as _;
use aws_sdk_dynamodbstreams::types::{AttributeValue, ShardIteratorType};
use kernel::Envelope;
use serde::Deserialize;

use crate::{
    dynamo::{item, logged_events},
    publisher::EventPublisher,
};

/// The part of an on-failure message that names the records.
#[derive(Clone, Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct BatchInfo {
    pub shard_id: String,
    pub start_sequence_number: String,
    pub end_sequence_number: String,
    pub stream_arn: String,
}

#[derive(Deserialize)]
struct OnFailure {
    #[serde(rename = "DDBStreamBatchInfo")]
    batch: BatchInfo,
}

pub fn batch_info(message: &str) -> anyhow::Result<BatchInfo> {
    let parsed: OnFailure =
        serde_json::from_str(message).context("not a stream on-failure message")?;
    Ok(parsed.batch)
}

/// An aggregate named by a set-aside record, and the record's time (epoch seconds).
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct SetAside {
    pub aggregate_type: String,
    pub aggregate_id: String,
    pub since: i64,
}

/// The aggregates of the records in `info`'s range, read back from the stream (24 hours).
pub async fn set_aside(
    streams: &aws_sdk_dynamodbstreams::Client,
    info: &BatchInfo,
) -> anyhow::Result<Vec<SetAside>> {
    let mut iterator = streams
        .get_shard_iterator()
        .stream_arn(&info.stream_arn)
        .shard_id(&info.shard_id)
        .shard_iterator_type(ShardIteratorType::AtSequenceNumber)
        .sequence_number(&info.start_sequence_number)
        .send()
        .await?
        .shard_iterator;
    let end: u128 = info
        .end_sequence_number
        .parse()
        .context("sequence number")?;
    let mut found = BTreeSet::new();
    while let Some(current) = iterator.take() {
        let output = streams.get_records().shard_iterator(current).send().await?;
        if output.records().is_empty() {
            break;
        }
        for record in output.records() {
            let Some(change) = record.dynamodb() else {
                continue;
            };
            let sequence: u128 = change.sequence_number().unwrap_or("0").parse().unwrap_or(0);
            if sequence > end {
                return Ok(found.into_iter().collect());
            }
            let pk = change.keys().and_then(|k| k.get(item::PK));
            if let Some(AttributeValue::S(pk)) = pk
                && let Some((aggregate_type, aggregate_id)) = item::outbox_aggregate(pk)
            {
                let since = change
                    .approximate_creation_date_time()
                    .map_or(0, |t| t.secs());
                found.insert(SetAside {
                    aggregate_type: aggregate_type.to_owned(),
                    aggregate_id: aggregate_id.to_owned(),
                    since,
                });
            }
        }
        iterator = output.next_shard_iterator;
    }
    Ok(found.into_iter().collect())
}

/// The logged events of `aggregate` recorded from a second before its record's time.
pub async fn events_of(
    dynamo: &aws_sdk_dynamodb::Client,
    table: &str,
    aggregate: &SetAside,
) -> anyhow::Result<Vec<Envelope>> {
    let from_ms = (aggregate.since - 1).max(0) as u64 * 1000;
    let from = ulid_prefix(from_ms);
    Ok(logged_events(
        dynamo,
        table,
        &aggregate.aggregate_type,
        &aggregate.aggregate_id,
        &from,
    )
    .await?)
}

/// Publishes `events` again, in order; stops at the first that fails.
pub async fn publish(publisher: &dyn EventPublisher, events: &[Envelope]) -> anyhow::Result<usize> {
    for e in events {
        publisher.publish(e).await?;
    }
    Ok(events.len())
}

/// The smallest ULID of millisecond `ms` (its 10 time characters, Crockford base32): event ids
/// at or after that time sort at or after it.
fn ulid_prefix(ms: u64) -> String {
    const ALPHABET: &[u8; 32] = b"0123456789ABCDEFGHJKMNPQRSTVWXYZ";
    (0..10)
        .rev()
        .map(|i| ALPHABET[((ms >> (5 * i)) & 31) as usize] as char)
        .collect()
}

/// What `cargo run -p xtask -- replay` does: every message of a publisher's on-failure queue is
/// replayed (its aggregates' events published again from its record's time) and then deleted.
/// Returns the number of events published.
pub async fn from_queue(
    config: &aws_config::SdkConfig,
    table: &str,
    topic_arn: &str,
    queue_url: &str,
) -> anyhow::Result<usize> {
    let config = config.clone();
    let sqs = aws_sdk_sqs::Client::new(&config);
    let streams = aws_sdk_dynamodbstreams::Client::new(&config);
    let dynamo = aws_sdk_dynamodb::Client::new(&config);
    let publisher =
        crate::publisher::SnsPublisher::new(aws_sdk_sns::Client::new(&config), topic_arn);
    let mut published = 0;
    loop {
        let received = sqs
            .receive_message()
            .queue_url(queue_url)
            .max_number_of_messages(10)
            .send()
            .await?;
        if received.messages().is_empty() {
            return Ok(published);
        }
        for message in received.messages() {
            let info = batch_info(message.body().unwrap_or_default())?;
            for aggregate in set_aside(&streams, &info).await? {
                let events = events_of(&dynamo, table, &aggregate).await?;
                published += publish(&publisher, &events).await?;
                tracing::info!(aggregate = %aggregate.aggregate_id, events = events.len(), "replayed");
            }
            if let Some(receipt) = message.receipt_handle() {
                sqs.delete_message()
                    .queue_url(queue_url)
                    .receipt_handle(receipt)
                    .send()
                    .await?;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_ulid_prefix_sorts_like_the_ids_of_its_millisecond() {
        let id = kernel::ids::new_id();
        let now_ms = time::OffsetDateTime::now_utc().unix_timestamp() as u64 * 1000;
        assert!(ulid_prefix(now_ms - 2000).as_str() < id.as_str());
        assert!(ulid_prefix(now_ms + 2000).as_str() > id.as_str());
        assert_eq!(ulid_prefix(0), "0000000000");
    }

    #[test]
    fn reads_lambdas_on_failure_message() {
        let message = r#"{"requestContext":{"requestId":"r","condition":"RetryAttemptsExhausted","approximateInvokeCount":11},"responseContext":{"statusCode":200},"version":"1.0","timestamp":"2026-12-24T10:00:00Z","DDBStreamBatchInfo":{"shardId":"shardId-1","startSequenceNumber":"100","endSequenceNumber":"100","approximateArrivalOfFirstRecord":"2026-12-24T10:00:00Z","approximateArrivalOfLastRecord":"2026-12-24T10:00:00Z","batchSize":1,"streamArn":"arn:aws:dynamodb:us-east-1:123456789012:table/t/stream/x"}}"#;
        let info = batch_info(message).unwrap();
        assert_eq!(
            (info.shard_id.as_str(), info.start_sequence_number.as_str()),
            ("shardId-1", "100")
        );
        assert!(batch_info("{}").is_err());
    }
}
