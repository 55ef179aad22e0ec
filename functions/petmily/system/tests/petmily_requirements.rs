//! DOMAINS.md §5, petmily: one flow test per numbered requirement, over HTTP through the
//! gateway, each request with the token of the person who makes it.
#![allow(clippy::unwrap_used)]

mod support;

use serde_json::json;
use support::{PASSWORD, eventually};

#[tokio::test]
async fn r01_a_customer_signs_up_with_a_unique_login_id_and_a_hashed_password() {
    let p = support::start().await;
    let r = p.sign_up("kim", "Seoul Gangnam-gu").await;
    assert_eq!(r.status, 201, "{:?}", r.body);
    assert_eq!(r.location.as_deref(), Some("/petmily/api/v1/user/kim"));
    assert_eq!(r.body["loginId"], "kim");
    assert_eq!(r.body["roles"], json!(["ROLE_USER"]));
    assert!(r.body.get("password").is_none() && r.body.get("passwordHash").is_none());

    p.sign_up("kim", "Busan").await.assert_problem(409);
    for bad in [
        json!({ "loginId": "Kim", "password": PASSWORD, "name": "K", "address": "A" }),
        json!({ "loginId": "ki", "password": PASSWORD, "name": "K", "address": "A" }),
        json!({ "loginId": "park", "password": "short", "name": "K", "address": "A" }),
        json!({ "loginId": "park", "password": PASSWORD, "name": " ", "address": "A" }),
    ] {
        p.api
            .post("/petmily/api/v1/user/create", bad.clone())
            .await
            .assert_problem(400);
    }

    let token = p.token("kim", PASSWORD).await;
    let me = p.get(&token, "/petmily/api/v1/user/kim").await;
    assert_eq!((me.status, &me.body["name"]), (200, &json!("Name of kim")));
    assert!(!me.body.to_string().contains("argon2"));
    // The first admin exists from the start, with ROLE_ADMIN.
    let admin = p.admin().await;
    let a = p.get(&admin, "/petmily/api/v1/user/admin").await;
    assert!(
        a.body["roles"]
            .as_array()
            .unwrap()
            .contains(&json!("ROLE_ADMIN"))
    );
}

#[tokio::test]
async fn r02_login_gives_a_bearer_pair_refresh_rotates_and_every_endpoint_needs_a_token() {
    let p = support::start().await;
    p.sign_up("kim", "Seoul").await;
    let r = p.login("kim", PASSWORD).await;
    assert_eq!(r.status, 200, "{:?}", r.body);
    assert_eq!(r.body["tokenType"], "Bearer");
    assert_eq!(r.body["expiresIn"], 3600);
    let access = r.body["accessToken"].as_str().unwrap().to_owned();
    let refresh = r.body["refreshToken"].as_str().unwrap().to_owned();

    p.login("kim", "wrong password").await.assert_problem(401);
    p.login("nobody", PASSWORD).await.assert_problem(401);

    // No token: 401, before the function runs; with the token: 200.
    p.api.get("/petmily/api/v1/pet").await.assert_problem(401);
    assert_eq!(p.get(&access, "/petmily/api/v1/pet").await.status, 200);
    // A member on an admin endpoint: 403.
    p.put(
        &access,
        "/petmily/api/v1/sitter/update/kim",
        json!({ "decision": "APPROVED" }),
    )
    .await
    .assert_problem(403);

    let rotated = p
        .api
        .post(
            "/petmily/api/v1/user/refresh",
            json!({ "refreshToken": refresh }),
        )
        .await;
    assert_eq!(rotated.status, 200, "{:?}", rotated.body);
    let next = rotated.body["refreshToken"].as_str().unwrap();
    assert_ne!(next, refresh);
    let new_access = rotated.body["accessToken"].as_str().unwrap();
    assert_eq!(p.get(new_access, "/petmily/api/v1/pet").await.status, 200);
    // The old refresh token is refused from then on.
    p.api
        .post(
            "/petmily/api/v1/user/refresh",
            json!({ "refreshToken": refresh }),
        )
        .await
        .assert_problem(401);
}

