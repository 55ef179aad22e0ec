//! petmily under failure: a synchronous dependency down (fast 503, nothing recorded) and its
//! breaker; a consumer down then back; the same event delivered twice; concurrent commands on
//! one aggregate; bad input; a client calling an internal function; too many failed sign-ins.
#![allow(clippy::unwrap_used)]

mod support;

use std::time::Duration;

use flowtest::Api;
use serde_json::{Value, json};
use support::{PASSWORD, eventually};

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

#[tokio::test]
async fn user_down_refuses_a_match_fast_records_nothing_and_opens_the_breaker() {
    let p = support::start().await;
    let kim = p.member("kim").await;
    p.sitter("lee", "Seoul").await;
    let pet = p.pet(&kim, "Bori").await;
    let app = p.application(&kim, &pet).await;
    p.api.switch("petmily-user-profile", false).await;
    let ask = json!({ "applicationId": app, "sitterId": "lee" });
    for _ in 0..3 {
        let r = p.post(&kim, "/petmily/api/v1/match", ask.clone()).await;
        r.assert_problem(503);
        assert!(r.retry_after.is_some());
        assert!(
            r.elapsed < Duration::from_secs(1),
            "answered in {:?}",
            r.elapsed
        );
    }
    assert_eq!(
        p.get(&kim, "/petmily/api/v1/match").await.body["items"],
        json!([]),
        "nothing recorded"
    );
    // Three failures opened the breaker: with user back, the fallback still answers at once.
    p.api.switch("petmily-user-profile", true).await;
    let r = p.post(&kim, "/petmily/api/v1/match", ask.clone()).await;
    r.assert_problem(503);
    assert!(
        r.body["detail"].as_str().unwrap().contains("petmily/user"),
        "{:?}",
        r.body
    );
    assert!(
        r.elapsed < Duration::from_millis(200),
        "fallback took {:?}",
        r.elapsed
    );
    // After the open period a probe goes through and closes it.
    eventually("the breaker closes", || async {
        p.post(&kim, "/petmily/api/v1/match", ask.clone())
            .await
            .status
            == 201
    })
    .await;
    assert_eq!(
        p.get(&kim, "/petmily/api/v1/match").await.body["items"]
            .as_array()
            .unwrap()
            .len(),
        1
    );
}

#[tokio::test]
async fn pet_down_makes_the_match_view_say_try_later_and_the_request_record_nothing() {
    let p = support::start().await;
    let care = p.care().await;
    p.api.switch("petmily-pet-card", false).await;
    let r = p
        .get(
            &care.member,
            &format!("/petmily/api/v1/match/{}", care.match_id),
        )
        .await;
    r.assert_problem(503);
    assert!(r.retry_after.is_some());
    let r = p
        .post(
            &care.member,
            "/petmily/api/v1/match/application",
            json!({ "petId": care.pet_id, "startDate": "2027-01-01", "endDate": "2027-01-02" }),
        )
        .await;
    r.assert_problem(503);
    let apps = p
        .get(
            &care.member,
            "/petmily/api/v1/match/application?memberId=kim",
        )
        .await;
    assert_eq!(
        apps.body["items"].as_array().unwrap().len(),
        1,
        "only the first"
    );
}

#[tokio::test]
async fn the_diary_and_the_status_view_catch_up_after_being_down() {
    let p = support::start().await;
    p.api.switch("petmily-diary-on-care", false).await;
    p.api.switch("petmily-status-on-match", false).await;
    let care = p.care().await;
    tokio::time::sleep(Duration::from_millis(200)).await;
    p.get(
        &care.member,
        &format!("/petmily/api/v1/diary?matchId={}", care.match_id),
    )
    .await
    .assert_problem(404);
    assert_eq!(
        p.get(&care.member, "/petmily/api/v1/match/status")
            .await
            .body["items"],
        json!([])
    );
    p.api.switch("petmily-diary-on-care", true).await;
    p.api.switch("petmily-status-on-match", true).await;
    p.diary_open(&care).await;
    eventually("the status view caught up", || async {
        p.get(&care.member, "/petmily/api/v1/match/status")
            .await
            .body["items"][0]["status"]
            == "CARE_STARTED"
    })
    .await;
}

