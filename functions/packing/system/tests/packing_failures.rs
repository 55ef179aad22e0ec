//! The packing system under failure: payment down and its circuit breaker, consumers down then
//! back, duplicate deliveries, concurrent accepts and cancels on one order, bad input of every
//! kind, and an outside client calling payment's internal function.
#![allow(clippy::unwrap_used)]

mod support;

use std::time::Duration;

use reqwest::Method;
use serde_json::{Value, json};
use support::{Api, PackingSteps, eventually};

async fn events_of(api: &Api, context: &str, event_type: &str, aggregate: &str) -> Vec<Value> {
    let events = api
        .get(&format!("/admin/events?context={context}&limit=1000"))
        .await
        .body;
    events
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["eventType"] == event_type && e["aggregateId"] == aggregate)
        .cloned()
        .collect()
}

#[tokio::test]
async fn payment_down_answers_the_admin_fast_pays_nothing_and_opens_the_breaker() {
    let api = support::start().await;
    let mut orders = Vec::new();
    for user in ["kim", "lee", "park", "choi"] {
        let id = api.order(user, 1).await;
        api.task_is(&id, "WAITING").await;
        orders.push(id);
    }
    api.switch("packing-payment-pay", false).await;
    for id in &orders[..3] {
        let r = api.act(id, "accept").await;
        r.assert_problem(503);
        assert!(r.retry_after.is_some());
        assert!(
            r.elapsed < Duration::from_secs(1),
            "answered in {:?}",
            r.elapsed
        );
        assert!(api.payments(id).await.is_empty(), "nothing paid");
    }

    // Three failures opened the breaker: with payment back, the fallback still answers at once
    // and payment is not called.
    api.switch("packing-payment-pay", true).await;
    let r = api.act(&orders[3], "accept").await;
    r.assert_problem(503);
    assert!(r.retry_after.is_some());
    assert!(
        r.body["detail"]
            .as_str()
            .unwrap()
            .contains("packing/payment"),
        "{:?}",
        r.body
    );
    assert!(
        r.elapsed < Duration::from_millis(200),
        "fallback took {:?}",
        r.elapsed
    );
    assert!(
        api.payments(&orders[3]).await.is_empty(),
        "payment was not called"
    );
    api.task_is(&orders[3], "PAYMENT_PENDING").await;

    // After the open period a probe goes through and closes it; every order gets paid once.
    eventually("the breaker closes", || async {
        api.act(&orders[3], "accept").await.status == 200
    })
    .await;
    for id in &orders[..3] {
        assert_eq!(api.act(id, "accept").await.status, 200);
    }
    for id in &orders {
        assert_eq!(api.payments(id).await.len(), 1);
        eventually("the order is PAID", || async {
            api.order_status(id).await == "PAID"
        })
        .await;
    }
}

#[tokio::test]
async fn ten_concurrent_accepts_of_one_order_pay_it_exactly_once() {
    let api = support::start().await;
    let id = api.order("kim", 1).await;
    api.task_is(&id, "WAITING").await;
    let attempts = (0..10).map(|_| {
        let (http, url) = (
            api.http.clone(),
            format!("{}/packing/productpackings/{id}/accept", api.base),
        );
        tokio::spawn(async move { http.post(url).send().await.unwrap().status().as_u16() })
    });
    let statuses: Vec<u16> = futures::future::join_all(attempts)
        .await
        .into_iter()
        .map(Result::unwrap)
        .collect();
    assert!(statuses.contains(&200), "{statuses:?}");
    assert!(
        statuses.iter().all(|s| *s == 200 || *s == 409),
        "{statuses:?}"
    );
    api.drained().await;
    assert_eq!(api.payments(&id).await.len(), 1);
    assert_eq!(
        events_of(&api, "packing/payment", "PaymentApproved", &id)
            .await
            .len(),
        1,
        "one payment however many accepts raced"
    );
    assert_eq!(
        events_of(&api, "packing/productpacking", "PackingReady", &id)
            .await
            .len(),
        1
    );
    assert_eq!(api.order_status(&id).await, "PAID");
}

