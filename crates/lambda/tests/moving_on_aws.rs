//! The moving system on AWS's wire protocols, end to end: every function bound on the AWS
//! platform against moto, whose tables, topics and queues are created from `infra/moving.yaml`
//! itself (the customer's notification topic included); public routes through an emulated API
//! Gateway; movecall's synchronous call to movemanage's internal function through `lambda:Invoke`
//! (an emulated Invoke API); events through DynamoDB Streams → publisher → SNS FIFO → SQS FIFO →
//! handler; the customer's KakaoTalk messages published to the notification topic, received here
//! by a queue subscribed to it as a real messaging integration would be.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use lambda::emulator::{
    Moto, receive_event,
    system::{Deployment, unwrapped},
};
use serde_json::{Value, json};

const TEMPLATE: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../infra/moving.yaml");
const TEL: &str = "01012345678";

struct Moving {
    moto: Moto,
    deployment: Deployment,
    http: reqwest::Client,
}

impl Moving {
    async fn start() -> Self {
        let moto = Moto::start()
            .await
            .unwrap_or_else(|e| panic!("the AWS emulator (moto) could not be started: {e:#}"));
        let deployment = Deployment::start(
            moving_system::system(),
            std::path::Path::new(TEMPLATE),
            moto.config(),
            &[("SYNC_TIMEOUT_MS", "3000")],
            &unwrapped,
        )
        .await
        .unwrap_or_else(|e| panic!("deploying infra/moving.yaml: {e:#}\n{}", moto.log_tail()));
        Self {
            moto,
            deployment,
            http: reqwest::Client::new(),
        }
    }

    async fn call(&self, method: reqwest::Method, path: &str, body: Option<Value>) -> (u16, Value) {
        let mut req = self
            .http
            .request(method, format!("{}{path}", self.deployment.api.url));
        if let Some(b) = body {
            req = req.json(&b);
        }
        let r = req.send().await.unwrap();
        let status = r.status().as_u16();
        let retry = r.headers().contains_key("retry-after");
        let mut body: Value = r.json().await.unwrap_or(Value::Null);
        if retry {
            body["_retryAfter"] = json!(true);
        }
        (status, body)
    }

    async fn get(&self, path: &str) -> Value {
        let (status, body) = self.call(reqwest::Method::GET, path, None).await;
        assert_eq!(status, 200, "GET {path}: {body}");
        body
    }

    async fn pump(&mut self) {
        let pumped = self.deployment.pump().await.unwrap();
        assert_eq!(pumped.failures, 0, "{pumped:?}");
    }

    async fn company(&self, name: &str) -> String {
        let (status, body) = self
            .call(
                reqwest::Method::POST,
                "/moving/moverassigns/companies",
                Some(json!({ "name": name, "tel": "0212345678", "regions": ["mapo"], "moveTypes": ["PACKING"] })),
            )
            .await;
        assert_eq!(status, 201, "{body}");
        body["id"].as_str().unwrap().to_owned()
    }

    async fn mover_call(&self, tel: &str) -> (u16, Value) {
        self.call(
            reqwest::Method::POST,
            "/moving/movers",
            Some(
                json!({ "tel": tel, "location": "mapo", "cost": 2_500_000, "moveType": "PACKING" }),
            ),
        )
        .await
    }

