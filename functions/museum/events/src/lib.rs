//! The museum system's published language: the bounded contexts and the events they exchange.
//! Each event names its aggregate (the correlation key) and carries what its consumers need,
//! so that no consumer has to call back the context that recorded it.

use kernel::{ContextId, events};
use serde::{Deserialize, Serialize};

/// The system's prefix on the front door: `/museum/...`.
pub const SYSTEM: &str = "museum";

/// 전시 관리 — exhibitions and their seats.
pub const MUSEUM: ContextId = ContextId::new(SYSTEM, "museum");
/// 예약 관리 — bookings.
pub const BOOK: ContextId = ContextId::new(SYSTEM, "book");
/// 입장승인 관리 — entry confirmations.
pub const CONFIRM: ContextId = ContextId::new(SYSTEM, "confirm");
/// 마이페이지 — the user's bookings, a view built from events only (CQRS).
pub const MYPAGE: ContextId = ContextId::new(SYSTEM, "mypage");

/// A path on this system's API, as a `Location` header or a sync call names it.
pub fn path(below: &str) -> String {
    format!("/{SYSTEM}{below}")
}

// ---- museum ---------------------------------------------------------------------------------

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct MuseumRegistered {
    pub museum_id: String,
    pub hall: String,
    pub date: String,
    pub capacity: u32,
}

/// Seats taken for a booking (synchronously, before the booking is recorded).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SeatsReserved {
    pub museum_id: String,
    pub booking_id: String,
    pub seats: u32,
    /// Seats left after this reservation.
    pub capacity: u32,
}

/// Seats given back: the booking was cancelled, or never recorded.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SeatsReturned {
    pub museum_id: String,
    pub booking_id: String,
    pub seats: u32,
    pub capacity: u32,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct MuseumDeleted {
    pub museum_id: String,
}

// ---- book -----------------------------------------------------------------------------------

/// A booking was made (the original's `Requested`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Booked {
    pub booking_id: String,
    pub museum_id: String,
    pub user_id: String,
    pub seats: u32,
    pub hall: String,
    pub date: String,
}

/// The booking's entry was confirmed: the booking is complete.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct BookCompleted {
    pub booking_id: String,
    pub museum_id: String,
    pub user_id: String,
}

/// The user cancelled their booking.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct BookCancelled {
    pub booking_id: String,
    pub museum_id: String,
    pub user_id: String,
    pub seats: u32,
}

/// The booking was cancelled because its exhibition was deleted.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct BookForceCancelled {
    pub booking_id: String,
    pub museum_id: String,
    pub user_id: String,
    pub seats: u32,
}

// ---- confirm --------------------------------------------------------------------------------

/// An entry confirmation was recorded for a booking (the original's `ConfirmCompleted`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct EntryConfirmed {
    pub entry_id: String,
    pub booking_id: String,
    pub user_id: String,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct EntryCancelled {
    pub entry_id: String,
    pub booking_id: String,
    pub user_id: String,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct EntryForceCancelled {
    pub entry_id: String,
    pub booking_id: String,
    pub user_id: String,
}

events!(
    MuseumRegistered,
    SeatsReserved,
    SeatsReturned,
    MuseumDeleted,
    Booked,
    BookCompleted,
    BookCancelled,
    BookForceCancelled,
    EntryConfirmed,
    EntryCancelled,
    EntryForceCancelled,
);

/// The exhibition and the booking every sample names.
pub const SAMPLE_MUSEUM_ID: &str = "01KAMUSEUM0000000000000001";
pub const SAMPLE_BOOKING_ID: &str = "01KABOOKING000000000000001";

/// The sample id for path parameter `param` of a route below `path`.
pub fn sample_id(path: &str, param: &str) -> &'static str {
    match param {
        "museumId" => SAMPLE_MUSEUM_ID,
        "userId" => "kim",
        "id" if path.starts_with("/museums") => SAMPLE_MUSEUM_ID,
        _ => SAMPLE_BOOKING_ID,
    }
}

