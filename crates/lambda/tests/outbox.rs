//! The outbox's way out, on AWS's protocols: committed events come out of the table's stream
//! through one outbox item per aggregate (the stream orders records per item, so an aggregate's
//! events stay in order), the publisher puts them on the SNS FIFO topic, and the consumer's SQS
//! FIFO queue gets the types it subscribed to, grouped by aggregate, once each.
#![allow(clippy::unwrap_used)] // helpers outside #[test] fns panic on purpose

mod common;

use std::collections::BTreeMap;

use kernel::{
    Envelope,
    store::{Keys, Put, Record, Store, Transaction},
};
use lambda::{
    emulator::{StreamReader, receive_event},
    publisher::{SnsPublisher, publish_batch},
};

fn booking(id: &str, version: u64) -> Put {
    let record = Record {
        kind: "Booking".into(),
        id: id.into(),
        version,
        body: serde_json::json!({}),
        keys: Keys::default(),
    };
    Put {
        record,
        expected: version - 1,
    }
}

/// Everything on the queue, deleting as it reads (a FIFO queue holds back a group's later
/// messages while an earlier one is in flight).
async fn drain(sqs: &aws_sdk_sqs::Client, queue_url: &str) -> Vec<(String, Envelope)> {
    let mut received = Vec::new();
    loop {
        let batch = receive_event(sqs, queue_url).await.unwrap();
        if batch.records.is_empty() {
            return received;
        }
        for message in batch.records {
            let group = message.attributes["MessageGroupId"].clone();
            let envelope: Envelope =
                serde_json::from_str(message.body.as_deref().unwrap()).unwrap();
            let event_type = message.message_attributes["eventType"]
                .string_value
                .as_deref();
            assert_eq!(
                event_type,
                Some(envelope.event_type.as_str()),
                "the attribute the filter reads"
            );
            received.push((group, envelope));
            sqs.delete_message()
                .queue_url(queue_url)
                .receipt_handle(message.receipt_handle.unwrap())
                .send()
                .await
                .unwrap();
        }
    }
}

#[tokio::test]
async fn committed_events_reach_the_subscribed_queue_by_aggregate_once_each() {
    let (moto, stack) = common::context().await;
    let store = common::store(&moto, &stack);
    let mut stream = StreamReader::open(
        moto.streams(),
        stack.attribute("ContextTable", "StreamArn").unwrap(),
    )
    .await
    .unwrap();

    let booked_1 = common::event("Booked", "b1", 1);
    let booked_2 = common::event("Booked", "b2", 1);
    let counted = common::event("SeatsCounted", "b1", 2);
    let cancelled = common::event("BookingCancelled", "b1", 3);
    let commits = [
        (booking("b1", 1), vec![booked_1.clone()]),
        (booking("b2", 1), vec![booked_2.clone()]),
        (
            Put {
                expected: 1,
                ..booking("b1", 3)
            },
            vec![counted.clone(), cancelled.clone()],
        ),
    ];
    for (put, events) in commits {
        store
            .commit(Transaction {
                puts: vec![put],
                events,
                ..Transaction::default()
            })
            .await
            .unwrap();
    }

    let batch = stream.next_batch().await.unwrap();
    let outbox: Vec<(&str, String)> = batch
        .records
        .iter()
        .filter(|r| {
            r.change.new_image.get("itemType")
                == Some(&serde_dynamo::AttributeValue::S("OUTBOX".into()))
        })
        .map(|r| {
            let serde_dynamo::AttributeValue::S(pk) = &r.change.keys["pk"] else {
                panic!("no pk")
            };
            (r.event_name.as_str(), pk.clone())
        })
        .collect();
    assert_eq!(
        outbox,
        [
            ("INSERT", "OUTBOX#Booking#b1".to_owned()),
            ("INSERT", "OUTBOX#Booking#b2".to_owned()),
            ("MODIFY", "OUTBOX#Booking#b1".to_owned()),
        ],
        "b1's two commits reach the stream through one item, so one partition key, in order"
    );
    let publisher = SnsPublisher::new(moto.sns(), stack.reference("EventsTopic").unwrap());
    let response = publish_batch(&publisher, batch.clone()).await;
    assert!(response.batch_item_failures.is_empty(), "{response:?}");
    // Lambda retries a batch from a failed record, so events are published again: the FIFO
    // deduplication on eventId drops them. (moto dedups only against messages still queued,
    // AWS for five minutes after the first: the retry comes before the consumer reads here.)
    let retried = publish_batch(&publisher, batch).await;
    assert!(retried.batch_item_failures.is_empty(), "{retried:?}");

    let queue = stack.reference("ConsumerQueue").unwrap();
    let received = drain(&moto.sqs(), queue).await;
    let mut by_group: BTreeMap<String, Vec<Envelope>> = BTreeMap::new();
    for (group, envelope) in received {
        assert_eq!(
            group, envelope.aggregate_id,
            "MessageGroupId is the aggregate"
        );
        by_group.entry(group).or_default().push(envelope);
    }
    assert_eq!(
        by_group,
        BTreeMap::from([
            ("b1".into(), vec![booked_1, cancelled]),
            ("b2".into(), vec![booked_2])
        ]),
        "the subscribed types, once each, whole and in each aggregate's order; SeatsCounted is filtered out"
    );
}

#[tokio::test]
async fn a_topic_that_refuses_stops_the_batch_at_the_first_event() {
    let (moto, stack) = common::context().await;
    let store = common::store(&moto, &stack);
    let mut stream = StreamReader::open(
        moto.streams(),
        stack.attribute("ContextTable", "StreamArn").unwrap(),
    )
    .await
    .unwrap();
    let events = vec![
        common::event("Booked", "b1", 1),
        common::event("Booked", "b1", 2),
    ];
    store
        .commit(Transaction {
            puts: vec![Put {
                expected: 0,
                ..booking("b1", 2)
            }],
            events,
            ..Transaction::default()
        })
        .await
        .unwrap();

    let batch = stream.next_batch().await.unwrap();
    let first_event = batch
        .records
        .iter()
        .find(|r| r.change.new_image.contains_key("events"))
        .unwrap();
    let missing = "arn:aws:sns:us-east-1:123456789012:no-such-topic.fifo";
    let response = publish_batch(&SnsPublisher::new(moto.sns(), missing), batch.clone()).await;
    let failed: Vec<Option<&str>> = response
        .batch_item_failures
        .iter()
        .map(|f| f.item_identifier.as_deref())
        .collect();
    assert_eq!(failed, [first_event.change.sequence_number.as_deref()]);
    assert!(failed[0].is_some());
}
