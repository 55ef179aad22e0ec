//! petmily's tokens and permissions, attacked: no token, a token signed with another key,
//! `alg: none`, a changed payload, an expired token, a member on an admin endpoint, a stranger
//! on another's match and diary, a rotated refresh token replayed, and the password never shown
//! or stored in clear.
#![allow(clippy::unwrap_used)]

mod support;

use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};
use kernel::{
    Secret,
    auth::{TokenKind, Tokens},
};
use serde_json::json;
use support::{KEY, PASSWORD};

fn tokens(key: &str) -> Tokens {
    Tokens::new(petmily_user::TOKEN_POLICY, &Secret::new(key.to_owned())).unwrap()
}

fn access(t: &Tokens, subject: &str, roles: &[&str], at: time::OffsetDateTime) -> String {
    let roles: Vec<String> = roles.iter().map(|r| (*r).to_owned()).collect();
    t.issue(
        subject,
        &roles,
        TokenKind::Access,
        "forged",
        at,
        time::Duration::hours(1),
    )
    .unwrap()
}

fn now() -> time::OffsetDateTime {
    time::OffsetDateTime::now_utc()
}

#[tokio::test]
async fn no_token_or_a_malformed_header_is_401_before_the_function_runs() {
    let p = support::start().await;
    for path in [
        "/petmily/api/v1/pet",
        "/petmily/api/v1/match/status",
        "/petmily/api/v1/user/sitter/available",
    ] {
        p.api.get(path).await.assert_problem(401);
    }
    let r = p
        .api
        .reply(
            p.api
                .request(reqwest::Method::GET, "/petmily/api/v1/pet")
                .header("authorization", "Basic a2ltOnB3"),
        )
        .await;
    r.assert_problem(401);
    let r = p
        .api
        .reply(
            p.api
                .request(reqwest::Method::POST, "/petmily/api/v1/pet")
                .header("content-type", "application/json")
                .body(json!({ "name": "Bori", "species": "dog", "age": 1 }).to_string()),
        )
        .await;
    r.assert_problem(401);
}

