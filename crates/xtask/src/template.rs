//! `template.yaml` (the root stack) and `infra/<system>.yaml` (one nested stack per system),
//! generated from the function declarations.

use std::collections::BTreeSet;

use kernel::{ContextId, System, Trigger, function::FnInfo};

use crate::yaml::{Y, get_att, int, list, map, r#ref, s, sub, to_string};

/// The binary of a context's stream publisher.
pub fn publisher_name(context: ContextId) -> String {
    format!("{}-{}-publisher", context.system, context.name)
}

/// `museum-book-on-entry-confirmed` in system `museum` → `BookOnEntryConfirmed`.
pub fn logical_id(system: &str, name: &str) -> String {
    let below = name
        .strip_prefix(system)
        .map(|n| n.trim_start_matches('-'))
        .unwrap_or(name);
    below
        .split(['-', '/', '_'])
        .filter(|p| !p.is_empty())
        .map(|p| {
            let mut c = p.chars();
            c.next()
                .map(|f| f.to_ascii_uppercase().to_string() + c.as_str())
                .unwrap_or_default()
        })
        .collect()
}

fn pascal(word: &str) -> String {
    logical_id("", word)
}

/// The prefix of a context's resources: `museum/book` → `Book` (`BookTable`, `BookTopic`).
pub fn context_prefix(context: ContextId) -> String {
    pascal(context.name)
}

/// Contexts whose events someone subscribes to: they get a stream, a topic and a publisher.
pub fn sources(system: &System) -> BTreeSet<ContextId> {
    system
        .functions()
        .into_iter()
        .filter_map(|(_, f)| match f.trigger {
            Trigger::Events { source, .. } => Some(source),
            _ => None,
        })
        .collect()
}

pub fn root(systems: &[System]) -> String {
    let mut resources = vec![
        (
            "HttpApi".to_owned(),
            map([
                ("Type", s("AWS::ApiGatewayV2::Api")),
                (
                    "Properties",
                    map([
                        ("Name", sub("${AWS::StackName}")),
                        ("ProtocolType", s("HTTP")),
                        (
                            "Description",
                            s("The front door of every system: /<system>/<resource>"),
                        ),
                    ]),
                ),
            ]),
        ),
        (
            "HttpApiStage".to_owned(),
            map([
                ("Type", s("AWS::ApiGatewayV2::Stage")),
                (
                    "Properties",
                    map([
                        ("ApiId", r#ref("HttpApi")),
                        ("StageName", s("$default")),
                        ("AutoDeploy", Y::Bool(true)),
                        (
                            "DefaultRouteSettings",
                            map([
                                ("ThrottlingBurstLimit", int(500)),
                                ("ThrottlingRateLimit", int(1000)),
                            ]),
                        ),
                        (
                            "AccessLogSettings",
                            map([
                                ("DestinationArn", get_att("ApiAccessLogs", "Arn")),
                                (
                                    "Format",
                                    s(
                                        r#"{"requestId":"$context.requestId","routeKey":"$context.routeKey","status":"$context.status","latencyMs":"$context.responseLatency","integrationError":"$context.integrationErrorMessage"}"#,
                                    ),
                                ),
                            ]),
                        ),
                    ]),
                ),
            ]),
        ),
        ("ApiAccessLogs".to_owned(), log_group()),
        (
            "AlarmTopic".to_owned(),
            map([("Type", s("AWS::SNS::Topic"))]),
        ),
        (
            "AlarmEmailSubscription".to_owned(),
            map([
                ("Type", s("AWS::SNS::Subscription")),
                ("Condition", s("HasAlarmEmail")),
                (
                    "Properties",
                    map([
                        ("TopicArn", r#ref("AlarmTopic")),
                        ("Protocol", s("email")),
                        ("Endpoint", r#ref("AlarmEmail")),
                    ]),
                ),
            ]),
        ),
    ];
    for system in systems {
        resources.push((
            format!("{}System", pascal(system.name)),
            map([
                ("Type", s("AWS::Serverless::Application")),
                (
                    "Properties",
                    map([
                        ("Location", s(format!("infra/{}.yaml", system.name))),
                        (
                            "Parameters",
                            map([
                                ("ApiId", r#ref("HttpApi")),
                                ("ApiEndpoint", get_att("HttpApi", "ApiEndpoint")),
                                ("AlarmTopicArn", r#ref("AlarmTopic")),
                                ("LogRetentionDays", r#ref("LogRetentionDays")),
                            ]),
                        ),
                    ]),
                ),
            ]),
        ));
    }
    let doc = map([
        ("AWSTemplateFormatVersion", s("2010-09-09")),
        ("Transform", s("AWS::Serverless-2016-10-31")),
        (
            "Description",
            s(
                "Event-stormed systems as Rust functions on AWS Lambda: the front door, alarms, and one nested stack per system. Generated by `cargo run -p xtask -- generate`; do not edit.",
            ),
        ),
        (
            "Parameters",
            map([
                (
                    "AlarmEmail",
                    map([
                        ("Type", s("String")),
                        ("Default", s("")),
                        (
                            "Description",
                            s("Where alarms (errors, dead letters) are mailed; empty for none"),
                        ),
                    ]),
                ),
                log_retention_parameter(),
            ]),
        ),
        (
            "Conditions",
            map([(
                "HasAlarmEmail",
                map([(
                    "Fn::Not",
                    list([map([("Fn::Equals", list([r#ref("AlarmEmail"), s("")]))])]),
                )]),
            )]),
        ),
        ("Resources", Y::Map(resources)),
        (
            "Outputs",
            map([(
                "ApiUrl",
                map([
                    ("Description", s("Base URL of the front door")),
                    ("Value", get_att("HttpApi", "ApiEndpoint")),
                ]),
            )]),
        ),
    ]);
    to_string(&doc)
}

fn log_retention_parameter() -> (&'static str, Y) {
    (
        "LogRetentionDays",
        map([
            ("Type", s("Number")),
            ("Default", int(14)),
            (
                "AllowedValues",
                list([1, 3, 5, 7, 14, 30, 60, 90, 180, 365].map(int)),
            ),
        ]),
    )
}

fn log_group() -> Y {
    map([
        ("Type", s("AWS::Logs::LogGroup")),
        (
            "Properties",
            map([("RetentionInDays", r#ref("LogRetentionDays"))]),
        ),
    ])
}

fn context_table(stream: bool) -> Y {
    let attr = |name: &str| map([("AttributeName", s(name)), ("AttributeType", s("S"))]);
    let key = |name: &str, kind: &str| map([("AttributeName", s(name)), ("KeyType", s(kind))]);
    let index = |name: &str, hash: &str| {
        map([
            ("IndexName", s(name)),
            ("KeySchema", list([key(hash, "HASH"), key("id", "RANGE")])),
            ("Projection", map([("ProjectionType", s("ALL"))])),
        ])
    };
    let mut props = vec![
        ("BillingMode".to_owned(), s("PAY_PER_REQUEST")),
        (
            "AttributeDefinitions".to_owned(),
            list(["pk", "sk", "kind", "id", "ka", "kb"].map(attr)),
        ),
        (
            "KeySchema".to_owned(),
            list([key("pk", "HASH"), key("sk", "RANGE")]),
        ),
        (
            "GlobalSecondaryIndexes".to_owned(),
            list([
                index("byKind", "kind"),
                index("byA", "ka"),
                index("byB", "kb"),
            ]),
        ),
        (
            "TimeToLiveSpecification".to_owned(),
            map([
                ("AttributeName", s("expiresAt")),
                ("Enabled", Y::Bool(true)),
            ]),
        ),
        (
            "PointInTimeRecoverySpecification".to_owned(),
            map([("PointInTimeRecoveryEnabled", Y::Bool(true))]),
        ),
    ];
    if stream {
        props.push((
            "StreamSpecification".to_owned(),
            map([("StreamViewType", s("NEW_IMAGE"))]),
        ));
    }
    map([
        ("Type", s("AWS::DynamoDB::Table")),
        ("DeletionPolicy", s("Retain")),
        ("UpdateReplacePolicy", s("Retain")),
        ("Properties", Y::Map(props)),
    ])
}

fn alarm(description: String, namespace: &str, metric: &str, dimensions: Y, threshold: i64) -> Y {
    map([
        ("Type", s("AWS::CloudWatch::Alarm")),
        (
            "Properties",
            map([
                ("AlarmDescription", s(description)),
                ("Namespace", s(namespace)),
                ("MetricName", s(metric)),
                ("Dimensions", dimensions),
                (
                    "Statistic",
                    s(if metric == "IteratorAge" {
                        "Maximum"
                    } else {
                        "Sum"
                    }),
                ),
                ("Period", int(60)),
                ("EvaluationPeriods", int(1)),
                ("Threshold", int(threshold)),
                ("ComparisonOperator", s("GreaterThanOrEqualToThreshold")),
                ("TreatMissingData", s("notBreaching")),
                ("AlarmActions", list([r#ref("AlarmTopicArn")])),
            ]),
        ),
    ])
}

fn dimension(name: &str, value: Y) -> Y {
    map([("Name", s(name)), ("Value", value)])
}

/// A function, its log group and its error alarm (which rolls a canary deployment back).
struct Lambda {
    id: String,
    binary: String,
    description: String,
    table: String,
    read_only: bool,
    environment: Vec<(String, Y)>,
    extra_policies: Vec<Y>,
    events: Vec<(String, Y)>,
    reserved_concurrency: Option<u32>,
}

impl Lambda {
    fn resources(self) -> Vec<(String, Y)> {
        let Lambda {
            id,
            binary,
            description,
            table,
            read_only,
            environment,
            extra_policies,
            events,
            reserved_concurrency,
        } = self;
        let errors = format!("{id}Errors");
        let logs = format!("{id}Logs");
        let policy = if read_only {
            "DynamoDBReadPolicy"
        } else {
            "DynamoDBCrudPolicy"
        };
        let mut policies = vec![map([(policy, map([("TableName", r#ref(&table))]))])];
        policies.extend(extra_policies);
        let mut env = vec![("TABLE_NAME".to_owned(), r#ref(&table))];
        env.extend(environment);
        let mut props = vec![
            ("Description".to_owned(), s(description)),
            ("Environment".to_owned(), map([("Variables", Y::Map(env))])),
            (
                "LoggingConfig".to_owned(),
                map([("LogFormat", s("JSON")), ("LogGroup", r#ref(&logs))]),
            ),
            ("Policies".to_owned(), Y::List(policies)),
            (
                "DeploymentPreference".to_owned(),
                map([
                    ("Type", s("Canary10Percent5Minutes")),
                    ("Alarms", list([r#ref(&errors)])),
                ]),
            ),
        ];
        if let Some(n) = reserved_concurrency {
            props.push(("ReservedConcurrentExecutions".to_owned(), int(i64::from(n))));
        }
        if !events.is_empty() {
            props.push(("Events".to_owned(), Y::Map(events)));
        }
        let function = map([
            ("Type", s("AWS::Serverless::Function")),
            (
                "Metadata",
                map([
                    ("BuildMethod", s("rust-cargolambda")),
                    ("BuildProperties", map([("Binary", s(binary.clone()))])),
                ]),
            ),
            ("Properties", Y::Map(props)),
        ]);
        let alarm = alarm(
            format!("{binary} failed (rolls back a canary deployment)"),
            "AWS/Lambda",
            "Errors",
            list([
                dimension("FunctionName", r#ref(&id)),
                dimension("Resource", sub(format!("${{{id}}}:live"))),
            ]),
            1,
        );
        vec![(id, function), (logs, log_group()), (errors, alarm)]
    }
}

fn http_resources(system: &str, id: &str, f: &FnInfo) -> Vec<(String, Y)> {
    let Trigger::Http(routes) = &f.trigger else {
        return vec![];
    };
    let integration = format!("{id}Integration");
    let mut out = vec![(
        integration.clone(),
        map([
            ("Type", s("AWS::ApiGatewayV2::Integration")),
            (
                "Properties",
                map([
                    ("ApiId", r#ref("ApiId")),
                    ("IntegrationType", s("AWS_PROXY")),
                    ("IntegrationUri", r#ref(format!("{id}.Alias"))),
                    ("PayloadFormatVersion", s("2.0")),
                    ("TimeoutInMillis", int(29_000)),
                ]),
            ),
        ]),
    )];
    for (i, route) in routes.iter().enumerate() {
        let suffix = if i == 0 {
            String::new()
        } else {
            (i + 1).to_string()
        };
        out.push((
            format!("{id}Route{suffix}"),
            map([
                ("Type", s("AWS::ApiGatewayV2::Route")),
                (
                    "Properties",
                    map([
                        ("ApiId", r#ref("ApiId")),
                        (
                            "RouteKey",
                            s(format!("{} /{system}{}", route.method, route.path)),
                        ),
                        ("Target", sub(format!("integrations/${{{integration}}}"))),
                    ]),
                ),
            ]),
        ));
    }
    out.push((
        format!("{id}Permission"),
        map([
            ("Type", s("AWS::Lambda::Permission")),
            (
                "Properties",
                map([
                    ("Action", s("lambda:InvokeFunction")),
                    ("FunctionName", r#ref(format!("{id}.Alias"))),
                    ("Principal", s("apigateway.amazonaws.com")),
                    ("SourceArn", sub("arn:${AWS::Partition}:execute-api:${AWS::Region}:${AWS::AccountId}:${ApiId}/*")),
                ]),
            ),
        ]),
    ));
    out
}

fn queue_resources(system: &str, id: &str, source: ContextId, types: &[&str]) -> Vec<(String, Y)> {
    let queue = format!("{id}Queue");
    let dlq = format!("{id}DeadLetters");
    let topic = format!(
        "{}Topic",
        logical_id(system, &format!("{}-{}", source.system, source.name))
    );
    vec![
        (
            queue.clone(),
            map([
                ("Type", s("AWS::SQS::Queue")),
                (
                    "Properties",
                    map([
                        ("FifoQueue", Y::Bool(true)),
                        // Six times the function's timeout, as Lambda advises for SQS sources.
                        ("VisibilityTimeout", int(60)),
                        (
                            "RedrivePolicy",
                            map([
                                ("deadLetterTargetArn", get_att(&dlq, "Arn")),
                                ("maxReceiveCount", int(5)),
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
            alarm(
                format!("an event for {id} failed 5 times and waits in its dead-letter queue"),
                "AWS/SQS",
                "ApproximateNumberOfMessagesVisible",
                list([dimension("QueueName", get_att(&dlq, "QueueName"))]),
                1,
            ),
        ),
    ]
}

fn rate(period: std::time::Duration) -> String {
    let minutes = period.as_secs().div_ceil(60).max(1);
    if minutes == 1 {
        "rate(1 minute)".into()
    } else {
        format!("rate({minutes} minutes)")
    }
}

pub fn system(system: &System) -> String {
    let sources = sources(system);
    let mut resources: Vec<(String, Y)> = Vec::new();
    for context in &system.contexts {
        let ctx = context.id;
        let prefix = context_prefix(ctx);
        let table = format!("{prefix}Table");
        resources.push((table.clone(), context_table(sources.contains(&ctx))));
        if sources.contains(&ctx) {
            let topic = format!("{prefix}Topic");
            resources.push((
                topic.clone(),
                map([
                    ("Type", s("AWS::SNS::Topic")),
                    (
                        "Properties",
                        map([
                            ("FifoTopic", Y::Bool(true)),
                            (
                                "TopicName",
                                sub(format!("${{AWS::StackName}}-{}.fifo", ctx.name)),
                            ),
                        ]),
                    ),
                ]),
            ));
            let publisher = format!("{prefix}Publisher");
            resources.extend(
                Lambda {
                    id: publisher.clone(),
                    binary: publisher_name(ctx),
                    description: format!("{ctx}: publishes the events its table records, in order, to its topic"),
                    table: table.clone(),
                    read_only: true,
                    environment: vec![("TOPIC_ARN".into(), r#ref(&topic))],
                    extra_policies: vec![map([(
                        "SNSPublishMessagePolicy",
                        map([("TopicName", get_att(&topic, "TopicName"))]),
                    )])],
                    events: vec![(
                        "Stream".into(),
                        map([
                            ("Type", s("DynamoDB")),
                            (
                                "Properties",
                                map([
                                    ("Stream", get_att(&table, "StreamArn")),
                                    ("StartingPosition", s("TRIM_HORIZON")),
                                    ("BatchSize", int(100)),
                                    // An event is never dropped: retry until published.
                                    ("MaximumRetryAttempts", int(-1)),
                                    ("FunctionResponseTypes", list([s("ReportBatchItemFailures")])),
                                    (
                                        "FilterCriteria",
                                        map([(
                                            "Filters",
                                            list([map([(
                                                "Pattern",
                                                s(r#"{"eventName":["INSERT"],"dynamodb":{"NewImage":{"itemType":{"S":["EVENT"]}}}}"#),
                                            )])]),
                                        )]),
                                    ),
                                ]),
                            ),
                        ]),
                    )],
                    reserved_concurrency: None,
                }
                .resources(),
            );
            resources.push((
                format!("{publisher}IteratorAge"),
                alarm(
                    format!("{ctx}: events wait more than a minute to be published"),
                    "AWS/Lambda",
                    "IteratorAge",
                    list([dimension("FunctionName", r#ref(&publisher))]),
                    60_000,
                ),
            ));
        }
        for f in context.functions() {
            let id = logical_id(system.name, f.name);
            let mut events = Vec::new();
            let mut extra = Vec::new();
            let (read_only, description) = match &f.trigger {
                Trigger::Http(routes) => {
                    extra = http_resources(system.name, &id, &f);
                    let routes: Vec<String> = routes
                        .iter()
                        .map(|r| format!("{} /{}{}", r.method, system.name, r.path))
                        .collect();
                    let read_only = routes.iter().all(|r| r.starts_with("GET "));
                    (
                        read_only,
                        format!("{} — {}", routes.join(", "), f.doc.summary()),
                    )
                }
                Trigger::Events { source, types } => {
                    extra = queue_resources(system.name, &id, *source, types);
                    events.push((
                        "Queue".to_owned(),
                        map([
                            ("Type", s("SQS")),
                            (
                                "Properties",
                                map([
                                    ("Queue", get_att(&format!("{id}Queue"), "Arn")),
                                    ("BatchSize", int(10)),
                                    (
                                        "FunctionResponseTypes",
                                        list([s("ReportBatchItemFailures")]),
                                    ),
                                ]),
                            ),
                        ]),
                    ));
                    (false, format!("on {} from {source}", types.join(", ")))
                }
                Trigger::Every(period) => {
                    events.push((
                        "Schedule".to_owned(),
                        map([
                            ("Type", s("Schedule")),
                            ("Properties", map([("Schedule", s(rate(*period)))])),
                        ]),
                    ));
                    (false, format!("every {} s", period.as_secs()))
                }
            };
            resources.extend(
                Lambda {
                    id: id.clone(),
                    binary: f.name.to_owned(),
                    description,
                    table: table.clone(),
                    read_only,
                    environment: vec![],
                    extra_policies: vec![],
                    events,
                    reserved_concurrency: f.reserved_concurrency,
                }
                .resources(),
            );
            resources.extend(extra);
        }
    }
    let doc = map([
        ("AWSTemplateFormatVersion", s("2010-09-09")),
        ("Transform", s("AWS::Serverless-2016-10-31")),
        (
            "Description",
            s(format!(
                "{}: a table, topic and publisher per bounded context, and one Lambda per command, query, event handler and timer. Generated by `cargo run -p xtask -- generate`; do not edit.",
                system.title
            )),
        ),
        (
            "Parameters",
            map([
                (
                    "ApiId",
                    map([
                        ("Type", s("String")),
                        ("Description", s("The front door's HTTP API")),
                    ]),
                ),
                (
                    "ApiEndpoint",
                    map([
                        ("Type", s("String")),
                        ("Description", s("Its base URL, for synchronous calls")),
                    ]),
                ),
                ("AlarmTopicArn", map([("Type", s("String"))])),
                log_retention_parameter(),
            ]),
        ),
        (
            "Globals",
            map([(
                "Function",
                map([
                    ("Runtime", s("provided.al2023")),
                    ("Architectures", list([s("arm64")])),
                    ("Handler", s("bootstrap")),
                    ("CodeUri", s("..")),
                    ("MemorySize", int(256)),
                    ("Timeout", int(10)),
                    ("AutoPublishAlias", s("live")),
                    (
                        "Environment",
                        map([(
                            "Variables",
                            map([
                                ("RUST_LOG", s("info")),
                                ("API_BASE_URL", r#ref("ApiEndpoint")),
                                ("SYNC_TIMEOUT_MS", s("1000")),
                            ]),
                        )]),
                    ),
                ]),
            )]),
        ),
        ("Resources", Y::Map(resources)),
    ]);
    to_string(&doc)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn logical_ids_drop_the_system_and_pascal_case_the_rest() {
        assert_eq!(
            logical_id("museum", "museum-book-on-entry-confirmed"),
            "BookOnEntryConfirmed"
        );
        assert_eq!(logical_id("museum", "museum-mypage-list"), "MypageList");
    }

    #[test]
    fn timers_round_up_to_whole_minutes() {
        assert_eq!(rate(std::time::Duration::from_secs(30)), "rate(1 minute)");
        assert_eq!(rate(std::time::Duration::from_secs(300)), "rate(5 minutes)");
    }
}
