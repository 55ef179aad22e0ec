//! The museum system bound on the AWS platform against moto: tables, topics, queues and
//! subscriptions created from `infra/museum.yaml`, HTTP functions behind an emulated API Gateway,
//! and a pump that moves events the way Lambda's event source mappings do.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use std::{
    collections::{BTreeMap, HashMap},
    sync::{Arc, Mutex},
};

use aws_lambda_events::event::sqs::SqsEvent;
use kernel::{
    AppError, ContextId, Envelope, Function, System, function::EventInvoke, function::Invoke,
};
use lambda::{
    AwsPlatform, Settings,
    emulator::{
        Moto, StreamReader,
        api::{self, ApiGateway},
        deliver, provision,
    },
    entry::events::handle_batch,
    publisher::{SnsPublisher, publish_batch},
};
use serde_json::{Value, json};
use xtask::template::{context_prefix, logical_id, sources};

const TEMPLATE: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../infra/museum.yaml");

pub fn museum() -> System {
    museum_system::system()
}

/// Counts what reaches AWS, by operation, from a reverse proxy in front of moto.
pub mod counting {
    use super::*;
    use axum::{body::Body, extract::Request, response::Response};

    #[derive(Clone, Default)]
    pub struct Counts(pub Arc<Mutex<BTreeMap<String, u64>>>);

    impl Counts {
        pub fn snapshot(&self) -> BTreeMap<String, u64> {
            self.0.lock().unwrap().clone()
        }
        fn add(&self, key: String, n: u64) {
            *self.0.lock().unwrap().entry(key).or_default() += n;
        }
    }

    /// `DynamoDB.TransactWriteItems`, `SQS.ReceiveMessage`, `SNS.Publish`, ...
    fn operation(headers: &http::HeaderMap, body: &[u8]) -> String {
        if let Some(target) = headers.get("x-amz-target").and_then(|v| v.to_str().ok()) {
            let (service, op) = target.split_once('.').unwrap_or(("?", target));
            let service = match service {
                s if s.starts_with("DynamoDBStreams") => "DynamoDBStreams",
                s if s.starts_with("DynamoDB") => "DynamoDB",
                s if s.starts_with("AmazonSQS") => "SQS",
                s => s,
            };
            return format!("{service}.{op}");
        }
        let form = String::from_utf8_lossy(body);
        let action = form
            .split('&')
            .find_map(|kv| kv.strip_prefix("Action="))
            .unwrap_or("?");
        format!("SNS.{action}")
    }

    pub async fn proxy(target: String) -> (String, Counts) {
        let counts = Counts::default();
        let listener = tokio::net::TcpListener::bind(("127.0.0.1", 0))
            .await
            .unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        let client = reqwest::Client::new();
        let tally = counts.clone();
        let forward = move |req: Request| {
            let (client, target, tally) = (client.clone(), target.clone(), tally.clone());
            async move {
                let (parts, body) = req.into_parts();
                let body = axum::body::to_bytes(body, usize::MAX).await.unwrap();
                let op = operation(&parts.headers, &body);
                if op == "DynamoDB.TransactWriteItems" {
                    let items = serde_json::from_slice::<Value>(&body)
                        .ok()
                        .and_then(|v| v["TransactItems"].as_array().map(Vec::len));
                    tally.add(
                        "DynamoDB.TransactWriteItems.items".into(),
                        items.unwrap_or(0) as u64,
                    );
                }
                tally.add(op, 1);
                let mut upstream = client.request(parts.method, format!("{target}{}", parts.uri));
                for (k, v) in &parts.headers {
                    if k != http::header::HOST {
                        upstream = upstream.header(k, v);
                    }
                }
                let r = upstream.body(body).send().await.unwrap();
                let mut response = Response::builder().status(r.status());
                for (k, v) in r.headers() {
                    response = response.header(k, v);
                }
                response.body(Body::from(r.bytes().await.unwrap())).unwrap()
            }
        };
        let app = axum::Router::new().fallback(forward);
        tokio::spawn(async move { axum::serve(listener, app).await });
        (url, counts)
    }
}

type Fault = Box<dyn FnMut(&Envelope) -> bool + Send>;

pub struct Stream {
    pub context: ContextId,
    pub reader: StreamReader,
    pub publisher: SnsPublisher,
}

