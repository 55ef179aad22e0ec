//! The family system on AWS's wire protocols, end to end: every function bound on the AWS
//! platform against moto, whose tables, topics, queues and subscriptions are created from
//! `infra/family.yaml` itself; public routes through an emulated API Gateway; move's call to
//! customer and location's call to move through `lambda:Invoke` (an emulated Invoke API); events
//! through DynamoDB Streams → publisher → SNS FIFO → SQS FIFO → handler; and the alarms pushed
//! to the alarm context's notification topic, read here from a queue subscribed to it.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use lambda::emulator::{
    Moto, receive_event,
    system::{Deployment, unwrapped},
};
use serde_json::{Value, json};

const TEMPLATE: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../infra/family.yaml");

struct Family {
    moto: Moto,
    deployment: Deployment,
    http: reqwest::Client,
    /// A queue subscribed to the alarm context's notification topic (what a push channel sees).
    pushed: String,
}

const CITY_HALL: (f64, f64) = (37.5665, 126.978);
const GANGNAM: (f64, f64) = (37.4979, 127.0276);

impl Family {
    async fn start() -> Self {
        let moto = Moto::start()
            .await
            .unwrap_or_else(|e| panic!("the AWS emulator (moto) could not be started: {e:#}"));
        let deployment = Deployment::start(
            family_system::system(),
            std::path::Path::new(TEMPLATE),
            moto.config(),
            &[("SYNC_TIMEOUT_MS", "3000")],
            &unwrapped,
        )
        .await
        .unwrap_or_else(|e| panic!("deploying infra/family.yaml: {e:#}\n{}", moto.log_tail()));
        let topic = deployment
            .stack
            .reference("NotificationsTopic")
            .unwrap()
            .to_owned();
        let sqs = moto.sqs();
        let queue = sqs
            .create_queue()
            .queue_name("pushed-alarms")
            .send()
            .await
            .unwrap()
            .queue_url
            .unwrap();
        let arn = sqs
            .get_queue_attributes()
            .queue_url(&queue)
            .attribute_names(aws_sdk_sqs::types::QueueAttributeName::QueueArn)
            .send()
            .await
            .unwrap()
            .attributes
            .unwrap()[&aws_sdk_sqs::types::QueueAttributeName::QueueArn]
            .clone();
        moto.sns()
            .subscribe()
            .topic_arn(topic)
            .protocol("sqs")
            .endpoint(arn)
            .attributes("RawMessageDelivery", "true")
            .send()
            .await
            .unwrap();
        Self {
            moto,
            deployment,
            http: reqwest::Client::new(),
            pushed: queue,
        }
    }

    async fn pump(&mut self) {
        let pumped = self.deployment.pump().await.unwrap();
        assert_eq!(pumped.failures, 0, "{pumped:?}");
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
        (status, r.json().await.unwrap_or(Value::Null))
    }

    async fn post(&self, path: &str, body: Value) -> (u16, Value) {
        self.call(reqwest::Method::POST, path, Some(body)).await
    }

    async fn get(&self, path: &str) -> Value {
        let (status, body) = self.call(reqwest::Method::GET, path, None).await;
        assert_eq!(status, 200, "GET {path}: {body}");
        body
    }

    async fn register(&self, customer: &str) -> Value {
        let (status, body) = self
            .post(
                "/family/customers",
                json!({ "customerId": customer, "name": format!("Kim {customer}"), "phone": "010-1234-5678", "familyId": "kims" }),
            )
            .await;
        assert_eq!(status, 201, "{body}");
        body
    }

    async fn report(&self, move_id: &str, at: (f64, f64)) -> (u16, Value) {
        self.post(
            "/family/locations",
            json!({ "moveId": move_id, "lat": at.0, "lon": at.1 }),
        )
        .await
    }