#[tokio::test]
async fn a_rating_delivered_twice_counts_once() {
    let p = support::start().await;
    let care = p.care().await;
    p.end(&care).await;
    let r = p
        .post(
            &care.member,
            "/petmily/api/v1/assess/sitter",
            json!({ "matchId": care.match_id, "score": 3 }),
        )
        .await;
    assert_eq!(r.status, 201);
    p.api.drained().await;
    let assessed = event_of(
        &p.api,
        "petmily/assess",
        "SitterAssessed",
        &format!("{}-sitter", care.match_id),
    )
    .await;
    for function in ["petmily-user-on-sitter-assessed"] {
        let r = p
            .api
            .post(
                &format!("/admin/functions/{function}/deliveries"),
                json!({ "eventId": assessed["eventId"] }),
            )
            .await;
        assert_eq!(r.status, 202, "{:?}", r.body);
    }
    let started = event_of(
        &p.api,
        "petmily/match",
        "CareServiceStarted",
        &care.match_id,
    )
    .await;
    for function in [
        "petmily-diary-on-care",
        "petmily-pet-on-care",
        "petmily-status-on-match",
    ] {
        let r = p
            .api
            .post(
                &format!("/admin/functions/{function}/deliveries"),
                json!({ "eventId": started["eventId"] }),
            )
            .await;
        assert_eq!(r.status, 202, "{:?}", r.body);
    }
    p.api.drained().await;
    let list = p
        .get(&care.member, "/petmily/api/v1/user/sitter/available")
        .await;
    assert_eq!(list.body["items"][0]["ratingCount"], 1, "{:?}", list.body);
    assert_eq!(list.body["items"][0]["averageRating"], json!(3.0));
    // The late start changed nothing: the care stays ended everywhere.
    p.post(
        &care.sitter,
        "/petmily/api/v1/diary",
        json!({ "matchId": care.match_id, "content": "x" }),
    )
    .await
    .assert_problem(409);
    p.get(
        &care.sitter,
        &format!("/petmily/api/v1/pet/{}", care.pet_id),
    )
    .await
    .assert_problem(403);
    assert_eq!(
        p.get(&care.member, "/petmily/api/v1/match/status")
            .await
            .body["items"][0]["status"],
        "CARE_ENDED"
    );
}

#[tokio::test]
async fn two_sitters_accepted_at_once_for_one_application_start_one_care() {
    let p = support::start().await;
    let kim = p.member("kim").await;
    let lee = p.sitter("lee", "Seoul").await;
    let choi = p.sitter("choi", "Seoul").await;
    let pet = p.pet(&kim, "Bori").await;
    let app = p.application(&kim, &pet).await;
    let a = p.ask(&kim, &app, "lee").await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let b = p.ask(&kim, &app, "choi").await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let pa = format!("/petmily/api/v1/match/{a}/accept");
    let pb = format!("/petmily/api/v1/match/{b}/accept");
    let (ra, rb) = tokio::join!(p.post(&lee, &pa, json!({})), p.post(&choi, &pb, json!({})));
    let mut statuses = [ra.status, rb.status];
    statuses.sort_unstable();
    assert_eq!(statuses, [200, 409], "{:?} {:?}", ra.body, rb.body);
    let application = p
        .get(&kim, &format!("/petmily/api/v1/match/application/{app}"))
        .await;
    assert_eq!(application.body["status"], "MATCHED");
    let mine = p.get(&kim, "/petmily/api/v1/match").await;
    let care_started = mine.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|m| m["status"] == "CARE_STARTED")
        .count();
    assert_eq!(care_started, 1);
}