/// One recorded example of each event, with fixed ids and times (sample events are generated
/// from these and must not change from one generation to the next).
pub fn samples() -> Vec<kernel::Envelope> {
    const MUSEUM_ID: &str = SAMPLE_MUSEUM_ID;
    const BOOKING_ID: &str = SAMPLE_BOOKING_ID;
    let occurred_at = time::macros::datetime!(2026-12-24 10:00:00 UTC);
    let mut n = 0;
    let mut sample = |source: ContextId,
                      aggregate_type: &str,
                      aggregate_id: &str,
                      version: u64,
                      event_type: &str,
                      payload: serde_json::Value| {
        n += 1;
        kernel::Envelope {
            event_id: format!("01KAEVENT{n:017}"),
            event_type: event_type.to_owned(),
            source: source.to_string(),
            aggregate_type: aggregate_type.to_owned(),
            aggregate_id: aggregate_id.to_owned(),
            version,
            occurred_at,
            correlation_id: "01KACORRELATION00000000001".to_owned(),
            causation_id: None,
            payload,
        }
    };
    fn json(e: impl Serialize) -> serde_json::Value {
        serde_json::to_value(e).unwrap_or_default()
    }
    use kernel::Event;
    let (museum_id, booking_id, user_id) = (
        MUSEUM_ID.to_owned(),
        BOOKING_ID.to_owned(),
        "kim".to_owned(),
    );
    let (hall, date) = ("Hall A".to_owned(), "2026-12-24".to_owned());
    let museum = |v, t, p| (MUSEUM, "Museum", MUSEUM_ID, v, t, p);
    let booking = |v, t, p| (BOOK, "Booking", BOOKING_ID, v, t, p);
    let entry = |v, t, p| (CONFIRM, "Entry", BOOKING_ID, v, t, p);
    let all = vec![
        museum(
            1,
            MuseumRegistered::TYPE,
            json(MuseumRegistered {
                museum_id: museum_id.clone(),
                hall: hall.clone(),
                date: date.clone(),
                capacity: 30,
            }),
        ),
        museum(
            2,
            SeatsReserved::TYPE,
            json(SeatsReserved {
                museum_id: museum_id.clone(),
                booking_id: booking_id.clone(),
                seats: 2,
                capacity: 28,
            }),
        ),
        museum(
            3,
            SeatsReturned::TYPE,
            json(SeatsReturned {
                museum_id: museum_id.clone(),
                booking_id: booking_id.clone(),
                seats: 2,
                capacity: 30,
            }),
        ),
        museum(
            4,
            MuseumDeleted::TYPE,
            json(MuseumDeleted {
                museum_id: museum_id.clone(),
            }),
        ),
        booking(
            1,
            Booked::TYPE,
            json(Booked {
                booking_id: booking_id.clone(),
                museum_id: museum_id.clone(),
                user_id: user_id.clone(),
                seats: 2,
                hall,
                date,
            }),
        ),
        booking(
            2,
            BookCompleted::TYPE,
            json(BookCompleted {
                booking_id: booking_id.clone(),
                museum_id: museum_id.clone(),
                user_id: user_id.clone(),
            }),
        ),
        booking(
            3,
            BookCancelled::TYPE,
            json(BookCancelled {
                booking_id: booking_id.clone(),
                museum_id: museum_id.clone(),
                user_id: user_id.clone(),
                seats: 2,
            }),
        ),
        booking(
            3,
            BookForceCancelled::TYPE,
            json(BookForceCancelled {
                booking_id: booking_id.clone(),
                museum_id,
                user_id: user_id.clone(),
                seats: 2,
            }),
        ),
        entry(
            1,
            EntryConfirmed::TYPE,
            json(EntryConfirmed {
                entry_id: booking_id.clone(),
                booking_id: booking_id.clone(),
                user_id: user_id.clone(),
            }),
        ),
        entry(
            2,
            EntryCancelled::TYPE,
            json(EntryCancelled {
                entry_id: booking_id.clone(),
                booking_id: booking_id.clone(),
                user_id: user_id.clone(),
            }),
        ),
        entry(
            2,
            EntryForceCancelled::TYPE,
            json(EntryForceCancelled {
                entry_id: booking_id.clone(),
                booking_id,
                user_id,
            }),
        ),
    ];
    all.into_iter()
        .map(|(source, kind, id, version, event_type, payload)| {
            sample(source, kind, id, version, event_type, payload)
        })
        .collect()
}