#[tokio::test]
async fn r03_a_member_registers_pets_and_reads_only_their_own() {
    let p = support::start().await;
    let kim = p.member("kim").await;
    let park = p.member("park").await;
    let r = p
        .post(
            &kim,
            "/petmily/api/v1/pet",
            json!({ "name": "Bori", "species": "dog", "breed": "Jindo", "age": 3, "notes": "shy" }),
        )
        .await;
    assert_eq!(r.status, 201, "{:?}", r.body);
    let id = r.body["id"].as_str().unwrap();
    assert_eq!(
        r.location.as_deref(),
        Some(format!("/petmily/api/v1/pet/{id}").as_str())
    );
    assert_eq!(
        (r.body["ownerId"].as_str(), r.body["breed"].as_str()),
        (Some("kim"), Some("Jindo"))
    );
    p.pet(&park, "Nabi").await;

    let mine = p.get(&kim, "/petmily/api/v1/pet").await;
    let names: Vec<&str> = mine.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["Bori"]);
    assert_eq!(
        p.get(&kim, &format!("/petmily/api/v1/pet/{id}")).await.body["name"],
        "Bori"
    );
    p.get(&park, &format!("/petmily/api/v1/pet/{id}"))
        .await
        .assert_problem(403);
    p.get(&kim, "/petmily/api/v1/pet/no-such-pet")
        .await
        .assert_problem(404);
}

#[tokio::test]
async fn r03_the_sitter_matched_to_a_pet_may_read_it() {
    let p = support::start().await;
    let care = p.care().await;
    let path = format!("/petmily/api/v1/pet/{}", care.pet_id);
    eventually("the sitter may read the pet in care", || async {
        p.get(&care.sitter, &path).await.status == 200
    })
    .await;
    p.end(&care).await;
    p.get(&care.sitter, &path).await.assert_problem(403);
}

#[tokio::test]
async fn r04_a_member_applies_as_a_sitter() {
    let p = support::start().await;
    let lee = p.member("lee").await;
    let r = p
        .post(
            &lee,
            "/petmily/api/v1/user/sitter/apply",
            json!({ "intro": "Dog lover", "address": "Seoul Mapo-gu", "experience": 5 }),
        )
        .await;
    assert_eq!(r.status, 201, "{:?}", r.body);
    assert_eq!(r.body["status"], "APPLIED");
    assert_eq!(r.body["experience"], 5);
    // Applying again while waiting: 409.
    p.post(
        &lee,
        "/petmily/api/v1/user/sitter/apply",
        json!({ "intro": "again", "address": "Seoul", "experience": 5 }),
    )
    .await
    .assert_problem(409);
    let admin = p.admin().await;
    let waiting = p.get(&admin, "/petmily/api/v1/sitter?status=APPLIED").await;
    assert_eq!(waiting.body["items"][0]["sitterId"], "lee");
}

#[tokio::test]
async fn r05_an_admin_decides_and_approved_sitters_are_listed_by_address() {
    let p = support::start().await;
    p.sitter("lee", "Seoul Mapo-gu").await;
    p.sitter("choi", "Busan Haeundae-gu").await;
    let jung = p.member("jung").await;
    p.post(
        &jung,
        "/petmily/api/v1/user/sitter/apply",
        json!({ "intro": "cats", "address": "Seoul Mapo-gu", "experience": 1 }),
    )
    .await;
    let admin = p.admin().await;
    let r = p
        .put(
            &admin,
            "/petmily/api/v1/sitter/update/jung",
            json!({ "decision": "REJECTED" }),
        )
        .await;
    assert_eq!((r.status, &r.body["status"]), (200, &json!("REJECTED")));
    // Decided once: 409; an unknown login id: 404.
    p.put(
        &admin,
        "/petmily/api/v1/sitter/update/jung",
        json!({ "decision": "APPROVED" }),
    )
    .await
    .assert_problem(409);
    p.put(
        &admin,
        "/petmily/api/v1/sitter/update/nobody",
        json!({ "decision": "APPROVED" }),
    )
    .await
    .assert_problem(404);

    let list = p
        .get(&jung, "/petmily/api/v1/user/sitter/available?address=MAPO")
        .await;
    assert_eq!(list.status, 200, "{:?}", list.body);
    let items = list.body["items"].as_array().unwrap();
    assert_eq!(items.len(), 1, "{items:?}");
    assert_eq!(items[0]["sitterId"], "lee");
    assert_eq!(items[0]["name"], "Name of lee");
    assert_eq!(items[0]["address"], "Seoul Mapo-gu");
    assert_eq!(items[0]["experience"], 3);
    assert_eq!(items[0]["ratingCount"], 0);
    assert!(items[0]["averageRating"].is_null());
    let all = p.get(&jung, "/petmily/api/v1/user/sitter/available").await;
    assert_eq!(all.body["items"].as_array().unwrap().len(), 2);
}

