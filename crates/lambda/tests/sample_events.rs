//! Every sample event in `events/museum/` (what `sam local invoke -e` and `cargo lambda invoke
//! --data-file` feed a function) goes through its Lambda's entry point in process — API Gateway
//! v2 requests, SQS FIFO batches, DynamoDB stream batches, schedules — against the museum's tables
//! in moto, seeded with the exhibition and the booking the samples name.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use std::path::PathBuf;

use aws_lambda_events::event::{dynamodb::Event as StreamEvent, sqs::SqsEvent};
use kernel::{Decide, Repo, Tx, aggregate, function::Invoke};
use lambda::{
    entry::{events::handle_batch, http, schedule::handle_tick},
    publisher::publish_batch,
};
use museum_book::domain::{Booking, BookingCmd, SeatsTaken};
use museum_confirm::domain::{Entry, EntryCmd};
use museum_museum::domain::{Museum as Exhibition, MuseumCmd, Reservation, ReservationStatus};
use museum_mypage::view::MyPage;
use support::museum::Museum;

const MUSEUM_ID: &str = "01KAMUSEUM0000000000000001";
const BOOKING_ID: &str = "01KABOOKING000000000000001";

/// The exhibition and the booking the samples refer to, as the flow would have left them.
async fn seed(m: &Museum) {
    let cx = kernel::Call::new(None);
    let exhibitions = Repo::<Exhibition>::new(m.stores["museum"].clone());
    let register = MuseumCmd::Register {
        id: MUSEUM_ID.into(),
        hall: "Hall A".into(),
        date: "2026-12-24".into(),
        capacity: 30,
    };
    let events = Exhibition::default().decide(register).unwrap();
    let mut tx = Tx::new();
    let reservation = Reservation {
        id: BOOKING_ID.into(),
        museum_id: MUSEUM_ID.into(),
        seats: 2,
        status: ReservationStatus::Booked,
        held_at: 0,
        returned_because: None,
    };
    tx.put(&reservation, 0).unwrap();
    aggregate::create(&exhibitions, tx, events, &cx)
        .await
        .unwrap();

    let bookings = Repo::<Booking>::new(m.stores["book"].clone());
    let book = BookingCmd::Book {
        id: BOOKING_ID.into(),
        museum_id: MUSEUM_ID.into(),
        user_id: "kim".into(),
        taken: SeatsTaken {
            seats: 2,
            hall: "Hall A".into(),
            date: "2026-12-24".into(),
        },
    };
    let events = Booking::default().decide(book).unwrap();
    let booked = aggregate::create(&bookings, Tx::new(), events, &cx)
        .await
        .unwrap();

    let entries = Repo::<Entry>::new(m.stores["confirm"].clone());
    let entry = Entry::of(BOOKING_ID, "kim");
    let events = entry.decide(false, EntryCmd::Confirm);
    aggregate::create(&entries, Tx::new(), events, &cx)
        .await
        .unwrap();

    let row = MyPage::default().project(&booked.events[0]).unwrap();
    let mut tx = Tx::new();
    tx.put(&row, 0).unwrap();
    m.stores["mypage"].commit(tx.into_inner()).await.unwrap();
}

fn samples() -> Vec<(String, String)> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../events/museum");
    let mut files: Vec<(String, String)> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "json"))
        .map(|p| {
            (
                p.file_stem().unwrap().to_string_lossy().into_owned(),
                std::fs::read_to_string(&p).unwrap(),
            )
        })
        .collect();
    files.sort();
    files
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn every_sample_event_runs_through_its_lambda_entry() {
    let mut m = Museum::start().await;
    seed(&m).await;
    let samples = samples();
    assert!(samples.len() >= m.functions.len(), "a sample per function");
    // Requests first, those that cancel and delete last among them, then events: each sample
    // finds what it names.
    let destructive = ["museum-book-cancel", "museum-museum-delete"];
    let rank = |name: &str, json: &str| match () {
        _ if destructive.contains(&name) => 1,
        _ if json.contains("\"routeKey\"") => 0,
        _ => 2,
    };
    let mut ordered = samples;
    ordered.sort_by_key(|(name, json)| rank(name, json));

    for (name, json) in ordered {
        if let Some(context) = name.strip_suffix("-publisher") {
            let context = context.strip_prefix("museum-").unwrap();
            let event: StreamEvent = serde_json::from_str(&json).unwrap();
            assert!(!event.records.is_empty(), "{name}: an empty stream batch");
            let stream = m
                .streams
                .iter()
                .find(|s| s.context.name == context)
                .unwrap();
            let response = publish_batch(&stream.publisher, event).await;
            assert!(
                response.batch_item_failures.is_empty(),
                "{name}: {:?}",
                response.batch_item_failures
            );
            continue;
        }
        let function = m
            .functions
            .iter()
            .find(|f| f.info.name == name)
            .unwrap_or_else(|| panic!("{name}.json names no function"));
        match &function.invoke {
            Invoke::Http(invoke) => {
                let request =
                    lambda_http::request::from_str(&json).unwrap_or_else(|e| panic!("{name}: {e}"));
                let response = http::handle(function.info.name, invoke, request).await;
                let status = response.status().as_u16();
                assert!(
                    status < 500,
                    "{name} answered {status}: {:?}",
                    response.body()
                );
                assert_eq!(
                    response.headers()["x-correlation-id"],
                    format!("sample-{name}").as_str()
                );
                let expected = match name.as_str() {
                    "museum-museum-register" | "museum-book-create" => 201,
                    "museum-museum-reserve" => 201,
                    // The sample's booking is recorded, so museum refuses to release its seats.
                    "museum-museum-release" => 409,
                    _ => 200,
                };
                assert_eq!(status, expected, "{name}: {:?}", response.body());
            }
            Invoke::Event(invoke) => {
                let batch: SqsEvent =
                    serde_json::from_str(&json).unwrap_or_else(|e| panic!("{name}: {e}"));
                assert!(!batch.records.is_empty(), "{name}: an empty batch");
                let response = handle_batch(function.info.name, invoke, batch).await;
                assert!(
                    response.batch_item_failures.is_empty(),
                    "{name}: {:?}",
                    response.batch_item_failures
                );
            }
            Invoke::Tick(invoke) => {
                let event: serde_json::Value = serde_json::from_str(&json).unwrap();
                handle_tick(function.info.name, invoke, &event)
                    .await
                    .unwrap_or_else(|e| panic!("{name}: {e}"));
            }
        }
    }
    // What the publishers put on the topics reached the subscribed queues.
    let pumped = m.pump().await;
    assert!(pumped.handler_invocations > 0);
}
