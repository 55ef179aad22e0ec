//! DOMAINS.md §3, museum: one flow test per numbered requirement, over HTTP through the gateway.
#![allow(clippy::unwrap_used)]

mod support;

use serde_json::json;
use support::{MuseumSteps, eventually};

#[tokio::test]
async fn r01_the_museum_registers_an_exhibition_and_reads_it_back() {
    let api = support::start().await;
    let r = api
        .post(
            "/museum/museums",
            json!({ "hall": "Hall A", "date": "2026-12-24", "capacity": 30 }),
        )
        .await;
    assert_eq!(r.status, 201);
    let id = r.body["id"].as_str().unwrap();
    assert_eq!(
        r.location.as_deref(),
        Some(format!("/museum/museums/{id}").as_str())
    );
    assert_eq!(r.body["hall"], "Hall A");
    assert_eq!(r.body["date"], "2026-12-24");
    assert_eq!(r.body["capacity"], 30);
    assert_eq!(r.body["status"], "OPEN");

    let read = api.get(&format!("/museum/museums/{id}")).await;
    assert_eq!((read.status, &read.body), (200, &r.body));
    let list = api.get("/museum/museums").await;
    assert_eq!(list.body["items"][0]["id"], id);
    assert_eq!(list.body["nextCursor"], serde_json::Value::Null);
}

#[tokio::test]
async fn r02_a_user_books_one_seat_by_default() {
    let api = support::start().await;
    let museum = api.exhibition(5).await;
    let r = api
        .post(
            "/museum/books",
            json!({ "museumId": museum, "userId": "kim" }),
        )
        .await;
    assert_eq!(r.status, 201, "{:?}", r.body);
    let id = r.body["id"].as_str().unwrap();
    assert_eq!(
        r.location.as_deref(),
        Some(format!("/museum/books/{id}").as_str())
    );
    assert_eq!(
        (r.body["seats"].as_u64(), r.body["userId"].as_str()),
        (Some(1), Some("kim"))
    );
    assert_eq!(r.body["status"], "BOOKED");
    assert_eq!(
        api.get(&format!("/museum/books/{id}")).await.body["museumId"],
        museum.as_str()
    );
}

#[tokio::test]
async fn r03_booking_takes_seats_synchronously_and_never_below_zero() {
    let api = support::start().await;
    let museum = api.exhibition(3).await;
    api.book(&museum, "kim", 2).await;
    assert_eq!(
        api.capacity(&museum).await,
        1,
        "taken before the booking answered"
    );
    let r = api
        .post(
            "/museum/books",
            json!({ "museumId": museum, "userId": "lee", "seats": 2 }),
        )
        .await;
    r.assert_problem(409);
    assert!(
        r.body["detail"]
            .as_str()
            .unwrap()
            .contains("not enough seats"),
        "{:?}",
        r.body
    );
    assert_eq!(api.capacity(&museum).await, 1);
    api.book(&museum, "lee", 1).await;
    assert_eq!(api.capacity(&museum).await, 0);
    let unknown = api
        .post(
            "/museum/books",
            json!({ "museumId": "no-such-museum", "userId": "kim" }),
        )
        .await;
    unknown.assert_problem(404);
}

#[tokio::test]
async fn r03_museum_down_refuses_the_booking() {
    let api = support::start().await;
    let museum = api.exhibition(3).await;
    api.switch("museum-museum-reserve", false).await;
    let r = api
        .post(
            "/museum/books",
            json!({ "museumId": museum, "userId": "kim" }),
        )
        .await;
    r.assert_problem(503);
    assert!(r.retry_after.is_some());
    api.switch("museum-museum-reserve", true).await;
    tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    api.book(&museum, "kim", 1).await;
}