#[tokio::test]
async fn r06_a_member_writes_a_care_request_for_their_own_pet() {
    let p = support::start().await;
    let kim = p.member("kim").await;
    let park = p.member("park").await;
    let pet = p.pet(&kim, "Bori").await;
    let r = p
        .post(
            &kim,
            "/petmily/api/v1/match/application",
            json!({ "petId": pet, "startDate": "2026-12-24", "endDate": "2026-12-26", "requirements": "two walks" }),
        )
        .await;
    assert_eq!(r.status, 201, "{:?}", r.body);
    assert_eq!(r.body["status"], "OPEN");
    assert_eq!(r.body["petName"], "Bori");
    let id = r.body["id"].as_str().unwrap();
    let open = p
        .get(&park, "/petmily/api/v1/match/application?status=OPEN")
        .await;
    assert_eq!(open.body["items"][0]["id"], id);
    // Someone else's pet: 403; an unknown pet: 404; the end before the start: 400.
    p.post(
        &park,
        "/petmily/api/v1/match/application",
        json!({ "petId": pet, "startDate": "2026-12-24", "endDate": "2026-12-26" }),
    )
    .await
    .assert_problem(403);
    p.post(
        &kim,
        "/petmily/api/v1/match/application",
        json!({ "petId": "no-such-pet", "startDate": "2026-12-24", "endDate": "2026-12-26" }),
    )
    .await
    .assert_problem(404);
    p.post(
        &kim,
        "/petmily/api/v1/match/application",
        json!({ "petId": pet, "startDate": "2026-12-26", "endDate": "2026-12-24" }),
    )
    .await
    .assert_problem(400);
}

#[tokio::test]
async fn r07_the_member_asks_a_chosen_sitter() {
    let p = support::start().await;
    let kim = p.member("kim").await;
    p.sitter("lee", "Seoul").await;
    p.member("park").await;
    let pet = p.pet(&kim, "Bori").await;
    let app = p.application(&kim, &pet).await;
    let m = p.ask(&kim, &app, "lee").await;
    assert_eq!(m["requestedBy"], "MEMBER");
    assert_eq!(m["status"], "REQUESTED");
    assert_eq!(
        (m["memberAccepted"].as_bool(), m["sitterAccepted"].as_bool()),
        (Some(true), Some(false))
    );
    // Someone who is no approved sitter: 422.
    p.post(
        &kim,
        "/petmily/api/v1/match",
        json!({ "applicationId": app, "sitterId": "park" }),
    )
    .await
    .assert_problem(422);
}

#[tokio::test]
async fn r08_an_approved_sitter_offers_for_an_open_application() {
    let p = support::start().await;
    let kim = p.member("kim").await;
    let lee = p.sitter("lee", "Seoul").await;
    let park = p.member("park").await;
    let pet = p.pet(&kim, "Bori").await;
    let app = p.application(&kim, &pet).await;
    let r = p
        .post(
            &lee,
            "/petmily/api/v1/match",
            json!({ "applicationId": app }),
        )
        .await;
    assert_eq!(r.status, 201, "{:?}", r.body);
    assert_eq!(r.body["requestedBy"], "SITTER");
    assert_eq!(r.body["sitterId"], "lee");
    assert_eq!(r.body["sitterAccepted"], true);
    // A member who is not an approved sitter cannot offer.
    p.post(
        &park,
        "/petmily/api/v1/match",
        json!({ "applicationId": app }),
    )
    .await
    .assert_problem(403);
}

