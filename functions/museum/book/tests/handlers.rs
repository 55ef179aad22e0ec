//! book's handlers below HTTP: in-memory store, a fake museum, a fixed clock and predictable ids.
//! What a booking records, and what it gives back when it cannot record.
#![allow(clippy::unwrap_used)]

use std::{
    sync::{Arc, Mutex},
    time::Duration,
};

use async_trait::async_trait;
use kernel::{
    AppError, Call, Repo, Tx,
    clock::FixedClock,
    ids::Sequence,
    input::Json,
    validate::{Count, Id},
};
use museum_book::{
    Deps,
    create::{CreateBooking, create},
    domain::{MuseumClosure, SeatsTaken},
    museum_seats::MuseumSeats,
};
use testkit::MemoryStore;

/// Museum as book sees it: gives seats (or the error it was told to), records every call, and
/// can make the call take longer than the clock allows.
#[derive(Default)]
struct FakeMuseum {
    refuse: Option<fn() -> AppError>,
    takes: Option<(Arc<FixedClock>, Duration)>,
    released: Mutex<Vec<String>>,
}

#[async_trait]
impl MuseumSeats for FakeMuseum {
    async fn take(&self, _: &str, _: &str, seats: u32, _: &Call) -> Result<SeatsTaken, AppError> {
        if let Some(refuse) = self.refuse {
            return Err(refuse());
        }
        if let Some((clock, by)) = &self.takes {
            clock.advance(*by);
        }
        Ok(SeatsTaken {
            seats,
            hall: "Hall A".into(),
            date: "2026-12-24".into(),
        })
    }

    async fn release(&self, booking_id: &str, _: &str, _: &Call) -> Result<(), AppError> {
        self.released.lock().unwrap().push(booking_id.to_owned());
        Ok(())
    }
}

struct World {
    deps: Deps,
    store: Arc<MemoryStore>,
    museum: Arc<FakeMuseum>,
    cx: Call,
}

fn world(museum: FakeMuseum, clock: Arc<FixedClock>) -> World {
    let store = MemoryStore::new("museum/book");
    let museum = Arc::new(museum);
    World {
        deps: Deps {
            bookings: Repo::new(store.clone()),
            seats: museum.clone(),
            deadline: Duration::from_secs(10),
        },
        store,
        museum,
        cx: Call::with(Some("corr-1".into()), clock, Sequence::new("b")),
    }
}

fn booking(seats: i64) -> Json<CreateBooking> {
    Json(CreateBooking {
        museum_id: Id::parse("museumId", "m1").unwrap(),
        user_id: Id::parse("userId", "kim").unwrap(),
        seats: Some(Count::parse("seats", seats).unwrap()),
    })
}

#[tokio::test]
async fn a_booking_takes_its_seats_then_records_booked_under_its_new_id() {
    let w = world(FakeMuseum::default(), FixedClock::standard());
    let created = create(&w.deps, booking(2), &w.cx).await.unwrap();
    assert_eq!(created.location, "/museum/books/b000001");
    assert_eq!(
        (created.body.id.as_str(), created.body.seats),
        ("b000001", 2)
    );
    let events = w.store.events();
    assert_eq!(w.store.event_types(), ["Booked"]);
    assert_eq!(events[0].correlation_id, "corr-1");
    assert_eq!(events[0].occurred_at, w.cx.now);
    assert!(w.museum.released.lock().unwrap().is_empty());
}

#[tokio::test]
async fn museum_down_refuses_the_booking_and_records_nothing() {
    let museum = FakeMuseum {
        refuse: Some(|| AppError::unavailable("museum/museum", 3)),
        ..FakeMuseum::default()
    };
    let w = world(museum, FixedClock::standard());
    let refused = create(&w.deps, booking(1), &w.cx).await.unwrap_err();
    assert_eq!(refused.status(), 503);
    assert!(w.store.events().is_empty());
    assert!(
        w.museum.released.lock().unwrap().is_empty(),
        "nothing was taken"
    );
}

#[tokio::test]
async fn seats_that_took_past_the_deadline_are_given_back_and_the_booking_refused() {
    let clock = FixedClock::standard();
    let museum = FakeMuseum {
        takes: Some((clock.clone(), Duration::from_secs(11))),
        ..FakeMuseum::default()
    };
    let w = world(museum, clock);
    let refused = create(&w.deps, booking(1), &w.cx).await.unwrap_err();
    assert_eq!(refused.status(), 503);
    assert!(w.store.events().is_empty());
    assert_eq!(*w.museum.released.lock().unwrap(), ["b000001"]);
}

#[tokio::test]
async fn a_booking_for_a_deleted_exhibition_gives_its_seats_back() {
    let w = world(FakeMuseum::default(), FixedClock::standard());
    let mut tx = Tx::new();
    tx.put(&MuseumClosure { id: "m1".into() }, 0).unwrap();
    kernel::store::Store::commit(&*w.store, tx.into_inner())
        .await
        .unwrap();
    let refused = create(&w.deps, booking(1), &w.cx).await.unwrap_err();
    assert_eq!(refused.status(), 409, "{refused}");
    assert!(w.store.events().is_empty());
    assert_eq!(*w.museum.released.lock().unwrap(), ["b000001"]);
}
