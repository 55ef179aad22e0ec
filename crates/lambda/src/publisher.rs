//! The outbox's way out: one Lambda per context reads its table's stream and publishes the
//! events of each outbox record to the context's SNS FIFO topic, in stream order, grouped by
//! aggregate. Every event of an aggregate comes through that aggregate's one outbox item, whose
//! records the stream keeps in order.

use async_trait::async_trait;
use aws_lambda_events::{
    event::dynamodb::{Event as StreamEvent, EventRecord},
    streams::{DynamoDbBatchItemFailure, DynamoDbEventResponse},
};
use aws_sdk_sns::{Client, error::DisplayErrorContext};
use kernel::{
    ContextId, Envelope,
    telemetry::{self, LogFormat},
};
use lambda_runtime::{Error, LambdaEvent, service_fn};
use serde_dynamo::AttributeValue;
use tracing::Instrument;

use crate::{
    dynamo::item::{EVENTS, ITEM_TYPE, OUTBOX_ITEM_TYPE},
    metrics,
    notify::string_attribute,
    platform::Settings,
};

/// The context's SNS FIFO topic.
pub const TOPIC_ARN: &str = "TOPIC_ARN";

/// The event-source filter: only writes of outbox items reach the publisher.
pub const STREAM_FILTER: &str =
    r#"{"eventName":["INSERT","MODIFY"],"dynamodb":{"NewImage":{"itemType":{"S":["OUTBOX"]}}}}"#;

/// The function name of a context's publisher.
pub fn function_name(context: ContextId) -> String {
    format!("{}-{}-publisher", context.system, context.name)
}

#[async_trait]
pub trait EventPublisher: Send + Sync {
    /// Publishes one event; publishing the same event again must not deliver it twice.
    async fn publish(&self, envelope: &Envelope) -> anyhow::Result<()>;
}

/// Publishes to an SNS FIFO topic: grouped by aggregate, deduplicated by event id, filterable
/// by the `eventType` attribute, with the envelope's JSON as the (raw-delivered) message.
#[derive(Clone, Debug)]
pub struct SnsPublisher {
    client: Client,
    topic_arn: String,
}

impl SnsPublisher {
    pub fn new(client: Client, topic_arn: impl Into<String>) -> Self {
        Self {
            client,
            topic_arn: topic_arn.into(),
        }
    }
}

#[async_trait]
impl EventPublisher for SnsPublisher {
    async fn publish(&self, envelope: &Envelope) -> anyhow::Result<()> {
        let mut publish = self
            .client
            .publish()
            .topic_arn(&self.topic_arn)
            .message(serde_json::to_string(envelope)?)
            .message_group_id(&envelope.aggregate_id)
            .message_deduplication_id(&envelope.event_id);
        if let Some(event_type) = string_attribute(&envelope.event_type)? {
            publish = publish.message_attributes("eventType", event_type);
        }
        publish
            .send()
            .await
            .map_err(|e| anyhow::anyhow!("{}", DisplayErrorContext(e)))?;
        Ok(())
    }
}

/// Publishes each record's events once, in order, and stops at the first failure, reporting
/// that record: Lambda retries the stream from it, and the topic drops (by event id) what was
/// already published.
pub async fn publish_batch(
    publisher: &dyn EventPublisher,
    batch: StreamEvent,
) -> DynamoDbEventResponse {
    let mut response = DynamoDbEventResponse::default();
    for record in &batch.records {
        let Some(events) = recorded_events(record) else {
            continue;
        };
        let outcome = match events {
            Ok(events) => publish_all(publisher, &events).await,
            Err(e) => Err(e),
        };
        if let Err(e) = outcome {
            let sequence = record.change.sequence_number.clone();
            tracing::error!(error = %e, sequence = ?sequence, "event not published; the stream will retry from it");
            let mut failure = DynamoDbBatchItemFailure::default();
            failure.item_identifier = sequence;
            response.batch_item_failures.push(failure);
            break;
        }
    }
    response
}

/// The events an outbox write recorded; `None` for anything else the stream carries (the
/// event-source filter should already have dropped those).
fn recorded_events(record: &EventRecord) -> Option<anyhow::Result<Vec<Envelope>>> {
    let image = &record.change.new_image;
    let is_outbox =
        matches!(image.get(ITEM_TYPE), Some(AttributeValue::S(t)) if t == OUTBOX_ITEM_TYPE);
    if !matches!(record.event_name.as_str(), "INSERT" | "MODIFY") || !is_outbox {
        return None;
    }
    // Events that do not decode are reported, not skipped: an event is never lost silently.
    let events = match image.get(EVENTS) {
        Some(encoded) => {
            serde_dynamo::from_attribute_value(encoded.clone()).map_err(anyhow::Error::from)
        }
        None => Err(anyhow::anyhow!("the outbox item has no events")),
    };
    Some(events)
}

async fn publish_all(publisher: &dyn EventPublisher, events: &[Envelope]) -> anyhow::Result<()> {
    for envelope in events {
        publish(publisher, envelope).await?;
    }
    Ok(())
}

async fn publish(publisher: &dyn EventPublisher, envelope: &Envelope) -> anyhow::Result<()> {
    let span = tracing::info_span!(
        "publish",
        eventId = %envelope.event_id,
        eventType = %envelope.event_type,
        correlationId = %envelope.correlation_id,
    );
    async {
        publisher.publish(envelope).await?;
        tracing::info!(aggregateId = %envelope.aggregate_id, "published");
        Ok(())
    }
    .instrument(span)
    .await
}