#[tokio::test]
async fn r09_each_side_sees_the_other_and_only_the_other_side_answers() {
    let p = support::start().await;
    let kim = p.member("kim").await;
    let lee = p.sitter("lee", "Seoul Mapo-gu").await;
    let park = p.member("park").await;
    let pet = p.pet(&kim, "Bori").await;
    let app = p.application(&kim, &pet).await;
    let m = p
        .post(
            &lee,
            "/petmily/api/v1/match",
            json!({ "applicationId": app }),
        )
        .await;
    let id = m.body["id"].as_str().unwrap();
    for token in [&kim, &lee] {
        let v = p.get(token, &format!("/petmily/api/v1/match/{id}")).await;
        assert_eq!(v.status, 200, "{:?}", v.body);
        assert_eq!(v.body["sitter"]["name"], "Name of lee");
        assert_eq!(v.body["member"]["address"], "Seoul Gangnam-gu");
        assert_eq!(v.body["pet"]["name"], "Bori");
        assert_eq!(v.body["status"], "REQUESTED");
    }
    p.get(&park, &format!("/petmily/api/v1/match/{id}"))
        .await
        .assert_problem(403);
    p.post(
        &park,
        &format!("/petmily/api/v1/match/{id}/accept"),
        json!({}),
    )
    .await
    .assert_problem(403);
    // The sitter offered: the sitter cannot accept their own offer.
    p.post(
        &lee,
        &format!("/petmily/api/v1/match/{id}/accept"),
        json!({}),
    )
    .await
    .assert_problem(409);
    let r = p
        .post(
            &kim,
            &format!("/petmily/api/v1/match/{id}/reject"),
            json!({}),
        )
        .await;
    assert_eq!((r.status, &r.body["status"]), (200, &json!("REJECTED")));
    // The application is still open for another sitter.
    let a = p
        .get(&kim, &format!("/petmily/api/v1/match/application/{app}"))
        .await;
    assert_eq!(a.body["status"], "OPEN");
}

#[tokio::test]
async fn r10_care_starts_when_both_accepted_and_either_party_ends_it() {
    let p = support::start().await;
    let care = p.care().await;
    let a = p
        .get(
            &care.member,
            &format!("/petmily/api/v1/match/application/{}", care.application_id),
        )
        .await;
    assert_eq!(a.body["status"], "MATCHED");
    let v = p
        .get(
            &care.member,
            &format!("/petmily/api/v1/match/{}", care.match_id),
        )
        .await;
    assert_eq!(v.body["status"], "CARE_STARTED");
    assert_eq!(
        (
            v.body["memberAccepted"].as_bool(),
            v.body["sitterAccepted"].as_bool()
        ),
        (Some(true), Some(true))
    );
    let r = p
        .post(
            &care.sitter,
            &format!("/petmily/api/v1/match/{}/end", care.match_id),
            json!({}),
        )
        .await;
    assert_eq!((r.status, &r.body["status"]), (200, &json!("CARE_ENDED")));
    p.post(
        &care.member,
        &format!("/petmily/api/v1/match/{}/end", care.match_id),
        json!({}),
    )
    .await
    .assert_problem(409);
}

#[tokio::test]
async fn r11_the_diary_opens_when_care_starts_and_the_member_reads_it() {
    let p = support::start().await;
    let care = p.care().await;
    p.diary_open(&care).await;
    let r = p
        .get(
            &care.member,
            &format!("/petmily/api/v1/diary?matchId={}", care.match_id),
        )
        .await;
    assert_eq!(r.body, json!({ "items": [], "nextCursor": null }));
}

