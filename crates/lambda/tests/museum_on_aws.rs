//! The museum system on AWS's wire protocols, end to end: every function bound on the AWS
//! platform against moto, whose tables, topics, queues and subscriptions are created from
//! `infra/museum.yaml` itself; HTTP through an emulated API Gateway (so book's synchronous call to
//! museum goes over HTTP); events through DynamoDB Streams → publisher → SNS FIFO → SQS FIFO →
//! handler, polled the way Lambda's event source mappings poll them.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::{
    collections::{BTreeMap, HashMap},
    sync::{Arc, Mutex},
};

use aws_lambda_events::event::sqs::SqsEvent;
use kernel::{
    AppError, Context, Envelope, Function, System, function::EventInvoke, function::Invoke,
};
use lambda::{
    AwsPlatform, Settings,
    emulator::{
        Moto, StreamReader,
        api::{self, ApiGateway},
        deliver, provision, receive_event,
    },
    entry::events::handle_batch,
    publisher::{SnsPublisher, publish_batch},
};
use serde_json::{Value, json};
use xtask::template::{context_prefix, logical_id, sources};

const TEMPLATE: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../infra/museum.yaml");

fn museum() -> System {
    System {
        name: museum_events::SYSTEM,
        title: "museum",
        contexts: vec![
            Context::of::<museum_museum::MuseumContext>(),
            Context::of::<museum_book::BookContext>(),
            Context::of::<museum_confirm::ConfirmContext>(),
            Context::of::<museum_mypage::MypageContext>(),
        ],
        samples: museum_events::samples,
    }
}

/// Counts what reaches AWS, by operation, from a reverse proxy in front of moto.
mod counting {
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

struct Stream {
    reader: StreamReader,
    publisher: SnsPublisher,
}

struct Queue {
    name: &'static str,
    url: String,
    dead_letters: String,
    invoke: EventInvoke,
}

/// What pumping the event flow did.
#[derive(Debug, Default, Clone, Copy)]
struct Pumped {
    publisher_invocations: u64,
    handler_invocations: u64,
    failures: u64,
}

struct Museum {
    /// Kept alive: dropping it stops the emulator.
    _moto: Moto,
    api: ApiGateway,
    http: reqwest::Client,
    streams: Vec<Stream>,
    queues: Vec<Queue>,
    faults: Arc<Mutex<HashMap<&'static str, Fault>>>,
    counts: counting::Counts,
    sqs: aws_sdk_sqs::Client,
}

impl Museum {
    async fn start() -> Self {
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
        }
    }