#[tokio::test]
async fn the_same_match_accepted_twice_at_once_starts_care_once() {
    let p = support::start().await;
    let kim = p.member("kim").await;
    let lee = p.sitter("lee", "Seoul").await;
    let pet = p.pet(&kim, "Bori").await;
    let app = p.application(&kim, &pet).await;
    let id = p.ask(&kim, &app, "lee").await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let path = format!("/petmily/api/v1/match/{id}/accept");
    let (a, b) = tokio::join!(
        p.post(&lee, &path, json!({})),
        p.post(&lee, &path, json!({}))
    );
    let mut statuses = [a.status, b.status];
    statuses.sort_unstable();
    assert_eq!(statuses, [200, 409]);
    p.api.drained().await;
    let events = p
        .api
        .get("/admin/events?context=petmily/match&limit=1000")
        .await
        .body;
    let started = events
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["eventType"] == "CareServiceStarted")
        .count();
    assert_eq!(started, 1);
}

#[tokio::test]
async fn a_refresh_token_traded_twice_at_once_gives_one_new_pair() {
    let p = support::start().await;
    p.sign_up("kim", "Seoul").await;
    let refresh = p.login("kim", PASSWORD).await.body["refreshToken"].clone();
    let body = json!({ "refreshToken": refresh });
    let (a, b) = tokio::join!(
        p.api.post("/petmily/api/v1/user/refresh", body.clone()),
        p.api.post("/petmily/api/v1/user/refresh", body.clone())
    );
    let mut statuses = [a.status, b.status];
    statuses.sort_unstable();
    assert_eq!(statuses, [200, 401]);
}

#[tokio::test]
async fn bad_input_gets_a_problem_and_changes_nothing() {
    let p = support::start().await;
    let kim = p.member("kim").await;
    let pet = p.pet(&kim, "Bori").await;
    let before = (
        p.get(&kim, "/petmily/api/v1/pet").await.body,
        p.get(&kim, "/petmily/api/v1/match/application?memberId=kim")
            .await
            .body,
    );
    let long = "x".repeat(10_000);
    let bad: Vec<(&str, String)> = vec![
        ("/petmily/api/v1/user/create", "{\"loginId\": ".into()),
        ("/petmily/api/v1/user/create", "[]".into()),
        ("/petmily/api/v1/user/create", json!({ "loginId": "kim2", "password": PASSWORD, "name": "K", "address": "A", "role": "ROLE_ADMIN" }).to_string()),
        ("/petmily/api/v1/user/create", json!({ "loginId": "../admin", "password": PASSWORD, "name": "K", "address": "A" }).to_string()),
        ("/petmily/api/v1/user/create", json!({ "loginId": "kim3", "password": "p".repeat(200), "name": "K", "address": "A" }).to_string()),
        ("/petmily/api/v1/user/create", json!({ "loginId": "kim4", "password": PASSWORD, "name": "K\u{202e}", "address": "A" }).to_string()),
        ("/petmily/api/v1/user/login", json!({ "loginId": "kim" }).to_string()),
        ("/petmily/api/v1/user/login", json!({ "loginId": "kim", "password": "" }).to_string()),
        ("/petmily/api/v1/user/refresh", json!({ "refreshToken": long }).to_string()),
        ("/petmily/api/v1/user/refresh", json!({}).to_string()),
        ("/petmily/api/v1/pet", json!({ "name": "Bori", "species": "dog", "age": -1 }).to_string()),
        ("/petmily/api/v1/pet", json!({ "name": "Bori", "species": "dog", "age": 3.5 }).to_string()),
        ("/petmily/api/v1/pet", json!({ "name": "", "species": "dog", "age": 3 }).to_string()),
        ("/petmily/api/v1/pet", json!({ "name": long, "species": "dog", "age": 3 }).to_string()),
        ("/petmily/api/v1/match/application", json!({ "petId": pet, "startDate": "2026-13-01", "endDate": "2026-12-26" }).to_string()),
        ("/petmily/api/v1/match/application", json!({ "petId": "../x", "startDate": "2026-12-24", "endDate": "2026-12-26" }).to_string()),
        ("/petmily/api/v1/match", json!({ "applicationId": 7 }).to_string()),
        ("/petmily/api/v1/diary", json!({ "matchId": "m", "content": " " }).to_string()),
        ("/petmily/api/v1/assess/sitter", json!({ "matchId": "m", "score": 0 }).to_string()),
        ("/petmily/api/v1/assess/pet", json!({ "matchId": "m", "score": "five" }).to_string()),
        ("/petmily/api/v1/user/sitter/apply", json!({ "intro": "x", "address": "y", "experience": 500 }).to_string()),
    ];
    for (path, body) in bad {
        let r = p
            .api
            .reply(
                p.api
                    .request(reqwest::Method::POST, path)
                    .bearer_auth(&kim)
                    .header("content-type", "application/json")
                    .body(body.clone()),
            )
            .await;
        r.assert_problem(400);
        assert!(
            !r.body.to_string().contains(PASSWORD),
            "{path} echoed a password"
        );
    }
    // Not JSON at all: 415.
    let r = p
        .api
        .reply(
            p.api
                .request(reqwest::Method::POST, "/petmily/api/v1/pet")
                .bearer_auth(&kim)
                .header("content-type", "text/plain")
                .body("name=Bori"),
        )
        .await;
    r.assert_problem(415);
    // Bad queries and path ids.
    for path in [
        "/petmily/api/v1/match/application?status=CLOSED",
        "/petmily/api/v1/match/application?color=red",
        "/petmily/api/v1/diary",
        "/petmily/api/v1/pet?limit=100000",
        "/petmily/api/v1/match/status?memberId=..",
    ] {
        p.get(&kim, path).await.assert_problem(400);
    }
    p.put(
        &p.admin().await,
        "/petmily/api/v1/sitter/update/Nobody!",
        json!({ "decision": "APPROVED" }),
    )
    .await
    .assert_problem(400);
    p.put(
        &p.admin().await,
        "/petmily/api/v1/sitter/update/kim",
        json!({ "decision": "MAYBE" }),
    )
    .await
    .assert_problem(400);
    let after = (
        p.get(&kim, "/petmily/api/v1/pet").await.body,
        p.get(&kim, "/petmily/api/v1/match/application?memberId=kim")
            .await
            .body,
    );
    assert_eq!(before, after, "nothing changed");
    p.login("kim2", PASSWORD).await.assert_problem(401);
}

