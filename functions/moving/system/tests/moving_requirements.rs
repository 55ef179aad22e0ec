//! DOMAINS.md §2, moving: one flow test per numbered requirement, over HTTP through the gateway.
#![allow(clippy::unwrap_used)]

mod support;

use serde_json::json;
use support::{MovingSteps, eventually};

const TEL: &str = "01012345678";

#[tokio::test]
async fn r01_a_customer_calls_a_mover_choosing_the_move_type_and_reads_the_call_back() {
    let api = support::start().await;
    let r = api
        .post(
            "/moving/movers",
            json!({ "tel": TEL, "location": "mapo", "cost": 2_500_000, "moveType": "HALF_PACKING" }),
        )
        .await;
    assert_eq!(r.status, 201, "{:?}", r.body);
    let id = r.body["id"].as_str().unwrap();
    assert_eq!(
        r.location.as_deref(),
        Some(format!("/moving/movers/{id}").as_str())
    );
    assert_eq!(r.body["status"], "CALLED");
    assert_eq!(r.body["moveType"], "HALF_PACKING");
    assert_eq!(r.body["location"], "mapo");
    assert_eq!(r.body["cost"], 2_500_000);
    assert_eq!(r.body["company"], serde_json::Value::Null);

    let read = api.get(&format!("/moving/movers/{id}")).await;
    assert_eq!((read.status, &read.body["tel"]), (200, &json!(TEL)));
    // movemanage took the request synchronously, before the call answered.
    let managed = api.get(&format!("/moving/movermanages/{id}")).await;
    assert_eq!(managed.status, 200, "{:?}", managed.body);
    let listed = api.get(&format!("/moving/movers?tel={TEL}")).await;
    assert_eq!(listed.body["items"][0]["id"], id);
    assert_eq!(listed.body["nextCursor"], serde_json::Value::Null);
}

#[tokio::test]
async fn r01_movemanage_down_refuses_the_call_at_once_and_records_nothing() {
    let api = support::start().await;
    api.switch("moving-movemanage-request", false).await;
    let r = api
        .post(
            "/moving/movers",
            json!({ "tel": TEL, "location": "mapo", "cost": 100, "moveType": "PACKING" }),
        )
        .await;
    r.assert_problem(503);
    assert!(r.retry_after.is_some(), "{r:?}");
    assert_eq!(
        api.get(&format!("/moving/movers?tel={TEL}")).await.body["items"],
        json!([])
    );
    api.switch("moving-movemanage-request", true).await;
    eventually("calls are taken again", || async {
        api.post(
            "/moving/movers",
            json!({ "tel": TEL, "location": "mapo", "cost": 100, "moveType": "PACKING" }),
        )
        .await
        .status
            == 201
    })
    .await;
}

#[tokio::test]
async fn r02_movemanage_records_the_request_and_takes_calls_while_moveassign_is_down() {
    let api = support::start().await;
    let company = api.company("Mapo Movers", &["mapo"], &["PACKING"]).await;
    api.switch("moving-moveassign-on-movermanage", false).await;
    let id = api.call(TEL, "mapo", "PACKING").await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let managed = api.get(&format!("/moving/movermanages/{id}")).await.body;
    assert_eq!(managed["status"], "ASSIGN_REQUESTED");
    assert_eq!(managed["id"], id.as_str(), "correlated by the call's id");
    eventually("movemanage published MovermanageAssigned", || async {
        let events = api
            .get("/admin/events?context=moving/movemanage&limit=100")
            .await
            .body;
        events
            .as_array()
            .unwrap()
            .iter()
            .any(|e| e["eventType"] == "MovermanageAssigned" && e["aggregateId"] == id.as_str())
    })
    .await;
    tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    assert_eq!(
        api.mover(&id).await["status"],
        "CALLED",
        "nothing assigned yet"
    );
    assert_eq!(api.company_status(&company).await, "AVAILABLE");

    api.switch("moving-moveassign-on-movermanage", true).await;
    api.status_becomes(&id, "CONFIRMED").await;
    assert_eq!(api.company_status(&company).await, "BUSY");
}