#[tokio::test]
async fn accepts_racing_a_cancellation_never_leave_a_cancelled_order_charged() {
    let api = support::start().await;
    let mut orders = Vec::new();
    for _ in 0..6 {
        let id = api.order("kim", 1).await;
        api.task_is(&id, "WAITING").await;
        orders.push(id);
    }
    let races = orders.iter().map(|id| {
        let (http, base, id) = (api.http.clone(), api.base.clone(), id.clone());
        tokio::spawn(async move {
            let accept = http
                .post(format!("{base}/packing/productpackings/{id}/accept"))
                .send();
            let cancel = http
                .post(format!("{base}/packing/packingorders/{id}/cancel"))
                .send();
            let (a, c) = tokio::join!(accept, cancel);
            (a.unwrap().status().as_u16(), c.unwrap().status().as_u16())
        })
    });
    for r in futures::future::join_all(races).await {
        let (accept, cancel) = r.unwrap();
        assert!(accept == 200 || accept == 409, "accept answered {accept}");
        assert_eq!(cancel, 200, "an unpacked order can always be cancelled");
    }
    api.drained().await;
    for id in &orders {
        assert_eq!(api.order_status(id).await, "CANCELLED");
        api.task_is(id, "CANCELLED").await;
        let payments = api.payments(id).await;
        assert!(
            payments.is_empty() || (payments.len() == 1 && payments[0]["status"] == "REFUNDED"),
            "{id}: {payments:?}"
        );
        let row = api.get(&format!("/packing/orderinfos/{id}")).await.body;
        assert_eq!(row["status"], "CANCELLED");
        assert_ne!(row["paymentStatus"], "APPROVED", "{row}");
    }
}

#[tokio::test]
async fn a_cancellation_raced_twice_is_applied_once() {
    let api = support::start().await;
    let id = api.order("kim", 1).await;
    let path = format!("/packing/packingorders/{id}/cancel");
    let (a, b) = tokio::join!(api.post(&path, json!({})), api.post(&path, json!({})));
    let mut statuses = [a.status, b.status];
    statuses.sort_unstable();
    assert_eq!(statuses, [200, 409]);
    api.drained().await;
    assert_eq!(
        events_of(&api, "packing/packingorder", "PackingOrderCancelled", &id)
            .await
            .len(),
        1
    );
}

#[tokio::test]
async fn consumers_down_then_back_catch_up_with_everything_they_missed() {
    let api = support::start().await;
    let paid = api.order("kim", 1).await;
    api.task_is(&paid, "WAITING").await;
    api.act(&paid, "accept").await;
    for f in [
        "packing-orderinfo-on-order",
        "packing-orderinfo-on-task",
        "packing-payment-on-order-cancelled",
        "packing-packingorder-on-task",
    ] {
        api.switch(f, false).await;
    }
    let fresh = api.order("lee", 2).await;
    api.task_is(&fresh, "WAITING").await;
    api.act(&fresh, "accept").await;
    api.act(&fresh, "pack").await;
    api.post(&format!("/packing/packingorders/{paid}/cancel"), json!({}))
        .await;
    api.task_is(&paid, "CANCELLED").await;
    let partial = api.get(&format!("/packing/orderinfos/{fresh}")).await.body;
    assert_eq!(
        (&partial["status"], &partial["packingStatus"]),
        (&Value::Null, &Value::Null),
        "only payment's half is in while the other projections are down: {partial}"
    );
    assert_eq!(
        api.payments(&paid).await[0]["status"],
        "APPROVED",
        "not yet refunded"
    );

    for f in [
        "packing-orderinfo-on-order",
        "packing-orderinfo-on-task",
        "packing-payment-on-order-cancelled",
        "packing-packingorder-on-task",
    ] {
        api.switch(f, true).await;
    }
    api.drained().await;
    assert_eq!(api.payments(&paid).await[0]["status"], "REFUNDED");
    assert_eq!(api.order_status(&fresh).await, "PACKED");
    let row = api.get(&format!("/packing/orderinfos/{fresh}")).await.body;
    assert_eq!(
        (
            row["status"].as_str(),
            row["packingStatus"].as_str(),
            row["paymentStatus"].as_str()
        ),
        (Some("PACKED"), Some("PACKED"), Some("APPROVED"))
    );
    let row = api.get(&format!("/packing/orderinfos/{paid}")).await.body;
    assert_eq!(
        (
            row["status"].as_str(),
            row["packingStatus"].as_str(),
            row["paymentStatus"].as_str()
        ),
        (Some("CANCELLED"), Some("CANCELLED"), Some("REFUNDED"))
    );
}