#[tokio::test]
async fn r04_r05_the_booking_completes_when_confirm_has_recorded_the_entry() {
    let api = support::start().await;
    let museum = api.exhibition(3).await;
    let booking = api.book(&museum, "kim", 1).await;
    let id = booking["id"].as_str().unwrap().to_owned();
    eventually("the booking is COMPLETED", || async {
        api.get(&format!("/museum/books/{id}")).await.body["status"] == "COMPLETED"
    })
    .await;
    let entry = api.get(&format!("/museum/confirms/{id}")).await;
    assert_eq!(
        (entry.status, entry.body["status"].as_str()),
        (200, Some("CONFIRMED"))
    );
    assert_eq!(entry.body["bookingId"], id.as_str());
    assert_eq!(
        api.get("/museum/confirms?userId=kim").await.body["items"]
            .as_array()
            .unwrap()
            .len(),
        1
    );
}

#[tokio::test]
async fn r06_a_user_cancels_by_delete_or_by_post() {
    let api = support::start().await;
    let museum = api.exhibition(3).await;
    let a = api.book(&museum, "kim", 1).await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let b = api.book(&museum, "kim", 1).await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let r = api.delete(&format!("/museum/books/{a}")).await;
    assert_eq!(
        (r.status, r.body["status"].as_str()),
        (200, Some("CANCELLED"))
    );
    let r = api
        .post(&format!("/museum/books/{b}/cancel"), json!({}))
        .await;
    assert_eq!(
        (r.status, r.body["status"].as_str()),
        (200, Some("CANCELLED"))
    );
    api.delete(&format!("/museum/books/{a}"))
        .await
        .assert_problem(409);
    api.delete("/museum/books/no-such-booking")
        .await
        .assert_problem(404);
}

#[tokio::test]
async fn r07_cancelled_seats_come_back_asynchronously() {
    let api = support::start().await;
    let museum = api.exhibition(3).await;
    let id = api.book(&museum, "kim", 2).await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_eq!(api.capacity(&museum).await, 1);
    api.delete(&format!("/museum/books/{id}")).await;
    eventually("the seats are back", || async {
        api.capacity(&museum).await == 3
    })
    .await;
    api.drained().await;
    assert_eq!(api.capacity(&museum).await, 3, "and only once");
}

#[tokio::test]
async fn r08_confirm_marks_the_entry_cancelled() {
    let api = support::start().await;
    let museum = api.exhibition(3).await;
    let id = api.book(&museum, "kim", 1).await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    api.drained().await;
    api.delete(&format!("/museum/books/{id}")).await;
    eventually("the entry is CANCELLED", || async {
        api.get(&format!("/museum/confirms/{id}")).await.body["status"] == "CANCELLED"
    })
    .await;
}

#[tokio::test]
async fn r09_the_museum_deletes_an_exhibition() {
    let api = support::start().await;
    let museum = api.exhibition(3).await;
    let r = api.delete(&format!("/museum/museums/{museum}")).await;
    assert_eq!(
        (r.status, r.body["status"].as_str()),
        (200, Some("DELETED"))
    );
    api.delete(&format!("/museum/museums/{museum}"))
        .await
        .assert_problem(409);
    let r = api
        .post(
            "/museum/books",
            json!({ "museumId": museum, "userId": "kim" }),
        )
        .await;
    r.assert_problem(409);
}

#[tokio::test]
async fn r10_deletion_force_cancels_every_booking_and_entry() {
    let api = support::start().await;
    let museum = api.exhibition(10).await;
    let other = api.exhibition(10).await;
    let mut ids = Vec::new();
    for user in ["kim", "lee", "park"] {
        ids.push(
            api.book(&museum, user, 2).await["id"]
                .as_str()
                .unwrap()
                .to_owned(),
        );
    }
    let cancelled = ids.pop().unwrap();
    api.delete(&format!("/museum/books/{cancelled}")).await;
    let untouched = api.book(&other, "kim", 1).await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    api.drained().await;

    api.delete(&format!("/museum/museums/{museum}")).await;
    api.drained().await;
    for id in &ids {
        assert_eq!(
            api.get(&format!("/museum/books/{id}")).await.body["status"],
            "FORCE_CANCELLED"
        );
        assert_eq!(
            api.get(&format!("/museum/confirms/{id}")).await.body["status"],
            "FORCE_CANCELLED"
        );
    }
    assert_eq!(
        api.get(&format!("/museum/books/{cancelled}")).await.body["status"],
        "CANCELLED"
    );
    assert_eq!(
        api.get(&format!("/museum/books/{untouched}")).await.body["status"],
        "COMPLETED"
    );
    assert_eq!(
        api.capacity(&museum).await,
        10,
        "every seat back in the deleted exhibition's books"
    );
}