#[tokio::test]
async fn r12_only_the_matched_sitter_writes_the_diary_while_care_runs() {
    let p = support::start().await;
    let care = p.care().await;
    let stranger = p.member("park").await;
    p.diary_open(&care).await;
    let r = p
        .post(
            &care.sitter,
            "/petmily/api/v1/diary",
            json!({ "matchId": care.match_id, "content": "Walked Bori." }),
        )
        .await;
    assert_eq!(r.status, 201, "{:?}", r.body);
    let entry = r.body["id"].as_str().unwrap().to_owned();
    let r = p
        .put(
            &care.sitter,
            &format!("/petmily/api/v1/diary/{entry}"),
            json!({ "content": "Walked Bori twice." }),
        )
        .await;
    assert_eq!(
        (r.status, &r.body["content"]),
        (200, &json!("Walked Bori twice."))
    );
    let second = p
        .post(
            &care.sitter,
            "/petmily/api/v1/diary",
            json!({ "matchId": care.match_id, "content": "Fed Bori." }),
        )
        .await;
    let second_id = second.body["id"].as_str().unwrap().to_owned();
    assert_eq!(
        p.delete(&care.sitter, &format!("/petmily/api/v1/diary/{second_id}"))
            .await
            .status,
        200
    );

    let diary = p
        .get(
            &care.member,
            &format!("/petmily/api/v1/diary?matchId={}", care.match_id),
        )
        .await;
    let contents: Vec<&str> = diary.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["content"].as_str().unwrap())
        .collect();
    assert_eq!(contents, ["Walked Bori twice."]);

    // The member and a stranger cannot write; a stranger cannot read.
    p.post(
        &care.member,
        "/petmily/api/v1/diary",
        json!({ "matchId": care.match_id, "content": "x" }),
    )
    .await
    .assert_problem(403);
    p.post(
        &stranger,
        "/petmily/api/v1/diary",
        json!({ "matchId": care.match_id, "content": "x" }),
    )
    .await
    .assert_problem(403);
    p.get(
        &stranger,
        &format!("/petmily/api/v1/diary?matchId={}", care.match_id),
    )
    .await
    .assert_problem(403);
    p.get(&stranger, &format!("/petmily/api/v1/diary/{entry}"))
        .await
        .assert_problem(403);

    // After the end: closed (409).
    p.end(&care).await;
    p.post(
        &care.sitter,
        "/petmily/api/v1/diary",
        json!({ "matchId": care.match_id, "content": "late" }),
    )
    .await
    .assert_problem(409);
    p.put(
        &care.sitter,
        &format!("/petmily/api/v1/diary/{entry}"),
        json!({ "content": "late" }),
    )
    .await
    .assert_problem(409);
}

#[tokio::test]
async fn r13_the_member_rates_the_sitter_once_after_care_ended() {
    let p = support::start().await;
    let care = p.care().await;
    let rate = json!({ "matchId": care.match_id, "score": 5, "comment": "Bori was happy" });
    p.post(&care.member, "/petmily/api/v1/assess/sitter", rate.clone())
        .await
        .assert_problem(409);
    p.end(&care).await;
    p.post(&care.sitter, "/petmily/api/v1/assess/sitter", rate.clone())
        .await
        .assert_problem(403);
    let r = p
        .post(&care.member, "/petmily/api/v1/assess/sitter", rate.clone())
        .await;
    assert_eq!(r.status, 201, "{:?}", r.body);
    assert_eq!(
        (r.body["score"].as_u64(), r.body["targetId"].as_str()),
        (Some(5), Some("lee"))
    );
    let read = p.get(&care.member, r.location.as_deref().unwrap()).await;
    assert_eq!(read.body["comment"], "Bori was happy");
    p.post(&care.member, "/petmily/api/v1/assess/sitter", rate)
        .await
        .assert_problem(409);
    p.post(
        &care.member,
        "/petmily/api/v1/assess/sitter",
        json!({ "matchId": care.match_id, "score": 6 }),
    )
    .await
    .assert_problem(400);
}

