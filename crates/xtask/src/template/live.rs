//! A system's live streams (`System::streams`) on AWS: one API Gateway WebSocket API per stream,
//! with its `$connect` and `$disconnect` Lambdas, their routes, integrations and permissions, a
//! stage that deploys itself, and the connections table (with a TTL). The contexts that notify
//! post to it (`lambda::live`); the stack outputs its `wss://` URL.

use kernel::{LiveStream, System};

use crate::yaml::{Y, list, map, r#ref, s, sub};

use super::{function::Lambda, iam::Grant, live_streams, logical_id, names, pascal};

/// The systems whose live streams are also WebSocket APIs on AWS. Any system with a live stream
/// and a context that notifies can be added; its template, Lambda mains and sample events then
/// follow (`cargo run -p xtask -- generate`).
pub const WEBSOCKET_SYSTEMS: &[&str] = &["family"];

/// The prefix of a stream's resources: channel `alarm` → `AlarmStream` (`AlarmStreamApi`,
/// `AlarmStreamConnections`, `AlarmStreamStage`, ...).
pub fn prefix(stream: &LiveStream) -> String {
    format!("{}Stream", pascal(stream.channel))
}

/// The logical id of a stream's WebSocket API.
pub fn api(stream: &LiveStream) -> String {
    format!("{}Api", prefix(stream))
}

/// The logical id of a stream's connections table.
pub fn table(stream: &LiveStream) -> String {
    format!("{}Connections", prefix(stream))
}

/// The logical id of the stack's output of a stream's `wss://` URL.
pub fn url_output(stream: &LiveStream) -> String {
    format!("{}Url", prefix(stream))
}

/// The Management API's endpoint of a stream, for a `!Sub`.
fn endpoint(stream: &LiveStream) -> String {
    format!(
        "https://${{{}}}.execute-api.${{AWS::Region}}.${{AWS::URLSuffix}}/{}",
        api(stream),
        lambda::live::STAGE
    )
}

/// `LIVE_STREAMS` of a context that notifies: every stream of its system.
pub fn variable(system: &System) -> Option<Y> {
    if live_streams(system).is_empty() {
        return None;
    }
    let streams: Vec<lambda::live::LiveEndpoint> = live_streams(system)
        .iter()
        .map(|stream| lambda::live::LiveEndpoint {
            channel: stream.channel.to_owned(),
            endpoint: endpoint(stream),
            table: format!("${{{}}}", table(stream)),
        })
        .collect();
    Some(sub(serde_json::to_string(&streams).unwrap_or_default()))
}

/// What a context that notifies may do with its system's streams: read and delete connections,
/// and post to them.
pub fn grants(system: &System) -> Vec<Grant> {
    live_streams(system)
        .iter()
        .flat_map(|stream| {
            [
                Grant::Items {
                    table: table(stream),
                    actions: vec!["dynamodb:Query", "dynamodb:DeleteItem"],
                },
                Grant::ManageConnections(api(stream)),
            ]
        })
        .collect()
}

/// The `$connect` and `$disconnect` functions of every stream, by logical id and name.
pub fn functions(system: &System) -> Vec<(String, String)> {
    live_streams(system)
        .iter()
        .flat_map(|stream| {
            [
                lambda::live::connect_name(system.name, stream),
                lambda::live::disconnect_name(system.name, stream),
            ]
        })
        .map(|name| (logical_id(system.name, &name), name))
        .collect()
}

fn connections_table(system: &System, stream: &LiveStream) -> Y {
    use lambda::live::{BY_CONNECTION, CONNECTION_ID, EXPIRES_AT, RECIPIENT};
    let attr = |name: &str| map([("AttributeName", s(name)), ("AttributeType", s("S"))]);
    let key = |name: &str, kind: &str| map([("AttributeName", s(name)), ("KeyType", s(kind))]);
    map([
        ("Type", s("AWS::DynamoDB::Table")),
        (
            "Properties",
            map([
                ("TableName", names::connections(system.name, stream.channel)),
                ("BillingMode", s("PAY_PER_REQUEST")),
                (
                    "AttributeDefinitions",
                    list([attr(RECIPIENT), attr(CONNECTION_ID)]),
                ),
                (
                    "KeySchema",
                    list([key(RECIPIENT, "HASH"), key(CONNECTION_ID, "RANGE")]),
                ),
                (
                    "GlobalSecondaryIndexes",
                    list([map([
                        ("IndexName", s(BY_CONNECTION)),
                        ("KeySchema", list([key(CONNECTION_ID, "HASH")])),
                        ("Projection", map([("ProjectionType", s("KEYS_ONLY"))])),
                    ])]),
                ),
                (
                    "TimeToLiveSpecification",
                    map([("AttributeName", s(EXPIRES_AT)), ("Enabled", Y::Bool(true))]),
                ),
            ]),
        ),
    ])
}

/// One route (`$connect`, `$disconnect`) to function `id` (named `name`): its Lambda, the
/// integration, the route and API Gateway's permission to invoke the function's alias.
fn route(
    system: &System,
    stream: &LiveStream,
    route_key: &str,
    name: &str,
    description: String,
    actions: Vec<&'static str>,
) -> (String, Vec<(String, Y)>) {
    let id = logical_id(system.name, name);
    let api = api(stream);
    let table = table(stream);
    let mut out = Lambda {
        id: id.clone(),
        name: name.to_owned(),
        description,
        environment: vec![(lambda::live::CONNECTIONS_TABLE.to_owned(), r#ref(&table))],
        grants: vec![Grant::Items { table, actions }],
        events: vec![],
        reserved_concurrency: None,
        failures: None,
        extra_alarms: vec![],
    }
    .resources();
    let integration = format!("{id}Integration");
    let route = format!("{id}Route");
    let uri = format!(
        "arn:${{AWS::Partition}}:apigateway:${{AWS::Region}}:lambda:path/2015-03-31/functions/{}/invocations",
        names::alias_arn(name)
    );
    out.push((
        integration.clone(),
        map([
            ("Type", s("AWS::ApiGatewayV2::Integration")),
            (
                "Properties",
                map([
                    ("ApiId", r#ref(&api)),
                    ("IntegrationType", s("AWS_PROXY")),
                    ("IntegrationUri", sub(uri)),
                ]),
            ),
        ]),
    ));
    out.push((
        route.clone(),
        map([
            ("Type", s("AWS::ApiGatewayV2::Route")),
            (
                "Properties",
                map([
                    ("ApiId", r#ref(&api)),
                    ("RouteKey", s(route_key)),
                    ("AuthorizationType", s("NONE")),
                    ("Target", sub(format!("integrations/${{{integration}}}"))),
                ]),
            ),
        ]),
    ));
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
                    (
                        "SourceArn",
                        sub(format!(
                            "arn:${{AWS::Partition}}:execute-api:${{AWS::Region}}:${{AWS::AccountId}}:${{{api}}}/*/{route_key}"
                        )),
                    ),
                ]),
            ),
        ]),
    ));
    (route, out)
}

