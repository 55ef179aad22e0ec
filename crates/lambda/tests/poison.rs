//! A stream record that can never be published does not block its shard: the mapping retries it
//! a bounded number of times (the template's `MaximumRetryAttempts`), sets it aside in the
//! publisher's on-failure queue, and the events after it are published. The set-aside record is
//! then replayed from the aggregate's event log.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::PathBuf;

use aws_sdk_dynamodb::types::AttributeValue;
use kernel::{Decide, Envelope, Event, Repo, aggregate};
use lambda::{
    emulator::{receive_event, system::deploy},
    replay,
};
use museum_museum::domain::{Museum as Exhibition, MuseumCmd};

async fn register(repo: &Repo<Exhibition>, id: &str) -> Vec<Envelope> {
    let cmd = MuseumCmd::Register {
        id: id.into(),
        hall: "Hall A".into(),
        date: "2026-12-24".into(),
        capacity: 3,
    };
    let events = Exhibition::default().decide(cmd).unwrap();
    let cx = kernel::Call::new(None);
    aggregate::create(repo, kernel::Tx::new(), events, &cx)
        .await
        .unwrap()
        .events
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn an_undecodable_record_is_set_aside_and_later_events_are_published() {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..");
    let (moto, mut m) = deploy(&root, museum_system::system()).await.unwrap();
    let table = m.stack.function("museum-museum-get").unwrap().environment["TABLE_NAME"].clone();
    let topic = m
        .stack
        .function("museum-museum-publisher")
        .unwrap()
        .environment["TOPIC_ARN"]
        .clone();
    let everything = watch(&moto, &topic).await;
    let repo = Repo::<Exhibition>::new(m.stores["museum"].clone());
    let poisoned = register(&repo, "01KAMUSEUM0000000000000001").await;

    // The outbox item is then overwritten with events that do not decode (as a bad write by
    // another tool would): that stream record can never be published.
    moto.dynamodb()
        .update_item()
        .table_name(&table)
        .key(
            "pk",
            AttributeValue::S("OUTBOX#Museum#01KAMUSEUM0000000000000001".into()),
        )
        .key("sk", AttributeValue::S("OUTBOX".into()))
        .update_expression("SET #events = :garbage")
        .expression_attribute_names("#events", "events")
        .expression_attribute_values(":garbage", AttributeValue::S("garbage".into()))
        .send()
        .await
        .unwrap();
    let later = register(&repo, "01KAMUSEUM0000000000000002").await;

    let pumped = m.pump().await.unwrap();
    assert!(pumped.failures > 0, "{pumped:?}");
    let failed_records = m.stream("museum").unwrap().failed_records.clone();
    let failed = receive_event(&m.sqs, &failed_records).await.unwrap();
    assert_eq!(failed.records.len(), 1, "the record was set aside once");
    // Back on the queue for the replay below (a receive hides it for its visibility timeout).
    m.sqs
        .change_message_visibility()
        .queue_url(&failed_records)
        .receipt_handle(failed.records[0].receipt_handle.clone().unwrap())
        .visibility_timeout(0)
        .send()
        .await
        .unwrap();

    // The shard moved on: the record before the bad one and the one after it were published.
    assert_eq!(later[0].event_type, museum_events::MuseumRegistered::TYPE);
    assert_eq!(
        published(&moto, &everything).await,
        [poisoned[0].event_id.clone(), later[0].event_id.clone()]
    );

    // Replay: the on-failure message names the record; its aggregate's log holds the events.
    let info = replay::batch_info(failed.records[0].body.as_deref().unwrap()).unwrap();
    let aggregates = replay::set_aside(&moto.streams(), &info).await.unwrap();
    assert_eq!(aggregates.len(), 1);
    assert_eq!(aggregates[0].aggregate_id, "01KAMUSEUM0000000000000001");
    let events = replay::events_of(&moto.dynamodb(), &table, &aggregates[0])
        .await
        .unwrap();
    assert_eq!(
        events, poisoned,
        "the log holds what the corrupted record carried"
    );
    let stream = m.stream("museum").unwrap();
    assert_eq!(
        replay::publish(&stream.publisher, &events).await.unwrap(),
        1
    );
    // (AWS drops a deduplication id it saw in the last five minutes; moto only one still queued.)
    assert_eq!(
        published(&moto, &everything).await,
        [poisoned[0].event_id.clone()]
    );
}

/// A FIFO queue subscribed to every event of `topic`.
async fn watch(moto: &lambda::emulator::Moto, topic: &str) -> String {
    let sqs = moto.sqs();
    let url = sqs
        .create_queue()
        .queue_name("watch.fifo")
        .attributes(aws_sdk_sqs::types::QueueAttributeName::FifoQueue, "true")
        .send()
        .await
        .unwrap()
        .queue_url
        .unwrap();
    let arn = "arn:aws:sqs:us-east-1:123456789012:watch.fifo";
    moto.sns()
        .subscribe()
        .topic_arn(topic)
        .protocol("sqs")
        .endpoint(arn)
        .attributes("RawMessageDelivery", "true")
        .send()
        .await
        .unwrap();
    url
}

/// The event ids on the watching queue, taken off it.
async fn published(moto: &lambda::emulator::Moto, queue: &str) -> Vec<String> {
    let mut ids = Vec::new();
    loop {
        let batch = receive_event(&moto.sqs(), queue).await.unwrap();
        if batch.records.is_empty() {
            return ids;
        }
        for message in batch.records {
            let envelope: Envelope =
                serde_json::from_str(message.body.as_deref().unwrap()).unwrap();
            ids.push(envelope.event_id);
            moto.sqs()
                .delete_message()
                .queue_url(queue)
                .receipt_handle(message.receipt_handle.unwrap())
                .send()
                .await
                .unwrap();
        }
    }
}
