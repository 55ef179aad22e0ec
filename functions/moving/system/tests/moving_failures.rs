//! moving under failure: movemanage down and its circuit breaker (also under load), two calls
//! racing for the last free company, consumers down then back, duplicate deliveries, concurrent
//! cancellations, bad input of every kind, and outside clients calling internal functions.
#![allow(clippy::unwrap_used)]

mod support;

use std::time::Duration;

use reqwest::Method;
use serde_json::{Value, json};
use support::{Api, MovingSteps, eventually};

const TEL: &str = "01012345678";

fn call_body(tel: &str) -> Value {
    json!({ "tel": tel, "location": "mapo", "cost": 1_000_000, "moveType": "PACKING" })
}

async fn recorded(api: &Api) -> (Value, Value) {
    (
        api.get("/moving/movers").await.body["items"].clone(),
        api.get("/moving/movermanages").await.body["items"].clone(),
    )
}

#[tokio::test]
async fn movemanage_down_refuses_calls_fast_records_nothing_and_opens_the_breaker() {
    let api = support::start().await;
    api.switch("moving-movemanage-request", false).await;
    for _ in 0..3 {
        let r = api.post("/moving/movers", call_body(TEL)).await;
        r.assert_problem(503);
        assert!(r.retry_after.is_some());
        assert!(
            r.elapsed < Duration::from_secs(1),
            "answered in {:?}",
            r.elapsed
        );
    }
    assert_eq!(
        recorded(&api).await,
        (json!([]), json!([])),
        "nothing recorded"
    );

    // Three failures opened the breaker: with movemanage back, the fallback still answers at once.
    api.switch("moving-movemanage-request", true).await;
    let r = api.post("/moving/movers", call_body(TEL)).await;
    r.assert_problem(503);
    assert!(
        r.body["detail"]
            .as_str()
            .unwrap()
            .contains("moving/movemanage"),
        "{:?}",
        r.body
    );
    assert!(r.retry_after.is_some());
    assert!(
        r.elapsed < Duration::from_millis(200),
        "fallback took {:?}",
        r.elapsed
    );
    assert_eq!(
        recorded(&api).await,
        (json!([]), json!([])),
        "the open breaker did not call movemanage"
    );

    // After the open period one probe goes through and closes it.
    eventually("the breaker closes", || async {
        api.post("/moving/movers", call_body(TEL)).await.status == 201
    })
    .await;
    let (calls, requests) = recorded(&api).await;
    assert_eq!(
        (
            calls.as_array().unwrap().len(),
            requests.as_array().unwrap().len()
        ),
        (1, 1)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn calls_piling_up_on_a_down_movemanage_open_the_breaker_and_are_all_answered_at_once() {
    let api = support::start().await;
    api.switch("moving-movemanage-request", false).await;
    let started = std::time::Instant::now();
    let attempts = (0..40).map(|i| {
        let (http, base) = (api.http.clone(), api.base.clone());
        tokio::spawn(async move {
            let sent = std::time::Instant::now();
            let r = http
                .post(format!("{base}/moving/movers"))
                .json(&call_body(&format!("0101234{i:04}")))
                .send()
                .await
                .unwrap();
            (
                r.status().as_u16(),
                r.headers().contains_key("retry-after"),
                sent.elapsed(),
            )
        })
    });
    let answers: Vec<_> = futures::future::join_all(attempts)
        .await
        .into_iter()
        .map(Result::unwrap)
        .collect();
    assert!(
        answers.iter().all(|(s, retry, _)| *s == 503 && *retry),
        "{answers:?}"
    );
    assert!(
        answers
            .iter()
            .all(|(_, _, took)| *took < Duration::from_secs(1)),
        "none waited: {answers:?}"
    );
    assert!(
        started.elapsed() < Duration::from_secs(3),
        "{:?}",
        started.elapsed()
    );
    // The pile-up opened the breaker: movemanage back up is not called until the open period ends.
    api.switch("moving-movemanage-request", true).await;
    let r = api.post("/moving/movers", call_body(TEL)).await;
    r.assert_problem(503);
    assert!(r.elapsed < Duration::from_millis(200), "{:?}", r.elapsed);
    assert_eq!(recorded(&api).await, (json!([]), json!([])));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn calls_racing_for_the_last_free_companies_get_one_each_and_the_rest_fail() {
    let api = support::start().await;
    let companies = [
        api.company("A Movers", &["mapo"], &["PACKING"]).await,
        api.company("B Movers", &["mapo"], &["PACKING"]).await,
    ];
    // The assigner is down while the calls come in, so that it takes them all up at once.
    api.switch("moving-moveassign-on-movermanage", false).await;
    let mut calls = Vec::new();
    for i in 0..8 {
        calls.push(
            api.call(&format!("0105555{i:04}"), "mapo", "PACKING").await["id"]
                .as_str()
                .unwrap()
                .to_owned(),
        );
    }
    api.switch("moving-moveassign-on-movermanage", true).await;
    api.drained().await;

    let mut confirmed = Vec::new();
    for id in &calls {
        let call = api.mover(id).await;
        match call["status"].as_str().unwrap() {
            "CONFIRMED" => confirmed.push((id.clone(), call["company"]["name"].clone())),
            "FAILED" => {}
            other => panic!("call {id} is {other}"),
        }
    }
    assert_eq!(confirmed.len(), 2, "{confirmed:?}");
    assert_ne!(confirmed[0].1, confirmed[1].1, "two calls, two companies");
    for company in &companies {
        let c = api
            .get(&format!("/moving/moverassigns/companies/{company}"))
            .await
            .body;
        assert_eq!(c["status"], "BUSY");
        assert!(
            confirmed.iter().any(|(id, _)| c["orderId"] == id.as_str()),
            "{c} serves a confirmed call"
        );
    }
}

#[tokio::test]
async fn the_view_and_the_messages_catch_up_when_the_customer_context_is_back() {
    let api = support::start().await;
    api.company("Mapo Movers", &["mapo"], &["PACKING"]).await;
    api.switch("moving-customer-on-movecall", false).await;
    api.switch("moving-customer-kakaotalk", false).await;
    let id = api.call(TEL, "mapo", "PACKING").await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    api.status_becomes(&id, "CONFIRMED").await;
    assert_eq!(api.moverinfo(TEL, &id).await, None, "the view is behind");
    assert!(api.messages(TEL).await.is_empty());

    api.switch("moving-customer-on-movecall", true).await;
    api.switch("moving-customer-kakaotalk", true).await;
    api.drained().await;
    let row = api.moverinfo(TEL, &id).await.unwrap();
    assert_eq!(row["status"], "CONFIRMED");
    assert_eq!(row["company"]["name"], "Mapo Movers");
    assert_eq!(api.messages(TEL).await.len(), 1);
}

async fn event_of(api: &Api, context: &str, event_type: &str, aggregate: &str) -> Value {
    let events = api
        .get(&format!("/admin/events?context={context}&limit=1000"))
        .await
        .body;
    events
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["eventType"] == event_type && e["aggregateId"] == aggregate)
        .cloned()
        .unwrap_or_else(|| panic!("no {event_type} of {aggregate} in {events}"))
}

async fn deliver_again(api: &Api, function: &str, event: &Value) {
    let r = api
        .post(
            &format!("/admin/functions/{function}/deliveries"),
            json!({ "eventId": event["eventId"] }),
        )
        .await;
    assert_eq!(r.status, 202, "{:?}", r.body);
}

#[tokio::test]
async fn events_delivered_twice_take_release_and_message_once() {
    let api = support::start().await;
    let company = api.company("Mapo Movers", &["mapo"], &["PACKING"]).await;
    let first = api.call(TEL, "mapo", "PACKING").await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    api.status_becomes(&first, "CONFIRMED").await;
    api.delete(&format!("/moving/movers/{first}")).await;
    api.status_becomes(&first, "CANCELLED").await;
    // The freed company now serves a second call.
    let second = api.call("01077778888", "mapo", "PACKING").await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    api.status_becomes(&second, "CONFIRMED").await;
    api.drained().await;

    // The first call's events again: its assignment, its cancellation, its messages.
    let assigned = event_of(&api, "moving/movemanage", "MovermanageAssigned", &first).await;
    let cancelled = event_of(&api, "moving/movemanage", "MovermanageCancelled", &first).await;
    deliver_again(&api, "moving-moveassign-on-movermanage", &assigned).await;
    deliver_again(&api, "moving-moveassign-on-movermanage", &cancelled).await;
    let confirmed = event_of(&api, "moving/movecall", "MovercallConfirmed", &first).await;
    deliver_again(&api, "moving-customer-kakaotalk", &confirmed).await;
    deliver_again(&api, "moving-customer-on-movecall", &confirmed).await;
    let completed = event_of(&api, "moving/moveassign", "MoverassignCompleted", &first).await;
    deliver_again(&api, "moving-movecall-on-moverassign", &completed).await;
    api.drained().await;

    let delivered = api.get("/admin/subscriptions").await.body;
    let assigner = delivered
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["function"] == "moving-moveassign-on-movermanage")
        .unwrap();
    assert_eq!(
        assigner["delivered"], 5,
        "the duplicates were delivered: {assigner}"
    );
    let c = api
        .get(&format!("/moving/moverassigns/companies/{company}"))
        .await
        .body;
    assert_eq!(
        (&c["status"], &c["orderId"]),
        (&json!("BUSY"), &json!(second)),
        "the replayed cancellation did not free the company from the second call"
    );
    assert_eq!(api.mover(&first).await["status"], "CANCELLED");
    assert_eq!(
        api.moverinfo(TEL, &first).await.unwrap()["status"],
        "CANCELLED",
        "the replayed confirmation did not revive the row"
    );
    let messages = api.messages(TEL).await;
    assert_eq!(
        messages.len(),
        2,
        "one assigned, one cancelled: {messages:?}"
    );
    let events = api
        .get("/admin/events?context=moving/moveassign&limit=1000")
        .await
        .body;
    let completed = events
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["eventType"] == "MoverassignCompleted")
        .count();
    assert_eq!(completed, 2, "one per call");
}

