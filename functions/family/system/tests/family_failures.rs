//! The family under failure: a sync dependency down and its circuit breaker, consumers down and
//! back, duplicate deliveries, concurrent commands on one aggregate, bad input of every kind,
//! and clients calling internal functions.
#![allow(clippy::unwrap_used)]

mod support;

use std::time::Duration;

use reqwest::Method;
use serde_json::{Value, json};
use support::{Api, CITY_HALL, FamilySteps, GANGNAM, JAMSIL, eventually, north_of, point, types};

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

async fn delivered(api: &Api, function: &str) -> u64 {
    let subscriptions = api.get("/admin/subscriptions").await.body;
    subscriptions
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["function"] == function)
        .unwrap_or_else(|| panic!("no subscription {function}"))["delivered"]
        .as_u64()
        .unwrap()
}

#[tokio::test]
async fn move_down_refuses_positions_fast_records_nothing_and_opens_the_breaker() {
    let api = support::start().await;
    api.family_of("kims", "mom", &["son"]).await;
    let id = api.start_move("mom", CITY_HALL, GANGNAM).await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    api.switch("family-move-standing", false).await;
    for _ in 0..3 {
        let r = api.report(&id, north_of(GANGNAM, 0.02)).await;
        r.assert_problem(503);
        assert!(r.retry_after.is_some());
        assert!(
            r.elapsed < Duration::from_secs(1),
            "answered in {:?}",
            r.elapsed
        );
    }
    api.drained().await;
    let where_ = format!("/family/locations?moveId={id}");
    assert_eq!(
        api.get(&where_).await.body["items"],
        json!([]),
        "nothing recorded"
    );
    assert_eq!(
        types(&api.alarms("son").await),
        ["MOVE_STARTED"],
        "no imminence raised"
    );

    // Three failures opened the breaker: even with move back, the fallback answers at once.
    api.switch("family-move-standing", true).await;
    let r = api.report(&id, north_of(GANGNAM, 0.02)).await;
    r.assert_problem(503);
    assert!(
        r.body["detail"].as_str().unwrap().contains("family/move"),
        "{:?}",
        r.body
    );
    assert!(r.retry_after.is_some());
    assert!(
        r.elapsed < Duration::from_millis(200),
        "fallback took {:?}",
        r.elapsed
    );
    assert_eq!(api.get(&where_).await.body["items"], json!([]));

    // After the open period one probe goes through and closes it.
    eventually("the breaker closes", || async {
        api.report(&id, north_of(GANGNAM, 0.02)).await.status == 201
    })
    .await;
    assert_eq!(
        api.get(&where_).await.body["items"]
            .as_array()
            .unwrap()
            .len(),
        1
    );
}

#[tokio::test]
async fn customer_down_refuses_moves_fast_and_records_nothing() {
    let api = support::start().await;
    api.family_of("kims", "mom", &[]).await;
    api.switch("family-customer-standing", false).await;
    let r = api
        .post(
            "/family/moves",
            json!({ "customerId": "mom", "start": point(CITY_HALL), "goal": point(GANGNAM) }),
        )
        .await;
    r.assert_problem(503);
    assert!(r.retry_after.is_some());
    assert!(r.elapsed < Duration::from_secs(1));
    assert_eq!(api.get("/family/moves").await.body["items"], json!([]));
    api.switch("family-customer-standing", true).await;
    tokio::time::sleep(Duration::from_millis(50)).await;
    api.start_move("mom", CITY_HALL, GANGNAM).await;
}

#[tokio::test]
async fn alarm_and_moveview_down_miss_nothing_and_catch_up_when_back() {
    let api = support::start().await;
    api.family_of("kims", "mom", &["son"]).await;
    api.switch("family-alarm-on-move", false).await;
    api.switch("family-moveview-on-move", false).await;
    api.switch("family-moveview-on-location", false).await;

    // Moves are still taken while the consumers are down.
    let id = api.start_move("mom", CITY_HALL, GANGNAM).await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_eq!(api.report(&id, north_of(GANGNAM, 0.03)).await.status, 201);
    eventually("move records the imminence", || async {
        api.get(&format!("/family/moves/{id}")).await.body["arrivalImminent"] == true
    })
    .await;
    api.post(&format!("/family/moves/{id}/cancel"), json!({}))
        .await;
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert!(api.alarms("son").await.is_empty());
    assert_eq!(
        api.get("/family/moveviews?familyId=kims").await.body["items"],
        json!([])
    );

    for f in [
        "family-alarm-on-move",
        "family-moveview-on-move",
        "family-moveview-on-location",
    ] {
        api.switch(f, true).await;
    }
    api.drained().await;
    assert_eq!(
        types(&api.alarms("son").await),
        ["MOVE_STARTED", "ARRIVAL_IMMINENT", "MOVE_CANCELLED"],
        "every event it missed, in order"
    );
    let row = api.get(&format!("/family/moveviews/{id}")).await.body;
    assert_eq!(row["status"], "CANCELLED");
    assert_eq!(row["lat"].as_f64(), Some(GANGNAM.0 + 0.03));
}

