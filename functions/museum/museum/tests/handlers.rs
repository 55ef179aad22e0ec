//! museum's seat handlers below HTTP: in-memory store, book's answers faked. A release proves its
//! right by book's own record; seats never go below zero; a cancellation delivered twice returns
//! the seats once.
#![allow(clippy::unwrap_used)]

use std::{
    sync::{Arc, Mutex},
    time::Duration,
};

use async_trait::async_trait;
use kernel::{
    AppError, Call, Envelope, Repo,
    clock::FixedClock,
    ids::Sequence,
    input::{Json, Path},
    validate::{Count, Date, Id, Text},
};
use museum_events::BookCancelled;
use museum_museum::{
    Deps,
    domain::{ReservationStatus, ReturnReason, Seats},
    on_book_cancelled::on_book_cancelled,
    register::{RegisterMuseum, register},
    release_orphans::{Bookings, Standing},
    reserve::{ReservationRef, ReserveSeats, release, reserve},
};
use testkit::MemoryStore;

/// What book answers about each booking.
struct FakeBook(Mutex<Standing>);

#[async_trait]
impl Bookings for FakeBook {
    async fn standing(&self, _: &str, _: &Call) -> Result<Standing, AppError> {
        Ok(*self.0.lock().unwrap())
    }
}

struct World {
    deps: Deps,
    book: Arc<FakeBook>,
    cx: Call,
    museum: String,
}

async fn world(capacity: i64) -> World {
    let store = MemoryStore::new("museum/museum");
    let book = Arc::new(FakeBook(Mutex::new(Standing::NeverRecorded)));
    let deps = Deps {
        museums: Repo::new(store.clone()),
        seats: Repo::new(store.clone()),
        reservations: Repo::new(store),
        bookings: book.clone(),
        hold: Duration::from_secs(60),
    };
    let cx = Call::with(None, FixedClock::standard(), Sequence::new("m"));
    let registered = register(
        &deps,
        Json(RegisterMuseum {
            hall: Text::parse("hall", "Hall A").unwrap(),
            date: Date::parse("date", "2026-12-24").unwrap(),
            capacity: Count::parse("capacity", capacity).unwrap(),
        }),
        &cx,
    )
    .await
    .unwrap();
    World {
        museum: registered.body.id,
        deps,
        book,
        cx,
    }
}

impl World {
    async fn take(&self, booking: &str, seats: i64) -> Result<u32, AppError> {
        let cmd = ReserveSeats {
            booking_id: Id::parse("bookingId", booking).unwrap(),
            seats: Count::parse("seats", seats).unwrap(),
        };
        let id = Id::parse("id", &self.museum).unwrap();
        reserve(&self.deps, (id, Json(cmd)), &self.cx).await?;
        Ok(self.capacity().await)
    }

    async fn release(&self, museum: &str, booking: &str) -> Result<ReservationStatus, AppError> {
        let r = ReservationRef {
            id: Id::parse("id", museum).unwrap(),
            booking_id: Id::parse("bookingId", booking).unwrap(),
        };
        Ok(release(&self.deps, Path(r), &self.cx).await?.0.status)
    }

    async fn capacity(&self) -> u32 {
        let seats: Seats = self.deps.seats.find(&self.museum).await.unwrap().doc;
        seats.free as u32
    }
}

#[tokio::test]
async fn seats_are_taken_once_per_booking_and_never_below_zero() {
    let w = world(3).await;
    assert_eq!(w.take("b1", 2).await.unwrap(), 1);
    assert_eq!(
        w.take("b1", 2).await.unwrap(),
        1,
        "the same booking again takes nothing"
    );
    assert_eq!(
        w.take("b1", 1).await.unwrap_err().status(),
        409,
        "other seats for the same booking"
    );
    assert_eq!(w.take("b2", 2).await.unwrap_err().status(), 409);
    assert_eq!(w.capacity().await, 1);
}

#[tokio::test]
async fn a_release_of_a_booking_book_recorded_gives_nothing_back() {
    let w = world(3).await;
    w.take("b1", 2).await.unwrap();
    *w.book.0.lock().unwrap() = Standing::Live;
    assert_eq!(
        w.release(&w.museum.clone(), "b1")
            .await
            .unwrap_err()
            .status(),
        409
    );
    assert_eq!(w.capacity().await, 1);
}

#[tokio::test]
async fn a_release_names_the_right_exhibition_before_anything_changes() {
    let w = world(3).await;
    w.take("b1", 2).await.unwrap();
    assert_eq!(w.release("another", "b1").await.unwrap_err().status(), 404);
    assert_eq!(w.capacity().await, 1);
}

#[tokio::test]
async fn seats_of_a_booking_book_never_recorded_come_back_once() {
    let w = world(3).await;
    w.take("b1", 2).await.unwrap();
    let museum = w.museum.clone();
    assert_eq!(
        w.release(&museum, "b1").await.unwrap(),
        ReservationStatus::Returned
    );
    assert_eq!(
        w.release(&museum, "b1").await.unwrap(),
        ReservationStatus::Returned
    );
    assert_eq!(w.capacity().await, 3);
}

#[tokio::test]
async fn a_cancellation_delivered_twice_returns_the_seats_once() {
    let w = world(3).await;
    w.take("b1", 2).await.unwrap();
    #[derive(serde::Serialize)]
    #[serde(tag = "eventType", content = "payload")]
    enum BookEvent {
        BookCancelled(BookCancelled),
    }
    let cancelled = Envelope::record(
        "museum/book",
        "Booking",
        "b1",
        2,
        &BookEvent::BookCancelled(BookCancelled {
            booking_id: "b1".into(),
            museum_id: w.museum.clone(),
            user_id: "kim".into(),
            seats: 2,
        }),
        &w.cx,
    )
    .unwrap();
    let cx = w.cx.clone().handling(&cancelled);
    on_book_cancelled(&w.deps, cancelled.clone(), &cx)
        .await
        .unwrap();
    on_book_cancelled(&w.deps, cancelled, &cx).await.unwrap();
    assert_eq!(w.capacity().await, 3);
    let seats = w.deps.reservations.find("b1").await.unwrap().doc;
    assert_eq!(seats.returned_because, Some(ReturnReason::BookingCancelled));
    // Nothing comes back twice, whatever asks next.
    let museum = w.museum.clone();
    assert_eq!(
        w.release(&museum, "b1").await.unwrap(),
        ReservationStatus::Returned
    );
    assert_eq!(w.capacity().await, 3);
}
