//! `events/<system>/<function>.json`: one realistic sample event per Lambda, in the shape AWS
//! delivers it (API Gateway HTTP API v2, SQS FIFO batch, DynamoDB Streams batch, EventBridge
//! schedule, API Gateway WebSocket `$connect` / `$disconnect`), for `sam local invoke -e` and `cargo lambda invoke --data-file`.

use kernel::{ContextId, Envelope, System, Trigger, function::FnInfo, openapi::path_params};
use serde_json::{Value, json};

const ACCOUNT: &str = "123456789012";
const REGION: &str = "ap-northeast-2";
const API: &str = "a1b2c3d4e5";
const TIME: &str = "24/Dec/2026:10:00:00 +0000";
const EPOCH_MS: i64 = 1_798_106_400_000;

pub fn for_system(system: &System) -> Vec<(String, Value)> {
    let samples = (system.samples)();
    let mut out = Vec::new();
    for context in &system.contexts {
        for f in context.functions() {
            let event = match &f.trigger {
                Trigger::Http(routes) => http(system, &f, &routes[0]),
                Trigger::Events { source, types } => sqs(&f, *source, types, &samples),
                Trigger::Every(_) => schedule(&f),
            };
            out.push((f.name.to_owned(), event));
        }
        let recorded: Vec<&Envelope> = samples
            .iter()
            .filter(|e| e.source == context.id.to_string())
            .collect();
        if crate::template::sources(system).contains(&context.id) {
            out.push((
                crate::template::publisher_name(context.id),
                stream(context.id, &recorded),
            ));
        }
    }
    for stream in crate::template::live_streams(system) {
        let recipient = (system.sample_id)(stream.path, stream.recipient);
        out.push((
            lambda::live::connect_name(system.name, stream),
            websocket(stream, Some(recipient)),
        ));
        out.push((
            lambda::live::disconnect_name(system.name, stream),
            websocket(stream, None),
        ));
    }
    out
}

/// A WebSocket API's `$connect` (with the recipient in the query string) or `$disconnect`.
fn websocket(stream: &kernel::LiveStream, recipient: Option<&str>) -> Value {
    let (route, kind) = match recipient {
        Some(_) => ("$connect", "CONNECT"),
        None => ("$disconnect", "DISCONNECT"),
    };
    let host = format!("{API}.execute-api.{REGION}.amazonaws.com");
    let mut event = json!({
        "headers": { "Host": host, "x-correlation-id": format!("sample-{}", stream.channel) },
        "multiValueHeaders": { "Host": [host] },
        "requestContext": {
            "routeKey": route,
            "eventType": kind,
            "extendedRequestId": format!("sample-{}-{kind}", stream.channel),
            "requestTime": TIME,
            "messageDirection": "IN",
            "stage": lambda::live::STAGE,
            "connectedAt": EPOCH_MS,
            "requestTimeEpoch": EPOCH_MS,
            "identity": { "sourceIp": "203.0.113.7", "userAgent": "Mozilla/5.0" },
            "requestId": format!("sample-{}-{kind}", stream.channel),
            "domainName": host,
            "connectionId": "L0SM9cOFvHcCIhw=",
            "apiId": API,
        },
        "isBase64Encoded": false,
    });
    match recipient {
        Some(id) => {
            event["headers"]["Sec-WebSocket-Version"] = json!("13");
            event["queryStringParameters"] = json!({ stream.recipient: id });
            event["multiValueQueryStringParameters"] = json!({ stream.recipient: [id] });
        }
        None => {
            event["requestContext"]["disconnectStatusCode"] = json!(1001);
            event["requestContext"]["disconnectReason"] = json!("Going away");
        }
    }
    event
}

fn http(system: &System, f: &FnInfo, route: &kernel::function::Route) -> Value {
    let (name, sample_id) = (system.name, system.sample_id);
    let system = name;
    let mut path = format!("/{system}{}", route.path);
    let params: Vec<&str> = path_params(route.path).collect();
    let mut path_parameters = serde_json::Map::new();
    for p in &params {
        let id = sample_id(route.path, p);
        path = path.replace(&format!("{{{p}}}"), id);
        path_parameters.insert((*p).to_owned(), json!(id));
    }
    let query = f.doc.example_query();
    let raw_query = query
        .iter()
        .map(|(k, v)| format!("{k}={v}"))
        .collect::<Vec<_>>()
        .join("&");
    let route_key = format!("{} /{system}{}", route.method, route.path);
    let mut event = json!({
        "version": "2.0",
        "routeKey": route_key,
        "rawPath": path,
        "rawQueryString": raw_query,
        "headers": {
            "accept": "application/json",
            "content-type": "application/json",
            "host": format!("{API}.execute-api.{REGION}.amazonaws.com"),
            "user-agent": "curl/8.5.0",
            "x-correlation-id": format!("sample-{}", f.name),
        },
        "requestContext": {
            "accountId": ACCOUNT,
            "apiId": API,
            "domainName": format!("{API}.execute-api.{REGION}.amazonaws.com"),
            "domainPrefix": API,
            "http": {
                "method": route.method.as_str(),
                "path": path,
                "protocol": "HTTP/1.1",
                "sourceIp": "203.0.113.7",
                "userAgent": "curl/8.5.0",
            },
            "requestId": format!("sample-{}", f.name),
            "routeKey": route_key,
            "stage": "$default",
            "time": TIME,
            "timeEpoch": EPOCH_MS,
        },
        "isBase64Encoded": false,
    });
    if !path_parameters.is_empty() {
        event["pathParameters"] = Value::Object(path_parameters);
    }
    // A protected route's request arrives with what the authorizer established: the caller
    // the system names for this route (`sample_id(path, "principal")`) and the role it needs.
    if f.access.is_protected() {
        let roles: Vec<&str> = match f.access {
            kernel::Access::Role(role) => vec![role],
            _ => vec![],
        };
        event["requestContext"]["authorizer"] = json!({
            "lambda": { "sub": sample_id(route.path, "principal"), "roles": roles }
        });
    }
    if !query.is_empty() {
        event["queryStringParameters"] = query
            .into_iter()
            .map(|(k, v)| (k, Value::String(v)))
            .collect();
    }
    if let Some(mut body) = f.doc.example_body() {
        // Ids in a body name the same sample resources as the path's ids do.
        if let Some(fields) = body.as_object_mut() {
            for (field, value) in fields.iter_mut() {
                if field.ends_with("Id") && value.is_string() {
                    *value = json!(sample_id(route.path, field));
                }
            }
        }
        event["body"] = Value::String(body.to_string());
    }
    event
}

