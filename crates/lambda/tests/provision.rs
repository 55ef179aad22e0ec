//! The provisioner creates a template's tables, topics, queues and subscriptions as the template
//! defines them, and says what it cannot resolve.
#![allow(clippy::unwrap_used)] // helpers outside #[test] fns panic on purpose

mod common;

use std::collections::BTreeMap;

use aws_sdk_sqs::types::QueueAttributeName;
use lambda::emulator::provision;

#[tokio::test]
async fn creates_every_supported_resource_as_the_template_defines_it() {
    let (moto, stack) = common::context().await;
    let created: Vec<&str> = stack.references().into_keys().collect();
    assert_eq!(
        created,
        [
            "ConsumerDeadLetters",
            "ConsumerQueue",
            "ConsumerSubscription",
            "ContextTable",
            "EventsTopic",
            "NotificationsInbox",
            "NotificationsSubscription",
            "NotificationsTopic"
        ],
        "every table, topic, queue and subscription, and nothing else"
    );

    let table = moto
        .dynamodb()
        .describe_table()
        .table_name("lambda-test-book")
        .send()
        .await
        .unwrap()
        .table
        .unwrap();
    let keys = |schema: &[aws_sdk_dynamodb::types::KeySchemaElement]| -> Vec<(String, String)> {
        schema
            .iter()
            .map(|k| {
                (
                    k.attribute_name().to_owned(),
                    k.key_type().as_str().to_owned(),
                )
            })
            .collect()
    };
    let pair = |h: &str, r: &str| {
        vec![
            (h.to_owned(), "HASH".to_owned()),
            (r.to_owned(), "RANGE".to_owned()),
        ]
    };
    assert_eq!(keys(table.key_schema()), pair("pk", "sk"));
    let indexes: BTreeMap<String, (Vec<(String, String)>, String)> = table
        .global_secondary_indexes()
        .iter()
        .map(|i| {
            let projection = i
                .projection()
                .and_then(|p| p.projection_type())
                .map(|p| p.as_str().to_owned());
            (
                i.index_name().unwrap().to_owned(),
                (keys(i.key_schema()), projection.unwrap_or_default()),
            )
        })
        .collect();
    let all = |h: &str| (pair(h, "id"), "ALL".to_owned());
    assert_eq!(
        indexes,
        BTreeMap::from([
            ("byKind".into(), all("kind")),
            ("byA".into(), all("ka")),
            ("byB".into(), all("kb"))
        ])
    );
    let stream = table.stream_specification().unwrap();
    assert!(stream.stream_enabled());
    assert_eq!(stream.stream_view_type().unwrap().as_str(), "NEW_IMAGE");
    assert_eq!(
        stack.attribute("ContextTable", "StreamArn").unwrap(),
        table.latest_stream_arn().unwrap()
    );
    let ttl = moto
        .dynamodb()
        .describe_time_to_live()
        .table_name("lambda-test-book")
        .send()
        .await
        .unwrap();
    assert_eq!(
        ttl.time_to_live_description().unwrap().attribute_name(),
        Some("expiresAt")
    );

    let topic = stack.reference("EventsTopic").unwrap();
    assert!(topic.ends_with(":lambda-test-book-events.fifo"), "{topic}");
    let topic_attributes = moto
        .sns()
        .get_topic_attributes()
        .topic_arn(topic)
        .send()
        .await
        .unwrap()
        .attributes
        .unwrap();
    assert_eq!(topic_attributes["FifoTopic"], "true");

    let queue = moto
        .sqs()
        .get_queue_attributes()
        .queue_url(stack.reference("ConsumerQueue").unwrap())
        .attribute_names(QueueAttributeName::All)
        .send()
        .await
        .unwrap()
        .attributes
        .unwrap();
    assert_eq!(queue[&QueueAttributeName::FifoQueue], "true");
    assert_eq!(
        queue[&QueueAttributeName::VisibilityTimeout],
        "30",
        "a parameter's default"
    );
    let redrive: serde_json::Value =
        serde_json::from_str(&queue[&QueueAttributeName::RedrivePolicy]).unwrap();
    assert_eq!(
        redrive["deadLetterTargetArn"],
        stack.attribute("ConsumerDeadLetters", "Arn").unwrap()
    );
    assert_eq!(
        redrive["maxReceiveCount"].to_string().trim_matches('"'),
        "3"
    );

    let subscription = moto
        .sns()
        .get_subscription_attributes()
        .subscription_arn(stack.reference("ConsumerSubscription").unwrap())
        .send()
        .await
        .unwrap()
        .attributes
        .unwrap();
    assert_eq!(subscription["RawMessageDelivery"], "true");
    assert_eq!(
        subscription["Endpoint"],
        stack.attribute("ConsumerQueue", "Arn").unwrap()
    );
    let filter: serde_json::Value = serde_json::from_str(&subscription["FilterPolicy"]).unwrap();
    assert_eq!(
        filter,
        serde_json::json!({ "eventType": ["Booked", "BookingCancelled"] })
    );
}

#[tokio::test]
async fn a_reference_to_a_resource_it_does_not_create_is_an_error_naming_it() {
    let (moto, _) = common::context().await;
    let template = tempfile::NamedTempFile::new().unwrap();
    std::fs::write(
        template.path(),
        "Transform: AWS::Serverless-2016-10-31\n\
         Resources:\n  \
           Handler:\n    Type: AWS::Serverless::Function\n    Properties: { Handler: bootstrap }\n  \
           Topic:\n    Type: AWS::SNS::Topic\n  \
           Subscription:\n    Type: AWS::SNS::Subscription\n    Properties:\n      \
             TopicArn: !Ref Topic\n      Protocol: lambda\n      Endpoint: !GetAtt Handler.Arn\n",
    )
    .unwrap();
    let error = provision(template.path(), "other", &[], moto.config())
        .await
        .unwrap_err();
    let message = format!("{error:#}");
    assert!(
        message.contains("Subscription")
            && message.contains("Handler is a AWS::Serverless::Function"),
        "{message}"
    );
}
