//! The packing system on AWS's wire protocols, end to end: every function bound on the AWS
//! platform against moto, its tables, topics, queues and subscriptions created from
//! `infra/packing.yaml`; public routes through an emulated API Gateway, productpacking's
//! synchronous call to payment's internal function through `lambda:Invoke` (an emulated Invoke
//! API); events through DynamoDB Streams → publisher → SNS FIFO → SQS FIFO → handler.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::PathBuf;

use lambda::emulator::{
    Moto, receive_event,
    system::{Deployment, unwrapped},
};
use serde_json::{Value, json};

struct Packing {
    _moto: Moto,
    m: Deployment,
    http: reqwest::Client,
}

impl Packing {
    async fn start() -> Self {
        let moto = Moto::start()
            .await
            .unwrap_or_else(|e| panic!("the AWS emulator (moto) could not be started: {e:#}"));
        let template = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../infra/packing.yaml");
        let m = Deployment::start(
            packing_system::system(),
            &template,
            moto.config(),
            // moto answers one request at a time: racing accepts queue behind each other.
            &[("SYNC_TIMEOUT_MS", "15000")],
            &unwrapped,
        )
        .await
        .unwrap_or_else(|e| panic!("deploying infra/packing.yaml: {e:#}\n{}", moto.log_tail()));
        Self {
            _moto: moto,
            m,
            http: reqwest::Client::new(),
        }
    }

    async fn call(&self, method: reqwest::Method, path: &str, body: Option<Value>) -> (u16, Value) {
        let mut req = self
            .http
            .request(method, format!("{}{path}", self.m.api.url));
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

    async fn post(&self, path: &str) -> (u16, Value) {
        self.call(reqwest::Method::POST, path, Some(json!({})))
            .await
    }

    async fn order(&self, user: &str) -> String {
        let (status, body) = self
            .call(
                reqwest::Method::POST,
                "/packing/packingorders",
                Some(json!({
                    "userId": user, "productId": "strawberries-500g",
                    "productName": "Strawberries 500 g", "qty": 2, "address": "Seoul",
                })),
            )
            .await;
        assert_eq!(status, 201, "{body}");
        body["id"].as_str().unwrap().to_owned()
    }

    async fn pump(&mut self) {
        self.m.pump().await.unwrap();
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn the_packing_flow_runs_on_dynamodb_streams_sns_and_sqs() {
    let mut p = Packing::start().await;
    let id = p.order("kim").await;
    p.pump().await;
    assert_eq!(
        p.get(&format!("/packing/productpackings/{id}")).await["status"],
        "WAITING"
    );

    let before = p.m.invoke.calls("packing-payment-pay");
    let (status, task) = p
        .post(&format!("/packing/productpackings/{id}/accept"))
        .await;
    assert_eq!(
        (status, task["status"].as_str()),
        (200, Some("READY_TO_PACK")),
        "{task}"
    );
    assert_eq!(
        p.m.invoke.calls("packing-payment-pay") - before,
        1,
        "accept invokes packing-payment-pay directly"
    );
    let (status, _) = p.post(&format!("/packing/productpackings/{id}/pack")).await;
    assert_eq!(status, 200);
    p.pump().await;
    assert_eq!(
        p.get(&format!("/packing/packingorders/{id}")).await["status"],
        "PACKED"
    );
    let row = p.get(&format!("/packing/orderinfos/{id}")).await;
    assert_eq!(
        (
            row["status"].as_str(),
            row["paymentStatus"].as_str(),
            row["packingStatus"].as_str()
        ),
        (Some("PACKED"), Some("APPROVED"), Some("PACKED"))
    );
    let (status, _) = p.post(&format!("/packing/packingorders/{id}/cancel")).await;
    assert_eq!(status, 409, "a packed order is not cancelled");

    // A paid order cancelled: refunded once through the queue, its task cancelled.
    let paid = p.order("lee").await;
    p.pump().await;
    p.post(&format!("/packing/productpackings/{paid}/accept"))
        .await;
    let (status, _) = p
        .post(&format!("/packing/packingorders/{paid}/cancel"))
        .await;
    assert_eq!(status, 200);
    p.pump().await;
    let payments = p.get(&format!("/packing/payments?orderId={paid}")).await;
    assert_eq!(payments["items"][0]["status"], "REFUNDED");
    assert_eq!(
        p.get(&format!("/packing/productpackings/{paid}")).await["status"],
        "CANCELLED"
    );
    let customer = p.get("/packing/orderinfos?userId=lee").await;
    assert_eq!(customer["items"][0]["status"], "CANCELLED");
    assert_eq!(customer["items"][0]["paymentStatus"], "REFUNDED");
    let admin = p.get("/packing/orderinfos?status=PACKED").await;
    assert_eq!(admin["items"][0]["id"], id.as_str());

    // payment's function is internal: no route on the API.
    let (status, _) = p
        .call(
            reqwest::Method::POST,
            "/packing/payments",
            Some(json!({ "orderId": "forged", "userId": "kim" })),
        )
        .await;
    assert!(status == 404 || status == 405, "{status}");
    for q in &p.m.queues {
        let dead = receive_event(&p.m.sqs, &q.dead_letters).await.unwrap();
        assert!(dead.records.is_empty(), "{} has dead letters", q.name);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_accepts_of_one_order_meet_the_conditional_write_and_pay_once() {
    let mut p = Packing::start().await;
    let id = p.order("kim").await;
    p.pump().await;
    let path = format!("/packing/productpackings/{id}/accept");
    let (a, b, c) = tokio::join!(p.post(&path), p.post(&path), p.post(&path));
    let statuses = [a.0, b.0, c.0];
    assert!(statuses.contains(&200), "{statuses:?}");
    assert!(
        statuses.iter().all(|s| *s == 200 || *s == 409),
        "{statuses:?}"
    );
    p.pump().await;
    let payments = p.get(&format!("/packing/payments?orderId={id}")).await;
    assert_eq!(payments["items"].as_array().unwrap().len(), 1);
    assert_eq!(
        p.get(&format!("/packing/packingorders/{id}")).await["status"],
        "PAID"
    );
}