pub struct Queue {
    pub name: &'static str,
    pub url: String,
    pub dead_letters: String,
    pub invoke: EventInvoke,
}

/// What pumping the event flow did.
#[derive(Debug, Default, Clone, Copy)]
pub struct Pumped {
    pub publisher_invocations: u64,
    pub handler_invocations: u64,
    pub failures: u64,
}

pub struct Museum {
    /// Kept alive: dropping it stops the emulator.
    pub _moto: Moto,
    pub api: ApiGateway,
    pub http: reqwest::Client,
    pub streams: Vec<Stream>,
    pub queues: Vec<Queue>,
    pub faults: Arc<Mutex<HashMap<&'static str, Fault>>>,
    pub counts: counting::Counts,
    pub sqs: aws_sdk_sqs::Client,
    /// Every function, bound on its context's AWS platform.
    pub functions: Vec<Function>,
    /// Each context's store (its DynamoDB table), by context name.
    pub stores: BTreeMap<&'static str, Arc<dyn kernel::store::Store>>,
}

impl Museum {
    pub async fn start() -> Self {
        let moto = Moto::start()
            .await
            .unwrap_or_else(|e| panic!("the AWS emulator (moto) could not be started: {e:#}"));
        let (proxy, counts) = counting::proxy(moto.endpoint().to_owned()).await;
        let config = moto.config().to_builder().endpoint_url(&proxy).build();
        let (listener, api_url) = api::listen().await.unwrap();
        let parameters = [
            ("ApiId", "emulated"),
            ("ApiEndpoint", api_url.as_str()),
            ("AlarmTopicArn", "arn:aws:sns:us-east-1:123456789012:alarms"),
        ];
        let stack = provision(TEMPLATE, "museum-test", &parameters, &config)
            .await
            .unwrap_or_else(|e| {
                panic!("provisioning infra/museum.yaml: {e:#}\n{}", moto.log_tail())
            });

        let system = museum();
        let faults: Arc<Mutex<HashMap<&'static str, Fault>>> = Arc::default();
        let mut functions: Vec<Function> = Vec::new();
        let mut stores = BTreeMap::new();
        for context in &system.contexts {
            let table = stack
                .reference(&format!("{}Table", context_prefix(context.id)))
                .unwrap();
            let settings = Settings::from_pairs([
                ("TABLE_NAME", table),
                ("API_BASE_URL", api_url.as_str()),
                ("SYNC_TIMEOUT_MS", "3000"),
                ("MUSEUM_HOLD_SECONDS", "0"),
            ]);
            let platform = AwsPlatform::new(&config, settings).unwrap();
            stores.insert(
                context.id.name,
                kernel::Platform::store(&platform, context.id).unwrap(),
            );
            functions.extend(context.build(&platform).unwrap());
        }
        let api = api::serve(listener, &functions);

        let mut streams = Vec::new();
        for source in sources(&system) {
            let prefix = context_prefix(source);
            let arn = stack
                .attribute(&format!("{prefix}Table"), "StreamArn")
                .unwrap();
            streams.push(Stream {
                context: source,
                reader: StreamReader::open(aws_sdk_dynamodbstreams::Client::new(&config), arn)
                    .await
                    .unwrap(),
                publisher: SnsPublisher::new(
                    aws_sdk_sns::Client::new(&config),
                    stack.reference(&format!("{prefix}Topic")).unwrap(),
                ),
            });
        }
        let mut queues = Vec::new();
        for f in &functions {
            let Invoke::Event(inner) = &f.invoke else {
                continue;
            };
            let id = logical_id(system.name, f.info.name);
            queues.push(Queue {
                name: f.info.name,
                url: stack.reference(&format!("{id}Queue")).unwrap().to_owned(),
                dead_letters: stack
                    .reference(&format!("{id}DeadLetters"))
                    .unwrap()
                    .to_owned(),
                invoke: with_faults(f.info.name, inner.clone(), faults.clone()),
            });
        }
        let sqs = aws_sdk_sqs::Client::new(&config);
        Self {
            _moto: moto,
            api,
            http: reqwest::Client::new(),
            streams,
            queues,
            faults,
            counts,
            sqs,
            functions,
            stores,
        }
    }