#[tokio::test]
async fn r11_the_user_sees_their_bookings_with_booking_and_entry_status() {
    let api = support::start().await;
    let museum = api.exhibition(10).await;
    let first = api.book(&museum, "kim", 2).await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let second = api.book(&museum, "kim", 1).await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    api.book(&museum, "lee", 1).await;
    api.delete(&format!("/museum/books/{second}")).await;
    api.drained().await;

    let page = api.get("/museum/myPages?userId=kim").await;
    assert_eq!(page.status, 200);
    let items = page.body["items"].as_array().unwrap();
    assert_eq!(items.len(), 2, "only kim's: {items:?}");
    assert_eq!(items[0]["id"], second.as_str(), "newest first");
    assert_eq!(
        (
            items[0]["bookingStatus"].as_str(),
            items[0]["entryStatus"].as_str()
        ),
        (Some("CANCELLED"), Some("CANCELLED"))
    );
    assert_eq!(items[1]["id"], first.as_str());
    assert_eq!(
        (
            items[1]["bookingStatus"].as_str(),
            items[1]["entryStatus"].as_str()
        ),
        (Some("COMPLETED"), Some("CONFIRMED"))
    );
    assert_eq!(
        (
            items[1]["hall"].as_str(),
            items[1]["date"].as_str(),
            items[1]["seats"].as_u64()
        ),
        (Some("Hall A"), Some("2026-12-24"), Some(2))
    );

    let one = api.get("/museum/myPages?userId=kim&limit=1").await;
    assert_eq!(one.body["items"].as_array().unwrap().len(), 1);
    let cursor = one.body["nextCursor"].as_str().unwrap();
    let next = api
        .get(&format!(
            "/museum/myPages?userId=kim&limit=1&cursor={cursor}"
        ))
        .await;
    assert_eq!(next.body["items"][0]["id"], first.as_str());
    assert_eq!(next.body["nextCursor"], serde_json::Value::Null);
    assert_eq!(
        api.get(&format!("/museum/myPages/{first}")).await.body["bookingStatus"],
        "COMPLETED"
    );
    api.get("/museum/myPages").await.assert_problem(400);
}

#[tokio::test]
async fn r11_mypage_reads_only_its_own_view() {
    let api = support::start().await;
    let museum = api.exhibition(10).await;
    api.book(&museum, "kim", 1).await;
    api.drained().await;
    for source in [
        "museum-museum-get",
        "museum-museum-list",
        "museum-book-get",
        "museum-book-list",
        "museum-confirm-get",
        "museum-confirm-list",
    ] {
        api.switch(source, false).await;
    }
    let page = api.get("/museum/myPages?userId=kim").await;
    assert_eq!(page.status, 200);
    assert_eq!(page.body["items"][0]["bookingStatus"], "COMPLETED");
}

#[tokio::test]
async fn entry_confirmation_down_bookings_are_still_taken_and_complete_when_it_is_back() {
    let api = support::start().await;
    let museum = api.exhibition(10).await;
    api.switch("museum-confirm-on-booked", false).await;
    let mut ids = Vec::new();
    for user in ["kim", "lee", "park", "choi"] {
        ids.push(
            api.book(&museum, user, 1).await["id"]
                .as_str()
                .unwrap()
                .to_owned(),
        );
    }
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    for id in &ids {
        assert_eq!(
            api.get(&format!("/museum/books/{id}")).await.body["status"],
            "BOOKED",
            "no confirmation yet"
        );
    }
    let subs = api.get("/admin/subscriptions").await.body;
    let confirm = subs
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["function"] == "museum-confirm-on-booked")
        .unwrap();
    assert_eq!(confirm["pending"], 4, "its queue grew");

    api.switch("museum-confirm-on-booked", true).await;
    api.drained().await;
    for id in &ids {
        assert_eq!(
            api.get(&format!("/museum/books/{id}")).await.body["status"],
            "COMPLETED"
        );
    }
}