#[tokio::test]
async fn r14_the_sitter_rates_the_pet_once_and_the_average_shows_in_the_sitter_list() {
    let p = support::start().await;
    let care = p.care().await;
    p.end(&care).await;
    let r = p
        .post(
            &care.sitter,
            "/petmily/api/v1/assess/pet",
            json!({ "matchId": care.match_id, "score": 4, "comment": "calm" }),
        )
        .await;
    assert_eq!(r.status, 201, "{:?}", r.body);
    assert_eq!(r.body["targetId"].as_str(), Some(care.pet_id.as_str()));
    p.post(
        &care.sitter,
        "/petmily/api/v1/assess/pet",
        json!({ "matchId": care.match_id, "score": 4 }),
    )
    .await
    .assert_problem(409);

    // A second care with the same sitter, rated 4 after the first rated 5: average 4.5.
    p.post(
        &care.member,
        "/petmily/api/v1/assess/sitter",
        json!({ "matchId": care.match_id, "score": 5 }),
    )
    .await;
    let pet = p.pet(&care.member, "Nabi").await;
    let app = p.application(&care.member, &pet).await;
    let m = p.ask(&care.member, &app, "lee").await;
    let id = m["id"].as_str().unwrap();
    p.post(
        &care.sitter,
        &format!("/petmily/api/v1/match/{id}/accept"),
        json!({}),
    )
    .await;
    p.post(
        &care.member,
        &format!("/petmily/api/v1/match/{id}/end"),
        json!({}),
    )
    .await;
    p.api.drained().await;
    let r = p
        .post(
            &care.member,
            "/petmily/api/v1/assess/sitter",
            json!({ "matchId": id, "score": 4 }),
        )
        .await;
    assert_eq!(r.status, 201, "{:?}", r.body);
    eventually("the sitter list shows the average", || async {
        let list = p
            .get(
                &care.member,
                "/petmily/api/v1/user/sitter/available?address=mapo",
            )
            .await;
        list.body["items"][0]["averageRating"] == json!(4.5)
            && list.body["items"][0]["ratingCount"] == 2
    })
    .await;
}

#[tokio::test]
async fn nfr_the_member_sees_care_status_fed_by_events_only() {
    let p = support::start().await;
    let care = p.care().await;
    let path = "/petmily/api/v1/match/status?memberId=kim";
    eventually("the status shows the care started", || async {
        p.get(&care.member, path).await.body["items"][0]["status"] == "CARE_STARTED"
    })
    .await;
    let row = p.get(&care.member, path).await.body["items"][0].clone();
    assert_eq!(
        (row["sitterId"].as_str(), row["petName"].as_str()),
        (Some("lee"), Some("Bori"))
    );
    // Only that member or an admin reads it.
    p.get(&care.sitter, path).await.assert_problem(403);
    let admin = p.admin().await;
    assert_eq!(p.get(&admin, path).await.body["items"][0]["id"], row["id"]);
    p.end(&care).await;
    assert_eq!(
        p.get(&care.member, path).await.body["items"][0]["status"],
        "CARE_ENDED"
    );
}

#[tokio::test]
async fn nfr_member_and_pet_registration_work_while_match_is_down() {
    let p = support::start().await;
    for f in [
        "petmily-match-apply",
        "petmily-match-request",
        "petmily-match-get",
        "petmily-match-accept",
    ] {
        p.api.switch(f, false).await;
    }
    let kim = p.member("kim").await;
    p.pet(&kim, "Bori").await;
    assert_eq!(
        p.get(&kim, "/petmily/api/v1/pet").await.body["items"]
            .as_array()
            .unwrap()
            .len(),
        1
    );
}

#[tokio::test]
async fn nfr_everything_but_ratings_works_while_assess_is_down() {
    let p = support::start().await;
    p.api.switch("petmily-assess-on-care-ended", false).await;
    p.api.switch("petmily-assess-sitter", false).await;
    let care = p.care().await;
    p.diary_open(&care).await;
    let r = p
        .post(
            &care.sitter,
            "/petmily/api/v1/diary",
            json!({ "matchId": care.match_id, "content": "ok" }),
        )
        .await;
    assert_eq!(r.status, 201);
    let r = p
        .post(
            &care.member,
            &format!("/petmily/api/v1/match/{}/end", care.match_id),
            json!({}),
        )
        .await;
    assert_eq!(r.status, 200);
    // assess back: it catches up on the ended care, and the member rates.
    p.api.switch("petmily-assess-on-care-ended", true).await;
    p.api.switch("petmily-assess-sitter", true).await;
    eventually("assess caught up and the rating is taken", || async {
        p.post(
            &care.member,
            "/petmily/api/v1/assess/sitter",
            json!({ "matchId": care.match_id, "score": 5 }),
        )
        .await
        .status
            == 201
    })
    .await;
}
