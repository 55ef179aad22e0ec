//! The petmily system on AWS's wire protocols, end to end: every function bound on the AWS
//! platform against moto, from `infra/petmily.yaml` itself; public routes through an emulated
//! API Gateway whose authorizer checks the access tokens (the signing key from the template's
//! secret), match's synchronous reads of user and pet through `lambda:Invoke`, and events through
//! DynamoDB Streams → publisher → SNS FIFO → SQS FIFO → handler. On AWS the first admin's
//! password has no default: the deployment generated it into Secrets Manager.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::PathBuf;

use kernel::Secrets as _;
use lambda::{
    Settings,
    emulator::{receive_event, system::deploy},
    secrets::SecretsManager,
};
use serde_json::{Value, json};

struct Client {
    http: reqwest::Client,
    base: String,
}

impl Client {
    async fn call(
        &self,
        method: reqwest::Method,
        token: Option<&str>,
        path: &str,
        body: Option<Value>,
    ) -> (u16, Value) {
        let mut req = self
            .http
            .request(method, format!("{}/petmily/api/v1{path}", self.base));
        if let Some(t) = token {
            req = req.bearer_auth(t);
        }
        if let Some(b) = body {
            req = req.json(&b);
        }
        let r = req.send().await.unwrap();
        let status = r.status().as_u16();
        (status, r.json().await.unwrap_or(Value::Null))
    }

    async fn post(&self, token: Option<&str>, path: &str, body: Value) -> (u16, Value) {
        self.call(reqwest::Method::POST, token, path, Some(body))
            .await
    }

    async fn get(&self, token: &str, path: &str) -> Value {
        let (status, body) = self
            .call(reqwest::Method::GET, Some(token), path, None)
            .await;
        assert_eq!(status, 200, "GET {path}: {body}");
        body
    }

    async fn login(&self, login: &str, password: &str) -> String {
        let (status, body) = self
            .post(
                None,
                "/user/login",
                json!({ "loginId": login, "password": password }),
            )
            .await;
        assert_eq!(status, 200, "{body}");
        body["accessToken"].as_str().unwrap().to_owned()
    }

    async fn member(&self, login: &str, address: &str) -> String {
        let (status, body) = self
            .post(
                None,
                "/user/create",
                json!({ "loginId": login, "password": "correct horse battery", "name": login, "address": address }),
            )
            .await;
        assert_eq!(status, 201, "{body}");
        self.login(login, "correct horse battery").await
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn the_petmily_flow_runs_on_dynamodb_streams_sns_and_sqs_behind_the_authorizer() {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..");
    let (moto, mut m) = deploy(&root, petmily_system::system())
        .await
        .unwrap_or_else(|e| panic!("deploying infra/petmily.yaml: {e:#}"));
    let c = Client {
        http: reqwest::Client::new(),
        base: m.api.url.clone(),
    };

    // No token: the authorizer refuses before any function runs.
    let (status, _) = c.call(reqwest::Method::GET, None, "/pet", None).await;
    assert_eq!(status, 401);
    // No default admin password on AWS: admin/admin is refused; the generated one works.
    let (status, _) = c
        .post(
            None,
            "/user/login",
            json!({ "loginId": "admin", "password": "admin" }),
        )
        .await;
    assert_eq!(status, 401);
    let environment = m
        .stack
        .function("petmily-user-login")
        .unwrap()
        .environment
        .clone();
    let generated = SecretsManager::new(moto.config().clone(), Settings::from_pairs(environment))
        .secret(&petmily_user::ADMIN_PASSWORD)
        .await
        .unwrap();
    assert_ne!(generated.expose(), "admin");
    let admin = c.login("admin", generated.expose()).await;

    let kim = c.member("kim", "Seoul Gangnam-gu").await;
    let lee = c.member("lee", "Seoul Mapo-gu").await;
    let (status, body) = c
        .post(
            Some(&lee),
            "/user/sitter/apply",
            json!({ "intro": "dogs", "address": "Seoul Mapo-gu", "experience": 2 }),
        )
        .await;
    assert_eq!(status, 201, "{body}");
    let (status, body) = c
        .call(
            reqwest::Method::PUT,
            Some(&kim),
            "/sitter/update/lee",
            Some(json!({ "decision": "APPROVED" })),
        )
        .await;
    assert_eq!(status, 403, "a member on an admin route: {body}");
    let (status, body) = c
        .call(
            reqwest::Method::PUT,
            Some(&admin),
            "/sitter/update/lee",
            Some(json!({ "decision": "APPROVED" })),
        )
        .await;
    assert_eq!(status, 200, "{body}");

    let (status, pet) = c
        .post(
            Some(&kim),
            "/pet",
            json!({ "name": "Bori", "species": "dog", "age": 3 }),
        )
        .await;
    assert_eq!(status, 201, "{pet}");
    let invokes = m.invoke.calls("petmily-pet-card");
    let (status, app) = c
        .post(
            Some(&kim),
            "/match/application",
            json!({ "petId": pet["id"], "startDate": "2026-12-24", "endDate": "2026-12-26" }),
        )
        .await;
    assert_eq!(status, 201, "{app}");
    assert_eq!(
        m.invoke.calls("petmily-pet-card") - invokes,
        1,
        "pet read through lambda:Invoke"
    );
    let (status, request) = c
        .post(
            Some(&kim),
            "/match",
            json!({ "applicationId": app["id"], "sitterId": "lee" }),
        )
        .await;
    assert_eq!(status, 201, "{request}");
    let id = request["id"].as_str().unwrap().to_owned();
    let (status, started) = c
        .post(Some(&lee), &format!("/match/{id}/accept"), json!({}))
        .await;
    assert_eq!(
        (status, &started["status"]),
        (200, &json!("CARE_STARTED")),
        "{started}"
    );
    let details = c.get(&kim, &format!("/match/{id}")).await;
    assert_eq!(details["sitter"]["name"], "lee");
    assert_eq!(details["pet"]["name"], "Bori");
    m.pump().await.unwrap();

    let (status, entry) = c
        .post(
            Some(&lee),
            "/diary",
            json!({ "matchId": id, "content": "Walked Bori." }),
        )
        .await;
    assert_eq!(status, 201, "{entry}");
    assert_eq!(
        c.get(&kim, &format!("/diary?matchId={id}")).await["items"][0]["content"],
        "Walked Bori."
    );
    assert_eq!(
        c.get(&kim, "/match/status").await["items"][0]["status"],
        "CARE_STARTED"
    );
    let (status, _) = c
        .post(Some(&kim), &format!("/match/{id}/end"), json!({}))
        .await;
    assert_eq!(status, 200);
    m.pump().await.unwrap();
    let (status, rating) = c
        .post(
            Some(&kim),
            "/assess/sitter",
            json!({ "matchId": id, "score": 4 }),
        )
        .await;
    assert_eq!(status, 201, "{rating}");
    m.pump().await.unwrap();
    let sitters = c.get(&kim, "/user/sitter/available?address=mapo").await;
    assert_eq!(sitters["items"][0]["averageRating"], json!(4.0));
    assert_eq!(
        c.get(&kim, "/match/status").await["items"][0]["status"],
        "CARE_ENDED"
    );
    for q in &m.queues {
        let dead = receive_event(&m.sqs, &q.dead_letters).await.unwrap();
        assert!(dead.records.is_empty(), "{} has dead letters", q.name);
    }
}
