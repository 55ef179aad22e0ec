//! An event handler's Lambda on AWS's protocols: events arrive on its SQS FIFO queue through the
//! topic, the SQS entry point handles each batch, what succeeded is deleted, and an event that
//! keeps failing ends in the dead-letter queue, from where it can be redriven.
#![allow(clippy::unwrap_used)] // helpers outside #[test] fns panic on purpose

mod common;

use std::{
    collections::HashSet,
    sync::{Arc, Mutex},
};

use aws_sdk_sqs::Client;
use kernel::{AppError, Call, Envelope, FnSpec, function::Invoke};
use lambda::{
    emulator::{Delivery, deliver, receive_event},
    entry::events::handle_batch,
    publisher::{EventPublisher, SnsPublisher},
};

/// What the handler saw, and which events it fails.
#[derive(Default)]
struct Consumer {
    ran: Mutex<Vec<String>>,
    /// Events failed the first time they are seen.
    fail_once: Mutex<HashSet<String>>,
    /// Events failed every time.
    fail_always: Mutex<HashSet<String>>,
}

async fn on_booked(consumer: &Consumer, event: Envelope, _: &Call) -> Result<(), AppError> {
    consumer.ran.lock().unwrap().push(event.event_id.clone());
    let once = consumer.fail_once.lock().unwrap().remove(&event.event_id);
    if once
        || consumer
            .fail_always
            .lock()
            .unwrap()
            .contains(&event.event_id)
    {
        return Err(AppError::conflict("not yet"));
    }
    Ok(())
}

fn handler(consumer: &Arc<Consumer>) -> kernel::function::EventInvoke {
    let spec = FnSpec::on(
        "museum-confirm-on-booked",
        common::CONTEXT,
        &["Booked"],
        on_booked,
    );
    match spec.bind(common::CONTEXT, consumer.clone()).invoke {
        Invoke::Event(handler) => handler,
        _ => unreachable!("declared as an event handler"),
    }
}

/// One poll of the queue by the event source mapping, through the Lambda entry point.
async fn poll(sqs: &Client, queue: &str, consumer: &Arc<Consumer>) -> Delivery {
    let handler = handler(consumer);
    deliver(sqs, queue, |batch| async move {
        handle_batch("museum-confirm-on-booked", &handler, batch).await
    })
    .await
    .unwrap()
}

#[tokio::test]
async fn handled_events_are_deleted_and_a_failed_group_is_redelivered_in_order() {
    let (moto, stack) = common::context().await;
    let publisher = SnsPublisher::new(moto.sns(), stack.reference("EventsTopic").unwrap());
    let events = [
        common::event("Booked", "b1", 1),
        common::event("Booked", "b1", 2),
        common::event("Booked", "b1", 3),
        common::event("Booked", "b2", 1),
    ];
    for e in &events {
        publisher.publish(e).await.unwrap();
    }
    let id = |i: usize| events[i].event_id.clone();
    let consumer = Arc::new(Consumer::default());
    consumer.fail_once.lock().unwrap().insert(id(1));

    let (sqs, queue) = (moto.sqs(), stack.reference("ConsumerQueue").unwrap());
    let first = poll(&sqs, queue, &consumer).await;
    assert_eq!(
        first,
        Delivery {
            received: 4,
            failed: 2
        },
        "b1's second event failed, so its third was not run"
    );
    let second = poll(&sqs, queue, &consumer).await;
    assert_eq!(
        second,
        Delivery {
            received: 2,
            failed: 0
        },
        "only the reported ones came back"
    );
    assert_eq!(
        poll(&sqs, queue, &consumer).await,
        Delivery::default(),
        "the rest were deleted"
    );

    let ran = consumer.ran.lock().unwrap().clone();
    assert_eq!(
        ran,
        [id(0), id(1), id(3), id(1), id(2)],
        "b1 in its order; b2 did not wait for b1"
    );
}

#[tokio::test]
async fn an_event_that_keeps_failing_lands_in_the_dead_letter_queue_and_can_be_redriven() {
    let (moto, stack) = common::context().await;
    let publisher = SnsPublisher::new(moto.sns(), stack.reference("EventsTopic").unwrap());
    let poison = common::event("Booked", "b1", 1);
    publisher.publish(&poison).await.unwrap();
    let consumer = Arc::new(Consumer::default());
    consumer
        .fail_always
        .lock()
        .unwrap()
        .insert(poison.event_id.clone());

    let sqs = moto.sqs();
    let (queue, dead_letters) = (
        stack.reference("ConsumerQueue").unwrap(),
        stack.reference("ConsumerDeadLetters").unwrap(),
    );
    let mut deliveries = 0;
    while poll(&sqs, queue, &consumer).await.received > 0 {
        deliveries += 1;
        assert!(deliveries <= 10, "the message never left the queue");
    }
    assert_eq!(
        deliveries, 3,
        "maxReceiveCount deliveries, then the dead-letter queue"
    );

    let parked = receive_event(&sqs, dead_letters).await.unwrap();
    assert_eq!(parked.records.len(), 1);
    let message = &parked.records[0];
    let body: Envelope = serde_json::from_str(message.body.as_deref().unwrap()).unwrap();
    assert_eq!(body, poison, "the event is parked whole, for inspection");
    assert_eq!(message.attributes["ApproximateReceiveCount"], "4");

    // Fixed, and redriven (moto does not serve StartMessageMoveTask: move it by hand).
    consumer.fail_always.lock().unwrap().clear();
    sqs.send_message()
        .queue_url(queue)
        .message_body(message.body.clone().unwrap())
        .message_group_id(&message.attributes["MessageGroupId"])
        .message_deduplication_id(format!("{}-redrive", poison.event_id))
        .send()
        .await
        .unwrap();
    let receipt = message.receipt_handle.clone().unwrap();
    sqs.delete_message()
        .queue_url(dead_letters)
        .receipt_handle(receipt)
        .send()
        .await
        .unwrap();
    assert_eq!(
        poll(&sqs, queue, &consumer).await,
        Delivery {
            received: 1,
            failed: 0
        }
    );
    assert_eq!(consumer.ran.lock().unwrap().len(), 4);
}
