//! Internal functions on AWS: no route on the API; their callers invoke them with `lambda:Invoke`
//! (here an emulated Invoke API that hands the payload to the real handler in process), through
//! the kernel's `Caller` with its timeout and breaker.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use bytes::Bytes;
use kernel::{AppError, Call, ContextId, Platform};
use lambda::{AwsPlatform, Settings, platform::LAMBDA_ENDPOINT};
use support::museum::Museum;

const BOOK: ContextId = ContextId::new("museum", "book");
const MUSEUM: ContextId = ContextId::new("museum", "museum");

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_booking_invokes_the_reservation_and_a_refusal_passes_through() {
    let m = Museum::start().await;
    let museum = m.exhibition(2).await;
    let (public, _) = m
        .call(
            reqwest::Method::POST,
            &format!("/museum/museums/{museum}/reservations"),
            Some(serde_json::json!({ "bookingId": "01KABOOKING000000000000009", "seats": 1 })),
        )
        .await;
    assert_eq!(public, 404, "an internal function has no route on the API");

    let (status, booking) = m.book(&museum, "kim", 2).await;
    assert_eq!(status, 201, "{booking}");
    assert_eq!(booking["seats"], 2, "the seats museum's answer carried");
    assert_eq!(m.invoke.calls("museum-museum-reserve"), 1);
    assert_eq!(m.capacity(&museum).await, 0);

    let (status, problem) = m.book(&museum, "lee", 1).await;
    assert_eq!(status, 409, "museum's 409 reaches the client: {problem}");
    assert_eq!(m.invoke.calls("museum-museum-reserve"), 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_failing_callee_is_503_and_its_breaker_stops_the_calls() {
    let m = Museum::start().await;
    let museum = m.exhibition(5).await;
    m.invoke.down("museum-museum-reserve");
    let mut statuses = Vec::new();
    for user in ["a", "b", "c", "d", "e", "f", "g"] {
        statuses.push(m.book(&museum, user, 1).await.0);
    }
    assert!(statuses.iter().all(|s| *s == 503), "{statuses:?}");
    let invoked = m.invoke.calls("museum-museum-reserve");
    assert!(
        (1..7).contains(&invoked),
        "the breaker opened after {invoked} failed invocations and refused the rest without one"
    );
    m.invoke.up("museum-museum-reserve");
    assert_eq!(m.capacity(&museum).await, 5, "nothing was taken");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_route_not_in_the_callers_routes_is_refused_without_a_call() {
    let m = Museum::start().await;
    let book = m
        .stack
        .function("museum-book-create")
        .unwrap()
        .environment
        .clone();
    let mut settings: Vec<(String, String)> = book.into_iter().collect();
    settings.push((LAMBDA_ENDPOINT.to_owned(), m.invoke.url.clone()));
    let platform = AwsPlatform::new(m._moto.config(), Settings::from_pairs(settings)).unwrap();
    let caller = platform.caller(BOOK, MUSEUM).unwrap();
    for (method, path) in [
        ("GET", "/museum/museums/m1"),
        ("DELETE", "/museum/museums/m1"),
        ("GET", "/museum/books/b1/standing"),
    ] {
        let request = http::Request::builder()
            .method(method)
            .uri(path)
            .body(Bytes::new())
            .unwrap();
        let refused = caller.call(request, &Call::new(None)).await;
        assert!(
            matches!(refused, Err(AppError::Unavailable { .. })),
            "{method} {path}: {refused:?}"
        );
    }
    let total: u64 = m
        .functions
        .iter()
        .map(|f| m.invoke.calls(f.info.name))
        .sum();
    assert_eq!(total, 0, "no function was invoked");
}
