//! petmily's flow tests: a gateway serving petmily with a pinned signing key, and the steps its
//! people take (members, sitters, the admin), each request with that person's access token.
#![allow(clippy::unwrap_used, dead_code)]

pub use flowtest::{Api, eventually};
use flowtest::{GatewayConfig, Reply};
use serde_json::{Value, json};

/// The signing key the tests' gateway uses (tests forge tokens with it and with others).
pub const KEY: &str = "petmily-test-signing-key-0123456789abcdef";
pub const PASSWORD: &str = "correct horse battery";

pub async fn start() -> Petmily {
    start_with(|_| {}).await
}

pub async fn start_with(tune: impl FnOnce(&mut GatewayConfig)) -> Petmily {
    let api = Api::start_with(vec![petmily_system::system()], |c| {
        c.secrets.insert("PETMILY_SIGNING_KEY".into(), KEY.into());
        tune(c);
    })
    .await;
    Petmily { api }
}

pub struct Petmily {
    pub api: Api,
}

/// Two parties whose care runs: the member's and the sitter's tokens, the match and the pet.
pub struct Care {
    pub member: String,
    pub sitter: String,
    pub match_id: String,
    pub pet_id: String,
    pub application_id: String,
}

impl Petmily {
    pub async fn send(
        &self,
        method: reqwest::Method,
        token: Option<&str>,
        path: &str,
        body: Option<Value>,
    ) -> Reply {
        let mut req = self.api.request(method, path);
        if let Some(t) = token {
            req = req.bearer_auth(t);
        }
        if let Some(b) = body {
            req = req
                .header("content-type", "application/json")
                .body(b.to_string());
        }
        self.api.reply(req).await
    }

    pub async fn get(&self, token: &str, path: &str) -> Reply {
        self.send(reqwest::Method::GET, Some(token), path, None)
            .await
    }

    pub async fn post(&self, token: &str, path: &str, body: Value) -> Reply {
        self.send(reqwest::Method::POST, Some(token), path, Some(body))
            .await
    }

    pub async fn put(&self, token: &str, path: &str, body: Value) -> Reply {
        self.send(reqwest::Method::PUT, Some(token), path, Some(body))
            .await
    }

    pub async fn delete(&self, token: &str, path: &str) -> Reply {
        self.send(reqwest::Method::DELETE, Some(token), path, None)
            .await
    }

    pub async fn sign_up(&self, login: &str, address: &str) -> Reply {
        self.api
            .post(
                "/petmily/api/v1/user/create",
                json!({ "loginId": login, "password": PASSWORD, "name": format!("Name of {login}"), "address": address }),
            )
            .await
    }

    pub async fn login(&self, login: &str, password: &str) -> Reply {
        self.api
            .post(
                "/petmily/api/v1/user/login",
                json!({ "loginId": login, "password": password }),
            )
            .await
    }

    /// Signs up `login` and returns their access token.
    pub async fn member(&self, login: &str) -> String {
        let r = self.sign_up(login, "Seoul Gangnam-gu").await;
        assert_eq!(r.status, 201, "{:?}", r.body);
        self.token(login, PASSWORD).await
    }

    pub async fn token(&self, login: &str, password: &str) -> String {
        let r = self.login(login, password).await;
        assert_eq!(r.status, 200, "{:?}", r.body);
        r.body["accessToken"].as_str().unwrap().to_owned()
    }

    /// The first admin's access token (the local default admin/admin).
    pub async fn admin(&self) -> String {
        self.token("admin", "admin").await
    }

    /// A member who applied as a sitter working in `address` and was approved.
    pub async fn sitter(&self, login: &str, address: &str) -> String {
        let token = self.member(login).await;
        let r = self
            .post(
                &token,
                "/petmily/api/v1/user/sitter/apply",
                json!({ "intro": "I love animals", "address": address, "experience": 3 }),
            )
            .await;
        assert_eq!(r.status, 201, "{:?}", r.body);
        let admin = self.admin().await;
        let r = self
            .put(
                &admin,
                &format!("/petmily/api/v1/sitter/update/{login}"),
                json!({ "decision": "APPROVED" }),
            )
            .await;
        assert_eq!(r.status, 200, "{:?}", r.body);
        token
    }

    /// Registers a pet of the token's member and returns its id.
    pub async fn pet(&self, token: &str, name: &str) -> String {
        let r = self
            .post(
                token,
                "/petmily/api/v1/pet",
                json!({ "name": name, "species": "dog", "breed": "Jindo", "age": 3, "notes": "shy" }),
            )
            .await;
        assert_eq!(r.status, 201, "{:?}", r.body);
        r.body["id"].as_str().unwrap().to_owned()
    }

    /// Writes an OPEN care request for `pet` and returns its id.
    pub async fn application(&self, token: &str, pet: &str) -> String {
        let r = self
            .post(
                token,
                "/petmily/api/v1/match/application",
                json!({ "petId": pet, "startDate": "2026-12-24", "endDate": "2026-12-26", "requirements": "two walks a day" }),
            )
            .await;
        assert_eq!(r.status, 201, "{:?}", r.body);
        r.body["id"].as_str().unwrap().to_owned()
    }

    /// The member asks the sitter; returns the match.
    pub async fn ask(&self, member: &str, application: &str, sitter_login: &str) -> Value {
        let r = self
            .post(
                member,
                "/petmily/api/v1/match",
                json!({ "applicationId": application, "sitterId": sitter_login }),
            )
            .await;
        assert_eq!(r.status, 201, "{:?}", r.body);
        r.body
    }

    /// kim (member, pet Bori) and lee (approved sitter) with their care started.
    pub async fn care(&self) -> Care {
        let member = self.member("kim").await;
        let sitter = self.sitter("lee", "Seoul Mapo-gu").await;
        let pet_id = self.pet(&member, "Bori").await;
        let application_id = self.application(&member, &pet_id).await;
        let m = self.ask(&member, &application_id, "lee").await;
        let match_id = m["id"].as_str().unwrap().to_owned();
        let r = self
            .post(
                &sitter,
                &format!("/petmily/api/v1/match/{match_id}/accept"),
                json!({}),
            )
            .await;
        assert_eq!(r.status, 200, "{:?}", r.body);
        assert_eq!(r.body["status"], "CARE_STARTED");
        Care {
            member,
            sitter,
            match_id,
            pet_id,
            application_id,
        }
    }

    /// Waits until the diary of `care` is open (diary learns of the start from an event).
    pub async fn diary_open(&self, care: &Care) {
        eventually("the diary opens", || async {
            self.get(
                &care.member,
                &format!("/petmily/api/v1/diary?matchId={}", care.match_id),
            )
            .await
            .status
                == 200
        })
        .await;
    }

    /// Ends the care of `care` and waits until assess has learned of it.
    pub async fn end(&self, care: &Care) {
        let r = self
            .post(
                &care.member,
                &format!("/petmily/api/v1/match/{}/end", care.match_id),
                json!({}),
            )
            .await;
        assert_eq!(r.status, 200, "{:?}", r.body);
        assert_eq!(r.body["status"], "CARE_ENDED");
        self.api.drained().await;
    }
}
