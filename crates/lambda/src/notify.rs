//! Messages to people: published to an SNS topic that the delivery channels subscribe to,
//! filtering on the `channel` attribute.

use std::collections::HashMap;

use async_trait::async_trait;
use aws_sdk_sns::{Client, error::DisplayErrorContext, types::MessageAttributeValue};
use kernel::{
    AppError,
    platform::{Notification, Notifier},
};

#[derive(Clone, Debug)]
pub struct SnsNotifier {
    client: Client,
    topic_arn: String,
}

impl SnsNotifier {
    pub fn new(client: Client, topic_arn: impl Into<String>) -> Self {
        Self {
            client,
            topic_arn: topic_arn.into(),
        }
    }
}

/// A String message attribute; SNS refuses empty values, so an empty one is left out.
pub(crate) fn string_attribute(value: &str) -> Result<Option<MessageAttributeValue>, AppError> {
    if value.is_empty() {
        return Ok(None);
    }
    let attribute = MessageAttributeValue::builder()
        .data_type("String")
        .string_value(value)
        .build();
    attribute.map(Some).map_err(AppError::internal)
}

#[async_trait]
impl Notifier for SnsNotifier {
    async fn notify(&self, notification: Notification) -> Result<(), AppError> {
        let message = serde_json::to_string(&notification)?;
        let mut attributes = HashMap::new();
        for (name, value) in [
            ("channel", &notification.channel),
            ("recipient", &notification.recipient),
        ] {
            if let Some(attribute) = string_attribute(value)? {
                attributes.insert(name.to_owned(), attribute);
            }
        }
        let publish = self
            .client
            .publish()
            .topic_arn(&self.topic_arn)
            .message(message)
            .set_message_attributes(Some(attributes));
        publish.send().await.map_err(|e| {
            tracing::warn!(error = %DisplayErrorContext(&e), channel = %notification.channel, "notification not published");
            AppError::unavailable("notifications", 1)
        })?;
        Ok(())
    }
}