/// Every resource of one stream.
pub fn resources(system: &System, stream: &LiveStream) -> Vec<(String, Y)> {
    let api = api(stream);
    let what = format!(
        "{}{} (channel {})",
        system.name, stream.path, stream.channel
    );
    let mut out = vec![
        (
            api.clone(),
            map([
                ("Type", s("AWS::ApiGatewayV2::Api")),
                (
                    "Properties",
                    map([
                        ("Name", names::websocket_api(system.name, stream.channel)),
                        (
                            "Description",
                            s(format!(
                                "{what}: the live stream as a WebSocket; connect with ?{}=",
                                stream.recipient
                            )),
                        ),
                        ("ProtocolType", s("WEBSOCKET")),
                        ("RouteSelectionExpression", s("$request.body.action")),
                    ]),
                ),
            ]),
        ),
        (table(stream), connections_table(system, stream)),
    ];
    let (connect, resources) = route(
        system,
        stream,
        "$connect",
        &lambda::live::connect_name(system.name, stream),
        format!(
            "{what}: $connect records the connection under its {}",
            stream.recipient
        ),
        vec!["dynamodb:PutItem"],
    );
    out.extend(resources);
    let (disconnect, resources) = route(
        system,
        stream,
        "$disconnect",
        &lambda::live::disconnect_name(system.name, stream),
        format!("{what}: $disconnect deletes the connection"),
        vec!["dynamodb:Query", "dynamodb:DeleteItem"],
    );
    out.extend(resources);
    out.push((
        format!("{}Stage", prefix(stream)),
        map([
            ("Type", s("AWS::ApiGatewayV2::Stage")),
            // Deployed once the routes exist; AutoDeploy redeploys on every later change.
            ("DependsOn", list([s(connect), s(disconnect)])),
            (
                "Properties",
                map([
                    ("ApiId", r#ref(&api)),
                    ("StageName", s(lambda::live::STAGE)),
                    ("AutoDeploy", Y::Bool(true)),
                ]),
            ),
        ]),
    ));
    out
}

/// What a stream's URL output says it is (in the system's stack and the root's).
pub fn url_description(system: &System, stream: &LiveStream) -> String {
    format!(
        "/{}{} as a WebSocket: connect with ?{}=",
        system.name, stream.path, stream.recipient
    )
}

/// The stack's outputs: each stream's `wss://` URL.
pub fn outputs(system: &System) -> Vec<(String, Y)> {
    live_streams(system)
        .iter()
        .map(|stream| {
            (
                url_output(stream),
                map([
                    ("Description", s(url_description(system, stream))),
                    (
                        "Value",
                        sub(format!(
                            "wss://${{{}}}.execute-api.${{AWS::Region}}.${{AWS::URLSuffix}}/{}",
                            api(stream),
                            lambda::live::STAGE
                        )),
                    ),
                ]),
            )
        })
        .collect()
}
