//! An SQS queue polled the way Lambda's event source mapping polls it: receive a batch, hand it to
//! the function as an `SqsEvent`, delete what succeeded.

use std::{collections::HashMap, future::Future};

use aws_lambda_events::event::sqs::{SqsBatchResponse, SqsEvent, SqsMessage, SqsMessageAttribute};
use aws_sdk_sqs::{
    Client,
    types::{Message, MessageSystemAttributeName},
};

use super::REGION;

/// The most messages one receive returns.
const BATCH: i32 = 10;

/// What one poll did.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Delivery {
    pub received: usize,
    pub failed: usize,
}

/// Receives up to ten messages as the `SqsEvent` Lambda would build (system attributes such as
/// `MessageGroupId` and `ApproximateReceiveCount` included), without waiting: moto fans SNS out to SQS while it answers the publish.
pub async fn receive_event(client: &Client, queue_url: &str) -> anyhow::Result<SqsEvent> {
    let output = client
        .receive_message()
        .queue_url(queue_url)
        .max_number_of_messages(BATCH)
        .message_system_attribute_names(MessageSystemAttributeName::All)
        .message_attribute_names("All")
        .wait_time_seconds(0)
        .send()
        .await?;
    let mut event = SqsEvent::default();
    event.records = output.messages().iter().map(to_lambda).collect();
    Ok(event)
}

/// One poll: the received batch goes to `handler`; the messages it did not report as failures are
/// deleted, and those it did are made visible again at once (Lambda would wait out the visibility
/// timeout), each receive counting towards the queue's `maxReceiveCount`.
pub async fn deliver<F, Fut>(
    client: &Client,
    queue_url: &str,
    handler: F,
) -> anyhow::Result<Delivery>
where
    F: FnOnce(SqsEvent) -> Fut,
    Fut: Future<Output = SqsBatchResponse>,
{
    let event = receive_event(client, queue_url).await?;
    let received: Vec<(String, String)> = event
        .records
        .iter()
        .map(|m| {
            (
                m.message_id.clone().unwrap_or_default(),
                m.receipt_handle.clone().unwrap_or_default(),
            )
        })
        .collect();
    if received.is_empty() {
        return Ok(Delivery::default());
    }
    let response = handler(event).await;
    let failed: Vec<&str> = response
        .batch_item_failures
        .iter()
        .map(|f| f.item_identifier.as_str())
        .collect();
    for (message_id, receipt) in &received {
        if failed.contains(&message_id.as_str()) {
            client
                .change_message_visibility()
                .queue_url(queue_url)
                .receipt_handle(receipt)
                .visibility_timeout(0)
                .send()
                .await?;
        } else {
            client
                .delete_message()
                .queue_url(queue_url)
                .receipt_handle(receipt)
                .send()
                .await?;
        }
    }
    Ok(Delivery {
        received: received.len(),
        failed: failed.len(),
    })
}

fn to_lambda(message: &Message) -> SqsMessage {
    let mut converted = SqsMessage::default();
    converted.message_id = message.message_id().map(str::to_owned);
    converted.receipt_handle = message.receipt_handle().map(str::to_owned);
    converted.body = message.body().map(str::to_owned);
    converted.md5_of_body = message.md5_of_body().map(str::to_owned);
    converted.md5_of_message_attributes = message.md5_of_message_attributes().map(str::to_owned);
    converted.event_source = Some("aws:sqs".to_owned());
    converted.aws_region = Some(REGION.to_owned());
    converted.attributes = message
        .attributes()
        .map(|a| {
            a.iter()
                .map(|(k, v)| (k.as_str().to_owned(), v.clone()))
                .collect()
        })
        .unwrap_or_default();
    let mut attributes = HashMap::new();
    for (name, value) in message.message_attributes().into_iter().flatten() {
        let mut attribute = SqsMessageAttribute::default();
        attribute.data_type = Some(value.data_type().to_owned());
        attribute.string_value = value.string_value().map(str::to_owned);
        attributes.insert(name.clone(), attribute);
    }
    converted.message_attributes = attributes;
    converted
}