#[tokio::test]
async fn the_same_events_delivered_twice_have_their_effect_once() {
    let api = support::start().await;
    api.family_of("kims", "mom", &["son", "daughter"]).await;
    let id = api.start_move("mom", CITY_HALL, GANGNAM).await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    api.report(&id, north_of(GANGNAM, 0.03)).await;
    api.drained().await;

    let started = event_of(&api, "family/move", "MoveStarted", &id).await;
    let located = event_of(&api, "family/location", "LocRegistered", &id).await;
    let approved = event_of(&api, "family/family", "FamilyApproved", "kims").await;
    let registered = event_of(&api, "family/customer", "CustomerRegistered", "son").await;
    for (function, event) in [
        ("family-alarm-on-move", &started),
        ("family-moveview-on-move", &started),
        ("family-move-on-loc-registered", &located),
        ("family-moveview-on-location", &located),
        ("family-customer-on-family-decided", &approved),
        ("family-family-on-customer-registered", &registered),
    ] {
        let before = delivered(&api, function).await;
        let r = api
            .post(
                &format!("/admin/functions/{function}/deliveries"),
                json!({ "eventId": event["eventId"] }),
            )
            .await;
        assert_eq!(r.status, 202, "{function}: {:?}", r.body);
        api.drained().await;
        assert_eq!(
            delivered(&api, function).await,
            before + 1,
            "{function} got the duplicate"
        );
    }
    assert_eq!(
        types(&api.alarms("son").await),
        ["MOVE_STARTED", "ARRIVAL_IMMINENT"]
    );
    assert_eq!(
        types(&api.alarms("daughter").await),
        ["MOVE_STARTED", "ARRIVAL_IMMINENT"]
    );
    let move_events = api
        .get("/admin/events?context=family/move&limit=1000")
        .await
        .body;
    let imminent = move_events
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["eventType"] == "ArrivalImminent")
        .count();
    assert_eq!(imminent, 1, "raised once");
    let members = api.get("/family/families/kims").await.body["members"].clone();
    assert_eq!(members.as_array().unwrap().len(), 3, "no second request");
    let customer_events = api
        .get("/admin/events?context=family/customer&limit=1000")
        .await
        .body;
    let activations = customer_events
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["eventType"] == "MemberRegistered" && e["aggregateId"] == "son")
        .count();
    assert_eq!(activations, 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_decisions_on_one_request_decide_it_once() {
    let api = support::start().await;
    api.family_of("kims", "mom", &["son"]).await;
    api.register("dad", "kims").await;
    eventually("dad asked", || async {
        api.get("/family/families/kims").await.body["members"]
            .as_array()
            .is_some_and(|m| m.len() == 3)
    })
    .await;
    let attempts = (0..10).map(|i| {
        let (http, base) = (api.http.clone(), api.base.clone());
        let (verb, approver) = if i % 2 == 0 {
            ("approve", "mom")
        } else {
            ("deny", "son")
        };
        tokio::spawn(async move {
            http.post(format!("{base}/family/families/kims/members/dad/{verb}"))
                .json(&json!({ "approverId": approver }))
                .send()
                .await
                .unwrap()
                .status()
                .as_u16()
        })
    });
    let statuses: Vec<u16> = futures::future::join_all(attempts)
        .await
        .into_iter()
        .map(Result::unwrap)
        .collect();
    assert_eq!(
        statuses.iter().filter(|s| **s == 200).count(),
        1,
        "{statuses:?}"
    );
    assert_eq!(
        statuses.iter().filter(|s| **s == 409).count(),
        9,
        "{statuses:?}"
    );
    api.drained().await;
    let status = api.customer_status("dad").await;
    assert!(status == "ACTIVE" || status == "INACTIVE", "{status}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_first_registrations_found_a_family_once() {
    let api = support::start().await;
    let attempts = (0..8).map(|i| {
        let (http, base) = (api.http.clone(), api.base.clone());
        tokio::spawn(async move {
            let r = http
                .post(format!("{base}/family/customers"))
                .json(&json!({ "customerId": format!("c{i}"), "name": "Park", "phone": "010-2222-3333", "familyId": "parks" }))
                .send()
                .await
                .unwrap();
            let status = r.status().as_u16();
            let body: Value = r.json().await.unwrap();
            (status, body["status"].as_str().unwrap_or_default().to_owned())
        })
    });
    let outcomes: Vec<(u16, String)> = futures::future::join_all(attempts)
        .await
        .into_iter()
        .map(Result::unwrap)
        .collect();
    assert!(outcomes.iter().all(|(s, _)| *s == 201), "{outcomes:?}");
    assert_eq!(
        outcomes.iter().filter(|(_, st)| st == "ACTIVE").count(),
        1,
        "{outcomes:?}"
    );
    api.drained().await;
    let family = api.get("/family/families/parks").await.body;
    let approved = family["members"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|m| m["status"] == "APPROVED")
        .count();
    assert_eq!(approved, 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_cancels_and_reports_on_one_move_lose_nothing() {
    let api = support::start().await;
    api.family_of("kims", "mom", &["son"]).await;
    let id = api.start_move("mom", CITY_HALL, GANGNAM).await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let reports = (0..8).map(|i| {
        let (http, base, id) = (api.http.clone(), api.base.clone(), id.clone());
        tokio::spawn(async move {
            http.post(format!("{base}/family/locations"))
                .json(&json!({ "moveId": id, "lat": GANGNAM.0 + 0.2 - f64::from(i) * 0.01, "lon": GANGNAM.1 }))
                .send()
                .await
                .unwrap()
                .status()
                .as_u16()
        })
    });
    let statuses: Vec<u16> = futures::future::join_all(reports)
        .await
        .into_iter()
        .map(Result::unwrap)
        .collect();
    assert!(statuses.iter().all(|s| *s == 201), "{statuses:?}");
    let recorded = api
        .get(&format!("/family/locations?moveId={id}"))
        .await
        .body["items"]
        .as_array()
        .unwrap()
        .len();
    assert_eq!(recorded, 8, "no report lost");
    let track = api
        .get("/admin/events?context=family/location&limit=1000")
        .await
        .body;
    let mut versions: Vec<u64> = track
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["aggregateId"] == id.as_str())
        .map(|e| e["version"].as_u64().unwrap())
        .collect();
    versions.sort_unstable();
    assert_eq!(versions, (1..=8).collect::<Vec<_>>(), "one track, in order");

    let cancels = (0..6).map(|_| {
        let (http, base, id) = (api.http.clone(), api.base.clone(), id.clone());
        tokio::spawn(async move {
            http.post(format!("{base}/family/moves/{id}/cancel"))
                .json(&json!({}))
                .send()
                .await
                .unwrap()
                .status()
                .as_u16()
        })
    });
    let statuses: Vec<u16> = futures::future::join_all(cancels)
        .await
        .into_iter()
        .map(Result::unwrap)
        .collect();
    assert_eq!(
        statuses.iter().filter(|s| **s == 200).count(),
        1,
        "{statuses:?}"
    );
    api.drained().await;
    let cancelled = types(&api.alarms("son").await)
        .iter()
        .filter(|t| *t == "MOVE_CANCELLED")
        .count();
    assert_eq!(cancelled, 1);
}

#[tokio::test]
async fn bad_input_gets_a_problem_and_changes_nothing() {
    let api = support::start().await;
    api.family_of("kims", "mom", &["son"]).await;
    let id = api.start_move("mom", CITY_HALL, GANGNAM).await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    api.drained().await;
    let snapshot = || async {
        (
            api.get("/family/customers").await.body,
            api.get("/family/families/kims").await.body,
            api.get("/family/moves").await.body,
            api.get("/family/locations").await.body,
            api.get("/family/alarms?customerId=son").await.body,
            api.get("/family/moveviews?familyId=kims").await.body,
        )
    };
    let before = snapshot().await;

    let customer = |v: Value| ("/family/customers".to_owned(), v.to_string());
    let mv = |v: Value| ("/family/moves".to_owned(), v.to_string());
    let loc = |v: Value| ("/family/locations".to_owned(), v.to_string());
    let approve = |v: Value| {
        (
            "/family/families/kims/members/son/approve".to_owned(),
            v.to_string(),
        )
    };
    let bad: Vec<(String, String)> = vec![
        ("/family/customers".into(), "{\"name\": ".into()),
        ("/family/customers".into(), "".into()),
        ("/family/customers".into(), "[]".into()),
        customer(json!({ "name": "A", "phone": "010-1111-2222" })),
        customer(json!({ "name": " ", "phone": "010-1111-2222", "familyId": "kims" })),
        customer(json!({ "name": "A", "phone": "call me", "familyId": "kims" })),
        customer(json!({ "name": "A", "phone": 1012345678, "familyId": "kims" })),
        customer(json!({ "name": "A", "phone": "010-1111-2222", "familyId": "a b/c" })),
        customer(json!({ "name": "A\u{202e}", "phone": "010-1111-2222", "familyId": "kims" })),
        customer(json!({ "name": "x".repeat(101), "phone": "010-1111-2222", "familyId": "kims" })),
        customer(
            json!({ "customerId": "..", "name": "A", "phone": "010-1111-2222", "familyId": "kims" }),
        ),
        customer(
            json!({ "name": "A", "phone": "010-1111-2222", "familyId": "kims", "role": "admin" }),
        ),
        mv(json!({ "customerId": "mom", "start": point(CITY_HALL) })),
        mv(
            json!({ "customerId": "mom", "start": { "lat": 91, "lon": 0 }, "goal": point(GANGNAM) }),
        ),
        mv(
            json!({ "customerId": "mom", "start": { "lat": 0, "lon": 181 }, "goal": point(GANGNAM) }),
        ),
        mv(
            json!({ "customerId": "mom", "start": { "lat": "north", "lon": 0 }, "goal": point(GANGNAM) }),
        ),
        mv(json!({ "customerId": "mom", "start": [37, 127], "goal": point(GANGNAM) })),
        mv(json!({ "customerId": "mom", "start": { "lat": 1 }, "goal": point(GANGNAM) })),
        mv(json!({ "customerId": "", "start": point(CITY_HALL), "goal": point(GANGNAM) })),
        loc(json!({ "moveId": id, "lat": 100, "lon": 0 })),
        loc(json!({ "moveId": id, "lat": 0, "lon": -200 })),
        (
            "/family/locations".into(),
            format!("{{\"moveId\": \"{id}\", \"lat\": 1e400, \"lon\": 0}}"),
        ),
        loc(json!({ "moveId": id, "lat": null, "lon": 0 })),
        loc(json!({ "moveId": id })),
        loc(json!({ "lat": 1, "lon": 1 })),
        loc(json!({ "moveId": id, "lat": 1, "lon": 1, "speed": 3 })),
        ("/family/locations".into(), "{not json".into()),
        ("/family/locations".into(), "x".repeat(70_000)),
        approve(json!({})),
        approve(json!({ "approverId": 7 })),
        approve(json!({ "approverId": "mom", "extra": true })),
    ];
    for (path, body) in &bad {
        let r = api.post_raw(path, body).await;
        assert!(
            (400..500).contains(&r.status),
            "{path} {body:.60} -> {} {:?}",
            r.status,
            r.body
        );
        assert_eq!(
            r.content_type, "application/problem+json",
            "{path} {body:.60}"
        );
    }
    for goal in [json!({ "lat": 95, "lon": 0 }), json!({}), json!("north")] {
        api.send(
            Method::PUT,
            &format!("/family/moves/{id}/goal"),
            Some(&goal.to_string()),
        )
        .await
        .assert_problem(400);
    }
    api.send(
        Method::PUT,
        "/family/moves/unknown/goal",
        Some(&point(JAMSIL).to_string()),
    )
    .await
    .assert_problem(404);
    for path in [
        "/family/customers/unknown",
        "/family/families/unknown",
        "/family/moves/unknown",
        "/family/locations/unknown",
        "/family/alarms/unknown",
        "/family/moveviews/unknown",
        "/family/nowhere",
    ] {
        api.get(path).await.assert_problem(404);
    }
    for path in [
        "/family/alarms",
        "/family/alarms?customerId=a%20b",
        "/family/alarms?customerId=son&limit=0",
        "/family/alarms?customerId=son&sort=desc",
        "/family/moves?limit=501",
        "/family/moves?cursor=%21%21",
        "/family/moveviews?familyId=",
        "/family/customers?familyId=..",
    ] {
        api.get(path).await.assert_problem(400);
    }
    api.delete(&format!("/family/customers/{}", "x".repeat(65)))
        .await
        .assert_problem(400);
    api.send(Method::PATCH, &format!("/family/moves/{id}"), None)
        .await
        .assert_problem(405);

    api.drained().await;
    assert_eq!(before, snapshot().await, "no state changed");
}

#[tokio::test]
async fn an_outside_client_cannot_reach_the_internal_functions() {
    let api = support::start().await;
    api.family_of("kims", "mom", &[]).await;
    let id = api.start_move("mom", CITY_HALL, GANGNAM).await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    api.get("/family/customers/mom/standing")
        .await
        .assert_problem(404);
    api.get(&format!("/family/moves/{id}/standing"))
        .await
        .assert_problem(404);
    api.post("/family/customers/mom/standing", json!({}))
        .await
        .assert_problem(404);
    // In process, as the calling context reaches them.
    let inside = api
        .internal(Method::GET, &format!("/family/moves/{id}/standing"), None)
        .await;
    assert_eq!(
        (inside.status, inside.body["status"].as_str()),
        (200, Some("MOVING"))
    );
    let spec = api.get("/family/openapi.json").await.body;
    let paths = spec["paths"].as_object().unwrap();
    assert!(
        paths.keys().all(|p| !p.contains("standing")),
        "internal functions are not in the public API: {:?}",
        paths.keys().collect::<Vec<_>>()
    );
    assert_eq!(
        api.get(&format!("/family/moves/{id}")).await.body["status"],
        "MOVING"
    );
}

#[tokio::test]
async fn openapi_documents_every_route_of_the_system() {
    let api = support::start().await;
    let doc = api.get("/family/openapi.json").await;
    assert_eq!(doc.status, 200);
    let paths = doc.body["paths"].as_object().unwrap();
    for (path, method) in [
        ("/family/customers", "post"),
        ("/family/customers/{id}", "delete"),
        (
            "/family/families/{familyId}/members/{customerId}/approve",
            "post",
        ),
        (
            "/family/families/{familyId}/members/{customerId}/deny",
            "post",
        ),
        ("/family/families/{familyId}", "get"),
        ("/family/moves", "post"),
        ("/family/moves/{id}/cancel", "post"),
        ("/family/moves/{id}/goal", "put"),
        ("/family/locations", "post"),
        ("/family/alarms", "get"),
        ("/family/alarms/{id}/read", "post"),
        ("/family/moveviews", "get"),
    ] {
        assert!(paths[path][method].is_object(), "{method} {path} missing");
    }
    let functions = api.get("/admin/functions").await.body;
    let http_routes: usize = functions
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["internal"] == false)
        .map(|f| f["routes"].as_array().map_or(0, Vec::len))
        .sum();
    let documented: usize = paths.values().map(|p| p.as_object().unwrap().len()).sum();
    assert_eq!(documented, http_routes, "every public route and only those");
}

#[tokio::test]
async fn a_stream_needs_a_valid_customer_and_delivers_only_that_customers_alarms() {
    let api = support::start().await;
    api.get("/family/alarms/stream").await.assert_problem(400);
    api.get("/family/alarms/stream?customerId=a%20b")
        .await
        .assert_problem(400);
    api.get("/family/alarms/stream?customerId=son&x=1")
        .await
        .assert_problem(400);
    api.family_of("kims", "mom", &["son", "daughter"]).await;
    let mut stream = api
        .request(Method::GET, "/family/alarms/stream?customerId=daughter")
        .send()
        .await
        .unwrap();
    assert_eq!(stream.headers()["content-type"], "text/event-stream");
    api.start_move("son", CITY_HALL, GANGNAM).await;
    let mut seen = String::new();
    tokio::time::timeout(Duration::from_secs(10), async {
        while !seen.contains("MOVE_STARTED") {
            let chunk = stream.chunk().await.unwrap().unwrap();
            seen.push_str(&String::from_utf8_lossy(&chunk));
        }
    })
    .await
    .expect("daughter's alarm arrives");
    assert!(seen.contains("\"customerId\":\"daughter\""), "{seen}");
    assert!(!seen.contains("\"customerId\":\"mom\""), "{seen}");
}