    /// Moves events until nothing moves: each table's stream to its publisher, each queue to its
    /// handler; failed messages are visible again at once.
    pub async fn pump(&mut self) -> Pumped {
        let mut total = Pumped::default();
        for _round in 0..50 {
            let mut moved = 0;
            for stream in &mut self.streams {
                let batch = stream.reader.next_batch().await.unwrap();
                if batch.records.is_empty() {
                    continue;
                }
                moved += batch.records.len();
                total.publisher_invocations += 1;
                let response = publish_batch(&stream.publisher, batch).await;
                assert!(response.batch_item_failures.is_empty(), "publishing failed");
            }
            for queue in &self.queues {
                let delivery = deliver(&self.sqs, &queue.url, |event| {
                    handle_batch(queue.name, &queue.invoke, event)
                })
                .await
                .unwrap();
                if delivery.received > 0 {
                    total.handler_invocations += 1;
                    total.failures += delivery.failed as u64;
                    moved += delivery.received;
                }
            }
            if moved == 0 {
                return total;
            }
        }
        panic!("the event flow did not settle in 50 rounds");
    }

    pub fn fail(
        &self,
        function: &'static str,
        fault: impl FnMut(&Envelope) -> bool + Send + 'static,
    ) {
        self.faults
            .lock()
            .unwrap()
            .insert(function, Box::new(fault));
    }

    pub fn heal(&self, function: &'static str) {
        self.faults.lock().unwrap().remove(function);
    }

    pub fn queue(&self, function: &str) -> &Queue {
        self.queues.iter().find(|q| q.name == function).unwrap()
    }

    pub async fn call(
        &self,
        method: reqwest::Method,
        path: &str,
        body: Option<Value>,
    ) -> (u16, Value) {
        let mut req = self.http.request(method, format!("{}{path}", self.api.url));
        if let Some(b) = body {
            req = req.json(&b);
        }
        let r = req.send().await.unwrap();
        let status = r.status().as_u16();
        (status, r.json().await.unwrap_or(Value::Null))
    }

    pub async fn get(&self, path: &str) -> Value {
        let (status, body) = self.call(reqwest::Method::GET, path, None).await;
        assert_eq!(status, 200, "GET {path}: {body}");
        body
    }

    pub async fn exhibition(&self, capacity: u32) -> String {
        let (status, body) = self
            .call(
                reqwest::Method::POST,
                "/museum/museums",
                Some(json!({ "hall": "Hall A", "date": "2026-12-24", "capacity": capacity })),
            )
            .await;
        assert_eq!(status, 201, "{body}");
        body["id"].as_str().unwrap().to_owned()
    }

    pub async fn book(&self, museum: &str, user: &str, seats: u32) -> (u16, Value) {
        self.call(
            reqwest::Method::POST,
            "/museum/books",
            Some(json!({ "museumId": museum, "userId": user, "seats": seats })),
        )
        .await
    }

    pub async fn capacity(&self, museum: &str) -> u64 {
        self.get(&format!("/museum/museums/{museum}")).await["capacity"]
            .as_u64()
            .unwrap()
    }
}

/// The handler, failing while a fault for `function` says so (a crash, a downstream error).
fn with_faults(
    function: &'static str,
    inner: EventInvoke,
    faults: Arc<Mutex<HashMap<&'static str, Fault>>>,
) -> EventInvoke {
    Arc::new(move |event: Envelope| {
        let failing = faults
            .lock()
            .unwrap()
            .get_mut(function)
            .is_some_and(|fault| fault(&event));
        if failing {
            Box::pin(async { Err(AppError::internal(anyhow::anyhow!("injected fault"))) })
        } else {
            inner(event)
        }
    })
}

pub fn body_of(event: &SqsEvent, i: usize) -> Envelope {
    serde_json::from_str(event.records[i].body.as_deref().unwrap()).unwrap()
}

pub fn diff(
    after: &BTreeMap<String, u64>,
    before: &BTreeMap<String, u64>,
) -> BTreeMap<String, u64> {
    after
        .iter()
        .map(|(k, v)| (k.clone(), v - before.get(k).copied().unwrap_or(0)))
        .filter(|(_, v)| *v > 0)
        .collect()
}