#[tokio::test]
async fn an_outside_client_cannot_call_the_internal_functions() {
    let p = support::start().await;
    let kim = p.member("kim").await;
    let pet = p.pet(&kim, "Bori").await;
    for path in [
        "/petmily/internal/users/kim".to_owned(),
        format!("/petmily/internal/pets/{pet}"),
    ] {
        p.api.get(&path).await.assert_problem(404);
        p.get(&kim, &path).await.assert_problem(404);
    }
    // Only other contexts' synchronous calls reach them.
    let inside = p
        .api
        .internal(reqwest::Method::GET, "/petmily/internal/users/kim", None)
        .await;
    assert_eq!(
        (inside.status, &inside.body["name"]),
        (200, &json!("Name of kim"))
    );
    let spec = p.api.get("/petmily/openapi.json").await.body;
    let paths = spec["paths"].as_object().unwrap();
    assert!(
        paths.keys().all(|k| !k.contains("internal")),
        "{:?}",
        paths.keys()
    );
}

#[tokio::test]
async fn repeated_failed_logins_for_one_login_id_are_slowed_down() {
    let p = support::start().await;
    p.sign_up("kim", "Seoul").await;
    p.sign_up("lee", "Seoul").await;
    for _ in 0..5 {
        p.login("kim", "not the password").await.assert_problem(401);
    }
    let r = p.login("kim", PASSWORD).await;
    r.assert_problem(429);
    let wait: u64 = r.retry_after.as_deref().unwrap().parse().unwrap();
    assert!((1..=30).contains(&wait), "Retry-After {wait}");
    // Another login id is not affected.
    assert_eq!(p.login("lee", PASSWORD).await.status, 200);
}
