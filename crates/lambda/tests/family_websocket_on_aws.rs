//! The family's alarms over the WebSocket API, on the wire: `$connect` and `$disconnect` (their
//! handlers, with API Gateway's WebSocket events) against the connections table that moto holds
//! as `infra/family.yaml` declares it, and the alarm policy posting each alarm through the API
//! Gateway Management API to a local stub that answers as the API documents (200 for a live
//! connection, 410 `GoneException` for a gone one, whose row is then deleted). The whole family
//! runs as in `family_on_aws.rs`; only `LIVE_STREAMS`' endpoint is the stub's.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use aws_lambda_events::event::apigw::ApiGatewayWebsocketProxyRequest;
use kernel::LiveStream;
use lambda::{
    emulator::{
        Moto,
        management::ManagementApi,
        system::{Deployment, unwrapped},
    },
    live::{self, Connections, Poster},
};
use serde_json::{Value, json};
use time::OffsetDateTime;

const TEMPLATE: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../infra/family.yaml");
const STREAM: LiveStream = family_alarm::STREAM;

fn event(route: &str, connection: &str, query: Value) -> ApiGatewayWebsocketProxyRequest {
    let kind = if route == "$connect" {
        "CONNECT"
    } else {
        "DISCONNECT"
    };
    serde_json::from_value(json!({
        "headers": { "Host": "a1b2c3d4e5.execute-api.us-east-1.amazonaws.com" },
        "queryStringParameters": query,
        "requestContext": {
            "routeKey": route, "eventType": kind, "stage": "live", "connectionId": connection,
            "apiId": "a1b2c3d4e5", "connectedAt": 0, "requestTimeEpoch": 0,
            "messageDirection": "IN", "requestId": "r1", "domainName": "a1b2c3d4e5.execute-api.us-east-1.amazonaws.com"
        },
        "isBase64Encoded": false,
    }))
    .unwrap()
}

async fn connect(c: &Connections, connection: &str, query: Value) -> i64 {
    live::connect(
        c,
        &STREAM,
        &event("$connect", connection, query),
        OffsetDateTime::now_utc(),
    )
    .await
    .status_code
}

async fn disconnect(c: &Connections, connection: &str) -> i64 {
    live::disconnect(c, &event("$disconnect", connection, json!({})))
        .await
        .status_code
}

struct Family {
    moto: Moto,
    deployment: Deployment,
    http: reqwest::Client,
    connections: Connections,
    management: ManagementApi,
}

impl Family {
    async fn start() -> Self {
        let moto = Moto::start()
            .await
            .unwrap_or_else(|e| panic!("the AWS emulator (moto) could not be started: {e:#}"));
        let management = ManagementApi::start(live::STAGE).await.unwrap();
        // The stack's table under the deployment's prefix; the stub's endpoint for the API's.
        let table = format!(
            "{}-family-alarm-connections",
            lambda::emulator::system::PREFIX
        );
        let streams = serde_json::to_string(&[live::LiveEndpoint {
            channel: STREAM.channel.to_owned(),
            endpoint: management.endpoint.clone(),
            table: table.clone(),
        }])
        .unwrap();
        let deployment = Deployment::start(
            family_system::system(),
            std::path::Path::new(TEMPLATE),
            moto.config(),
            &[("SYNC_TIMEOUT_MS", "3000"), (live::LIVE_STREAMS, &streams)],
            &unwrapped,
        )
        .await
        .unwrap_or_else(|e| panic!("deploying infra/family.yaml: {e:#}\n{}", moto.log_tail()));
        // What the template gives the alarm policy: the real API's endpoint and this table.
        let declared = &deployment
            .stack
            .function("family-alarm-on-move")
            .unwrap()
            .environment[live::LIVE_STREAMS];
        let declared = live::parse(declared).unwrap();
        assert_eq!(declared.len(), 1);
        assert_eq!(declared[0].channel, "alarm");
        assert!(
            declared[0].endpoint.starts_with("https://")
                && declared[0]
                    .endpoint
                    .ends_with(".execute-api.us-east-1.amazonaws.com/live"),
            "{declared:?}"
        );
        assert_eq!(declared[0].table, table);
        // The table the `$connect` and `$disconnect` functions are given.
        let connect_env = &deployment
            .stack
            .function(&live::connect_name("family", &STREAM))
            .unwrap()
            .environment;
        assert_eq!(connect_env[live::CONNECTIONS_TABLE], table);
        let connections = Connections::new(aws_sdk_dynamodb::Client::new(moto.config()), table);
        Self {
            moto,
            deployment,
            http: reqwest::Client::new(),
            connections,
            management,
        }
    }

