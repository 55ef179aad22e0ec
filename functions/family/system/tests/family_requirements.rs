//! DOMAINS.md §1, family: one flow test per numbered requirement, over HTTP through the gateway.
#![allow(clippy::unwrap_used)]

mod support;

use std::time::Duration;

use serde_json::json;
use support::{CITY_HALL, FamilySteps, GANGNAM, JAMSIL, eventually, north_of, point, types};

#[tokio::test]
async fn r01_a_customer_registers_pending_the_founder_is_active_and_deleting_removes_the_membership()
 {
    let api = support::start().await;
    let r = api
        .post(
            "/family/customers",
            json!({ "customerId": "mom", "name": "Kim Mother", "phone": "010-1234-5678", "familyId": "kims" }),
        )
        .await;
    assert_eq!(r.status, 201, "{:?}", r.body);
    assert_eq!(r.location.as_deref(), Some("/family/customers/mom"));
    assert_eq!(
        (r.body["id"].as_str(), r.body["status"].as_str()),
        (Some("mom"), Some("ACTIVE")),
        "the first member of a new family is ACTIVE at once"
    );
    assert_eq!(r.body["familyId"], "kims");
    assert_eq!(r.body["name"], "Kim Mother");

    let son = api.register("son", "kims").await;
    assert_eq!(son["status"], "PENDING");
    let read = api.get("/family/customers/son").await;
    assert_eq!((read.status, &read.body), (200, &son));

    // Without an id, one is made.
    let r = api
        .post(
            "/family/customers",
            json!({ "name": "Lee", "phone": "010-9999-0000", "familyId": "lees" }),
        )
        .await;
    assert_eq!(r.status, 201, "{:?}", r.body);
    let made = r.body["id"].as_str().unwrap();
    assert_eq!(
        r.location.as_deref(),
        Some(format!("/family/customers/{made}").as_str())
    );
    api.post(
        "/family/customers",
        json!({ "customerId": "son", "name": "Again", "phone": "010-1", "familyId": "kims" }),
    )
    .await
    .assert_problem(409);

    eventually("son's membership request is recorded", || async {
        api.get("/family/families/kims").await.body["members"]
            .as_array()
            .is_some_and(|m| m.len() == 2)
    })
    .await;
    let r = api.delete("/family/customers/son").await;
    assert_eq!(
        (r.status, r.body["status"].as_str()),
        (200, Some("DELETED"))
    );
    assert_eq!(api.customer_status("son").await, "DELETED");
    api.delete("/family/customers/son")
        .await
        .assert_problem(409);
    api.delete("/family/customers/nobody")
        .await
        .assert_problem(404);
    api.get("/family/customers/nobody")
        .await
        .assert_problem(404);
    eventually("the membership is removed", || async {
        let members = api.get("/family/families/kims").await.body["members"].clone();
        members.as_array().is_some_and(|m| m.len() == 1) && members[0]["customerId"] == "mom"
    })
    .await;
}