#[tokio::test]
async fn a_cancellation_raced_twice_is_applied_once() {
    let api = support::start().await;
    api.company("Mapo Movers", &["mapo"], &["PACKING"]).await;
    let id = api.call(TEL, "mapo", "PACKING").await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    api.status_becomes(&id, "CONFIRMED").await;
    let path = format!("/moving/movers/{id}");
    let (a, b) = tokio::join!(api.delete(&path), api.delete(&path));
    let mut statuses = [a.status, b.status];
    statuses.sort_unstable();
    assert_eq!(statuses, [202, 409]);
    api.status_becomes(&id, "CANCELLED").await;
    api.drained().await;
    let events = api
        .get("/admin/events?context=moving/movecall&limit=1000")
        .await
        .body;
    let cancels = events
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["eventType"] == "MovercallCancelled")
        .count();
    assert_eq!(cancels, 1);
}

#[tokio::test]
async fn a_call_cancelled_before_its_company_is_assigned_never_takes_one() {
    let api = support::start().await;
    let company = api.company("Mapo Movers", &["mapo"], &["PACKING"]).await;
    api.switch("moving-moveassign-on-movermanage", false).await;
    let id = api.call(TEL, "mapo", "PACKING").await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let r = api.delete(&format!("/moving/movers/{id}")).await;
    assert_eq!(r.status, 202, "{:?}", r.body);
    api.switch("moving-moveassign-on-movermanage", true).await;
    api.status_becomes(&id, "CANCELLED").await;
    assert_eq!(api.company_status(&company).await, "AVAILABLE");
}