    async fn post(&self, path: &str, body: Value) -> (u16, Value) {
        let mut request = self.http.post(format!("{}{path}", self.deployment.api.url));
        if !body.is_null() {
            request = request.json(&body);
        }
        let r = request.send().await.unwrap();
        let status = r.status().as_u16();
        (status, r.json().await.unwrap_or(Value::Null))
    }

    async fn pump(&mut self) {
        let pumped = self.deployment.pump().await.unwrap();
        assert_eq!(pumped.failures, 0, "{pumped:?}");
    }

    async fn open(&self, customer: &str) -> Vec<String> {
        let mut ids = self
            .connections
            .of(customer, OffsetDateTime::now_utc())
            .await
            .unwrap();
        ids.sort();
        ids
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn alarms_reach_the_recipients_websockets_and_gone_connections_are_dropped() {
    let mut f = Family::start().await;
    let c = f.connections.clone();

    // $connect: a valid customer id is required, as the SSE stream requires it.
    assert_eq!(connect(&c, "nobody=", json!({})).await, 400);
    assert_eq!(
        connect(&c, "bad=", json!({ "customerId": "a b" })).await,
        400
    );
    assert_eq!(
        connect(&c, "extra=", json!({ "customerId": "son", "x": "1" })).await,
        400
    );
    assert_eq!(
        connect(&c, "phone+1=", json!({ "customerId": "son" })).await,
        200
    );
    assert_eq!(
        connect(&c, "laptop/2=", json!({ "customerId": "son" })).await,
        200
    );
    assert_eq!(
        connect(&c, "closed=", json!({ "customerId": "son" })).await,
        200
    );
    assert_eq!(
        connect(&c, "mom=", json!({ "customerId": "mom" })).await,
        200
    );
    assert_eq!(f.open("son").await, ["closed=", "laptop/2=", "phone+1="]);

    // A row lives two hours (its TTL), as long as API Gateway keeps a connection.
    let row = aws_sdk_dynamodb::Client::new(f.moto.config())
        .get_item()
        .table_name(c.table())
        .key(
            "recipient",
            aws_sdk_dynamodb::types::AttributeValue::S("son".into()),
        )
        .key(
            "connectionId",
            aws_sdk_dynamodb::types::AttributeValue::S("closed=".into()),
        )
        .send()
        .await
        .unwrap()
        .item
        .unwrap();
    let expires: i64 = row["expiresAt"].as_n().unwrap().parse().unwrap();
    let left = expires - OffsetDateTime::now_utc().unix_timestamp();
    assert!((7100..=7200).contains(&left), "{left}");

    // $disconnect knows only the connection id.
    assert_eq!(disconnect(&c, "closed=").await, 200);
    assert_eq!(disconnect(&c, "never-connected=").await, 200);
    assert_eq!(f.open("son").await, ["laptop/2=", "phone+1="]);

    // The family: mom founds it, son joins; mom starts a move → son's alarm.
    for (who, status) in [("mom", 201), ("son", 201)] {
        let (s, body) = f
            .post(
                "/family/customers",
                json!({ "customerId": who, "name": format!("Kim {who}"), "phone": "010-1234-5678", "familyId": "kims" }),
            )
            .await;
        assert_eq!(s, status, "{body}");
    }
    f.pump().await;
    let (s, body) = f
        .post(
            "/family/families/kims/members/son/approve",
            json!({ "approverId": "mom" }),
        )
        .await;
    assert_eq!(s, 200, "{body}");
    f.pump().await;

    // The laptop's page went away without its $disconnect reaching us: 410 → its row deleted.
    f.management.gone("laptop/2=");
    let (s, m) = f
        .post(
            "/family/moves",
            json!({ "customerId": "mom", "start": { "lat": 37.5665, "lon": 126.978 }, "goal": { "lat": 37.4979, "lon": 127.0276 } }),
        )
        .await;
    assert_eq!(s, 201, "{m}");
    f.pump().await;

    let posted = f.management.posted();
    assert_eq!(posted.len(), 1, "only son's live connection: {posted:?}");
    let (connection, message) = &posted[0];
    assert_eq!(connection, "phone+1=");
    assert_eq!(message["channel"], "alarm");
    assert_eq!(message["data"]["customerId"], "son");
    assert_eq!(message["data"]["type"], "MOVE_STARTED");
    assert_eq!(message["data"]["moveId"], m["id"]);
    assert_eq!(
        f.open("son").await,
        ["phone+1="],
        "the gone connection is dropped"
    );
    assert_eq!(
        f.open("mom").await,
        ["mom="],
        "the mover gets no alarm of her own move"
    );

    // Cancelled: son's phone gets the next one too.
    let id = m["id"].as_str().unwrap();
    let (s, body) = f
        .post(&format!("/family/moves/{id}/cancel"), Value::Null)
        .await;
    assert_eq!(s, 200, "{body}");
    f.pump().await;
    let types: Vec<Value> = f
        .management
        .posted()
        .iter()
        .map(|(_, m)| m["data"]["type"].clone())
        .collect();
    assert_eq!(types, [json!("MOVE_STARTED"), json!("MOVE_CANCELLED")]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn the_poster_delivers_drops_the_gone_and_reports_the_failed() {
    let moto = Moto::start().await.unwrap();
    let stack = lambda::emulator::provision(
        TEMPLATE,
        "poster",
        &[
            ("Prefix", "poster"),
            ("ApiId", "emulated"),
            ("AlarmTopicArn", "arn:aws:sns:us-east-1:123456789012:alarms"),
            ("Api5xxAlarm", "emulated-api-5xx"),
        ],
        moto.config(),
    )
    .await
    .unwrap();
    let table = stack.reference("AlarmStreamConnections").unwrap();
    let connections = Connections::new(aws_sdk_dynamodb::Client::new(moto.config()), table);
    let management = ManagementApi::start(live::STAGE).await.unwrap();
    let poster = Poster::new(moto.config(), &management.endpoint, connections.clone());
    let now = OffsetDateTime::now_utc();
    for id in ["a=", "b=", "c=", "d="] {
        connections.open("dad", id, now).await.unwrap();
    }
    // An expired row (DynamoDB deletes them late) is not posted to.
    connections
        .open("dad", "old=", now - time::Duration::hours(3))
        .await
        .unwrap();
    management.gone("b=");
    management.failing("c=");

    let posted = poster.post("dad", br#"{"hello":1}"#, now).await.unwrap();
    assert_eq!(
        posted,
        live::Posted {
            delivered: 2,
            gone: 1,
            failed: 1
        }
    );
    let mut delivered: Vec<String> = management.posted().into_iter().map(|(id, _)| id).collect();
    delivered.sort();
    assert_eq!(delivered, ["a=", "d="]);
    assert_eq!(management.posted()[0].1, json!({ "hello": 1 }));
    let mut open = connections.of("dad", now).await.unwrap();
    open.sort();
    assert_eq!(
        open,
        ["a=", "c=", "d="],
        "the gone one deleted, the failing one kept"
    );
    assert_eq!(
        poster.post("nobody", b"{}", now).await.unwrap(),
        live::Posted::default()
    );
}