#[tokio::test]
async fn r02_an_active_member_approves_or_denies_and_the_account_follows() {
    let api = support::start().await;
    api.register("mom", "kims").await;
    api.register("son", "kims").await;
    api.register("dad", "kims").await;
    eventually("three membership requests", || async {
        api.get("/family/families/kims").await.body["members"]
            .as_array()
            .is_some_and(|m| m.len() == 3)
    })
    .await;
    let family = api.get("/family/families/kims").await.body;
    let status = |who: &str| {
        family["members"]
            .as_array()
            .unwrap()
            .iter()
            .find(|m| m["customerId"] == who)
            .unwrap()["status"]
            .clone()
    };
    assert_eq!(status("mom"), "APPROVED");
    assert_eq!(status("son"), "REGISTERED");

    // dad is not an ACTIVE member yet; a stranger never was.
    for approver in ["dad", "stranger"] {
        api.post(
            "/family/families/kims/members/son/approve",
            json!({ "approverId": approver }),
        )
        .await
        .assert_problem(403);
    }
    let r = api
        .post(
            "/family/families/kims/members/son/approve",
            json!({ "approverId": "mom" }),
        )
        .await;
    assert_eq!(r.status, 200, "{:?}", r.body);
    let r = api
        .post(
            "/family/families/kims/members/dad/deny",
            json!({ "approverId": "mom" }),
        )
        .await;
    assert_eq!(r.status, 200, "{:?}", r.body);
    // Decided once.
    api.post(
        "/family/families/kims/members/dad/approve",
        json!({ "approverId": "mom" }),
    )
    .await
    .assert_problem(409);
    api.post(
        "/family/families/kims/members/ghost/approve",
        json!({ "approverId": "mom" }),
    )
    .await
    .assert_problem(404);

    eventually("son is ACTIVE and dad INACTIVE", || async {
        api.customer_status("son").await == "ACTIVE"
            && api.customer_status("dad").await == "INACTIVE"
    })
    .await;
    let family = api.get("/family/families/kims").await.body;
    let statuses: Vec<_> = family["members"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| {
            (
                m["customerId"].as_str().unwrap(),
                m["status"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        statuses,
        [("mom", "APPROVED"), ("son", "APPROVED"), ("dad", "DENIED")]
    );

    // Now son is an ACTIVE member, and may decide.
    api.register("baby", "kims").await;
    api.approve("kims", "baby", "son").await;

    // Only an ACTIVE customer may start a move.
    let r = api
        .post(
            "/family/moves",
            json!({ "customerId": "dad", "start": point(CITY_HALL), "goal": point(GANGNAM) }),
        )
        .await;
    r.assert_problem(422);
    api.get("/family/families/nowhere")
        .await
        .assert_problem(404);
}

#[tokio::test]
async fn r03_an_active_member_starts_a_move_with_distance_duration_and_eta() {
    let api = support::start().await;
    api.family_of("kims", "mom", &[]).await;
    let m = api.start_move("mom", CITY_HALL, GANGNAM).await;
    let id = m["id"].as_str().unwrap();
    assert_eq!(m["status"], "MOVING");
    assert_eq!(
        (m["customerId"].as_str(), m["familyId"].as_str()),
        (Some("mom"), Some("kims"))
    );
    let distance = m["distance"].as_u64().unwrap();
    assert!((8_500..10_000).contains(&distance), "{distance} m");
    // 40 km/h: 90 ms a metre.
    let duration = m["duration"].as_u64().unwrap();
    assert!(
        duration.abs_diff(distance * 90) <= 90,
        "{duration} ms for {distance} m"
    );
    assert!(m["eta"].as_str().unwrap().starts_with("20"), "{m}");
    let read = api.get(&format!("/family/moves/{id}")).await;
    assert_eq!((read.status, &read.body), (200, &m));

    // A PENDING customer may not; an unknown one is not found; a bad place is refused.
    api.register("son", "kims").await;
    api.post(
        "/family/moves",
        json!({ "customerId": "son", "start": point(CITY_HALL), "goal": point(GANGNAM) }),
    )
    .await
    .assert_problem(422);
    api.post(
        "/family/moves",
        json!({ "customerId": "nobody", "start": point(CITY_HALL), "goal": point(GANGNAM) }),
    )
    .await
    .assert_problem(404);
    api.post(
        "/family/moves",
        json!({ "customerId": "mom", "start": { "lat": 91, "lon": 0 }, "goal": point(GANGNAM) }),
    )
    .await
    .assert_problem(400);
    let mine = api.get("/family/moves?customerId=mom").await;
    assert_eq!(mine.body["items"].as_array().unwrap().len(), 1);
}

#[tokio::test]
async fn r04_a_move_is_cancelled_its_goal_changed_and_it_ends_on_arrival() {
    let api = support::start().await;
    api.family_of("kims", "mom", &[]).await;

    let m = api.start_move("mom", CITY_HALL, GANGNAM).await;
    let id = m["id"].as_str().unwrap();
    let r = api
        .send(
            reqwest::Method::PUT,
            &format!("/family/moves/{id}/goal"),
            Some(&point(JAMSIL).to_string()),
        )
        .await;
    assert_eq!(r.status, 200, "{:?}", r.body);
    assert_eq!(r.body["goal"], point(JAMSIL));
    assert_ne!(r.body["distance"], m["distance"], "a new route");
    assert_eq!(r.body["status"], "MOVING");

    let r = api
        .post(&format!("/family/moves/{id}/cancel"), json!({}))
        .await;
    assert_eq!(
        (r.status, r.body["status"].as_str()),
        (200, Some("CANCELLED"))
    );
    api.post(&format!("/family/moves/{id}/cancel"), json!({}))
        .await
        .assert_problem(409);
    api.send(
        reqwest::Method::PUT,
        &format!("/family/moves/{id}/goal"),
        Some(&point(GANGNAM).to_string()),
    )
    .await
    .assert_problem(409);
    api.post("/family/moves/no-such-move/cancel", json!({}))
        .await
        .assert_problem(404);

    // Arrival ends a move.
    let m = api.start_move("mom", CITY_HALL, GANGNAM).await;
    let id = m["id"].as_str().unwrap().to_owned();
    assert_eq!(api.report(&id, north_of(GANGNAM, 0.0004)).await.status, 201);
    eventually("the move is ENDED", || async {
        api.get(&format!("/family/moves/{id}")).await.body["status"] == "ENDED"
    })
    .await;
}

#[tokio::test]
async fn r05_positions_are_taken_only_while_moving_and_raise_imminence_once_per_goal() {
    let api = support::start().await;
    api.family_of("kims", "mom", &["son"]).await;
    let m = api.start_move("mom", CITY_HALL, GANGNAM).await;
    let id = m["id"].as_str().unwrap().to_owned();

    // Far: about 11 km (16 min) left.
    let r = api.report(&id, north_of(GANGNAM, 0.1)).await;
    assert_eq!(r.status, 201, "{:?}", r.body);
    let loc = r.body["id"].as_str().unwrap();
    assert_eq!(
        r.location.as_deref(),
        Some(format!("/family/locations/{loc}").as_str())
    );
    assert_eq!(r.body["moveId"], id.as_str());
    let left = r.body["remainingDistance"].as_u64().unwrap();
    assert!((10_500..11_500).contains(&left), "{left}");
    assert!(r.body["remainingDuration"].as_u64().unwrap() > 600_000);
    assert_eq!(
        api.get(&format!("/family/locations/{loc}")).await.body,
        r.body
    );

    // Within 10 minutes (about 5.6 km): imminent, once.
    assert_eq!(api.report(&id, north_of(GANGNAM, 0.05)).await.status, 201);
    assert_eq!(api.report(&id, north_of(GANGNAM, 0.03)).await.status, 201);
    api.drained().await;
    let m = api.get(&format!("/family/moves/{id}")).await.body;
    assert_eq!(m["arrivalImminent"], true);
    let imminent = |alarms: Vec<serde_json::Value>| {
        types(&alarms)
            .iter()
            .filter(|t| *t == "ARRIVAL_IMMINENT")
            .count()
    };
    assert_eq!(imminent(api.alarms("son").await), 1, "raised once");

    // A new goal: raised again when within 10 minutes of it.
    let r = api
        .send(
            reqwest::Method::PUT,
            &format!("/family/moves/{id}/goal"),
            Some(&point(JAMSIL).to_string()),
        )
        .await;
    assert_eq!(r.status, 200, "{:?}", r.body);
    assert_eq!(api.report(&id, north_of(JAMSIL, 0.04)).await.status, 201);
    api.drained().await;
    assert_eq!(
        imminent(api.alarms("son").await),
        2,
        "again after the goal changed"
    );

    // Inside 100 m: ENDED; the device must stop.
    assert_eq!(api.report(&id, north_of(JAMSIL, 0.0005)).await.status, 201);
    eventually("the move is ENDED", || async {
        api.get(&format!("/family/moves/{id}")).await.body["status"] == "ENDED"
    })
    .await;
    api.report(&id, JAMSIL).await.assert_problem(409);

    // A cancelled move takes no position either; an unknown one is not found.
    let other = api.start_move("mom", CITY_HALL, GANGNAM).await;
    let other = other["id"].as_str().unwrap();
    api.post(&format!("/family/moves/{other}/cancel"), json!({}))
        .await;
    let r = api.report(other, CITY_HALL).await;
    r.assert_problem(409);
    assert!(
        r.body["detail"]
            .as_str()
            .unwrap()
            .contains("stop reporting")
    );
    api.report("no-such-move", CITY_HALL)
        .await
        .assert_problem(404);
    let mine = api.get(&format!("/family/locations?moveId={other}")).await;
    assert_eq!(mine.body["items"], json!([]), "nothing recorded");
}

#[tokio::test]
async fn r06_every_active_member_but_the_mover_is_alarmed_live_and_reads_the_alarm() {
    let api = support::start().await;
    api.family_of("kims", "mom", &["son", "daughter"]).await;
    api.register("dad", "kims").await; // PENDING: no alarm
    api.family_of("lees", "neighbour", &[]).await;

    // son's page listens.
    let mut stream = api
        .request(reqwest::Method::GET, "/family/alarms/stream?customerId=son")
        .send()
        .await
        .unwrap();
    assert_eq!(stream.status(), 200);

    let m = api.start_move("mom", CITY_HALL, GANGNAM).await;
    let id = m["id"].as_str().unwrap().to_owned();
    let mut seen = String::new();
    tokio::time::timeout(Duration::from_secs(10), async {
        while !seen.contains("MOVE_STARTED") {
            let chunk = stream.chunk().await.unwrap().unwrap();
            seen.push_str(&String::from_utf8_lossy(&chunk));
        }
    })
    .await
    .expect("the alarm is pushed live");
    assert!(seen.contains("event: alarm"), "{seen}");
    assert!(seen.contains(&id), "{seen}");

    // The five move events.
    let r = api
        .send(
            reqwest::Method::PUT,
            &format!("/family/moves/{id}/goal"),
            Some(&point(JAMSIL).to_string()),
        )
        .await;
    assert_eq!(r.status, 200);
    api.report(&id, north_of(JAMSIL, 0.04)).await;
    api.drained().await;
    api.report(&id, north_of(JAMSIL, 0.0003)).await;
    api.drained().await;
    let other = api.start_move("mom", CITY_HALL, GANGNAM).await;
    api.post(
        &format!("/family/moves/{}/cancel", other["id"].as_str().unwrap()),
        json!({}),
    )
    .await;
    api.drained().await;

    let sons = api.alarms("son").await;
    assert_eq!(
        types(&sons),
        [
            "MOVE_STARTED",
            "MOVE_UPDATED",
            "ARRIVAL_IMMINENT",
            "MOVE_ENDED",
            "MOVE_STARTED",
            "MOVE_CANCELLED"
        ],
        "newest first, every type"
    );
    assert_eq!(types(&api.alarms("daughter").await).len(), 6);
    for nobody in ["mom", "dad", "neighbour"] {
        assert!(
            api.alarms(nobody).await.is_empty(),
            "{nobody} is not alarmed"
        );
    }
    let newest = &sons[0];
    for field in [
        "id",
        "customerId",
        "moveId",
        "type",
        "message",
        "read",
        "createdAt",
    ] {
        assert!(!newest[field].is_null(), "{field} in {newest}");
    }
    assert_eq!(newest["customerId"], "son");
    assert_eq!(newest["read"], false);
    assert!(newest["message"].as_str().unwrap().contains("Kim mom"));

    let alarm = newest["id"].as_str().unwrap();
    let r = api
        .post(&format!("/family/alarms/{alarm}/read"), json!({}))
        .await;
    assert_eq!((r.status, &r.body["read"]), (200, &json!(true)));
    assert_eq!(api.alarms("son").await[0]["read"], true);
    api.post("/family/alarms/no-such-alarm/read", json!({}))
        .await
        .assert_problem(404);
    api.get("/family/alarms").await.assert_problem(400);
}

#[tokio::test]
async fn r07_the_moveview_shows_every_members_position_and_status_in_one_read() {
    let api = support::start().await;
    api.family_of("kims", "mom", &["son"]).await;
    let a = api.start_move("mom", CITY_HALL, GANGNAM).await;
    let a = a["id"].as_str().unwrap().to_owned();
    let b = api.start_move("son", GANGNAM, JAMSIL).await;
    let b = b["id"].as_str().unwrap().to_owned();
    api.report(&a, north_of(GANGNAM, 0.03)).await;
    api.post(&format!("/family/moves/{b}/cancel"), json!({}))
        .await;
    api.drained().await;

    let family = api.get("/family/moveviews?familyId=kims").await;
    assert_eq!(family.status, 200, "{:?}", family.body);
    let rows = family.body["items"].as_array().unwrap();
    assert_eq!(rows.len(), 2);
    let row = |id: &str| rows.iter().find(|r| r["moveId"] == id).unwrap().clone();
    let (ra, rb) = (row(&a), row(&b));
    assert_eq!(
        (ra["customerId"].as_str(), ra["status"].as_str()),
        (Some("mom"), Some("MOVING"))
    );
    assert_eq!(ra["lat"].as_f64(), Some(GANGNAM.0 + 0.03));
    assert!(ra["locId"].is_string());
    assert!(ra["distance"].as_u64().unwrap() > 8_000);
    assert!(ra["remainingDistance"].as_u64().unwrap() < 4_000);
    assert_eq!(
        (rb["customerId"].as_str(), rb["status"].as_str()),
        (Some("son"), Some("CANCELLED"))
    );

    let mine = api.get("/family/moveviews?customerId=son").await;
    let items = mine.body["items"].as_array().unwrap();
    assert_eq!(items.len(), 1);
    assert_eq!(items[0]["moveId"], b.as_str());
    assert_eq!(api.get(&format!("/family/moveviews/{a}")).await.body, ra);
    api.get("/family/moveviews").await.assert_problem(400);
    api.get("/family/moveviews?customerId=mom&familyId=kims")
        .await
        .assert_problem(400);
}
