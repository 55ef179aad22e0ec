//! A table's DynamoDB stream read the way Lambda's event source mapping reads it, and handed over
//! in the shape Lambda gives a function.

use anyhow::Context as _;
use aws_lambda_events::event::dynamodb::{Event, EventRecord};
use aws_sdk_dynamodbstreams::{
    Client,
    types::{Record, ShardIteratorType},
};

use super::REGION;

pub struct StreamReader {
    client: Client,
    stream_arn: String,
    /// One per shard, with the shard's id; `None` once a shard is closed and read to its end.
    iterators: Vec<(String, Option<String>)>,
    /// The shard each record read came from, by sequence number.
    shards: std::collections::HashMap<String, String>,
}

impl StreamReader {
    /// Reads every shard of the stream from its oldest record.
    pub async fn open(client: Client, stream_arn: &str) -> anyhow::Result<Self> {
        let description = client
            .describe_stream()
            .stream_arn(stream_arn)
            .send()
            .await?
            .stream_description
            .context("DescribeStream described no stream")?;
        let mut iterators = Vec::new();
        for shard in description.shards() {
            let shard_id = shard.shard_id().context("a shard without an id")?;
            let iterator = client
                .get_shard_iterator()
                .stream_arn(stream_arn)
                .shard_id(shard_id)
                .shard_iterator_type(ShardIteratorType::TrimHorizon)
                .send()
                .await?
                .shard_iterator;
            iterators.push((shard_id.to_owned(), iterator));
        }
        Ok(Self {
            client,
            stream_arn: stream_arn.to_owned(),
            iterators,
            shards: Default::default(),
        })
    }

    /// The shard a record read by this reader came from.
    pub fn shard_of(&self, sequence: &str) -> Option<&str> {
        self.shards.get(sequence).map(String::as_str)
    }

    /// The records written since the previous call, as the event a stream-triggered Lambda gets.
    pub async fn next_batch(&mut self) -> anyhow::Result<Event> {
        let mut event = Event::default();
        for (shard, iterator) in &mut self.iterators {
            let Some(current) = iterator.take() else {
                continue;
            };
            let output = self
                .client
                .get_records()
                .shard_iterator(current)
                .send()
                .await?;
            for record in output.records() {
                let converted = to_lambda(record, &self.stream_arn);
                if let Some(sequence) = &converted.change.sequence_number {
                    self.shards.insert(sequence.clone(), shard.clone());
                }
                event.records.push(converted);
            }
            *iterator = output.next_shard_iterator;
        }
        Ok(event)
    }
}

fn to_lambda(record: &Record, stream_arn: &str) -> EventRecord {
    let image = |i: Option<&std::collections::HashMap<_, _>>| {
        serde_dynamo::Item::from(i.cloned().unwrap_or_default())
    };
    let mut converted = EventRecord::default();
    converted.event_id = record.event_id().unwrap_or_default().to_owned();
    converted.event_name = record
        .event_name()
        .map(|n| n.as_str().to_owned())
        .unwrap_or_default();
    converted.event_source = record.event_source().map(str::to_owned);
    converted.event_version = record.event_version().map(str::to_owned);
    converted.event_source_arn = Some(stream_arn.to_owned());
    converted.aws_region = record.aws_region().unwrap_or(REGION).to_owned();
    if let Some(change) = record.dynamodb() {
        converted.change.keys = image(change.keys());
        converted.change.new_image = image(change.new_image());
        converted.change.old_image = image(change.old_image());
        converted.change.sequence_number = change.sequence_number().map(str::to_owned);
        converted.change.size_bytes = change.size_bytes().unwrap_or_default();
    }
    converted
}

/// A stream's event-source mapping as Lambda runs it for the publisher: batches in order, a
/// batch retried from the record the function reports, and a record that still fails after
/// `max_retries` retries set aside (its batch info sent to the on-failure queue) so the shard
/// moves on.
pub struct StreamMapping {
    reader: StreamReader,
    pending: std::collections::VecDeque<EventRecord>,
    attempts: u32,
    max_retries: u32,
    on_failure: Option<(aws_sdk_sqs::Client, String)>,
}

/// What one poll did.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Polled {
    pub records: usize,
    pub failed: bool,
    pub set_aside: usize,
}

impl StreamMapping {
    pub fn new(reader: StreamReader, max_retries: u32) -> Self {
        Self {
            reader,
            pending: Default::default(),
            attempts: 0,
            max_retries,
            on_failure: None,
        }
    }

    /// Where records that exhausted their retries are described (an SQS queue URL).
    pub fn on_failure(mut self, sqs: aws_sdk_sqs::Client, queue_url: impl Into<String>) -> Self {
        self.on_failure = Some((sqs, queue_url.into()));
        self
    }

    /// One invocation of `function` with the records not yet done, if there are any.
    pub async fn poll<F, Fut>(&mut self, function: F) -> anyhow::Result<Polled>
    where
        F: FnOnce(Event) -> Fut,
        Fut: std::future::Future<Output = aws_lambda_events::streams::DynamoDbEventResponse>,
    {
        self.pending.extend(self.reader.next_batch().await?.records);
        if self.pending.is_empty() {
            return Ok(Polled::default());
        }
        let mut batch = Event::default();
        batch.records = self.pending.iter().take(100).cloned().collect();
        let records = batch.records.len();
        let response = function(batch).await;
        let Some(failure) = response.batch_item_failures.first() else {
            self.pending.drain(..records);
            self.attempts = 0;
            return Ok(Polled {
                records,
                ..Polled::default()
            });
        };
        let failed_at = self
            .pending
            .iter()
            .position(|r| r.change.sequence_number == failure.item_identifier)
            .unwrap_or(0);
        if failed_at > 0 {
            // Checkpointed: the records before the failed one are done.
            self.pending.drain(..failed_at);
            self.attempts = 0;
        }
        self.attempts += 1;
        let mut set_aside = 0;
        if self.attempts > self.max_retries {
            if let Some(record) = self.pending.pop_front() {
                self.send_to_on_failure(&record).await?;
                set_aside = 1;
            }
            self.attempts = 0;
        }
        Ok(Polled {
            records,
            failed: true,
            set_aside,
        })
    }

    async fn send_to_on_failure(&self, record: &EventRecord) -> anyhow::Result<()> {
        let Some((sqs, queue_url)) = &self.on_failure else {
            return Ok(());
        };
        let sequence = record.change.sequence_number.clone().unwrap_or_default();
        let message = serde_json::json!({
            "requestContext": {
                "requestId": kernel::ids::new_id(),
                "condition": "RetryAttemptsExhausted",
                "approximateInvokeCount": self.max_retries + 1,
            },
            "responseContext": { "statusCode": 200, "functionError": "" },
            "version": "1.0",
            "timestamp": time::OffsetDateTime::now_utc().format(&time::format_description::well_known::Rfc3339)?,
            "DDBStreamBatchInfo": {
                "shardId": self.reader.shard_of(&sequence).unwrap_or_default(),
                "startSequenceNumber": sequence,
                "endSequenceNumber": sequence,
                "batchSize": 1,
                "streamArn": self.reader.stream_arn,
            },
        });
        sqs.send_message()
            .queue_url(queue_url)
            .message_body(message.to_string())
            .send()
            .await?;
        Ok(())
    }
}
