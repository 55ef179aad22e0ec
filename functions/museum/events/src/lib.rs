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