/// The `main` of a context's stream-publisher Lambda.
pub async fn run_publisher(context: ContextId) -> Result<(), Error> {
    telemetry::init(LogFormat::Json);
    let settings = Settings::from_env();
    let topic_arn = settings.require(TOPIC_ARN)?;
    let config = crate::AwsPlatform::config_from_env().await;
    let publisher = SnsPublisher::new(Client::new(&config), topic_arn);
    tracing::info!(context = %context, topic = topic_arn, "publishing the outbox");
    let name = function_name(context);
    let serve = |event: LambdaEvent<StreamEvent>| {
        let (publisher, name) = (&publisher, &name);
        async move {
            let response = publish_batch(publisher, event.payload).await;
            let failed = response.batch_item_failures.len() as u64;
            metrics::count(name, &[(metrics::PUBLISH_FAILED, failed)]);
            Ok::<_, Error>(response)
        }
    };
    lambda_runtime::run(service_fn(serve)).await
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Mutex;

    use kernel::Call;

    use crate::dynamo::item::{encode_event, encode_outbox};

    /// Records what it published; fails on the events whose id is in `failing`.
    #[derive(Default)]
    struct Recorder {
        published: Mutex<Vec<String>>,
        failing: Vec<String>,
    }

    #[async_trait]
    impl EventPublisher for Recorder {
        async fn publish(&self, envelope: &Envelope) -> anyhow::Result<()> {
            if self.failing.contains(&envelope.event_id) {
                anyhow::bail!("topic unreachable");
            }
            self.published
                .lock()
                .unwrap()
                .push(envelope.event_id.clone());
            Ok(())
        }
    }

    fn envelope(aggregate: &str) -> Envelope {
        #[derive(serde::Serialize)]
        #[serde(tag = "eventType", content = "payload")]
        enum E {
            Booked {},
        }
        Envelope::record(
            "museum/book",
            "Booking",
            aggregate,
            1,
            &E::Booked {},
            &Call::new(None),
        )
        .unwrap()
    }

    fn record(name: &str, sequence: &str, image: crate::dynamo::item::Item) -> EventRecord {
        let mut r = EventRecord::default();
        r.event_name = name.into();
        r.change.sequence_number = Some(sequence.into());
        r.change.new_image = serde_dynamo::Item::from(image);
        r
    }

    fn outbox(e: &[&Envelope]) -> crate::dynamo::item::Item {
        encode_outbox(e, time::OffsetDateTime::now_utc()).unwrap()
    }

    fn inserted(sequence: &str, e: &Envelope) -> EventRecord {
        record("INSERT", sequence, outbox(&[e]))
    }

    fn batch(records: Vec<EventRecord>) -> StreamEvent {
        let mut event = StreamEvent::default();
        event.records = records;
        event
    }

    fn failures(response: &DynamoDbEventResponse) -> Vec<Option<&str>> {
        response
            .batch_item_failures
            .iter()
            .map(|f| f.item_identifier.as_deref())
            .collect()
    }

    #[tokio::test]
    async fn publishes_each_outbox_records_events_in_order_and_skips_everything_else() {
        let (a, b, c) = (envelope("b1"), envelope("b2"), envelope("b1"));
        let document = crate::dynamo::item::doc_key("Booking", "b1");
        let records = vec![
            inserted("100", &a),
            record("INSERT", "101", document),
            record(
                "INSERT",
                "102",
                encode_event(&b, time::OffsetDateTime::now_utc()).unwrap(),
            ),
            inserted("103", &b),
            record("MODIFY", "104", outbox(&[&c, &a])),
            record("REMOVE", "105", outbox(&[&c])),
        ];
        let publisher = Recorder::default();
        let response = publish_batch(&publisher, batch(records)).await;
        assert!(response.batch_item_failures.is_empty());
        assert_eq!(
            *publisher.published.lock().unwrap(),
            [a.event_id.clone(), b.event_id, c.event_id, a.event_id],
            "a log item and a removal publish nothing; a record's events once each, in order"
        );
    }

    #[tokio::test]
    async fn stops_at_the_first_failure_and_reports_its_sequence_number() {
        let (a, b, c) = (envelope("b1"), envelope("b2"), envelope("b1"));
        let publisher = Recorder {
            failing: vec![b.event_id.clone()],
            ..Recorder::default()
        };
        let records = vec![
            inserted("100", &a),
            inserted("101", &b),
            inserted("102", &c),
        ];
        let response = publish_batch(&publisher, batch(records)).await;
        assert_eq!(failures(&response), [Some("101")]);
        assert_eq!(
            *publisher.published.lock().unwrap(),
            [a.event_id],
            "nothing after the failure is published"
        );
    }

    #[tokio::test]
    async fn an_event_that_does_not_decode_is_reported_not_lost() {
        let a = envelope("b1");
        let mut broken = outbox(&[&a]);
        broken.insert(EVENTS.into(), crate::dynamo::item::s("garbage"));
        let publisher = Recorder::default();
        let response = publish_batch(
            &publisher,
            batch(vec![record("INSERT", "7", broken), inserted("8", &a)]),
        )
        .await;
        assert_eq!(failures(&response), [Some("7")]);
        assert!(publisher.published.lock().unwrap().is_empty());
    }
}