#[tokio::test]
async fn the_same_events_delivered_twice_take_effect_once() {
    let api = support::start().await;
    let id = api.order("kim", 1).await;
    api.task_is(&id, "WAITING").await;
    api.act(&id, "accept").await;
    api.post(&format!("/packing/packingorders/{id}/cancel"), json!({}))
        .await;
    api.drained().await;

    let ordered = &events_of(&api, "packing/packingorder", "PackingOrdered", &id).await[0];
    let cancelled = &events_of(&api, "packing/packingorder", "PackingOrderCancelled", &id).await[0];
    let refunded = &events_of(&api, "packing/payment", "PaymentRefunded", &id).await[0];
    for (function, event) in [
        ("packing-productpacking-on-order", ordered),
        ("packing-productpacking-on-order", cancelled),
        ("packing-payment-on-order-cancelled", cancelled),
        ("packing-orderinfo-on-order", ordered),
        ("packing-orderinfo-on-payment", refunded),
    ] {
        let r = api
            .post(
                &format!("/admin/functions/{function}/deliveries"),
                json!({ "eventId": event["eventId"] }),
            )
            .await;
        assert_eq!(r.status, 202, "{function}: {:?}", r.body);
    }
    api.drained().await;
    let subscriptions = api.get("/admin/subscriptions").await.body;
    let refunds = subscriptions
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["function"] == "packing-payment-on-order-cancelled")
        .unwrap();
    assert_eq!(refunds["delivered"], 2, "the duplicate was delivered");
    assert_eq!(
        events_of(&api, "packing/payment", "PaymentRefunded", &id)
            .await
            .len(),
        1,
        "but refunded once"
    );
    assert_eq!(
        events_of(&api, "packing/productpacking", "PackingTaskCreated", &id)
            .await
            .len(),
        1
    );
    assert_eq!(
        events_of(&api, "packing/productpacking", "PackingTaskCancelled", &id)
            .await
            .len(),
        1
    );
    api.task_is(&id, "CANCELLED").await;
    let row = api.get(&format!("/packing/orderinfos/{id}")).await.body;
    assert_eq!(
        (
            row["status"].as_str(),
            row["packingStatus"].as_str(),
            row["paymentStatus"].as_str()
        ),
        (Some("CANCELLED"), Some("CANCELLED"), Some("REFUNDED")),
        "a replayed PackingOrdered does not set the row back"
    );
}

