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
    /// One per shard; `None` once a shard is closed and read to its end.
    iterators: Vec<Option<String>>,
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
            iterators.push(iterator);
        }
        Ok(Self {
            client,
            stream_arn: stream_arn.to_owned(),
            iterators,
        })
    }

    /// The records written since the previous call, as the event a stream-triggered Lambda gets.
    pub async fn next_batch(&mut self) -> anyhow::Result<Event> {
        let mut event = Event::default();
        for iterator in &mut self.iterators {
            let Some(current) = iterator.take() else {
                continue;
            };
            let output = self
                .client
                .get_records()
                .shard_iterator(current)
                .send()
                .await?;
            event.records.extend(
                output
                    .records()
                    .iter()
                    .map(|r| to_lambda(r, &self.stream_arn)),
            );
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
