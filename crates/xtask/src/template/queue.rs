//! An event handler's delivery: its FIFO queue subscribed to the source context's topic (filter
//! on `eventType`, raw delivery), a dead-letter queue after 5 receives, and an alarm on it.

use kernel::ContextId;

use crate::yaml::{Y, get_att, int, list, map, r#ref, s};

use super::{alarm::Alarm, context_prefix, names};

/// Receives before a message moves to the dead-letter queue.
pub const MAX_RECEIVES: i64 = 5;

pub fn resources(id: &str, name: &str, source: ContextId, types: &[&str]) -> Vec<(String, Y)> {
    let queue = format!("{id}Queue");
    let dlq = format!("{id}DeadLetters");
    let topic = format!("{}Topic", context_prefix(source));
    vec![
        (
            queue.clone(),
            map([
                ("Type", s("AWS::SQS::Queue")),
                (
                    "Properties",
                    map([
                        ("QueueName", names::queue(name)),
                        ("FifoQueue", Y::Bool(true)),
                        // Six times the function's timeout, as Lambda advises for SQS sources.
                        ("VisibilityTimeout", int(60)),
                        (
                            "RedrivePolicy",
                            map([
                                ("deadLetterTargetArn", get_att(&dlq, "Arn")),
                                ("maxReceiveCount", int(MAX_RECEIVES)),
                            ]),
                        ),
                    ]),
                ),
            ]),
        ),
        (
            dlq.clone(),
            map([
                ("Type", s("AWS::SQS::Queue")),
                (
                    "Properties",
                    map([
                        ("QueueName", names::dead_letters(name)),
                        ("FifoQueue", Y::Bool(true)),
                        ("MessageRetentionPeriod", int(1_209_600)),
                    ]),
                ),
            ]),
        ),
        (
            format!("{id}Subscription"),
            map([
                ("Type", s("AWS::SNS::Subscription")),
                (
                    "Properties",
                    map([
                        ("TopicArn", r#ref(&topic)),
                        ("Protocol", s("sqs")),
                        ("Endpoint", get_att(&queue, "Arn")),
                        ("RawMessageDelivery", Y::Bool(true)),
                        ("FilterPolicyScope", s("MessageAttributes")),
                        (
                            "FilterPolicy",
                            map([("eventType", list(types.iter().map(|t| s(*t))))]),
                        ),
                    ]),
                ),
            ]),
        ),
        (
            format!("{id}QueuePolicy"),
            map([
                ("Type", s("AWS::SQS::QueuePolicy")),
                (
                    "Properties",
                    map([
                        ("Queues", list([r#ref(&queue)])),
                        (
                            "PolicyDocument",
                            map([
                                ("Version", s("2012-10-17")),
                                (
                                    "Statement",
                                    list([map([
                                        ("Effect", s("Allow")),
                                        ("Principal", map([("Service", s("sns.amazonaws.com"))])),
                                        ("Action", s("sqs:SendMessage")),
                                        ("Resource", get_att(&queue, "Arn")),
                                        (
                                            "Condition",
                                            map([(
                                                "ArnEquals",
                                                map([("aws:SourceArn", r#ref(&topic))]),
                                            )]),
                                        ),
                                    ])]),
                                ),
                            ]),
                        ),
                    ]),
                ),
            ]),
        ),
        (
            format!("{dlq}Alarm"),
            Alarm::sum(
                names::alarm(name, "dead-letters"),
                format!("an event for {name} failed {MAX_RECEIVES} times and waits in its dead-letter queue"),
                "AWS/SQS",
                "ApproximateNumberOfMessagesVisible",
                vec![("QueueName", get_att(&dlq, "QueueName"))],
                1,
            )
            .resource(),
        ),
    ]
}