    /// A queue subscribed to the notification topic, as a messaging integration would be.
    async fn inbox(&self) -> String {
        let topic = self
            .deployment
            .stack
            .reference("NotificationsTopic")
            .unwrap()
            .to_owned();
        let sqs = self.moto.sqs();
        let url = sqs
            .create_queue()
            .queue_name("kakaotalk-integration")
            .send()
            .await
            .unwrap()
            .queue_url
            .unwrap();
        let arn = sqs
            .get_queue_attributes()
            .queue_url(&url)
            .attribute_names(aws_sdk_sqs::types::QueueAttributeName::QueueArn)
            .send()
            .await
            .unwrap()
            .attributes
            .unwrap()[&aws_sdk_sqs::types::QueueAttributeName::QueueArn]
            .clone();
        self.moto
            .sns()
            .subscribe()
            .topic_arn(topic)
            .protocol("sqs")
            .endpoint(arn)
            .attributes("RawMessageDelivery", "true")
            .send()
            .await
            .unwrap();
        url
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_call_is_confirmed_messaged_through_sns_cancelled_and_its_company_freed_on_aws() {
    let mut m = Moving::start().await;
    let inbox = m.inbox().await;
    let company = m.company("Mapo Movers").await;

    let (status, call) = m.mover_call(TEL).await;
    assert_eq!(status, 201, "{call}");
    let id = call["id"].as_str().unwrap().to_owned();
    assert_eq!(call["status"], "CALLED");
    assert_eq!(
        m.deployment.invoke.calls("moving-movemanage-request"),
        1,
        "movecall invoked movemanage's internal function directly"
    );
    m.pump().await;

    let confirmed = m.get(&format!("/moving/movers/{id}")).await;
    assert_eq!(confirmed["status"], "CONFIRMED", "{confirmed}");
    assert_eq!(confirmed["company"]["name"], "Mapo Movers");
    assert_eq!(
        m.get(&format!("/moving/movermanages/{id}")).await["status"],
        "CONFIRMED"
    );
    assert_eq!(
        m.get(&format!("/moving/moverassigns/companies/{company}"))
            .await["status"],
        "BUSY"
    );
    let row = &m.get(&format!("/moving/moverinfos?tel={TEL}")).await["items"][0];
    assert_eq!(
        (&row["id"], &row["status"], &row["company"]["name"]),
        (&json!(id), &json!("CONFIRMED"), &json!("Mapo Movers"))
    );
    let messages = m
        .get(&format!("/moving/moverinfos/messages?tel={TEL}"))
        .await;
    assert_eq!(messages["items"].as_array().unwrap().len(), 1);

    // The message went out on the notification topic.
    let sent = receive_event(&m.moto.sqs(), &inbox).await.unwrap();
    assert_eq!(sent.records.len(), 1);
    let record = &sent.records[0];
    let body: Value = serde_json::from_str(record.body.as_deref().unwrap()).unwrap();
    assert_eq!(body["channel"], "kakaotalk");
    assert_eq!(body["recipient"], TEL);
    assert!(
        body["text"].as_str().unwrap().contains("Mapo Movers"),
        "{body}"
    );
    assert_eq!(
        record.message_attributes["recipient"]
            .string_value
            .as_deref(),
        Some(TEL)
    );

    // A second call while the only company is busy fails.
    let (_, other) = m.mover_call("01099998888").await;
    let other = other["id"].as_str().unwrap().to_owned();
    m.pump().await;
    assert_eq!(
        m.get(&format!("/moving/movers/{other}")).await["status"],
        "FAILED"
    );

    // The whole cancel chain, then the freed company serves the next call.
    let (status, cancelled) = m
        .call(
            reqwest::Method::DELETE,
            &format!("/moving/movers/{id}"),
            None,
        )
        .await;
    assert_eq!(
        (status, &cancelled["status"]),
        (202, &json!("CANCEL_REQUESTED"))
    );
    m.pump().await;
    assert_eq!(
        m.get(&format!("/moving/movers/{id}")).await["status"],
        "CANCELLED"
    );
    assert_eq!(
        m.get(&format!("/moving/moverassigns/companies/{company}"))
            .await["status"],
        "AVAILABLE"
    );
    let messages = m
        .get(&format!("/moving/moverinfos/messages?tel={TEL}"))
        .await;
    assert_eq!(messages["items"].as_array().unwrap().len(), 2);
    let (_, next) = m.mover_call("01055556666").await;
    let next = next["id"].as_str().unwrap().to_owned();
    m.pump().await;
    assert_eq!(
        m.get(&format!("/moving/movers/{next}")).await["status"],
        "CONFIRMED"
    );
    for q in &m.deployment.queues {
        let dead = receive_event(&m.deployment.sqs, &q.dead_letters)
            .await
            .unwrap();
        assert!(dead.records.is_empty(), "{} has dead letters", q.name);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn movemanage_down_on_aws_refuses_the_call_at_once_and_records_nothing() {
    let mut m = Moving::start().await;
    m.deployment.invoke.down("moving-movemanage-request");
    let (status, problem) = m.mover_call(TEL).await;
    assert_eq!(status, 503, "{problem}");
    assert_eq!(problem["_retryAfter"], true, "{problem}");
    m.pump().await;
    assert_eq!(m.get("/moving/movers").await["items"], json!([]));
    assert_eq!(m.get("/moving/movermanages").await["items"], json!([]));
    m.deployment.invoke.up("moving-movemanage-request");
}