#[tokio::test]
async fn bad_input_gets_a_problem_and_changes_nothing() {
    let api = support::start().await;
    let company = api.company("Mapo Movers", &["mapo"], &["PACKING"]).await;
    let call = api.call(TEL, "mapo", "PACKING").await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    api.drained().await;
    let snapshot = || async {
        (
            api.get("/moving/movers").await.body,
            api.get("/moving/movermanages").await.body,
            api.get("/moving/moverassigns/companies").await.body,
            api.get("/moving/moverassigns").await.body,
            api.get(&format!("/moving/moverinfos?tel={TEL}")).await.body,
        )
    };
    let before = snapshot().await;

    let ok = |patch: Value| {
        let mut body = call_body(TEL);
        for (k, v) in patch.as_object().unwrap() {
            body[k] = v.clone();
        }
        body.to_string()
    };
    let company_body = |patch: Value| {
        let mut body = json!({ "name": "X", "tel": "0212345678", "regions": ["mapo"], "moveTypes": ["PACKING"] });
        for (k, v) in patch.as_object().unwrap() {
            body[k] = v.clone();
        }
        body.to_string()
    };
    let bad: Vec<(&str, String)> = vec![
        ("/moving/movers", "{\"tel\": ".into()),
        ("/moving/movers", "".into()),
        ("/moving/movers", "[]".into()),
        ("/moving/movers", "x".repeat(70_000)),
        ("/moving/movers", json!({ "tel": TEL }).to_string()),
        ("/moving/movers", ok(json!({ "tel": "kim" }))),
        ("/moving/movers", ok(json!({ "tel": "010 1234 5678" }))),
        ("/moving/movers", ok(json!({ "tel": 1012345678 }))),
        ("/moving/movers", ok(json!({ "location": " " }))),
        ("/moving/movers", ok(json!({ "location": "x".repeat(51) }))),
        ("/moving/movers", ok(json!({ "location": "ma\u{202e}po" }))),
        ("/moving/movers", ok(json!({ "cost": 0 }))),
        ("/moving/movers", ok(json!({ "cost": -5 }))),
        ("/moving/movers", ok(json!({ "cost": 1.5 }))),
        ("/moving/movers", ok(json!({ "cost": "cheap" }))),
        ("/moving/movers", ok(json!({ "cost": 1e30 }))),
        ("/moving/movers", ok(json!({ "moveType": "packing" }))),
        ("/moving/movers", ok(json!({ "moveType": "FULL" }))),
        ("/moving/movers", ok(json!({ "moveType": null }))),
        ("/moving/moverassigns/companies", "{".into()),
        (
            "/moving/moverassigns/companies",
            company_body(json!({ "name": "" })),
        ),
        (
            "/moving/moverassigns/companies",
            company_body(json!({ "tel": "none" })),
        ),
        (
            "/moving/moverassigns/companies",
            company_body(json!({ "regions": [] })),
        ),
        (
            "/moving/moverassigns/companies",
            company_body(json!({ "regions": "mapo" })),
        ),
        (
            "/moving/moverassigns/companies",
            company_body(json!({ "regions": [" "] })),
        ),
        (
            "/moving/moverassigns/companies",
            company_body(json!({ "regions": vec!["r"; 51] })),
        ),
        (
            "/moving/moverassigns/companies",
            company_body(json!({ "moveTypes": [] })),
        ),
        (
            "/moving/moverassigns/companies",
            company_body(json!({ "moveTypes": ["BOXES"] })),
        ),
    ];
    for (path, body) in &bad {
        let r = api.post_raw(path, body).await;
        assert!(
            (400..500).contains(&r.status),
            "{path} {body:.80} -> {} {:?}",
            r.status,
            r.body
        );
        assert_eq!(
            r.content_type, "application/problem+json",
            "{path} {body:.80}"
        );
    }
    for path in [
        "/moving/movers/unknown",
        "/moving/movermanages/unknown",
        "/moving/moverassigns/unknown",
        "/moving/moverassigns/companies/unknown",
        "/moving/moverinfos/unknown",
        "/moving/nowhere",
    ] {
        api.get(path).await.assert_problem(404);
    }
    api.delete("/moving/movers/unknown")
        .await
        .assert_problem(404);
    for path in [
        "/moving/moverinfos",
        "/moving/moverinfos?tel=kim",
        "/moving/moverinfos/messages",
        "/moving/moverinfos/messages?tel=",
        "/moving/moverinfos?tel=01012345678&other=1",
        "/moving/movers?tel=abc",
        "/moving/movers?limit=0",
        "/moving/movers?limit=501",
        "/moving/movers?cursor=",
        "/moving/movers?cursor=%21%21",
        "/moving/moverassigns/companies?limit=x",
    ] {
        api.get(path).await.assert_problem(400);
    }
    api.delete(&format!("/moving/movers/{}", "x".repeat(65)))
        .await
        .assert_problem(400);
    api.send(Method::PATCH, &format!("/moving/movers/{call}"), None)
        .await
        .assert_problem(405);
    api.send(
        Method::PUT,
        &format!("/moving/moverassigns/companies/{company}"),
        Some("{}"),
    )
    .await
    .assert_problem(405);

    api.drained().await;
    assert_eq!(before, snapshot().await, "no state changed");
}

