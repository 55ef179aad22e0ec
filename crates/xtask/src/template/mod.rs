//! `template.yaml` (the root stack) and `infra/<system>.yaml` (one nested stack per system),
//! generated from the function declarations.

mod alarm;
mod function;
mod http;
pub mod iam;
pub mod live;
pub mod names;
mod queue;
mod root;

use std::collections::{BTreeMap, BTreeSet};

use kernel::{ContextId, System, Trigger, function::FnInfo};
use lambda::invoke::InternalRoute;

use crate::yaml::{Y, get_att, int, list, map, r#ref, s, sub, to_string};

pub use root::root;

use alarm::Alarm;
use function::{Failures, Lambda};
use iam::Grant;

/// The condition under which functions that declare reserved concurrency get it.
pub const RESERVED_CONCURRENCY_ON: &str = "ReservedConcurrencyOn";

/// Records a stream retries before giving up on it (it goes to the on-failure queue).
pub const STREAM_RETRIES: i64 = 10;
/// The oldest record a stream's mapping still tries to publish.
pub const STREAM_RECORD_AGE_SECONDS: i64 = 6 * 3600;

/// The binary of a context's stream publisher.
pub fn publisher_name(context: ContextId) -> String {
    lambda::publisher::function_name(context)
}

/// The binary of a system's authorizer (systems with a token policy only).
pub fn authorizer_name(system: &System) -> String {
    lambda::authorizer::function_name(system.name)
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
                .map(|f| f.to_ascii_uppercase().to_string() + &c.as_str().to_ascii_lowercase())
                .unwrap_or_default()
        })
        .collect()
}

fn pascal(word: &str) -> String {
    logical_id("", word)
}

/// The root stack's logical id of a system's nested stack: `museum` → `MuseumSystem`.
pub fn system_stack_id(system: &System) -> String {
    format!("{}System", pascal(system.name))
}

/// The prefix of a context's resources: `museum/book` → `Book` (`BookTable`, `BookTopic`).
pub fn context_prefix(context: ContextId) -> String {
    pascal(context.name)
}

/// The logical id of the secret named `name` (`PETMILY_SIGNING_KEY` → `PetmilySigningKeySecret`).
pub fn secret_id(name: &str) -> String {
    format!("{}Secret", pascal(name))
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

/// Every secret of the system, by name: those its contexts declare and its token signing key.
pub fn secrets(system: &System) -> BTreeSet<&'static str> {
    let mut names: BTreeSet<&'static str> = system
        .contexts
        .iter()
        .flat_map(|c| c.secrets.iter().map(|s| s.name))
        .collect();
    if let Some(policy) = system.auth {
        names.insert(policy.signing_key);
    }
    names
}

/// The internal routes context `caller` may call, with the functions behind them (declared
/// names; `names::alias_arn` makes them ARNs).
pub fn internal_routes(system: &System, caller: ContextId) -> Vec<(InternalRoute, &'static str)> {
    let Some(context) = system.context(caller) else {
        return vec![];
    };
    let mut out = Vec::new();
    for to in context.calls {
        let Some(callee) = system.context(*to) else {
            continue;
        };
        for f in callee.functions() {
            let Trigger::Http(routes) = &f.trigger else {
                continue;
            };
            if !f.internal {
                continue;
            }
            for route in routes {
                out.push((
                    InternalRoute {
                        context: to.to_string(),
                        method: route.method.to_string(),
                        path: format!("/{}{}", system.name, route.path),
                        function: f.name.to_owned(),
                    },
                    f.name,
                ));
            }
        }
    }
    out
}

/// `INTERNAL_ROUTES` as the template writes it: JSON whose functions are `!Sub` alias ARNs.
fn internal_routes_variable(routes: &[(InternalRoute, &str)]) -> Y {
    let with_arns: Vec<InternalRoute> = routes
        .iter()
        .map(|(r, name)| InternalRoute {
            function: names::alias_arn(name),
            ..r.clone()
        })
        .collect();
    sub(serde_json::to_string(&with_arns).unwrap_or_default())
}