#[tokio::test]
async fn a_forged_token_is_refused_whatever_it_claims() {
    let p = support::start().await;
    let kim = p.member("kim").await;
    let other_key = access(
        &tokens("another key of thirty-two bytes or more"),
        "kim",
        &["ROLE_ADMIN"],
        now(),
    );
    let expired = access(
        &tokens(KEY),
        "kim",
        &["ROLE_USER"],
        now() - time::Duration::hours(2),
    );

    let parts: Vec<&str> = kim.split('.').collect();
    let none_header = URL_SAFE_NO_PAD.encode(br#"{"alg":"none","typ":"JWT"}"#);
    let alg_none = format!("{none_header}.{}.", parts[1]);
    let mut claims: serde_json::Value =
        serde_json::from_slice(&URL_SAFE_NO_PAD.decode(parts[1]).unwrap()).unwrap();
    claims["roles"] = json!(["ROLE_USER", "ROLE_ADMIN"]);
    let changed = format!(
        "{}.{}.{}",
        parts[0],
        URL_SAFE_NO_PAD.encode(claims.to_string()),
        parts[2]
    );
    let refresh_as_access = p.login("kim", PASSWORD).await.body["refreshToken"]
        .as_str()
        .unwrap()
        .to_owned();

    for (what, token) in [
        ("another key", other_key),
        ("expired", expired),
        ("alg none", alg_none),
        ("changed payload", changed),
        ("a refresh token", refresh_as_access),
        ("garbage", "not.a.jwt".to_owned()),
    ] {
        let r = p.get(&token, "/petmily/api/v1/pet").await;
        assert_eq!(r.status, 401, "{what}: {:?}", r.body);
        r.assert_problem(401);
        let r = p
            .put(
                &token,
                "/petmily/api/v1/sitter/update/kim",
                json!({ "decision": "APPROVED" }),
            )
            .await;
        assert_eq!(r.status, 401, "{what} on an admin endpoint: {:?}", r.body);
    }
    // The genuine token still works.
    assert_eq!(p.get(&kim, "/petmily/api/v1/pet").await.status, 200);
}

#[tokio::test]
async fn a_member_on_an_admin_endpoint_is_403() {
    let p = support::start().await;
    let kim = p.member("kim").await;
    p.put(
        &kim,
        "/petmily/api/v1/sitter/update/kim",
        json!({ "decision": "APPROVED" }),
    )
    .await
    .assert_problem(403);
    p.get(&kim, "/petmily/api/v1/sitter?status=APPLIED")
        .await
        .assert_problem(403);
    p.get(&kim, "/petmily/api/v1/user/admin")
        .await
        .assert_problem(403);
    p.get(&kim, "/petmily/api/v1/match/status?memberId=admin")
        .await
        .assert_problem(403);
}

#[tokio::test]
async fn a_stranger_can_neither_act_on_nor_read_anothers_match_diary_or_rating() {
    let p = support::start().await;
    let care = p.care().await;
    let park = p.member("park").await;
    let id = &care.match_id;
    p.get(&park, &format!("/petmily/api/v1/match/{id}"))
        .await
        .assert_problem(403);
    for action in ["accept", "reject", "end"] {
        p.post(
            &park,
            &format!("/petmily/api/v1/match/{id}/{action}"),
            json!({}),
        )
        .await
        .assert_problem(403);
    }
    p.diary_open(&care).await;
    let entry = p
        .post(
            &care.sitter,
            "/petmily/api/v1/diary",
            json!({ "matchId": id, "content": "walk" }),
        )
        .await
        .body["id"]
        .as_str()
        .unwrap()
        .to_owned();
    p.get(&park, &format!("/petmily/api/v1/diary?matchId={id}"))
        .await
        .assert_problem(403);
    p.get(&park, &format!("/petmily/api/v1/diary/{entry}"))
        .await
        .assert_problem(403);
    p.put(
        &park,
        &format!("/petmily/api/v1/diary/{entry}"),
        json!({ "content": "mine" }),
    )
    .await
    .assert_problem(403);
    p.delete(&park, &format!("/petmily/api/v1/diary/{entry}"))
        .await
        .assert_problem(403);
    p.get(&park, &format!("/petmily/api/v1/pet/{}", care.pet_id))
        .await
        .assert_problem(403);
    p.get(&park, "/petmily/api/v1/match/application?memberId=kim")
        .await
        .assert_problem(403);
    p.get(&park, "/petmily/api/v1/match/application?status=MATCHED")
        .await
        .assert_problem(403);
    p.end(&care).await;
    p.post(
        &park,
        "/petmily/api/v1/assess/sitter",
        json!({ "matchId": id, "score": 1 }),
    )
    .await
    .assert_problem(403);
    p.post(
        &care.member,
        "/petmily/api/v1/assess/sitter",
        json!({ "matchId": id, "score": 5 }),
    )
    .await;
    p.get(&park, &format!("/petmily/api/v1/assess/{id}-sitter"))
        .await
        .assert_problem(403);
    // Nothing the stranger tried changed the diary.
    let diary = p
        .get(&care.member, &format!("/petmily/api/v1/diary?matchId={id}"))
        .await;
    assert_eq!(diary.body["items"][0]["content"], "walk");
}

#[tokio::test]
async fn a_rotated_refresh_token_replayed_revokes_its_whole_family() {
    let p = support::start().await;
    p.sign_up("kim", "Seoul").await;
    let first = p.login("kim", PASSWORD).await.body["refreshToken"].clone();
    let refresh = |token: serde_json::Value| {
        let api = &p.api;
        async move {
            api.post(
                "/petmily/api/v1/user/refresh",
                json!({ "refreshToken": token }),
            )
            .await
        }
    };
    let second = refresh(first.clone()).await;
    assert_eq!(second.status, 200);
    let second = second.body["refreshToken"].clone();
    // The old token replayed (someone stole it): refused, and the family is revoked...
    refresh(first).await.assert_problem(401);
    // ...so the legitimate newer token is refused too: the user signs in again.
    refresh(second).await.assert_problem(401);
    let fresh = p.login("kim", PASSWORD).await.body["refreshToken"].clone();
    assert_eq!(refresh(fresh).await.status, 200);
    // A refresh token signed with another key is refused.
    let forged = tokens("another key of thirty-two bytes or more")
        .issue(
            "kim",
            &[],
            TokenKind::Refresh,
            "x",
            now(),
            time::Duration::hours(24),
        )
        .unwrap();
    refresh(json!(forged)).await.assert_problem(401);
}

#[tokio::test]
async fn the_password_is_never_in_a_response_nor_stored_in_clear() {
    let p = support::start().await;
    let secret = "a very particular passphrase 42";
    let r = p
        .api
        .post(
            "/petmily/api/v1/user/create",
            json!({ "loginId": "kim", "password": secret, "name": "Kim", "address": "Seoul" }),
        )
        .await;
    assert_eq!(r.status, 201);
    let mut bodies = vec![r.body.to_string()];
    let login = p.login("kim", secret).await;
    bodies.push(login.body.to_string());
    let token = login.body["accessToken"].as_str().unwrap().to_owned();
    bodies.push(p.login("kim", "wrong one").await.body.to_string());
    bodies.push(
        p.get(&token, "/petmily/api/v1/user/kim")
            .await
            .body
            .to_string(),
    );
    bodies.push(
        p.post(
            &token,
            "/petmily/api/v1/user/sitter/apply",
            json!({ "intro": "hi", "address": "Seoul", "experience": 1 }),
        )
        .await
        .body
        .to_string(),
    );
    bodies.push(
        p.api
            .get("/admin/events?context=petmily/user&limit=100")
            .await
            .body
            .to_string(),
    );
    bodies.push(
        p.api
            .post(
                "/petmily/api/v1/user/create",
                json!({ "loginId": "kim", "password": secret, "name": "Kim", "address": "Seoul" }),
            )
            .await
            .body
            .to_string(),
    );
    for body in &bodies {
        assert!(!body.contains(secret), "the password in {body}");
        assert!(
            !body.to_lowercase().contains("argon2"),
            "the hash in {body}"
        );
        assert!(!body.contains("passwordHash"), "the hash in {body}");
    }
    // The data folder holds only the argon2id hash.
    let mut stack = vec![p.api.dir.path().to_path_buf()];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                stack.push(path);
            } else {
                let bytes = std::fs::read(&path).unwrap();
                assert!(
                    !bytes.windows(secret.len()).any(|w| w == secret.as_bytes()),
                    "{} holds the password in clear",
                    path.display()
                );
            }
        }
    }
}
