//! The museum's flow tests: a gateway serving the museum, and the steps a museum user takes.
#![allow(clippy::unwrap_used, dead_code)]

use flowtest::GatewayConfig;
pub use flowtest::{Api, eventually};
use serde_json::{Value, json};

pub async fn start() -> Api {
    Api::start(vec![museum_system::system()]).await
}

pub async fn start_with(tune: impl FnOnce(&mut GatewayConfig)) -> Api {
    Api::start_with(vec![museum_system::system()], tune).await
}

/// What a museum user does, as steps of a test.
#[allow(async_fn_in_trait)]
pub trait MuseumSteps {
    async fn exhibition(&self, capacity: u32) -> String;
    async fn book(&self, museum: &str, user: &str, seats: u32) -> Value;
    async fn capacity(&self, museum: &str) -> u64;
}

impl MuseumSteps for Api {
    /// Registers an exhibition and returns its id.
    async fn exhibition(&self, capacity: u32) -> String {
        let r = self
            .post(
                "/museum/museums",
                json!({ "hall": "Hall A", "date": "2026-12-24", "capacity": capacity }),
            )
            .await;
        assert_eq!(r.status, 201, "{:?}", r.body);
        r.body["id"].as_str().unwrap().to_owned()
    }

    /// Books seats and returns the booking.
    async fn book(&self, museum: &str, user: &str, seats: u32) -> Value {
        let r = self
            .post(
                "/museum/books",
                json!({ "museumId": museum, "userId": user, "seats": seats }),
            )
            .await;
        assert_eq!(r.status, 201, "{:?}", r.body);
        r.body
    }

    async fn capacity(&self, museum: &str) -> u64 {
        self.get(&format!("/museum/museums/{museum}")).await.body["capacity"]
            .as_u64()
            .unwrap()
    }
}
