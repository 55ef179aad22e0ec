//! The moving system's flow tests: a gateway serving it, and the steps its users take.
#![allow(clippy::unwrap_used, dead_code)]

use flowtest::GatewayConfig;
pub use flowtest::{Api, eventually};
use serde_json::{Value, json};

pub async fn start() -> Api {
    Api::start(vec![moving_system::system()]).await
}

pub async fn start_with(tune: impl FnOnce(&mut GatewayConfig)) -> Api {
    Api::start_with(vec![moving_system::system()], tune).await
}

/// What a customer and a mover company do, as steps of a test.
#[allow(async_fn_in_trait)]
pub trait MovingSteps {
    async fn company(&self, name: &str, regions: &[&str], move_types: &[&str]) -> String;
    async fn call(&self, tel: &str, location: &str, move_type: &str) -> Value;
    async fn mover(&self, id: &str) -> Value;
    async fn status_becomes(&self, id: &str, status: &str) -> Value;
    async fn moverinfo(&self, tel: &str, id: &str) -> Option<Value>;
    async fn messages(&self, tel: &str) -> Vec<Value>;
    async fn company_status(&self, id: &str) -> String;
}

impl MovingSteps for Api {
    /// Registers a mover company and returns its id.
    async fn company(&self, name: &str, regions: &[&str], move_types: &[&str]) -> String {
        let r = self
            .post(
                "/moving/moverassigns/companies",
                json!({ "name": name, "tel": "0212345678", "regions": regions, "moveTypes": move_types }),
            )
            .await;
        assert_eq!(r.status, 201, "{:?}", r.body);
        r.body["id"].as_str().unwrap().to_owned()
    }

    /// Calls a mover and returns the call.
    async fn call(&self, tel: &str, location: &str, move_type: &str) -> Value {
        let r = self
            .post(
                "/moving/movers",
                json!({ "tel": tel, "location": location, "cost": 2_500_000, "moveType": move_type }),
            )
            .await;
        assert_eq!(r.status, 201, "{:?}", r.body);
        r.body
    }

    async fn mover(&self, id: &str) -> Value {
        let r = self.get(&format!("/moving/movers/{id}")).await;
        assert_eq!(r.status, 200, "{:?}", r.body);
        r.body
    }

    /// Waits until the call has `status`, and returns it.
    async fn status_becomes(&self, id: &str, status: &str) -> Value {
        eventually(&format!("call {id} turns {status}"), || async {
            self.mover(id).await["status"] == status
        })
        .await;
        self.mover(id).await
    }

    /// The customer's moverinfos row for call `id`.
    async fn moverinfo(&self, tel: &str, id: &str) -> Option<Value> {
        let r = self.get(&format!("/moving/moverinfos?tel={tel}")).await;
        assert_eq!(r.status, 200, "{:?}", r.body);
        r.body["items"]
            .as_array()
            .unwrap()
            .iter()
            .find(|row| row["id"] == id)
            .cloned()
    }

    async fn messages(&self, tel: &str) -> Vec<Value> {
        let r = self
            .get(&format!("/moving/moverinfos/messages?tel={tel}"))
            .await;
        assert_eq!(r.status, 200, "{:?}", r.body);
        r.body["items"].as_array().unwrap().clone()
    }

    async fn company_status(&self, id: &str) -> String {
        let r = self
            .get(&format!("/moving/moverassigns/companies/{id}"))
            .await;
        assert_eq!(r.status, 200, "{:?}", r.body);
        r.body["status"].as_str().unwrap().to_owned()
    }
}