fn sqs(f: &FnInfo, source: ContextId, types: &[&str], samples: &[Envelope]) -> Value {
    let queue = format!("arn:aws:sqs:{REGION}:{ACCOUNT}:{}.fifo", f.name);
    let records: Vec<Value> = types
        .iter()
        .filter_map(|t| samples.iter().find(|e| e.event_type == *t && e.source == source.to_string()))
        .enumerate()
        .map(|(i, e)| {
            json!({
                "messageId": format!("00000000-0000-4000-8000-{:012}", i + 1),
                "receiptHandle": format!("sample-receipt-{}", i + 1),
                "body": serde_json::to_string(e).unwrap_or_default(),
                "attributes": {
                    "ApproximateReceiveCount": "1",
                    "SentTimestamp": EPOCH_MS.to_string(),
                    "SequenceNumber": format!("{:020}", i + 1),
                    "MessageGroupId": e.aggregate_id,
                    "SenderId": "AIDASAMPLE",
                    "MessageDeduplicationId": e.event_id,
                    "ApproximateFirstReceiveTimestamp": EPOCH_MS.to_string(),
                },
                "messageAttributes": {
                    "eventType": { "stringValue": e.event_type, "stringListValues": [], "binaryListValues": [], "dataType": "String" }
                },
                "md5OfBody": "",
                "eventSource": "aws:sqs",
                "eventSourceARN": queue,
                "awsRegion": REGION,
            })
        })
        .collect();
    json!({ "Records": records })
}

/// A JSON value as a DynamoDB attribute value, as the stream carries it.
fn attribute(v: &Value) -> Value {
    match v {
        Value::Null => json!({ "NULL": true }),
        Value::Bool(b) => json!({ "BOOL": b }),
        Value::Number(n) => json!({ "N": n.to_string() }),
        Value::String(s) => json!({ "S": s }),
        Value::Array(items) => json!({ "L": items.iter().map(attribute).collect::<Vec<_>>() }),
        Value::Object(map) => {
            json!({ "M": map.iter().map(|(k, v)| (k.clone(), attribute(v))).collect::<serde_json::Map<_, _>>() })
        }
    }
}

fn stream(context: ContextId, recorded: &[&Envelope]) -> Value {
    let table = format!(
        "arn:aws:dynamodb:{REGION}:{ACCOUNT}:table/event-stormed-{}-{}",
        context.system, context.name
    );
    let records: Vec<Value> = recorded
        .iter()
        .enumerate()
        .map(|(i, e)| {
            let pk = format!("OUTBOX#{}#{}", e.aggregate_type, e.aggregate_id);
            let envelope = serde_json::to_value(e).unwrap_or_default();
            json!({
                "eventID": format!("sample-{}", i + 1),
                "eventName": "INSERT",
                "eventVersion": "1.1",
                "eventSource": "aws:dynamodb",
                "awsRegion": REGION,
                "dynamodb": {
                    "ApproximateCreationDateTime": EPOCH_MS / 1000,
                    "Keys": { "pk": { "S": pk }, "sk": { "S": "OUTBOX" } },
                    "NewImage": {
                        "pk": { "S": pk },
                        "sk": { "S": "OUTBOX" },
                        "itemType": { "S": "OUTBOX" },
                        "aggregateId": { "S": e.aggregate_id },
                        "events": { "L": [attribute(&envelope)] },
                        "expiresAt": { "N": (EPOCH_MS / 1000 + 7 * 86_400).to_string() },
                    },
                    "SequenceNumber": format!("{}", 100_000_000_000_000_000_000u128 + i as u128),
                    "SizeBytes": 512,
                    "StreamViewType": "NEW_IMAGE",
                },
                "eventSourceARN": format!("{table}/stream/2026-12-24T00:00:00.000"),
            })
        })
        .collect();
    json!({ "Records": records })
}

fn schedule(f: &FnInfo) -> Value {
    json!({
        "version": "0",
        "id": "00000000-0000-4000-8000-000000000001",
        "detail-type": "Scheduled Event",
        "source": "aws.events",
        "account": ACCOUNT,
        "time": "2026-12-24T10:00:00Z",
        "region": REGION,
        "resources": [format!("arn:aws:events:{REGION}:{ACCOUNT}:rule/{}", f.name)],
        "detail": {},
    })
}