#[tokio::test]
async fn r03_moveassign_picks_a_free_company_near_the_location_that_supports_the_move_type() {
    let api = support::start().await;
    let elsewhere = api.company("Guro Movers", &["guro"], &["PACKING"]).await;
    let half_only = api
        .company("Half Movers", &["mapo"], &["HALF_PACKING"])
        .await;
    let right = api
        .company(
            "Mapo Movers",
            &["Mapo", "seodaemun"],
            &["PACKING", "HALF_PACKING"],
        )
        .await;
    let id = api.call(TEL, "mapo", "PACKING").await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let call = api.status_becomes(&id, "CONFIRMED").await;
    assert_eq!(call["company"]["name"], "Mapo Movers");
    let assignment = api.get(&format!("/moving/moverassigns/{id}")).await.body;
    assert_eq!(assignment["companyId"], right.as_str());
    assert_eq!(assignment["status"], "ASSIGNED");
    assert_eq!(api.company_status(&right).await, "BUSY");
    let company = api
        .get(&format!("/moving/moverassigns/companies/{right}"))
        .await
        .body;
    assert_eq!(company["orderId"], id.as_str());
    assert_eq!(api.company_status(&elsewhere).await, "AVAILABLE");
    assert_eq!(api.company_status(&half_only).await, "AVAILABLE");

    // One move at a time: the only mapo PACKING company is busy, so the next call fails.
    let next = api.call("01099998888", "mapo", "PACKING").await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let failed = api.status_becomes(&next, "FAILED").await;
    assert_eq!(failed["company"], serde_json::Value::Null);
    // And a move type nobody there supports fails too.
    let gangnam = api.call(TEL, "gangnam", "HALF_PACKING").await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    api.status_becomes(&gangnam, "FAILED").await;
    let assignment = api
        .get(&format!("/moving/moverassigns/{gangnam}"))
        .await
        .body;
    assert_eq!(assignment["status"], "FAILED");
    assert_eq!(
        (&assignment["location"], &assignment["moveType"]),
        (&"gangnam".into(), &"HALF_PACKING".into()),
        "the assignment keeps where and what the move is"
    );
    assert!(
        assignment["reason"].as_str().unwrap().contains("gangnam"),
        "{assignment}"
    );
}

#[tokio::test]
async fn r04_the_customer_is_told_the_company_at_once_and_the_call_is_confirmed() {
    let api = support::start().await;
    api.company("Mapo Movers", &["mapo"], &["PACKING"]).await;
    let id = api.call(TEL, "mapo", "PACKING").await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let call = api.status_becomes(&id, "CONFIRMED").await;
    assert_eq!(
        call["company"],
        json!({ "name": "Mapo Movers", "tel": "0212345678" })
    );
    eventually("movemanage is confirmed", || async {
        api.get(&format!("/moving/movermanages/{id}")).await.body["status"] == "CONFIRMED"
    })
    .await;
    eventually("the customer got a KakaoTalk message", || async {
        !api.messages(TEL).await.is_empty()
    })
    .await;
    let messages = api.messages(TEL).await;
    assert_eq!(messages.len(), 1, "{messages:?}");
    let text = messages[0]["text"].as_str().unwrap();
    assert!(
        text.contains("Mapo Movers") && text.contains("0212345678"),
        "{text}"
    );
    assert_eq!(messages[0]["tel"], TEL);
    assert_eq!(messages[0]["callId"], id.as_str());
    assert!(messages[0]["createdAt"].is_string());
    assert_eq!(
        api.messages("01000000000").await,
        Vec::<serde_json::Value>::new(),
        "nobody else's"
    );
}