#[tokio::test]
async fn an_outside_client_cannot_reach_movemanages_internal_functions() {
    let api = support::start().await;
    api.company("Mapo Movers", &["mapo"], &["PACKING"]).await;
    let id = api.call(TEL, "mapo", "PACKING").await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    api.status_becomes(&id, "CONFIRMED").await;
    let before = recorded(&api).await;

    let take = api
        .post(
            "/moving/movermanages",
            json!({ "orderId": "forged-1", "tel": TEL, "location": "mapo", "cost": 1, "moveType": "PACKING" }),
        )
        .await;
    assert!([404, 405].contains(&take.status), "{take:?}");
    take.assert_problem(take.status);
    let withdraw = api.delete(&format!("/moving/movermanages/{id}")).await;
    assert!([404, 405].contains(&withdraw.status), "{withdraw:?}");
    withdraw.assert_problem(withdraw.status);
    api.get(&format!("/moving/movers/{id}/standing"))
        .await
        .assert_problem(404);

    api.drained().await;
    assert_eq!(before, recorded(&api).await, "nothing changed");
    assert_eq!(api.mover(&id).await["status"], "CONFIRMED");

    // In process (as movecall's caller) the same function answers: the same request again is
    // idempotent and changes nothing.
    let inside = api
        .internal(
            Method::POST,
            "/moving/movermanages",
            Some(json!({ "orderId": id, "tel": TEL, "location": "mapo", "cost": 2_500_000, "moveType": "PACKING" })),
        )
        .await;
    assert_eq!(
        (inside.status, &inside.body["status"]),
        (201, &json!("CONFIRMED")),
        "{inside:?}"
    );
    let other = api
        .internal(
            Method::POST,
            "/moving/movermanages",
            Some(json!({ "orderId": id, "tel": TEL, "location": "guro", "cost": 1, "moveType": "PACKING" })),
        )
        .await;
    other.assert_problem(409);
    assert_eq!(before, recorded(&api).await, "nothing changed");
    let spec = api.get("/moving/openapi.json").await.body;
    let paths = spec["paths"].as_object().unwrap();
    assert!(
        paths["/moving/movermanages"].get("post").is_none()
            && paths["/moving/movermanages/{id}"].get("delete").is_none()
            && paths.keys().all(|p| !p.contains("standing")),
        "internal functions are not in the public API: {paths:?}"
    );
}