    /// Moves events until nothing moves: each table's stream to its publisher, each queue to its
    /// handler; failed messages are visible again at once.
    async fn pump(&mut self) -> Pumped {
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

    fn fail(&self, function: &'static str, fault: impl FnMut(&Envelope) -> bool + Send + 'static) {
        self.faults
            .lock()
            .unwrap()
            .insert(function, Box::new(fault));
    }

    fn heal(&self, function: &'static str) {
        self.faults.lock().unwrap().remove(function);
    }

    fn queue(&self, function: &str) -> &Queue {
        self.queues.iter().find(|q| q.name == function).unwrap()
    }

    async fn call(&self, method: reqwest::Method, path: &str, body: Option<Value>) -> (u16, Value) {
        let mut req = self.http.request(method, format!("{}{path}", self.api.url));
        if let Some(b) = body {
            req = req.json(&b);
        }
        let r = req.send().await.unwrap();
        let status = r.status().as_u16();
        (status, r.json().await.unwrap_or(Value::Null))
    }

    async fn get(&self, path: &str) -> Value {
        let (status, body) = self.call(reqwest::Method::GET, path, None).await;
        assert_eq!(status, 200, "GET {path}: {body}");
        body
    }

    async fn exhibition(&self, capacity: u32) -> String {
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

    async fn book(&self, museum: &str, user: &str, seats: u32) -> (u16, Value) {
        self.call(
            reqwest::Method::POST,
            "/museum/books",
            Some(json!({ "museumId": museum, "userId": user, "seats": seats })),
        )
        .await
    }

    async fn capacity(&self, museum: &str) -> u64 {
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

fn body_of(event: &SqsEvent, i: usize) -> Envelope {
    serde_json::from_str(event.records[i].body.as_deref().unwrap()).unwrap()
}

fn diff(after: &BTreeMap<String, u64>, before: &BTreeMap<String, u64>) -> BTreeMap<String, u64> {
    after
        .iter()
        .map(|(k, v)| (k.clone(), v - before.get(k).copied().unwrap_or(0)))
        .filter(|(_, v)| *v > 0)
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn the_museum_flow_runs_on_dynamodb_streams_sns_and_sqs() {
    let mut m = Museum::start().await;
    let museum = m.exhibition(10).await;
    m.pump().await;

    // One booking, measured: what it costs on AWS, request by request.
    let (api_before, aws_before) = (m.api.requests(), m.counts.snapshot());
    let (status, booking) = m.book(&museum, "kim", 2).await;
    assert_eq!(status, 201, "{booking}");
    let id = booking["id"].as_str().unwrap().to_owned();
    assert_eq!(booking["status"], "BOOKED");
    let pumped = m.pump().await;
    let aws = diff(&m.counts.snapshot(), &aws_before);
    println!(
        "one booking, from POST /books to COMPLETED in myPages: {} API Gateway requests, {} publisher and {} handler invocations, AWS requests {aws:#?}",
        m.api.requests() - api_before,
        pumped.publisher_invocations,
        pumped.handler_invocations
    );
    assert_eq!(
        m.api.requests() - api_before,
        2,
        "POST /books and its synchronous POST /museums/{{id}}/reservations"
    );

    assert_eq!(
        m.get(&format!("/museum/books/{id}")).await["status"],
        "COMPLETED"
    );
    assert_eq!(
        m.get(&format!("/museum/confirms/{id}")).await["status"],
        "CONFIRMED"
    );
    let page = m.get("/museum/myPages?userId=kim").await;
    assert_eq!(page["items"][0]["bookingStatus"], "COMPLETED");
    assert_eq!(page["items"][0]["entryStatus"], "CONFIRMED");
    assert_eq!(page["items"][0]["hall"], "Hall A");
    assert_eq!(m.capacity(&museum).await, 8);

    let (status, _) = m
        .call(
            reqwest::Method::DELETE,
            &format!("/museum/books/{id}"),
            None,
        )
        .await;
    assert_eq!(status, 200);
    m.pump().await;
    assert_eq!(
        m.capacity(&museum).await,
        10,
        "the seats came back through the queue"
    );
    assert_eq!(
        m.get(&format!("/museum/confirms/{id}")).await["status"],
        "CANCELLED"
    );
    assert_eq!(
        m.get("/museum/myPages?userId=kim").await["items"][0]["bookingStatus"],
        "CANCELLED"
    );

    let (_, kept) = m.book(&museum, "lee", 1).await;
    let kept = kept["id"].as_str().unwrap().to_owned();
    m.pump().await;
    let (status, _) = m
        .call(
            reqwest::Method::DELETE,
            &format!("/museum/museums/{museum}"),
            None,
        )
        .await;
    assert_eq!(status, 200);
    m.pump().await;
    assert_eq!(
        m.get(&format!("/museum/books/{kept}")).await["status"],
        "FORCE_CANCELLED"
    );
    assert_eq!(
        m.get(&format!("/museum/confirms/{kept}")).await["status"],
        "FORCE_CANCELLED"
    );
    assert_eq!(m.capacity(&museum).await, 10);
    for q in &m.queues {
        let dead = receive_event(&m.sqs, &q.dead_letters).await.unwrap();
        assert!(dead.records.is_empty(), "{} has dead letters", q.name);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_concurrent_bookings_for_the_last_seat_meet_the_conditional_write() {
    let mut m = Museum::start().await;
    let museum = m.exhibition(1).await;
    let (a, b) = tokio::join!(m.book(&museum, "kim", 1), m.book(&museum, "lee", 1));
    let mut statuses = [a.0, b.0];
    statuses.sort_unstable();
    assert_eq!(statuses, [201, 409], "{a:?} {b:?}");
    assert_eq!(m.capacity(&museum).await, 0);
    m.pump().await;
    let booked = m.get(&format!("/museum/books?museumId={museum}")).await;
    assert_eq!(booked["items"].as_array().unwrap().len(), 1);
    assert!(
        m.counts
            .snapshot()
            .contains_key("DynamoDB.TransactWriteItems")
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_book_cancelled_delivered_twice_returns_the_seats_once() {
    let mut m = Museum::start().await;
    let museum = m.exhibition(5).await;
    let (_, booking) = m.book(&museum, "kim", 3).await;
    let id = booking["id"].as_str().unwrap().to_owned();
    m.pump().await;
    m.call(
        reqwest::Method::DELETE,
        &format!("/museum/books/{id}"),
        None,
    )
    .await;
    // Publish the cancellation, then take its message for museum's handler by hand.
    for stream in &mut m.streams {
        let batch = stream.reader.next_batch().await.unwrap();
        publish_batch(&stream.publisher, batch).await;
    }
    let queue = m.queue("museum-museum-on-book-cancelled");
    let event = receive_event(&m.sqs, &queue.url).await.unwrap();
    assert_eq!(body_of(&event, 0).event_type, "BookCancelled");
    // Lambda ran it, then timed out before deleting it: SQS delivers it again.
    for _ in 0..2 {
        let response = handle_batch(queue.name, &queue.invoke, event.clone()).await;
        assert!(response.batch_item_failures.is_empty());
    }
    m.pump().await;
    assert_eq!(m.capacity(&museum).await, 5, "returned once, not twice");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_partial_batch_failure_is_redelivered_and_the_rest_of_the_batch_is_kept() {
    let mut m = Museum::start().await;
    let museum = m.exhibition(5).await;
    let (_, first) = m.book(&museum, "kim", 1).await;
    let (_, second) = m.book(&museum, "lee", 1).await;
    let first = first["id"].as_str().unwrap().to_owned();
    let failing = first.clone();
    let mut failed_once = false;
    m.fail("museum-mypage-on-booking", move |e| {
        let fail = e.aggregate_id == failing && !failed_once;
        failed_once |= fail;
        fail
    });
    let pumped = m.pump().await;
    assert!(
        pumped.failures >= 1,
        "the first delivery of kim's Booked failed: {pumped:?}"
    );
    m.heal("museum-mypage-on-booking");
    for (user, id) in [
        ("kim", first.as_str()),
        ("lee", second["id"].as_str().unwrap()),
    ] {
        let page = m.get(&format!("/museum/myPages?userId={user}")).await;
        assert_eq!(page["items"][0]["id"], id, "{user}: {page}");
        assert_eq!(
            page["items"][0]["bookingStatus"], "COMPLETED",
            "{user}: {page}"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn an_event_that_keeps_failing_lands_in_the_dead_letter_queue_and_is_redriven() {
    let mut m = Museum::start().await;
    let museum = m.exhibition(5).await;
    let (_, booking) = m.book(&museum, "kim", 1).await;
    let id = booking["id"].as_str().unwrap().to_owned();
    m.fail("museum-confirm-on-booked", |_| true);
    m.pump().await;
    assert_eq!(
        m.get(&format!("/museum/books/{id}")).await["status"],
        "BOOKED",
        "never confirmed"
    );

    let queue = m.queue("museum-confirm-on-booked");
    let dead = receive_event(&m.sqs, &queue.dead_letters).await.unwrap();
    assert_eq!(
        dead.records.len(),
        1,
        "after maxReceiveCount (5) receives it moved to the DLQ"
    );
    let letter = body_of(&dead, 0);
    assert_eq!(
        (letter.event_type.as_str(), letter.aggregate_id.as_str()),
        ("Booked", id.as_str())
    );
    let receives: u32 = dead.records[0].attributes["ApproximateReceiveCount"]
        .parse()
        .unwrap();
    assert!(receives > 5, "received {receives} times");

    // Redrive (moto does not serve StartMessageMoveTask): back to the source queue, in its group.
    m.heal("museum-confirm-on-booked");
    let record = &dead.records[0];
    m.sqs
        .send_message()
        .queue_url(&queue.url)
        .message_body(record.body.clone().unwrap())
        .message_group_id(record.attributes["MessageGroupId"].clone())
        .message_deduplication_id(format!("{}-redrive", letter.event_id))
        .send()
        .await
        .unwrap();
    m.sqs
        .delete_message()
        .queue_url(&queue.dead_letters)
        .receipt_handle(record.receipt_handle.clone().unwrap())
        .send()
        .await
        .unwrap();
    m.pump().await;
    assert_eq!(
        m.get(&format!("/museum/books/{id}")).await["status"],
        "COMPLETED"
    );
}