#[tokio::test]
async fn r05_cancelling_runs_the_whole_chain_and_the_freed_company_serves_the_next_call() {
    let api = support::start().await;
    let company = api.company("Mapo Movers", &["mapo"], &["PACKING"]).await;
    let id = api.call(TEL, "mapo", "PACKING").await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    api.status_becomes(&id, "CONFIRMED").await;

    let r = api.delete(&format!("/moving/movers/{id}")).await;
    assert_eq!(r.status, 202, "{:?}", r.body);
    assert_eq!(r.body["status"], "CANCEL_REQUESTED");
    let cancelled = api.status_becomes(&id, "CANCELLED").await;
    assert_eq!(cancelled["id"], id.as_str());
    assert_eq!(
        api.get(&format!("/moving/movermanages/{id}")).await.body["status"],
        "CANCEL_REQUESTED"
    );
    assert_eq!(
        api.get(&format!("/moving/moverassigns/{id}")).await.body["status"],
        "CANCELLED"
    );
    assert_eq!(api.company_status(&company).await, "AVAILABLE");
    eventually(
        "the customer is messaged about the cancellation",
        || async {
            api.messages(TEL)
                .await
                .iter()
                .any(|m| m["text"].as_str().unwrap().contains("cancelled"))
        },
    )
    .await;
    api.delete(&format!("/moving/movers/{id}"))
        .await
        .assert_problem(409);

    let next = api.call("01055556666", "mapo", "PACKING").await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let served = api.status_becomes(&next, "CONFIRMED").await;
    assert_eq!(served["company"]["name"], "Mapo Movers");
}

#[tokio::test]
async fn r06_the_customer_follows_every_call_in_the_moverinfos_view() {
    let api = support::start().await;
    api.company("Mapo Movers", &["mapo"], &["PACKING"]).await;
    let confirmed = api.call(TEL, "mapo", "PACKING").await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let failed = api.call(TEL, "busan", "HALF_PACKING").await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    api.status_becomes(&confirmed, "CONFIRMED").await;
    api.status_becomes(&failed, "FAILED").await;
    api.drained().await;

    let row = api.moverinfo(TEL, &confirmed).await.unwrap();
    assert_eq!(row["tel"], TEL);
    assert_eq!(row["moveType"], "PACKING");
    assert_eq!(row["location"], "mapo");
    assert_eq!(row["status"], "CONFIRMED");
    assert_eq!(
        row["company"],
        json!({ "name": "Mapo Movers", "tel": "0212345678" })
    );
    let row = api.moverinfo(TEL, &failed).await.unwrap();
    assert_eq!(
        (&row["status"], &row["company"], &row["moveType"]),
        (
            &json!("FAILED"),
            &serde_json::Value::Null,
            &json!("HALF_PACKING")
        )
    );
    let all = api.get(&format!("/moving/moverinfos?tel={TEL}")).await.body;
    assert_eq!(
        all["items"].as_array().unwrap().len(),
        2,
        "one row per call"
    );
    assert_eq!(
        api.get(&format!("/moving/moverinfos/{confirmed}"))
            .await
            .body["status"],
        "CONFIRMED"
    );

    // The view answers from its own store: with movecall's reads down it still answers.
    api.switch("moving-movecall-get", false).await;
    api.switch("moving-movecall-list", false).await;
    assert_eq!(
        api.moverinfo(TEL, &confirmed).await.unwrap()["status"],
        "CONFIRMED"
    );

    api.delete(&format!("/moving/movers/{confirmed}")).await;
    eventually("the view shows the call CANCELLED", || async {
        api.moverinfo(TEL, &confirmed).await.unwrap()["status"] == "CANCELLED"
    })
    .await;
    let messages = api.messages(TEL).await;
    assert_eq!(
        messages.len(),
        3,
        "confirmed, failed, cancelled: {messages:?}"
    );
    assert!(
        messages[0]["text"]
            .as_str()
            .unwrap()
            .contains("Mapo Movers"),
        "the newest first, naming the company: {messages:?}"
    );
}
