//! The packing flow tests: a gateway serving the packing system, and the steps its customers
//! and its admin take.
#![allow(clippy::unwrap_used, dead_code)]

use flowtest::GatewayConfig;
pub use flowtest::{Api, eventually};
use serde_json::{Value, json};

pub async fn start() -> Api {
    Api::start(vec![packing_system::system()]).await
}

pub async fn start_with(tune: impl FnOnce(&mut GatewayConfig)) -> Api {
    Api::start_with(vec![packing_system::system()], tune).await
}

/// What a customer and the admin do, as steps of a test.
#[allow(async_fn_in_trait)]
pub trait PackingSteps {
    /// Orders `qty` strawberries for `user` and returns the order's id.
    async fn order(&self, user: &str, qty: u32) -> String;
    /// Waits until the order's packing task is in `status`.
    async fn task_is(&self, id: &str, status: &str);
    /// The admin's action on a task (`accept`, `reject`, `pack`).
    async fn act(&self, id: &str, action: &str) -> flowtest::Reply;
    async fn order_status(&self, id: &str) -> Value;
    /// Waits until the order view's row satisfies `check`.
    async fn row_until(&self, id: &str, what: &str, check: impl Fn(&Value) -> bool) -> Value;
    /// The payments recorded for an order.
    async fn payments(&self, id: &str) -> Vec<Value>;
}

impl PackingSteps for Api {
    async fn order(&self, user: &str, qty: u32) -> String {
        let r = self
            .post(
                "/packing/packingorders",
                json!({
                    "userId": user,
                    "productId": "strawberries-500g",
                    "productName": "Strawberries 500 g",
                    "qty": qty,
                    "address": "12 Teheran-ro, Seoul",
                }),
            )
            .await;
        assert_eq!(r.status, 201, "{:?}", r.body);
        r.body["id"].as_str().unwrap().to_owned()
    }

    async fn task_is(&self, id: &str, status: &str) {
        eventually(&format!("task {id} is {status}"), || async {
            self.get(&format!("/packing/productpackings/{id}"))
                .await
                .body["status"]
                == status
        })
        .await;
    }

    async fn act(&self, id: &str, action: &str) -> flowtest::Reply {
        self.post(
            &format!("/packing/productpackings/{id}/{action}"),
            json!({}),
        )
        .await
    }

    async fn order_status(&self, id: &str) -> Value {
        self.get(&format!("/packing/packingorders/{id}")).await.body["status"].clone()
    }

    async fn row_until(&self, id: &str, what: &str, check: impl Fn(&Value) -> bool) -> Value {
        let mut last = Value::Null;
        for _ in 0..400 {
            last = self.get(&format!("/packing/orderinfos/{id}")).await.body;
            if check(&last) {
                return last;
            }
            tokio::time::sleep(std::time::Duration::from_millis(25)).await;
        }
        panic!("timed out waiting until {what}: {last}");
    }

    async fn payments(&self, id: &str) -> Vec<Value> {
        self.get(&format!("/packing/payments?orderId={id}"))
            .await
            .body["items"]
            .as_array()
            .unwrap()
            .clone()
    }
}
