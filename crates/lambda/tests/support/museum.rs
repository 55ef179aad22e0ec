//! The museum on the shared emulator kit (`lambda::emulator::system`): what is museum's own here
//! is its requests (an exhibition, a booking, the capacity), the fault switches of its handlers
//! and the count of AWS requests behind a proxy.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use std::{
    collections::{BTreeMap, HashMap},
    sync::{Arc, Mutex},
};

use aws_lambda_events::event::sqs::SqsEvent;
use kernel::{AppError, Envelope, System, function::EventInvoke};
use lambda::emulator::{
    Moto,
    system::{Deployment, Pumped, Queue},
};
use serde_json::{Value, json};

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

/// The museum deployed on the emulator (`lambda::emulator::system`), with faults to inject into
/// its handlers, a count of the AWS requests it makes, and the museum's own requests.
pub struct Museum {
    /// Kept alive: dropping it stops the emulator.
    pub _moto: Moto,
    pub deployment: Deployment,
    pub http: reqwest::Client,
    pub faults: Arc<Mutex<HashMap<&'static str, Fault>>>,
    pub counts: counting::Counts,
}

impl std::ops::Deref for Museum {
    type Target = Deployment;
    fn deref(&self) -> &Deployment {
        &self.deployment
    }
}

impl std::ops::DerefMut for Museum {
    fn deref_mut(&mut self) -> &mut Deployment {
        &mut self.deployment
    }
}

impl Museum {
    pub async fn start() -> Self {
        let moto = Moto::start()
            .await
            .unwrap_or_else(|e| panic!("the AWS emulator (moto) could not be started: {e:#}"));
        let (proxy, counts) = counting::proxy(moto.endpoint().to_owned()).await;
        let config = moto.config().to_builder().endpoint_url(&proxy).build();
        let faults: Arc<Mutex<HashMap<&'static str, Fault>>> = Arc::default();
        let injected = faults.clone();
        let wrap = move |name: &'static str, inner: EventInvoke| {
            with_faults(name, inner, injected.clone())
        };
        let deployment = Deployment::start(
            museum(),
            std::path::Path::new(TEMPLATE),
            &config,
            // moto answers one request at a time (scripts/moto_server.py), so a crowd's sync
            // calls queue behind each other: a timeout near production's would answer 503 on a
            // busy machine for a wait that is the emulator's, not the code's.
            &[("SYNC_TIMEOUT_MS", "15000"), ("MUSEUM_HOLD_SECONDS", "0")],
            &wrap,
        )
        .await
        .unwrap_or_else(|e| panic!("deploying infra/museum.yaml: {e:#}\n{}", moto.log_tail()));
        Self {
            _moto: moto,
            deployment,
            http: reqwest::Client::new(),
            faults,
            counts,
        }
    }

    pub async fn pump(&mut self) -> Pumped {
        self.deployment.pump().await.unwrap()
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
        self.deployment.queue(function).unwrap()
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