    /// The alarms pushed so far (each a notification on the topic), as their data.
    async fn pushed(&self) -> Vec<Value> {
        let mut all = Vec::new();
        loop {
            let event = receive_event(&self.moto.sqs(), &self.pushed).await.unwrap();
            if event.records.is_empty() {
                return all;
            }
            for r in &event.records {
                let n: Value = serde_json::from_str(r.body.as_deref().unwrap()).unwrap();
                assert_eq!(n["channel"], "alarm");
                all.push(n["data"].clone());
                self.moto
                    .sqs()
                    .delete_message()
                    .queue_url(&self.pushed)
                    .receipt_handle(r.receipt_handle.clone().unwrap())
                    .send()
                    .await
                    .unwrap();
            }
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn the_family_flow_runs_on_dynamodb_streams_sns_and_sqs_and_pushes_alarms() {
    let mut f = Family::start().await;
    assert_eq!(f.register("mom").await["status"], "ACTIVE");
    assert_eq!(f.register("son").await["status"], "PENDING");
    f.pump().await;
    let (status, body) = f
        .post(
            "/family/families/kims/members/son/approve",
            json!({ "approverId": "mom" }),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    f.pump().await;
    assert_eq!(f.get("/family/customers/son").await["status"], "ACTIVE");

    let asked = f.deployment.invoke.calls("family-customer-standing");
    let (status, m) = f
        .post(
            "/family/moves",
            json!({ "customerId": "mom", "start": { "lat": CITY_HALL.0, "lon": CITY_HALL.1 }, "goal": { "lat": GANGNAM.0, "lon": GANGNAM.1 } }),
        )
        .await;
    assert_eq!(status, 201, "{m}");
    assert_eq!(
        f.deployment.invoke.calls("family-customer-standing") - asked,
        1,
        "move asked customer by invoking its internal function"
    );
    let id = m["id"].as_str().unwrap().to_owned();
    f.pump().await;
    let pushed = f.pushed().await;
    assert_eq!(pushed.len(), 1, "{pushed:?}");
    assert_eq!(
        (pushed[0]["customerId"].as_str(), pushed[0]["type"].as_str()),
        (Some("son"), Some("MOVE_STARTED"))
    );
    let alarms = f.get("/family/alarms?customerId=son").await;
    assert_eq!(alarms["items"][0]["id"], pushed[0]["id"]);
    assert_eq!(
        f.get("/family/alarms?customerId=mom").await["items"],
        json!([])
    );

    let asked = f.deployment.invoke.calls("family-move-standing");
    let (status, body) = f.report(&id, (GANGNAM.0 + 0.03, GANGNAM.1)).await;
    assert_eq!(status, 201, "{body}");
    assert_eq!(f.deployment.invoke.calls("family-move-standing") - asked, 1);
    f.pump().await;
    assert_eq!(
        f.get(&format!("/family/moves/{id}")).await["arrivalImminent"],
        true
    );
    let (status, _) = f.report(&id, (GANGNAM.0 + 0.0003, GANGNAM.1)).await;
    assert_eq!(status, 201);
    f.pump().await;
    assert_eq!(
        f.get(&format!("/family/moves/{id}")).await["status"],
        "ENDED"
    );
    let (status, body) = f.report(&id, GANGNAM).await;
    assert_eq!(status, 409, "the device must stop: {body}");

    let kinds: Vec<String> = f
        .pushed()
        .await
        .iter()
        .map(|a| a["type"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(kinds, ["ARRIVAL_IMMINENT", "MOVE_ENDED"]);
    let view = f.get("/family/moveviews?familyId=kims").await;
    assert_eq!(view["items"][0]["status"], "ENDED");
    assert_eq!(view["items"][0]["customerId"], "mom");
    for q in &f.deployment.queues {
        let dead = receive_event(&f.deployment.sqs, &q.dead_letters)
            .await
            .unwrap();
        assert!(dead.records.is_empty(), "{} has dead letters", q.name);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_position_for_a_move_whose_context_is_down_is_refused_and_not_recorded() {
    let mut f = Family::start().await;
    f.register("mom").await;
    f.pump().await;
    let (status, m) = f
        .post(
            "/family/moves",
            json!({ "customerId": "mom", "start": { "lat": CITY_HALL.0, "lon": CITY_HALL.1 }, "goal": { "lat": GANGNAM.0, "lon": GANGNAM.1 } }),
        )
        .await;
    assert_eq!(status, 201, "{m}");
    let id = m["id"].as_str().unwrap();
    f.deployment.invoke.down("family-move-standing");
    let (status, body) = f.report(id, CITY_HALL).await;
    assert_eq!(status, 503, "{body}");
    f.deployment.invoke.up("family-move-standing");
    f.pump().await;
    assert_eq!(
        f.get(&format!("/family/locations?moveId={id}")).await["items"],
        json!([])
    );
}
