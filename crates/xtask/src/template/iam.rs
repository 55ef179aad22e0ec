//! One explicit role per function, its inline policy scoped to the exact resources the function
//! uses. SAM's policy templates and event sources would grant `Resource: "*"` for SQS and streams.

use crate::yaml::{Y, get_att, list, map, r#ref, s, sub};

use super::names;

/// What a function may touch; each becomes one statement on exact ARNs.
#[derive(Clone, Debug)]
pub enum Grant {
    /// The context's table (logical id) and its indexes; writes unless `read_only`.
    Table { table: String, read_only: bool },
    /// Writing the breaker items of a table (`BREAKER#...`) only: a read-only function that
    /// calls another context shares its breaker's state through the table.
    BreakerState(String),
    /// Receiving and deleting from its own queue (the SQS event source).
    Queue(String),
    /// Reading a table's stream (the stream event source).
    Stream(String),
    /// Publishing to a topic.
    Publish(String),
    /// Sending to a queue (a stream's on-failure destination).
    Send(String),
    /// `lambda:InvokeFunction` on these internal functions' `live` aliases.
    Invoke(Vec<String>),
    /// Reading one secret.
    Secret(String),
    /// These actions on a table (logical id) and its indexes: a live stream's connections.
    Items {
        table: String,
        actions: Vec<&'static str>,
    },
    /// Posting to (and closing) the connections of a WebSocket API (logical id), stage `live`.
    ManageConnections(String),
}

/// The only action granted on `*`: DynamoDB's `ListStreams` names no resource (AWS's Service
/// Authorization Reference lists none for it), and Lambda's stream event source calls it.
pub const UNSCOPED_ACTIONS: &[&str] = &["dynamodb:ListStreams"];

fn statement(actions: &[&str], resources: Vec<Y>) -> Y {
    map([
        ("Effect", s("Allow")),
        ("Action", list(actions.iter().map(|a| s(*a)))),
        ("Resource", list(resources)),
    ])
}

fn statements(grant: &Grant) -> Vec<Y> {
    match grant {
        Grant::Table { table, read_only } => {
            let mut actions = vec![
                "dynamodb:GetItem",
                "dynamodb:BatchGetItem",
                "dynamodb:Query",
                "dynamodb:ConditionCheckItem",
            ];
            if !read_only {
                actions.extend([
                    "dynamodb:PutItem",
                    "dynamodb:UpdateItem",
                    "dynamodb:DeleteItem",
                ]);
            }
            vec![statement(
                &actions,
                vec![
                    get_att(table, "Arn"),
                    sub(format!("${{{table}.Arn}}/index/*")),
                ],
            )]
        }
        Grant::BreakerState(table) => vec![map([
            ("Effect", s("Allow")),
            ("Action", list([s("dynamodb:PutItem")])),
            ("Resource", list([get_att(table, "Arn")])),
            (
                "Condition",
                map([(
                    "ForAllValues:StringLike",
                    map([("dynamodb:LeadingKeys", list([s("BREAKER#*")]))]),
                )]),
            ),
        ])],
        Grant::Queue(queue) => vec![statement(
            &[
                "sqs:ReceiveMessage",
                "sqs:DeleteMessage",
                "sqs:ChangeMessageVisibility",
                "sqs:GetQueueAttributes",
            ],
            vec![get_att(queue, "Arn")],
        )],
        Grant::Stream(table) => vec![
            statement(
                &[
                    "dynamodb:DescribeStream",
                    "dynamodb:GetRecords",
                    "dynamodb:GetShardIterator",
                ],
                vec![get_att(table, "StreamArn")],
            ),
            statement(UNSCOPED_ACTIONS, vec![s("*")]),
        ],
        Grant::Publish(topic) => vec![statement(&["sns:Publish"], vec![r#ref(topic)])],
        Grant::Send(queue) => vec![statement(&["sqs:SendMessage"], vec![get_att(queue, "Arn")])],
        Grant::Invoke(functions) => vec![statement(
            &["lambda:InvokeFunction"],
            functions.iter().map(|f| sub(names::alias_arn(f))).collect(),
        )],
        Grant::Secret(secret) => vec![statement(
            &["secretsmanager:GetSecretValue"],
            vec![r#ref(secret)],
        )],
        Grant::Items { table, actions } => vec![statement(
            actions,
            vec![
                get_att(table, "Arn"),
                sub(format!("${{{table}.Arn}}/index/*")),
            ],
        )],
        Grant::ManageConnections(api) => vec![statement(
            &["execute-api:ManageConnections"],
            vec![sub(format!(
                "arn:${{AWS::Partition}}:execute-api:${{AWS::Region}}:${{AWS::AccountId}}:${{{api}}}/{}/POST/@connections/*",
                lambda::live::STAGE
            ))],
        )],
    }
}

/// The role of function `name`, writing to its log group `logs` (logical id).
pub fn role(name: &str, logs: &str, grants: &[Grant]) -> Y {
    let mut all = vec![statement(
        &["logs:CreateLogStream", "logs:PutLogEvents"],
        vec![get_att(logs, "Arn")],
    )];
    all.extend(grants.iter().flat_map(statements));
    map([
        ("Type", s("AWS::IAM::Role")),
        (
            "Properties",
            map([
                ("RoleName", names::role(name)),
                (
                    "AssumeRolePolicyDocument",
                    map([
                        ("Version", s("2012-10-17")),
                        (
                            "Statement",
                            list([map([
                                ("Effect", s("Allow")),
                                ("Principal", map([("Service", s("lambda.amazonaws.com"))])),
                                ("Action", s("sts:AssumeRole")),
                            ])]),
                        ),
                    ]),
                ),
                (
                    "Policies",
                    list([map([
                        ("PolicyName", s("least-privilege")),
                        (
                            "PolicyDocument",
                            map([("Version", s("2012-10-17")), ("Statement", Y::List(all))]),
                        ),
                    ])]),
                ),
            ]),
        ),
    ])
}
