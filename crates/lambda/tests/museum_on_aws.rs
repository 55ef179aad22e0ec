//! The museum system on AWS's wire protocols, end to end: every function bound on the AWS
//! platform against moto, whose tables, topics, queues and subscriptions are created from
//! `infra/museum.yaml` itself; public routes through an emulated API Gateway, book's synchronous
//! call to museum's internal function through `lambda:Invoke` (an emulated Invoke API); events
//! through DynamoDB Streams → publisher → SNS FIFO → SQS FIFO → handler, polled the way Lambda's
//! event source mappings poll them.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use lambda::{emulator::receive_event, entry::events::handle_batch, publisher::publish_batch};
use support::museum::{Museum, body_of, diff};

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn the_museum_flow_runs_on_dynamodb_streams_sns_and_sqs() {
    let mut m = Museum::start().await;
    let museum = m.exhibition(10).await;
    m.pump().await;

    // One booking, measured: what it costs on AWS, request by request.
    let (api_before, aws_before) = (m.api.requests(), m.counts.snapshot());
    let invokes_before = m.invoke.calls("museum-museum-reserve");
    let (status, booking) = m.book(&museum, "kim", 2).await;
    assert_eq!(status, 201, "{booking}");
    let id = booking["id"].as_str().unwrap().to_owned();
    assert_eq!(booking["status"], "BOOKED");
    let pumped = m.pump().await;
    let aws = diff(&m.counts.snapshot(), &aws_before);
    let invokes = m.invoke.calls("museum-museum-reserve") - invokes_before;
    println!(
        "one booking, from POST /books to COMPLETED in myPages: {} API Gateway request, {invokes} Lambda Invoke, {} publisher and {} handler invocations, AWS requests {aws:#?}",
        m.api.requests() - api_before,
        pumped.publisher_invocations,
        pumped.handler_invocations
    );
    assert_eq!(m.api.requests() - api_before, 1, "POST /books");
    assert_eq!(
        invokes, 1,
        "its synchronous call invokes museum-museum-reserve directly"
    );

    assert_eq!(
        m.get(&format!("/museum/books/{id}")).await["status"],
        "COMPLETED"
    );
    assert_eq!(
        m.get(&format!("/museum/confirms/{id}")).await["status"],
        "CONFIRMED"
    );
    let page = m.get("/museum/myPages?userId=kim").await;
    assert_eq!(page["items"][0]["bookingStatus"], "COMPLETED");
    assert_eq!(page["items"][0]["entryStatus"], "CONFIRMED");
    assert_eq!(page["items"][0]["hall"], "Hall A");
    assert_eq!(m.capacity(&museum).await, 8);

    let (status, _) = m
        .call(
            reqwest::Method::DELETE,
            &format!("/museum/books/{id}"),
            None,
        )
        .await;
    assert_eq!(status, 200);
    m.pump().await;
    assert_eq!(
        m.capacity(&museum).await,
        10,
        "the seats came back through the queue"
    );
    assert_eq!(
        m.get(&format!("/museum/confirms/{id}")).await["status"],
        "CANCELLED"
    );
    assert_eq!(
        m.get("/museum/myPages?userId=kim").await["items"][0]["bookingStatus"],
        "CANCELLED"
    );

    let (_, kept) = m.book(&museum, "lee", 1).await;
    let kept = kept["id"].as_str().unwrap().to_owned();
    m.pump().await;
    let (status, _) = m
        .call(
            reqwest::Method::DELETE,
            &format!("/museum/museums/{museum}"),
            None,
        )
        .await;
    assert_eq!(status, 200);
    m.pump().await;
    assert_eq!(
        m.get(&format!("/museum/books/{kept}")).await["status"],
        "FORCE_CANCELLED"
    );
    assert_eq!(
        m.get(&format!("/museum/confirms/{kept}")).await["status"],
        "FORCE_CANCELLED"
    );
    assert_eq!(m.capacity(&museum).await, 10);
    for q in &m.queues {
        let dead = receive_event(&m.sqs, &q.dead_letters).await.unwrap();
        assert!(dead.records.is_empty(), "{} has dead letters", q.name);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_concurrent_bookings_for_the_last_seat_meet_the_conditional_write() {
    let mut m = Museum::start().await;
    let museum = m.exhibition(1).await;
    let (a, b) = tokio::join!(m.book(&museum, "kim", 1), m.book(&museum, "lee", 1));
    let mut statuses = [a.0, b.0];
    statuses.sort_unstable();
    assert_eq!(statuses, [201, 409], "{a:?} {b:?}");
    assert_eq!(m.capacity(&museum).await, 0);
    m.pump().await;
    let booked = m.get(&format!("/museum/books?museumId={museum}")).await;
    assert_eq!(booked["items"].as_array().unwrap().len(), 1);
    assert!(
        m.counts
            .snapshot()
            .contains_key("DynamoDB.TransactWriteItems")
    );
}

/// A popular exhibition on DynamoDB: the seats counter is taken by a conditional decrement, so a
/// crowd gets a seat or a 409 once sold out — never a 503 from retries on each other's writes.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_crowd_booking_one_exhibition_gets_seats_until_sold_out_then_409() {
    let m = Museum::start().await;
    let museum = m.exhibition(10).await;
    let answers = futures::future::join_all((0..24).map(|i| {
        let (m, museum) = (&m, &museum);
        async move { m.book(museum, &format!("fan{i}"), 1).await.0 }
    }))
    .await;
    let count = |status| answers.iter().filter(|s| **s == status).count();
    assert_eq!((count(201), count(409)), (10, 14), "{answers:?}");
    assert_eq!(m.capacity(&museum).await, 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_book_cancelled_delivered_twice_returns_the_seats_once() {
    let mut m = Museum::start().await;
    let museum = m.exhibition(5).await;
    let (_, booking) = m.book(&museum, "kim", 3).await;
    let id = booking["id"].as_str().unwrap().to_owned();
    m.pump().await;
    m.call(
        reqwest::Method::DELETE,
        &format!("/museum/books/{id}"),
        None,
    )
    .await;
    // Publish the cancellation, then take its message for museum's handler by hand.
    for stream in &mut m.deployment.streams {
        let publisher = &stream.publisher;
        stream
            .mapping
            .poll(|batch| publish_batch(publisher, batch))
            .await
            .unwrap();
    }
    let queue = m.queue("museum-museum-on-book-cancelled");
    let event = receive_event(&m.sqs, &queue.url).await.unwrap();
    assert_eq!(body_of(&event, 0).event_type, "BookCancelled");
    // Lambda ran it, then timed out before deleting it: SQS delivers it again.
    for _ in 0..2 {
        let response = handle_batch(queue.name, &queue.invoke, event.clone()).await;
        assert!(response.batch_item_failures.is_empty());
    }
    m.pump().await;
    assert_eq!(m.capacity(&museum).await, 5, "returned once, not twice");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_partial_batch_failure_is_redelivered_and_the_rest_of_the_batch_is_kept() {
    let mut m = Museum::start().await;
    let museum = m.exhibition(5).await;
    let (_, first) = m.book(&museum, "kim", 1).await;
    let (_, second) = m.book(&museum, "lee", 1).await;
    let first = first["id"].as_str().unwrap().to_owned();
    let failing = first.clone();
    let mut failed_once = false;
    m.fail("museum-mypage-on-booking", move |e| {
        let fail = e.aggregate_id == failing && !failed_once;
        failed_once |= fail;
        fail
    });
    let pumped = m.pump().await;
    assert!(
        pumped.failures >= 1,
        "the first delivery of kim's Booked failed: {pumped:?}"
    );
    m.heal("museum-mypage-on-booking");
    for (user, id) in [
        ("kim", first.as_str()),
        ("lee", second["id"].as_str().unwrap()),
    ] {
        let page = m.get(&format!("/museum/myPages?userId={user}")).await;
        assert_eq!(page["items"][0]["id"], id, "{user}: {page}");
        assert_eq!(
            page["items"][0]["bookingStatus"], "COMPLETED",
            "{user}: {page}"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn an_event_that_keeps_failing_lands_in_the_dead_letter_queue_and_is_redriven() {
    let mut m = Museum::start().await;
    let museum = m.exhibition(5).await;
    let (_, booking) = m.book(&museum, "kim", 1).await;
    let id = booking["id"].as_str().unwrap().to_owned();
    m.fail("museum-confirm-on-booked", |_| true);
    m.pump().await;
    assert_eq!(
        m.get(&format!("/museum/books/{id}")).await["status"],
        "BOOKED",
        "never confirmed"
    );

    let queue = m.queue("museum-confirm-on-booked");
    let dead = receive_event(&m.sqs, &queue.dead_letters).await.unwrap();
    assert_eq!(
        dead.records.len(),
        1,
        "after maxReceiveCount (5) receives it moved to the DLQ"
    );
    let letter = body_of(&dead, 0);
    assert_eq!(
        (letter.event_type.as_str(), letter.aggregate_id.as_str()),
        ("Booked", id.as_str())
    );
    let receives: u32 = dead.records[0].attributes["ApproximateReceiveCount"]
        .parse()
        .unwrap();
    assert!(receives > 5, "received {receives} times");

    // Redrive (moto does not serve StartMessageMoveTask): back to the source queue, in its group.
    m.heal("museum-confirm-on-booked");
    let record = &dead.records[0];
    m.sqs
        .send_message()
        .queue_url(&queue.url)
        .message_body(record.body.clone().unwrap())
        .message_group_id(record.attributes["MessageGroupId"].clone())
        .message_deduplication_id(format!("{}-redrive", letter.event_id))
        .send()
        .await
        .unwrap();
    m.sqs
        .delete_message()
        .queue_url(&queue.dead_letters)
        .receipt_handle(record.receipt_handle.clone().unwrap())
        .send()
        .await
        .unwrap();
    m.pump().await;
    assert_eq!(
        m.get(&format!("/museum/books/{id}")).await["status"],
        "COMPLETED"
    );
}
