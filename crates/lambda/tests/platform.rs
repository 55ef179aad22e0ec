//! The AWS platform built from a Lambda's environment: the store on TABLE_NAME, the notifier on
//! NOTIFY_TOPIC_ARN, and callers through `lambda:Invoke` on INTERNAL_ROUTES whose breaker lives in
//! the table.
#![allow(clippy::unwrap_used)] // helpers outside #[test] fns panic on purpose

mod common;

use std::sync::{
    Arc,
    atomic::{AtomicUsize, Ordering},
};

use axum::{Router, http::StatusCode, routing::any};
use bytes::Bytes;
use kernel::{
    AppError, Call, ContextId, Platform,
    platform::Notification,
    store::{Keys, Put, Record, Transaction},
};
use lambda::{AwsPlatform, Settings, emulator::receive_event};

const MUSEUM: ContextId = ContextId::new("museum", "museum");
const ROUTES: &str = r#"[{"context":"museum/museum","method":"POST","path":"/museum/museums/{id}/reservations","function":"arn:aws:lambda:us-east-1:123456789012:function:t-museum-museum-reserve:live"}]"#;

/// A stand-in for Lambda's Invoke API whose function always fails (`X-Amz-Function-Error`),
/// counting the invocations it got.
async fn failing_invoke_api() -> (String, Arc<AtomicUsize>) {
    let calls = Arc::new(AtomicUsize::new(0));
    let counter = calls.clone();
    let app = Router::new().fallback(any(move || {
        let counter = counter.clone();
        async move {
            counter.fetch_add(1, Ordering::SeqCst);
            (
                StatusCode::OK,
                [("x-amz-function-error", "Unhandled")],
                r#"{"errorType":"Runtime.ExitError","errorMessage":"crashed"}"#,
            )
        }
    }));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await });
    (base, calls)
}

fn platform(moto: &lambda::emulator::Moto, settings: &[(&str, &str)]) -> AwsPlatform {
    AwsPlatform::new(
        moto.config(),
        Settings::from_pairs(settings.iter().copied()),
    )
    .unwrap()
}

#[tokio::test]
async fn each_port_works_from_the_environment() {
    let (moto, stack) = common::context().await;
    let table = common::table(&stack);
    let platform = platform(
        &moto,
        &[
            ("TABLE_NAME", table.as_str()),
            (
                "NOTIFY_TOPIC_ARN",
                stack.reference("NotificationsTopic").unwrap(),
            ),
        ],
    );

    let store = platform.store(common::CONTEXT).unwrap();
    let record = Record {
        kind: "Booking".into(),
        id: "b1".into(),
        version: 1,
        body: serde_json::json!({}),
        keys: Keys::default(),
    };
    let tx = Transaction {
        puts: vec![Put {
            record: record.clone(),
            expected: 0,
        }],
        ..Transaction::default()
    };
    store.commit(tx).await.unwrap();
    assert_eq!(store.get("Booking", "b1").await.unwrap(), Some(record));

    let notification = Notification {
        channel: "kakao".into(),
        recipient: "user-1".into(),
        text: "Your booking is confirmed".into(),
        data: serde_json::json!({ "bookingId": "b1" }),
    };
    platform
        .notifier(common::CONTEXT)
        .unwrap()
        .notify(notification.clone())
        .await
        .unwrap();
    let inbox = receive_event(&moto.sqs(), stack.reference("NotificationsInbox").unwrap())
        .await
        .unwrap();
    assert_eq!(inbox.records.len(), 1);
    let message = &inbox.records[0];
    let body: serde_json::Value = serde_json::from_str(message.body.as_deref().unwrap()).unwrap();
    assert_eq!(body, serde_json::to_value(&notification).unwrap());
    assert_eq!(
        message.message_attributes["channel"]
            .string_value
            .as_deref(),
        Some("kakao")
    );
    assert_eq!(
        message.message_attributes["recipient"]
            .string_value
            .as_deref(),
        Some("user-1")
    );
}

#[tokio::test]
async fn a_failing_dependency_is_refused_fast_once_its_breaker_opens() {
    let (moto, stack) = common::context().await;
    let (base, calls) = failing_invoke_api().await;
    let table = common::table(&stack);
    let settings = [
        ("TABLE_NAME", table.as_str()),
        ("INTERNAL_ROUTES", ROUTES),
        ("AWS_ENDPOINT_URL_LAMBDA", base.as_str()),
        ("BREAKER_FAILURES", "2"),
        ("BREAKER_OPEN_MS", "60000"),
        ("SYNC_TIMEOUT_MS", "2000"),
    ];
    let call = |caller: kernel::sync::Caller| async move {
        let request = http::Request::builder()
            .method("POST")
            .uri("/museum/museums/m1/reservations")
            .body(Bytes::new())
            .unwrap();
        caller.call(request, &Call::new(None)).await
    };

    let first_instance = platform(&moto, &settings);
    let caller = first_instance.caller(common::CONTEXT, MUSEUM).unwrap();
    for _ in 0..2 {
        assert!(matches!(
            call(caller.clone()).await,
            Err(AppError::Unavailable { .. })
        ));
    }
    assert_eq!(calls.load(Ordering::SeqCst), 2);

    // Another instance of the function reads the same breaker from the table.
    let second_instance = platform(&moto, &settings);
    let refused = call(second_instance.caller(common::CONTEXT, MUSEUM).unwrap()).await;
    match refused {
        Err(AppError::Unavailable { dep, retry_after }) => {
            assert_eq!(dep, "museum/museum");
            assert!(
                retry_after > 1,
                "retry after the breaker's open time, got {retry_after}"
            );
        }
        other => panic!("expected a fast 503, got {other:?}"),
    }
    assert_eq!(
        calls.load(Ordering::SeqCst),
        2,
        "the open breaker made no call"
    );
}