#[tokio::test]
async fn bad_input_gets_a_problem_and_changes_nothing() {
    let api = support::start().await;
    let id = api.order("kim", 1).await;
    api.task_is(&id, "WAITING").await;
    api.drained().await;
    let snapshot = || async {
        (
            api.get("/packing/packingorders").await.body,
            api.get("/packing/productpackings").await.body,
            api.get("/packing/payments").await.body,
            api.get("/packing/orderinfos").await.body,
        )
    };
    let before = snapshot().await;

    let good = json!({
        "userId": "kim", "productId": "p1", "productName": "Strawberries",
        "qty": 1, "address": "Seoul",
    });
    let with = |field: &str, value: Value| {
        let mut b = good.clone();
        b[field] = value;
        b.to_string()
    };
    let without = |field: &str| {
        let mut b = good.clone();
        b.as_object_mut().unwrap().remove(field);
        b.to_string()
    };
    let bad_bodies: Vec<String> = vec![
        "{\"userId\": ".into(),
        "".into(),
        "[]".into(),
        "null".into(),
        without("userId"),
        without("productId"),
        without("productName"),
        without("qty"),
        without("address"),
        with("qty", json!(0)),
        with("qty", json!(1001)),
        with("qty", json!(-1)),
        with("qty", json!(1.5)),
        with("qty", json!("two")),
        with("qty", json!(1e12)),
        with("userId", json!("a b/c")),
        with("userId", json!("")),
        with("userId", json!(7)),
        with("productId", json!("..")),
        with("productName", json!(" ")),
        with("productName", json!("x".repeat(101))),
        with("productName", json!("bad\u{0000}name")),
        with("address", json!("")),
        with("address", json!("y".repeat(201))),
        with("unexpected", json!(true)),
        "x".repeat(70_000),
    ];
    for body in &bad_bodies {
        let r = api.post_raw("/packing/packingorders", body).await;
        assert!(
            (400..500).contains(&r.status),
            "{body:.60} -> {} {:?}",
            r.status,
            r.body
        );
        assert_eq!(r.content_type, "application/problem+json", "{body:.60}");
    }
    let r = api
        .request(Method::POST, "/packing/packingorders")
        .header("content-type", "text/plain")
        .body(good.to_string());
    api.reply(r).await.assert_problem(415);

    for path in [
        "/packing/packingorders/unknown",
        "/packing/productpackings/unknown",
        "/packing/payments/unknown",
        "/packing/orderinfos/unknown",
    ] {
        api.get(path).await.assert_problem(404);
    }
    for action in ["accept", "reject", "pack"] {
        api.act("unknown", action).await.assert_problem(404);
    }
    api.post("/packing/packingorders/unknown/cancel", json!({}))
        .await
        .assert_problem(404);
    for path in [
        "/packing/orderinfos?status=LOST",
        "/packing/orderinfos?status=ordered",
        "/packing/orderinfos?userId=a%20b",
        "/packing/orderinfos?user=kim",
        "/packing/productpackings?status=DONE",
        "/packing/productpackings?orderId=..",
        "/packing/payments?orderId=%2F",
        "/packing/packingorders?limit=0",
        "/packing/packingorders?limit=501",
        "/packing/packingorders?cursor=",
        "/packing/packingorders?cursor=%21%21",
    ] {
        api.get(path).await.assert_problem(400);
    }
    api.post(
        &format!("/packing/productpackings/{}/accept", "x".repeat(65)),
        json!({}),
    )
    .await
    .assert_problem(400);
    api.send(
        Method::DELETE,
        &format!("/packing/packingorders/{id}"),
        None,
    )
    .await
    .assert_problem(405);
    api.get("/packing/nowhere").await.assert_problem(404);

    api.drained().await;
    assert_eq!(before, snapshot().await, "no state changed");
}

#[tokio::test]
async fn an_outside_client_cannot_pay_and_payment_is_not_in_the_public_api() {
    let api = support::start().await;
    let id = api.order("kim", 1).await;
    api.task_is(&id, "WAITING").await;
    // `GET /payments` is public; `POST /payments` is no public route of it.
    api.post(
        "/packing/payments",
        json!({ "orderId": id, "userId": "kim" }),
    )
    .await
    .assert_problem(405);
    assert!(api.payments(&id).await.is_empty(), "nothing paid");
    assert_eq!(
        api.get(&format!("/packing/productpackings/{id}"))
            .await
            .body["status"],
        "WAITING"
    );
    // The in-process caller (productpacking's) does reach it.
    let inside = api
        .internal(
            Method::POST,
            "/packing/payments",
            Some(json!({ "orderId": id, "userId": "kim" })),
        )
        .await;
    assert_eq!(inside.status, 201, "{:?}", inside.body);

    let spec = api.get("/packing/openapi.json").await.body;
    let paths = spec["paths"].as_object().unwrap();
    assert!(
        paths["/packing/payments"].get("post").is_none(),
        "internal functions are not in the public API"
    );
    let functions = api.get("/admin/functions").await.body;
    let public_routes: usize = functions
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["internal"] == false && f["name"].as_str().unwrap().starts_with("packing-"))
        .map(|f| f["routes"].as_array().map_or(0, Vec::len))
        .sum();
    let documented: usize = paths.values().map(|p| p.as_object().unwrap().len()).sum();
    assert_eq!(
        documented, public_routes,
        "every public route and only those"
    );
}
