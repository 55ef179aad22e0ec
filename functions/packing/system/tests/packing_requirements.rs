//! DOMAINS.md §4, packing: one flow test per numbered requirement, over HTTP through the gateway.
#![allow(clippy::unwrap_used)]

mod support;

use serde_json::{Value, json};
use support::{PackingSteps, eventually};

#[tokio::test]
async fn r01_a_customer_orders_a_product_reads_it_back_and_cancels_it_until_it_is_packed() {
    let api = support::start().await;
    let r = api
        .post(
            "/packing/packingorders",
            json!({
                "userId": "kim",
                "productId": "strawberries-500g",
                "productName": "Strawberries 500 g",
                "qty": 3,
                "address": "12 Teheran-ro, Seoul",
            }),
        )
        .await;
    assert_eq!(r.status, 201, "{:?}", r.body);
    let id = r.body["id"].as_str().unwrap().to_owned();
    assert_eq!(
        r.location.as_deref(),
        Some(format!("/packing/packingorders/{id}").as_str())
    );
    assert_eq!(r.body["status"], "ORDERED");
    assert_eq!(
        (r.body["qty"].as_u64(), r.body["productName"].as_str()),
        (Some(3), Some("Strawberries 500 g"))
    );
    let read = api.get(&format!("/packing/packingorders/{id}")).await;
    assert_eq!((read.status, &read.body), (200, &r.body));
    let mine = api.get("/packing/packingorders?userId=kim").await;
    assert_eq!(mine.body["items"][0]["id"], id.as_str());

    // Cancelled before it is paid: CANCELLED, the task too, nothing to refund.
    let c = api
        .post(&format!("/packing/packingorders/{id}/cancel"), json!({}))
        .await;
    assert_eq!(
        (c.status, c.body["status"].as_str()),
        (200, Some("CANCELLED"))
    );
    api.task_is(&id, "CANCELLED").await;
    api.post(&format!("/packing/packingorders/{id}/cancel"), json!({}))
        .await
        .assert_problem(409);

    // A paid order cancelled: refunded once, its task CANCELLED.
    let paid = api.order("kim", 1).await;
    api.task_is(&paid, "WAITING").await;
    assert_eq!(api.act(&paid, "accept").await.status, 200);
    eventually("the order is paid", || async {
        api.order_status(&paid).await == "PAID"
    })
    .await;
    let c = api
        .post(&format!("/packing/packingorders/{paid}/cancel"), json!({}))
        .await;
    assert_eq!(c.status, 200, "{:?}", c.body);
    api.task_is(&paid, "CANCELLED").await;
    eventually("the payment is refunded", || async {
        api.payments(&paid)
            .await
            .first()
            .map(|p| p["status"].clone())
            == Some(json!("REFUNDED"))
    })
    .await;
    api.drained().await;
    let events = api
        .get("/admin/events?context=packing/payment&limit=1000")
        .await
        .body;
    let refunds = events
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["eventType"] == "PaymentRefunded" && e["aggregateId"] == paid.as_str())
        .count();
    assert_eq!(refunds, 1);

    // A packed order can no longer be cancelled.
    let packed = api.order("kim", 1).await;
    api.task_is(&packed, "WAITING").await;
    api.act(&packed, "accept").await;
    api.act(&packed, "pack").await;
    eventually("the order is packed", || async {
        api.order_status(&packed).await == "PACKED"
    })
    .await;
    api.post(
        &format!("/packing/packingorders/{packed}/cancel"),
        json!({}),
    )
    .await
    .assert_problem(409);
    assert_eq!(api.order_status(&packed).await, "PACKED");
}

