//! The family's flow tests: a gateway serving the family system, and the steps its people take.
#![allow(clippy::unwrap_used, dead_code)]

use flowtest::GatewayConfig;
pub use flowtest::{Api, eventually};
use serde_json::{Value, json};

pub async fn start() -> Api {
    Api::start(vec![family_system::system()]).await
}

pub async fn start_with(tune: impl FnOnce(&mut GatewayConfig)) -> Api {
    Api::start_with(vec![family_system::system()], tune).await
}

/// Seoul City Hall, where moves start.
pub const CITY_HALL: (f64, f64) = (37.5665, 126.978);
/// Gangnam station, where moves go (about 9.2 km from City Hall).
pub const GANGNAM: (f64, f64) = (37.4979, 127.0276);
/// Jamsil, another goal.
pub const JAMSIL: (f64, f64) = (37.5133, 127.1001);

pub fn point(p: (f64, f64)) -> Value {
    json!({ "lat": p.0, "lon": p.1 })
}

/// `degrees` of latitude north of `p` (one is about 111 km).
pub fn north_of(p: (f64, f64), degrees: f64) -> (f64, f64) {
    (p.0 + degrees, p.1)
}

/// What the family's people do, as steps of a test.
#[allow(async_fn_in_trait)]
pub trait FamilySteps {
    async fn register(&self, customer: &str, family: &str) -> Value;
    async fn approve(&self, family: &str, customer: &str, approver: &str) -> Value;
    /// A family `family` with `founder` and the ACTIVE `members` the founder approved; returns
    /// when every event has been handled.
    async fn family_of(&self, family: &str, founder: &str, members: &[&str]);
    async fn start_move(&self, customer: &str, from: (f64, f64), to: (f64, f64)) -> Value;
    async fn report(&self, move_id: &str, at: (f64, f64)) -> flowtest::Reply;
    async fn alarms(&self, customer: &str) -> Vec<Value>;
    async fn customer_status(&self, customer: &str) -> String;
}

impl FamilySteps for Api {
    async fn register(&self, customer: &str, family: &str) -> Value {
        let r = self
            .post(
                "/family/customers",
                json!({ "customerId": customer, "name": format!("Kim {customer}"), "phone": "010-1234-5678", "familyId": family }),
            )
            .await;
        assert_eq!(r.status, 201, "{:?}", r.body);
        r.body
    }

    async fn approve(&self, family: &str, customer: &str, approver: &str) -> Value {
        eventually("the membership request is recorded", || async {
            self.get(&format!("/family/families/{family}")).await.body["members"]
                .as_array()
                .is_some_and(|m| m.iter().any(|m| m["customerId"] == customer))
        })
        .await;
        let r = self
            .post(
                &format!("/family/families/{family}/members/{customer}/approve"),
                json!({ "approverId": approver }),
            )
            .await;
        assert_eq!(r.status, 200, "{:?}", r.body);
        r.body
    }

    async fn family_of(&self, family: &str, founder: &str, members: &[&str]) {
        self.register(founder, family).await;
        for m in members {
            self.register(m, family).await;
        }
        eventually("the founder's membership is recorded", || async {
            self.get(&format!("/family/families/{family}")).await.status == 200
        })
        .await;
        for m in members {
            self.approve(family, m, founder).await;
        }
        for m in members {
            eventually("the member is ACTIVE", || async {
                self.customer_status(m).await == "ACTIVE"
            })
            .await;
        }
        self.drained().await;
    }

    async fn start_move(&self, customer: &str, from: (f64, f64), to: (f64, f64)) -> Value {
        let r = self
            .post(
                "/family/moves",
                json!({ "customerId": customer, "start": point(from), "goal": point(to) }),
            )
            .await;
        assert_eq!(r.status, 201, "{:?}", r.body);
        r.body
    }

    async fn report(&self, move_id: &str, at: (f64, f64)) -> flowtest::Reply {
        self.post(
            "/family/locations",
            json!({ "moveId": move_id, "lat": at.0, "lon": at.1 }),
        )
        .await
    }

    async fn alarms(&self, customer: &str) -> Vec<Value> {
        let r = self
            .get(&format!("/family/alarms?customerId={customer}"))
            .await;
        assert_eq!(r.status, 200, "{:?}", r.body);
        r.body["items"].as_array().unwrap().clone()
    }

    async fn customer_status(&self, customer: &str) -> String {
        self.get(&format!("/family/customers/{customer}"))
            .await
            .body["status"]
            .as_str()
            .unwrap_or_default()
            .to_owned()
    }
}

/// The alarm types in a list, oldest first.
pub fn types(alarms: &[Value]) -> Vec<String> {
    alarms
        .iter()
        .rev()
        .map(|a| a["type"].as_str().unwrap().to_owned())
        .collect()
}