fn context_table(context: ContextId, stream: bool) -> Y {
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
        ("TableName".to_owned(), names::table(context)),
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

fn rate(period: std::time::Duration) -> String {
    let minutes = period.as_secs().div_ceil(60).max(1);
    if minutes == 1 {
        "rate(1 minute)".into()
    } else {
        format!("rate({minutes} minutes)")
    }
}

/// The stream's event source: only outbox writes, bounded retries, bisection, and records that
/// still fail sent to the on-failure queue so the shard moves on.
fn stream_event(table: &str, failed: &str) -> Y {
    map([
        ("Type", s("DynamoDB")),
        (
            "Properties",
            map([
                ("Stream", get_att(table, "StreamArn")),
                ("StartingPosition", s("TRIM_HORIZON")),
                ("BatchSize", int(100)),
                ("MaximumRetryAttempts", int(STREAM_RETRIES)),
                ("MaximumRecordAgeInSeconds", int(STREAM_RECORD_AGE_SECONDS)),
                ("BisectBatchOnFunctionError", Y::Bool(true)),
                (
                    "DestinationConfig",
                    map([(
                        "OnFailure",
                        map([("Type", s("SQS")), ("Destination", get_att(failed, "Arn"))]),
                    )]),
                ),
                (
                    "FunctionResponseTypes",
                    list([s("ReportBatchItemFailures")]),
                ),
                (
                    "FilterCriteria",
                    map([(
                        "Filters",
                        list([map([("Pattern", s(lambda::publisher::STREAM_FILTER))])]),
                    )]),
                ),
            ]),
        ),
    ])
}

/// A context's publisher: its stream to its topic, the on-failure queue and the alarms.
fn publisher(context: ContextId) -> Vec<(String, Y)> {
    let prefix = context_prefix(context);
    let (table, topic) = (format!("{prefix}Table"), format!("{prefix}Topic"));
    let id = format!("{prefix}Publisher");
    let name = publisher_name(context);
    let failed = format!("{id}FailedRecords");
    let mut out = vec![
        (
            topic.clone(),
            map([
                ("Type", s("AWS::SNS::Topic")),
                (
                    "Properties",
                    map([
                        ("TopicName", names::topic(context)),
                        ("FifoTopic", Y::Bool(true)),
                    ]),
                ),
            ]),
        ),
        (
            failed.clone(),
            map([
                ("Type", s("AWS::SQS::Queue")),
                (
                    "Properties",
                    map([
                        ("QueueName", names::failed_records(&name)),
                        ("MessageRetentionPeriod", int(1_209_600)),
                    ]),
                ),
            ]),
        ),
        (
            format!("{failed}Alarm"),
            Alarm::sum(
                names::alarm(&name, "failed-records"),
                format!("{context}: stream records could not be published and were set aside; replay them (README, Deploying to AWS)"),
                "AWS/SQS",
                "ApproximateNumberOfMessagesVisible",
                vec![("QueueName", get_att(&failed, "QueueName"))],
                1,
            )
            .resource(),
        ),
        (
            format!("{id}IteratorAge"),
            Alarm {
                statistic: "Maximum",
                ..Alarm::sum(
                    names::alarm(&name, "iterator-age"),
                    format!("{context}: events wait more than a minute to be published"),
                    "AWS/Lambda",
                    "IteratorAge",
                    vec![("FunctionName", names::function(&name))],
                    60_000,
                )
            }
            .resource(),
        ),
    ];
    out.extend(
        Lambda {
            id: id.clone(),
            name: name.clone(),
            description: format!(
                "{context}: publishes the events its table records, in order, to its topic"
            ),
            environment: vec![(lambda::publisher::TOPIC_ARN.to_owned(), r#ref(&topic))],
            grants: vec![
                Grant::Stream(table.clone()),
                Grant::Publish(topic),
                Grant::Send(failed.clone()),
            ],
            events: vec![("Stream".to_owned(), stream_event(&table, &failed))],
            reserved_concurrency: None,
            failures: Some(Failures {
                metric: lambda::metrics::PUBLISH_FAILED,
                what: "events could not be published",
            }),
            extra_alarms: vec![],
        }
        .resources(),
    );
    out
}

/// The logical id of a system's notification topic: the messages its contexts send to people
/// (`BoundedContext::NOTIFIES`), for a real messaging integration to subscribe to.
pub const NOTIFICATIONS_TOPIC: &str = "NotificationsTopic";

/// Whether any context of `system` sends notifications (it then has a notification topic).
pub fn notifies(system: &System) -> bool {
    system.contexts.iter().any(|c| c.notifies)
}

fn notifications_topic(system: &System) -> Y {
    map([
        ("Type", s("AWS::SNS::Topic")),
        (
            "Properties",
            map([("TopicName", names::notifications(system.name))]),
        ),
    ])
}

/// The variables of every function of `context`: its table, the internal routes it may call,
/// its declared settings (with their defaults), its secrets' ARNs and, if it notifies, the
/// notification topic.
fn environment(system: &System, context: &kernel::Context, table: &str) -> Vec<(String, Y)> {
    let mut env = vec![("TABLE_NAME".to_owned(), r#ref(table))];
    if context.notifies {
        env.push((
            lambda::platform::NOTIFY_TOPIC_ARN.to_owned(),
            r#ref(NOTIFICATIONS_TOPIC),
        ));
        if let Some(streams) = live::variable(system) {
            env.push((lambda::live::LIVE_STREAMS.to_owned(), streams));
        }
    }
    let routes = internal_routes(system, context.id);
    if !routes.is_empty() {
        env.push((
            lambda::invoke::INTERNAL_ROUTES.to_owned(),
            internal_routes_variable(&routes),
        ));
    }
    for setting in context.settings {
        env.push((setting.name.to_owned(), s(setting.default)));
    }
    for secret in context.secrets {
        env.push((
            lambda::secrets::arn_variable(secret.name),
            r#ref(secret_id(secret.name)),
        ));
    }
    env
}

fn grants(system: &System, context: &kernel::Context, table: &str, read_only: bool) -> Vec<Grant> {
    let mut grants = vec![Grant::Table {
        table: table.to_owned(),
        read_only,
    }];
    let callees: Vec<String> = internal_routes(system, context.id)
        .into_iter()
        .map(|(_, f)| f.to_owned())
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect();
    if !callees.is_empty() {
        if read_only {
            grants.push(Grant::BreakerState(table.to_owned()));
        }
        grants.push(Grant::Invoke(callees));
    }
    grants.extend(
        context
            .secrets
            .iter()
            .map(|s| Grant::Secret(secret_id(s.name))),
    );
    if context.notifies {
        grants.push(Grant::Publish(NOTIFICATIONS_TOPIC.to_owned()));
        grants.extend(live::grants(system));
    }
    grants
}

fn function(system: &System, context: &kernel::Context, f: &FnInfo) -> Vec<(String, Y)> {
    let id = logical_id(system.name, f.name);
    let table = format!("{}Table", context_prefix(context.id));
    let mut events = Vec::new();
    let mut extra = Vec::new();
    let mut extra_grants = Vec::new();
    let mut extra_alarms = Vec::new();
    let (read_only, description, failures) = match &f.trigger {
        Trigger::Http(routes) => {
            extra = http::routes(system.name, &id, f);
            if !f.internal {
                extra_alarms.push(r#ref("Api5xxAlarm"));
            }
            let keys: Vec<String> = routes
                .iter()
                .map(|r| format!("{} /{}{}", r.method, system.name, r.path))
                .collect();
            let read_only = keys.iter().all(|r| r.starts_with("GET "));
            let internal = if f.internal { " (internal)" } else { "" };
            (
                read_only,
                format!("{}{internal} — {}", keys.join(", "), f.doc.summary()),
                Some(Failures {
                    metric: lambda::metrics::HTTP_FAILED,
                    what: "answered 5xx (other than a dependency's 503)",
                }),
            )
        }
        Trigger::Events { source, types } => {
            extra = queue::resources(&id, f.name, *source, types);
            extra_grants.push(Grant::Queue(format!("{id}Queue")));
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
            (
                false,
                format!("on {} from {source}", types.join(", ")),
                Some(Failures {
                    metric: lambda::metrics::EVENTS_FAILED,
                    what: "event deliveries failed",
                }),
            )
        }
        Trigger::Every(period) => {
            events.push((
                "Schedule".to_owned(),
                map([
                    ("Type", s("Schedule")),
                    ("Properties", map([("Schedule", s(rate(*period)))])),
                ]),
            ));
            (false, format!("every {} s", period.as_secs()), None)
        }
    };
    let mut grants = grants(system, context, &table, read_only);
    grants.extend(extra_grants);
    let mut out = Lambda {
        id,
        name: f.name.to_owned(),
        description,
        environment: environment(system, context, &table),
        grants,
        events,
        reserved_concurrency: f.reserved_concurrency,
        failures,
        extra_alarms,
    }
    .resources();
    out.extend(extra);
    out
}

/// The authorizer function of a system with a token policy, and its API Gateway authorizer.
fn authorizer(system: &System, policy: kernel::auth::TokenPolicy) -> Vec<(String, Y)> {
    let name = authorizer_name(system);
    let id = logical_id(system.name, &name);
    let key = secret_id(policy.signing_key);
    let mut out = Lambda {
        id: id.clone(),
        name: name.clone(),
        description: format!(
            "{}: checks the access token of protected routes",
            system.name
        ),
        environment: vec![(
            lambda::secrets::arn_variable(policy.signing_key),
            r#ref(&key),
        )],
        grants: vec![Grant::Secret(key)],
        events: vec![],
        reserved_concurrency: None,
        failures: None,
        extra_alarms: vec![],
    }
    .resources();
    out.extend(http::authorizer(system.name, &id, &name));
    out
}

fn secret(system: &System, name: &str) -> Y {
    map([
        ("Type", s("AWS::SecretsManager::Secret")),
        (
            "Properties",
            map([
                ("Name", names::secret(system.name, name)),
                (
                    "Description",
                    s(format!("{}: {name}, generated at deploy time", system.name)),
                ),
                (
                    "GenerateSecretString",
                    map([
                        ("PasswordLength", int(64)),
                        ("ExcludePunctuation", Y::Bool(true)),
                    ]),
                ),
            ]),
        ),
    ])
}

fn parameter(kind: &str, description: &str) -> Y {
    map([("Type", s(kind)), ("Description", s(description))])
}

pub fn system(system: &System) -> String {
    let sources = sources(system);
    let mut resources: Vec<(String, Y)> = Vec::new();
    for name in secrets(system) {
        resources.push((secret_id(name), secret(system, name)));
    }
    if notifies(system) {
        resources.push((NOTIFICATIONS_TOPIC.to_owned(), notifications_topic(system)));
    }
    for context in &system.contexts {
        let ctx = context.id;
        let table = format!("{}Table", context_prefix(ctx));
        resources.push((table, context_table(ctx, sources.contains(&ctx))));
        if sources.contains(&ctx) {
            resources.extend(publisher(ctx));
        }
        for f in context.functions() {
            resources.extend(function(system, context, &f));
        }
    }
    for stream in live_streams(system) {
        resources.extend(live::resources(system, stream));
    }
    if let Some(policy) = system.auth {
        resources.extend(authorizer(system, policy));
    }
    let mut parameters: Vec<(String, Y)> = [
        names::parameter(),
        ("ApiId", parameter("String", "The front door's HTTP API")),
        ("AlarmTopicArn", parameter("String", "Where alarms go")),
        (
            "Api5xxAlarm",
            parameter(
                "String",
                "The front door's 5xx alarm: public routes' canaries roll back on it",
            ),
        ),
        root::log_retention_parameter(),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_owned(), v))
    .collect();
    let mut doc = vec![
        ("AWSTemplateFormatVersion", s("2010-09-09")),
        ("Transform", s("AWS::Serverless-2016-10-31")),
        (
            "Description",
            s(format!(
                "{}: a table, topic and publisher per bounded context, and one Lambda per command, query, event handler and timer. Generated by `cargo run -p xtask -- generate`; do not edit.",
                system.title
            )),
        ),
    ];
    if reserves_concurrency(system) {
        let (name, declaration) = root::reserved_concurrency_parameter();
        parameters.push((name.to_owned(), declaration));
        doc.push(("Parameters", Y::Map(parameters)));
        doc.push((
            "Conditions",
            map([(
                RESERVED_CONCURRENCY_ON,
                map([("Fn::Equals", list([r#ref(name), s("on")]))]),
            )]),
        ));
    } else {
        doc.push(("Parameters", Y::Map(parameters)));
    }
    doc.push(("Globals", globals()));
    doc.push(("Resources", Y::Map(resources)));
    let outputs = live_outputs(system);
    if !outputs.is_empty() {
        doc.push(("Outputs", Y::Map(outputs)));
    }
    to_string(&map(doc))
}

/// The live streams a system deploys as WebSocket APIs: those of a system that opts in
/// (`live::WEBSOCKET_SYSTEMS`) and has a context that notifies (a stream carries notifications;
/// with no context to send them it would stay silent).
pub fn live_streams(system: &System) -> &[kernel::LiveStream] {
    if notifies(system) && live::WEBSOCKET_SYSTEMS.contains(&system.name) {
        &system.streams
    } else {
        &[]
    }
}

fn live_outputs(system: &System) -> Vec<(String, Y)> {
    live::outputs(system)
}

fn globals() -> Y {
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
                map([("Variables", map([("RUST_LOG", s("info"))]))]),
            ),
        ]),
    )])
}

/// Whether a function of the system declares reserved concurrency (its stack then takes the
/// `ReservedConcurrency` switch).
pub fn reserves_concurrency(system: &System) -> bool {
    system
        .functions()
        .iter()
        .any(|(_, f)| f.reserved_concurrency.is_some())
}

/// Every function the system deploys (declared, publishers, authorizer) by logical id.
pub fn deployed_functions(system: &System) -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    for (_, f) in system.functions() {
        out.insert(logical_id(system.name, f.name), f.name.to_owned());
    }
    for ctx in sources(system) {
        out.insert(
            format!("{}Publisher", context_prefix(ctx)),
            publisher_name(ctx),
        );
    }
    if system.auth.is_some() {
        let name = authorizer_name(system);
        out.insert(logical_id(system.name, &name), name);
    }
    out.extend(live::functions(system));
    out
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
        assert_eq!(secret_id("PETMILY_SIGNING_KEY"), "PetmilySigningKeySecret");
    }

    #[test]
    fn timers_round_up_to_whole_minutes() {
        assert_eq!(rate(std::time::Duration::from_secs(30)), "rate(1 minute)");
        assert_eq!(rate(std::time::Duration::from_secs(300)), "rate(5 minutes)");
    }
}