#[tokio::test]
async fn r02_every_order_makes_a_waiting_packing_task_even_when_productpacking_was_down() {
    let api = support::start().await;
    api.switch("packing-productpacking-on-order", false).await;
    let first = api.order("kim", 2).await;
    let second = api.order("lee", 1).await;
    assert_eq!(
        api.get(&format!("/packing/productpackings/{first}"))
            .await
            .status,
        404,
        "no task while productpacking is down"
    );
    api.switch("packing-productpacking-on-order", true).await;
    api.task_is(&first, "WAITING").await;
    api.task_is(&second, "WAITING").await;

    let task = api
        .get(&format!("/packing/productpackings/{first}"))
        .await
        .body;
    assert_eq!(
        (
            task["id"].as_str(),
            task["orderId"].as_str(),
            task["qty"].as_u64()
        ),
        (Some(first.as_str()), Some(first.as_str()), Some(2))
    );
    let waiting = api
        .get("/packing/productpackings?status=WAITING")
        .await
        .body;
    let ids: Vec<&str> = waiting["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["id"].as_str().unwrap())
        .collect();
    assert!(
        ids.contains(&first.as_str()) && ids.contains(&second.as_str()),
        "{ids:?}"
    );
    let by_order = api
        .get(&format!("/packing/productpackings?orderId={second}"))
        .await
        .body;
    assert_eq!(by_order["items"].as_array().unwrap().len(), 1);
    assert_eq!(by_order["items"][0]["status"], "WAITING");

    // An action in the wrong status is 409.
    api.act(&first, "pack").await.assert_problem(409);
}

#[tokio::test]
async fn r03_accepting_pays_synchronously_and_payment_down_leaves_it_payment_pending_until_accepted_again()
 {
    let api = support::start().await;
    let id = api.order("kim", 2).await;
    api.task_is(&id, "WAITING").await;

    api.switch("packing-payment-pay", false).await;
    let r = api.act(&id, "accept").await;
    r.assert_problem(503);
    assert!(r.retry_after.is_some(), "the admin is told when to retry");
    api.task_is(&id, "PAYMENT_PENDING").await;
    eventually("the customer sees PAYMENT_PENDING", || async {
        api.order_status(&id).await == "PAYMENT_PENDING"
    })
    .await;
    assert!(api.payments(&id).await.is_empty(), "nothing paid");

    api.switch("packing-payment-pay", true).await;
    // The breaker opened on the failures; once it lets a probe through, accepting completes it.
    let mut accepted = None;
    for _ in 0..200 {
        let r = api.act(&id, "accept").await;
        if r.status == 200 {
            accepted = Some(r.body);
            break;
        }
        r.assert_problem(503);
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    let task = accepted.unwrap();
    assert_eq!(task["status"], "READY_TO_PACK");
    assert_eq!(task["paymentId"], id.as_str());
    let payments = api.payments(&id).await;
    assert_eq!(payments.len(), 1);
    assert_eq!(payments[0]["status"], "APPROVED");
    eventually("the order is PAID", || async {
        api.order_status(&id).await == "PAID"
    })
    .await;
    api.act(&id, "accept").await.assert_problem(409);

    // Rejected after it was paid: REJECTED, refunded.
    let rejected = api.order("lee", 1).await;
    api.task_is(&rejected, "WAITING").await;
    assert_eq!(api.act(&rejected, "accept").await.status, 200);
    let r = api.act(&rejected, "reject").await;
    assert_eq!(
        (r.status, r.body["status"].as_str()),
        (200, Some("REJECTED"))
    );
    eventually("the order is REJECTED and refunded", || async {
        api.order_status(&rejected).await == "REJECTED"
            && api.payments(&rejected).await[0]["status"] == "REFUNDED"
    })
    .await;
    api.act(&rejected, "reject").await.assert_problem(409);

    // Rejected before payment: REJECTED, never charged.
    let unpaid = api.order("park", 1).await;
    api.task_is(&unpaid, "WAITING").await;
    assert_eq!(api.act(&unpaid, "reject").await.status, 200);
    eventually("the order is REJECTED", || async {
        api.order_status(&unpaid).await == "REJECTED"
    })
    .await;
    api.drained().await;
    assert!(api.payments(&unpaid).await.is_empty());
}

#[tokio::test]
async fn r04_packing_a_paid_task_makes_the_order_packed() {
    let api = support::start().await;
    let id = api.order("kim", 1).await;
    api.task_is(&id, "WAITING").await;
    api.act(&id, "accept").await;
    let r = api.act(&id, "pack").await;
    assert_eq!((r.status, r.body["status"].as_str()), (200, Some("PACKED")));
    eventually("the order is PACKED", || async {
        api.order_status(&id).await == "PACKED"
    })
    .await;
    api.act(&id, "pack").await.assert_problem(409);
    api.act(&id, "reject").await.assert_problem(409);
}

fn ids(page: &Value) -> Vec<String> {
    page["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["id"].as_str().unwrap().to_owned())
        .collect()
}

#[tokio::test]
async fn r05_the_customer_and_the_admin_read_the_order_list_fed_only_by_events() {
    let api = support::start().await;
    let packed = api.order("kim", 2).await;
    let waiting = api.order("kim", 1).await;
    let others = api.order("lee", 4).await;
    api.task_is(&packed, "WAITING").await;
    api.act(&packed, "accept").await;
    api.act(&packed, "pack").await;

    let row = api
        .row_until(&packed, "the row shows it packed and paid", |r| {
            r["status"] == "PACKED"
                && r["paymentStatus"] == "APPROVED"
                && r["packingStatus"] == "PACKED"
        })
        .await;
    assert_eq!(row["userId"], "kim");
    assert_eq!(row["productName"], "Strawberries 500 g");
    assert_eq!(row["qty"], 2);
    assert!(row["updatedAt"].is_string());
    api.row_until(&waiting, "the waiting row", |r| {
        r["status"] == "ORDERED" && r["packingStatus"] == "WAITING" && r["paymentStatus"].is_null()
    })
    .await;
    api.row_until(&others, "lee's row", |r| r["status"] == "ORDERED")
        .await;

    let kim = api.get("/packing/orderinfos?userId=kim").await;
    assert_eq!(kim.status, 200);
    let mut mine = ids(&kim.body);
    mine.sort();
    let mut expected = vec![packed.clone(), waiting.clone()];
    expected.sort();
    assert_eq!(mine, expected, "the customer sees their own orders");

    let ordered = ids(&api.get("/packing/orderinfos?status=ORDERED").await.body);
    assert!(ordered.contains(&waiting) && ordered.contains(&others));
    assert!(!ordered.contains(&packed));
    assert_eq!(
        ids(&api.get("/packing/orderinfos?status=PACKED").await.body),
        vec![packed.clone()]
    );
    assert_eq!(
        ids(&api
            .get("/packing/orderinfos?userId=kim&status=ORDERED")
            .await
            .body),
        vec![waiting.clone()],
        "the customer's orders in one status"
    );

    // Fed only by events: with packingorder's and productpacking's functions down, the view answers.
    api.switch("packing-packingorder-get", false).await;
    api.switch("packing-productpacking-get", false).await;
    let still = api.get(&format!("/packing/orderinfos/{packed}")).await;
    assert_eq!(
        (still.status, still.body["status"].as_str()),
        (200, Some("PACKED"))
    );
}