#[tokio::test]
async fn openapi_documents_every_public_route_of_the_system() {
    let api = support::start().await;
    let doc = api.get("/moving/openapi.json").await;
    assert_eq!(doc.status, 200);
    let paths = doc.body["paths"].as_object().unwrap();
    for (path, method) in [
        ("/moving/movers", "post"),
        ("/moving/movers/{id}", "delete"),
        ("/moving/moverassigns/companies", "post"),
        ("/moving/moverinfos", "get"),
        ("/moving/moverinfos/messages", "get"),
    ] {
        assert!(paths[path][method].is_object(), "{method} {path} missing");
    }
    let functions = api.get("/admin/functions").await.body;
    let http_routes: usize = functions
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["internal"] == false && f["context"].as_str().unwrap().starts_with("moving/"))
        .map(|f| f["routes"].as_array().map_or(0, Vec::len))
        .sum();
    let documented: usize = paths.values().map(|p| p.as_object().unwrap().len()).sum();
    assert_eq!(documented, http_routes, "every public route and only those");
}

#[tokio::test]
async fn the_customers_messages_stream_live() {
    let api = support::start().await;
    api.company("Mapo Movers", &["mapo"], &["PACKING"]).await;
    let mut stream = api
        .http
        .get(format!(
            "{}/moving/moverinfos/messages/live?tel={TEL}",
            api.base
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(stream.headers()["content-type"], "text/event-stream");
    api.call("01099990000", "mapo", "HALF_PACKING").await;
    let id = api.call(TEL, "mapo", "PACKING").await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let mut seen = String::new();
    let found = tokio::time::timeout(Duration::from_secs(5), async {
        while let Some(chunk) = stream.chunk().await.unwrap() {
            seen.push_str(&String::from_utf8_lossy(&chunk));
            if seen.contains("Mapo Movers") && seen.contains(&id) {
                return true;
            }
        }
        false
    })
    .await;
    assert_eq!(found, Ok(true), "{seen}");
    assert!(seen.contains("event: kakaotalk"), "{seen}");
    assert!(
        !seen.contains("01099990000"),
        "only this customer's: {seen}"
    );
    let bad = api.get("/moving/moverinfos/messages/live?tel=a%20b").await;
    bad.assert_problem(400);
}

#[tokio::test]
async fn a_request_whose_call_was_never_recorded_is_withdrawn_and_frees_its_company() {
    let api = support::start_with(|c| {
        c.settings
            .insert("MOVEMANAGE_HOLD_SECONDS".into(), "0".into());
        // movecall waits for an outcome's call until the deadline has passed: a short one here.
        c.settings
            .insert("MOVECALL_DEADLINE_MS".into(), "2000".into());
    })
    .await;
    let company = api.company("Mapo Movers", &["mapo"], &["PACKING"]).await;
    // movemanage took a request, as movecall's call would, for a call movecall then never
    // recorded (the process died in between): moveassign assigns it the only company.
    let orphan = api
        .internal(
            Method::POST,
            "/moving/movermanages",
            Some(json!({ "orderId": "orphan-1", "tel": TEL, "location": "mapo", "cost": 1, "moveType": "PACKING" })),
        )
        .await;
    assert_eq!(orphan.status, 201, "{:?}", orphan.body);
    eventually("the orphan holds the company", || async {
        api.company_status(&company).await == "BUSY"
    })
    .await;
    // A real call, recorded, waits for the company meanwhile (and fails: none is free).
    let live = api.call("01077778888", "mapo", "PACKING").await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    api.status_becomes(&live, "FAILED").await;
    api.drained().await;

    let sweep = "/admin/functions/moving-movemanage-withdraw-orphans/run";
    let r = api.post(sweep, json!({})).await;
    assert_eq!(r.status, 200, "{:?}", r.body);
    api.drained().await;
    assert_eq!(
        api.get("/moving/movermanages/orphan-1").await.body["status"],
        "CANCEL_REQUESTED"
    );
    assert_eq!(api.company_status(&company).await, "AVAILABLE", "freed");
    assert_eq!(
        api.get(&format!("/moving/movermanages/{live}")).await.body["status"],
        "FAILED",
        "the recorded call's request is kept"
    );
    assert_eq!(api.get("/moving/movers/orphan-1").await.status, 404);
    // Run again: nothing more happens.
    api.post(sweep, json!({})).await;
    api.drained().await;
    let cancelled = api
        .get("/admin/events?context=moving/movemanage&limit=1000")
        .await
        .body
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["eventType"] == "MovermanageCancelled")
        .count();
    assert_eq!(cancelled, 1);
    // And the next call gets the freed company.
    let next = api.call(TEL, "mapo", "PACKING").await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    api.status_becomes(&next, "CONFIRMED").await;
}
