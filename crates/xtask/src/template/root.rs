//! The root stack: the HTTP API every system's routes hang off, the alarm topic, the front
//! door's 5xx alarm, and one nested stack per system.

use kernel::System;

use crate::yaml::{Y, get_att, int, list, map, r#ref, s, sub, to_string};

use super::{alarm::Alarm, names};

pub fn log_retention_parameter() -> (&'static str, Y) {
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

/// Reserved concurrency is refused on accounts whose quota is still the new-account 10, so it
/// is off unless the deployment turns it on.
pub fn reserved_concurrency_parameter() -> (&'static str, Y) {
    (
        "ReservedConcurrency",
        map([
            ("Type", s("String")),
            ("Default", s("off")),
            ("AllowedValues", list([s("off"), s("on")])),
            (
                "Description",
                s(
                    "on: functions that declare reserved concurrency get it (needs an account concurrency quota above 10)",
                ),
            ),
        ]),
    )
}

fn log_group(name: Y) -> Y {
    map([
        ("Type", s("AWS::Logs::LogGroup")),
        (
            "Properties",
            map([
                ("LogGroupName", name),
                ("RetentionInDays", r#ref("LogRetentionDays")),
            ]),
        ),
    ])
}

/// The front door's URL, and each system's live streams' `wss://` URLs (its nested stack's).
fn outputs(systems: &[System]) -> Vec<(String, Y)> {
    let mut out = vec![(
        "ApiUrl".to_owned(),
        map([
            ("Description", s("Base URL of the front door")),
            ("Value", get_att("HttpApi", "ApiEndpoint")),
        ]),
    )];
    for system in systems {
        for stream in super::live_streams(system) {
            let output = super::live::url_output(stream);
            out.push((
                format!(
                    "{}{output}",
                    super::system_stack_id(system).trim_end_matches("System")
                ),
                map([
                    (
                        "Description",
                        s(super::live::url_description(system, stream)),
                    ),
                    (
                        "Value",
                        get_att(
                            &super::system_stack_id(system),
                            &format!("Outputs.{output}"),
                        ),
                    ),
                ]),
            ));
        }
    }
    out
}

pub fn root(systems: &[System]) -> String {
    let prefix = format!("${{{}}}", names::PREFIX);
    let mut resources = vec![
        (
            "HttpApi".to_owned(),
            map([
                ("Type", s("AWS::ApiGatewayV2::Api")),
                (
                    "Properties",
                    map([
                        ("Name", sub(format!("{prefix}-api"))),
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
                                        r#"{"requestId":"$context.requestId","routeKey":"$context.routeKey","status":"$context.status","latencyMs":"$context.responseLatency","integrationError":"$context.integrationErrorMessage","authorizerError":"$context.authorizer.error"}"#,
                                    ),
                                ),
                            ]),
                        ),
                    ]),
                ),
            ]),
        ),
        (
            "ApiAccessLogs".to_owned(),
            log_group(sub(format!("/aws/apigateway/{prefix}-api"))),
        ),
        (
            "AlarmTopic".to_owned(),
            map([
                ("Type", s("AWS::SNS::Topic")),
                (
                    "Properties",
                    map([("TopicName", sub(format!("{prefix}-alarms")))]),
                ),
            ]),
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
        (
            "Api5xxAlarm".to_owned(),
            Alarm::sum(
                names::alarm("api", "5xx"),
                "the front door answered 5xx (rolls back the canary of every public function)"
                    .to_owned(),
                "AWS/ApiGateway",
                "5xx",
                vec![("ApiId", r#ref("HttpApi")), ("Stage", s("$default"))],
                1,
            )
            .resource_to(r#ref("AlarmTopic")),
        ),
    ];
    for system in systems {
        let mut parameters = vec![
            (names::PREFIX, r#ref(names::PREFIX)),
            ("ApiId", r#ref("HttpApi")),
            ("AlarmTopicArn", r#ref("AlarmTopic")),
            ("Api5xxAlarm", r#ref("Api5xxAlarm")),
            ("LogRetentionDays", r#ref("LogRetentionDays")),
        ];
        if super::reserves_concurrency(system) {
            parameters.push(("ReservedConcurrency", r#ref("ReservedConcurrency")));
        }
        resources.push((
            super::system_stack_id(system),
            map([
                ("Type", s("AWS::Serverless::Application")),
                (
                    "Properties",
                    map([
                        ("Location", s(format!("infra/{}.yaml", system.name))),
                        ("Parameters", map(parameters)),
                    ]),
                ),
            ]),
        ));
    }
    let (prefix_name, mut prefix_parameter) = names::parameter();
    if let Y::Map(entries) = &mut prefix_parameter {
        entries.push(("Default".to_owned(), s("event-stormed")));
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
                (prefix_name, prefix_parameter),
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
                reserved_concurrency_parameter(),
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
        ("Outputs", Y::Map(outputs(systems))),
    ]);
    to_string(&doc)
}
