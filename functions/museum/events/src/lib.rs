//! The museum system's published language: the bounded contexts and the events they exchange.
//! Each event names its aggregate (the correlation key) and carries what its consumers need,
//! so that no consumer has to call back the context that recorded it.

use kernel::{ContextId, events};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

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

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct MuseumRegistered {
    #[schema(example = "01KAMUSEUM0000000000000001")]
    pub museum_id: String,
    #[schema(example = "Hall A")]
    pub hall: String,
    #[schema(example = "2026-12-24")]
    pub date: String,
    #[schema(example = 30)]
    pub capacity: u32,
}

/// Seats taken for a booking (synchronously, before the booking is recorded).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct SeatsReserved {
    #[schema(example = "01KAMUSEUM0000000000000001")]
    pub museum_id: String,
    #[schema(example = "01KABOOKING000000000000001")]
    pub booking_id: String,
    #[schema(example = 2)]
    pub seats: u32,
}

/// Seats given back: the booking was cancelled, or never recorded.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct SeatsReturned {
    #[schema(example = "01KAMUSEUM0000000000000001")]
    pub museum_id: String,
    #[schema(example = "01KABOOKING000000000000001")]
    pub booking_id: String,
    #[schema(example = 2)]
    pub seats: u32,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct MuseumDeleted {
    #[schema(example = "01KAMUSEUM0000000000000001")]
    pub museum_id: String,
}

// ---- book -----------------------------------------------------------------------------------

/// A booking was made (the original's `Requested`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Booked {
    #[schema(example = "01KABOOKING000000000000001")]
    pub booking_id: String,
    #[schema(example = "01KAMUSEUM0000000000000001")]
    pub museum_id: String,
    #[schema(example = "kim")]
    pub user_id: String,
    #[schema(example = 2)]
    pub seats: u32,
    #[schema(example = "Hall A")]
    pub hall: String,
    #[schema(example = "2026-12-24")]
    pub date: String,
}

/// The booking's entry was confirmed: the booking is complete.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct BookCompleted {
    #[schema(example = "01KABOOKING000000000000001")]
    pub booking_id: String,
    #[schema(example = "01KAMUSEUM0000000000000001")]
    pub museum_id: String,
    #[schema(example = "kim")]
    pub user_id: String,
}

/// The user cancelled their booking.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct BookCancelled {
    #[schema(example = "01KABOOKING000000000000001")]
    pub booking_id: String,
    #[schema(example = "01KAMUSEUM0000000000000001")]
    pub museum_id: String,
    #[schema(example = "kim")]
    pub user_id: String,
    #[schema(example = 2)]
    pub seats: u32,
}

/// The booking was cancelled because its exhibition was deleted.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct BookForceCancelled {
    #[schema(example = "01KABOOKING000000000000001")]
    pub booking_id: String,
    #[schema(example = "01KAMUSEUM0000000000000001")]
    pub museum_id: String,
    #[schema(example = "kim")]
    pub user_id: String,
    #[schema(example = 2)]
    pub seats: u32,
}

// ---- confirm --------------------------------------------------------------------------------

/// An entry confirmation was recorded for a booking (the original's `ConfirmCompleted`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct EntryConfirmed {
    #[schema(example = "01KABOOKING000000000000001")]
    pub entry_id: String,
    #[schema(example = "01KABOOKING000000000000001")]
    pub booking_id: String,
    #[schema(example = "kim")]
    pub user_id: String,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct EntryCancelled {
    #[schema(example = "01KABOOKING000000000000001")]
    pub entry_id: String,
    #[schema(example = "01KABOOKING000000000000001")]
    pub booking_id: String,
    #[schema(example = "kim")]
    pub user_id: String,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct EntryForceCancelled {
    #[schema(example = "01KABOOKING000000000000001")]
    pub entry_id: String,
    #[schema(example = "01KABOOKING000000000000001")]
    pub booking_id: String,
    #[schema(example = "kim")]
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

/// One recorded example of each event: its payload built from the examples on its schema, its
/// aggregate named by the payload's id field (sample events are generated from these and must
/// not change from one generation to the next).
pub fn samples() -> Vec<kernel::Envelope> {
    use kernel::Envelope as E;
    E::numbered(vec![
        E::sample::<MuseumRegistered>(MUSEUM, "Museum", "museumId"),
        E::sample::<SeatsReserved>(MUSEUM, "Reservation", "bookingId"),
        E::sample::<SeatsReturned>(MUSEUM, "Reservation", "bookingId"),
        E::sample::<MuseumDeleted>(MUSEUM, "Museum", "museumId"),
        E::sample::<Booked>(BOOK, "Booking", "bookingId"),
        E::sample::<BookCompleted>(BOOK, "Booking", "bookingId"),
        E::sample::<BookCancelled>(BOOK, "Booking", "bookingId"),
        E::sample::<BookForceCancelled>(BOOK, "Booking", "bookingId"),
        E::sample::<EntryConfirmed>(CONFIRM, "Entry", "bookingId"),
        E::sample::<EntryCancelled>(CONFIRM, "Entry", "bookingId"),
        E::sample::<EntryForceCancelled>(CONFIRM, "Entry", "bookingId"),
    ])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_sample_payload_decodes_as_its_event() {
        for e in samples() {
            let decoded = match e.event_type.as_str() {
                "MuseumRegistered" => e.payload::<MuseumRegistered>().map(drop),
                "SeatsReserved" => e.payload::<SeatsReserved>().map(drop),
                "SeatsReturned" => e.payload::<SeatsReturned>().map(drop),
                "MuseumDeleted" => e.payload::<MuseumDeleted>().map(drop),
                "Booked" => e.payload::<Booked>().map(drop),
                "BookCompleted" => e.payload::<BookCompleted>().map(drop),
                "BookCancelled" => e.payload::<BookCancelled>().map(drop),
                "BookForceCancelled" => e.payload::<BookForceCancelled>().map(drop),
                "EntryConfirmed" => e.payload::<EntryConfirmed>().map(drop),
                "EntryCancelled" => e.payload::<EntryCancelled>().map(drop),
                "EntryForceCancelled" => e.payload::<EntryForceCancelled>().map(drop),
                other => panic!("no sample decoder for {other}"),
            };
            assert!(decoded.is_ok(), "{}: {decoded:?}", e.event_type);
            assert!(!e.aggregate_id.is_empty(), "{}", e.event_type);
        }
    }
}
