//! The museum's state once the run settled: what its API answers, and what only its stores hold
//! (every recorded event, the seat reservations, the view's markers).

use std::{collections::BTreeMap, path::Path};

use anyhow::Context as _;
use kernel::{Envelope, Lookup, Marker, Repo, store::Store};
use museum_events::{BOOK, CONFIRM, MUSEUM, MYPAGE};
use museum_museum::domain::{Reservation, ReservationStatus};
use museum_mypage::project::{ON_BOOKING, ON_ENTRY};
use serde::{Deserialize, de::DeserializeOwned};

use crate::{api::Api, data::DataFolder};

/// An exhibition as the API shows it; numbers signed, so that a negative one would show.
#[derive(Clone, Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Museum {
    pub id: String,
    pub capacity: i64,
    pub initial_capacity: i64,
    pub status: String,
}

#[derive(Clone, Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Booking {
    pub id: String,
    pub museum_id: String,
    pub user_id: String,
    pub seats: i64,
    pub status: String,
}

impl Booking {
    pub fn is_live(&self) -> bool {
        matches!(self.status.as_str(), "BOOKED" | "COMPLETED")
    }
}

#[derive(Clone, Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Entry {
    pub id: String,
    pub booking_id: String,
    pub status: String,
}

#[derive(Clone, Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct MyPageRow {
    pub id: String,
    pub user_id: String,
    pub museum_id: Option<String>,
    pub seats: Option<i64>,
    pub booking_status: Option<String>,
    pub entry_status: Option<String>,
}

#[derive(Debug, Default)]
pub struct State {
    pub museums: BTreeMap<String, Museum>,
    pub bookings: BTreeMap<String, Booking>,
    pub entries: BTreeMap<String, Entry>,
    pub my_pages: BTreeMap<String, MyPageRow>,
    /// Every event each context recorded, oldest first.
    pub museum_events: Vec<Envelope>,
    pub book_events: Vec<Envelope>,
    pub confirm_events: Vec<Envelope>,
    pub reservations: BTreeMap<String, Reservation>,
    /// Book and confirm events the MyPage projections have no marker of: never applied.
    pub unprojected: Vec<String>,
}

async fn list<T: DeserializeOwned>(api: &Api, path: &str) -> anyhow::Result<Vec<T>> {
    api.list_all(path)
        .await?
        .into_iter()
        .map(|v| serde_json::from_value(v.clone()).with_context(|| format!("{path}: {v}")))
        .collect()
}

fn by_id<T>(items: Vec<T>, id: impl Fn(&T) -> String) -> BTreeMap<String, T> {
    items.into_iter().map(|t| (id(&t), t)).collect()
}

impl State {
    /// Reads every exhibition, booking, entry and MyPage row over the API.
    pub async fn read_api(api: &Api) -> anyhow::Result<Self> {
        let museums = list::<Museum>(api, "/museum/museums").await?;
        let bookings = list::<Booking>(api, "/museum/books").await?;
        let entries = list::<Entry>(api, "/museum/confirms").await?;
        let mut users: Vec<&str> = bookings.iter().map(|b| b.user_id.as_str()).collect();
        users.sort_unstable();
        users.dedup();
        let mut rows = Vec::new();
        for user in users {
            rows.extend(list::<MyPageRow>(api, &format!("/museum/myPages?userId={user}")).await?);
        }
        Ok(Self {
            museums: by_id(museums, |m| m.id.clone()),
            bookings: by_id(bookings, |b| b.id.clone()),
            entries: by_id(entries, |e| e.id.clone()),
            my_pages: by_id(rows, |r| r.id.clone()),
            ..Self::default()
        })
    }

    /// Reads what only the stores hold; the gateway must be stopped.
    pub async fn read_stores(&mut self, data: &Path) -> anyhow::Result<()> {
        let folder = DataFolder::open(data)?;
        self.museum_events = folder.events(MUSEUM).await?;
        self.book_events = folder.events(BOOK).await?;
        self.confirm_events = folder.events(CONFIRM).await?;
        self.reservations = by_id(reservations(&folder).await?, |r| r.id.clone());
        let view = folder.store(MYPAGE)?;
        for (function, events) in [
            (ON_BOOKING, &self.book_events),
            (ON_ENTRY, &self.confirm_events),
        ] {
            for event in events.iter().filter(|e| projected_by(function, e)) {
                let booking = booking_of(event).unwrap_or_default();
                if !view
                    .is_applied(&Marker::of(function, event, &booking))
                    .await?
                {
                    self.unprojected.push(format!(
                        "{function} never applied {} {}",
                        event.event_type, event.event_id
                    ));
                }
            }
        }
        Ok(())
    }
}

/// Seats still held by a booking not known to be recorded; the gateway must be stopped.
pub async fn held_reservations(data: &Path) -> anyhow::Result<Vec<Reservation>> {
    let folder = DataFolder::open(data)?;
    Ok(reservations(&folder)
        .await?
        .into_iter()
        .filter(|r| r.status == ReservationStatus::Held)
        .collect())
}

async fn reservations(folder: &DataFolder) -> anyhow::Result<Vec<Reservation>> {
    Ok(Repo::<Reservation>::new(folder.store(MUSEUM)?)
        .list_all(Lookup::All)
        .await?)
}

/// Whether the MyPage projection `function` subscribes to this event (book's lifecycle events
/// and every entry event).
fn projected_by(function: &str, event: &Envelope) -> bool {
    use kernel::Event;
    use museum_events::{BookCancelled, BookCompleted, BookForceCancelled, Booked};
    function == ON_ENTRY
        || [
            Booked::TYPE,
            BookCompleted::TYPE,
            BookCancelled::TYPE,
            BookForceCancelled::TYPE,
        ]
        .contains(&event.event_type.as_str())
}

/// The booking an event is about: book's and confirm's events and the seat events name it.
pub fn booking_of(event: &Envelope) -> Option<String> {
    event.payload["bookingId"].as_str().map(str::to_owned)
}
