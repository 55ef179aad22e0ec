//! The family system's published language (가족 도착 알리미, seed 000): the bounded contexts and
//! the events they exchange. Each event names its aggregate (the correlation key) and carries
//! what its consumers need, so that no consumer has to call back the context that recorded it.
//! The event names are the original code's where it had them (`CustomerRegistered`,
//! `FamilyApproved`, `MoveStarted`, `LocRegistered`, ...).

pub mod geo;
pub mod route;

use kernel::{ContextId, events};
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use utoipa::ToSchema;

pub use geo::Point;

/// The system's prefix on the front door: `/family/...`.
pub const SYSTEM: &str = "family";

/// 고객 관리 — customers and their accounts.
pub const CUSTOMER: ContextId = ContextId::new(SYSTEM, "customer");
/// 가족 관리 — families and their membership requests.
pub const FAMILY: ContextId = ContextId::new(SYSTEM, "family");
/// 이동 관리 — moves from a remote place to a goal.
pub const MOVE: ContextId = ContextId::new(SYSTEM, "move");
/// 위치 관리 — the positions a mover's device reports.
pub const LOCATION: ContextId = ContextId::new(SYSTEM, "location");
/// 알림 관리 — alarms to the family, pushed to the web.
pub const ALARM: ContextId = ContextId::new(SYSTEM, "alarm");
/// 이동 현황 — every member's move, position and status, a view built from events only (CQRS).
pub const MOVEVIEW: ContextId = ContextId::new(SYSTEM, "moveview");

/// A path on this system's API, as a `Location` header or a sync call names it.
pub fn path(below: &str) -> String {
    format!("/{SYSTEM}{below}")
}

// ---- customer -------------------------------------------------------------------------------

/// A customer registered (가입): PENDING until a member of the family approves, or ACTIVE at once
/// as the first member of a new family.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct CustomerRegistered {
    #[schema(example = "mom")]
    pub customer_id: String,
    #[schema(example = "Kim Mother")]
    pub name: String,
    #[schema(example = "010-1234-5678")]
    pub phone: String,
    #[schema(example = "kims")]
    pub family_id: String,
    /// PENDING, or ACTIVE for the first member of a new family.
    #[schema(example = "PENDING")]
    pub status: String,
}

/// The customer's account turned ACTIVE: a member of the family.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct MemberRegistered {
    #[schema(example = "mom")]
    pub customer_id: String,
    #[schema(example = "kims")]
    pub family_id: String,
    #[schema(example = "Kim Mother")]
    pub name: String,
}

/// The customer's membership was denied: the account is INACTIVE.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct MemberDeleted {
    #[schema(example = "mom")]
    pub customer_id: String,
    #[schema(example = "kims")]
    pub family_id: String,
}

/// The customer deleted their account (DELETED): the membership goes with it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct CustomerDeleted {
    #[schema(example = "mom")]
    pub customer_id: String,
    #[schema(example = "kims")]
    pub family_id: String,
}

// ---- family ---------------------------------------------------------------------------------

/// A membership request was recorded on `CustomerRegistered` (REGISTERED), or, for the first
/// member of a new family, granted at once (APPROVED).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct MembershipRequested {
    #[schema(example = "kims")]
    pub family_id: String,
    #[schema(example = "mom")]
    pub customer_id: String,
    #[schema(example = "Kim Mother")]
    pub name: String,
    #[schema(example = "REGISTERED")]
    pub status: String,
}

/// An ACTIVE member approved a membership request.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct FamilyApproved {
    #[schema(example = "kims")]
    pub family_id: String,
    #[schema(example = "son")]
    pub customer_id: String,
    #[schema(example = "mom")]
    pub approver_id: String,
}

/// An ACTIVE member denied a membership request.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct FamilyDenied {
    #[schema(example = "kims")]
    pub family_id: String,
    #[schema(example = "son")]
    pub customer_id: String,
    #[schema(example = "mom")]
    pub approver_id: String,
}

/// The membership of a deleted customer was removed.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct MembershipRemoved {
    #[schema(example = "kims")]
    pub family_id: String,
    #[schema(example = "son")]
    pub customer_id: String,
}

// ---- move -----------------------------------------------------------------------------------

/// A member started a move from a remote place (이동 시작).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct MoveStarted {
    #[schema(example = "01KAMOVE000000000000000001")]
    pub move_id: String,
    #[schema(example = "mom")]
    pub customer_id: String,
    #[schema(example = "kims")]
    pub family_id: String,
    #[schema(inline)]
    pub start: Point,
    #[schema(inline)]
    pub goal: Point,
    /// Metres along the route.
    #[schema(example = 9200)]
    pub distance: u64,
    /// Milliseconds the route takes.
    #[schema(example = 828000)]
    pub duration: u64,
    #[schema(example = "MOVING")]
    pub status: String,
    #[serde(with = "time::serde::rfc3339")]
    #[schema(value_type = String, format = DateTime, example = "2026-12-24T10:13:48Z")]
    pub eta: OffsetDateTime,
}

/// The destination changed: a new route from where the mover is.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct MoveUpdated {
    #[schema(example = "01KAMOVE000000000000000001")]
    pub move_id: String,
    #[schema(example = "mom")]
    pub customer_id: String,
    #[schema(example = "kims")]
    pub family_id: String,
    #[schema(inline)]
    pub goal: Point,
    #[schema(example = 7300)]
    pub distance: u64,
    #[schema(example = 657000)]
    pub duration: u64,
    #[schema(example = "MOVING")]
    pub status: String,
    #[serde(with = "time::serde::rfc3339")]
    #[schema(value_type = String, format = DateTime, example = "2026-12-24T10:20:57Z")]
    pub eta: OffsetDateTime,
}

/// The mover cancelled the move.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct MoveCancelled {
    #[schema(example = "01KAMOVE000000000000000001")]
    pub move_id: String,
    #[schema(example = "mom")]
    pub customer_id: String,
    #[schema(example = "kims")]
    pub family_id: String,
    #[schema(example = "CANCELLED")]
    pub status: String,
}

/// The remaining duration first dropped to the imminence threshold (10 minutes) or below.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ArrivalImminent {
    #[schema(example = "01KAMOVE000000000000000001")]
    pub move_id: String,
    #[schema(example = "mom")]
    pub customer_id: String,
    #[schema(example = "kims")]
    pub family_id: String,
    #[schema(example = 5400)]
    pub remaining_distance: u64,
    #[schema(example = 486000)]
    pub remaining_duration: u64,
    #[serde(with = "time::serde::rfc3339")]
    #[schema(value_type = String, format = DateTime, example = "2026-12-24T10:13:48Z")]
    pub eta: OffsetDateTime,
}

/// The mover arrived: a reported position inside the arrival radius of the goal.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct MoveEnded {
    #[schema(example = "01KAMOVE000000000000000001")]
    pub move_id: String,
    #[schema(example = "mom")]
    pub customer_id: String,
    #[schema(example = "kims")]
    pub family_id: String,
    #[schema(inline)]
    pub position: Point,
    #[schema(example = "ENDED")]
    pub status: String,
}

// ---- location -------------------------------------------------------------------------------

/// The mover's device reported a position of a MOVING move.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct LocRegistered {
    #[schema(example = "01KALOC0000000000000000001")]
    pub loc_id: String,
    #[schema(example = "01KAMOVE000000000000000001")]
    pub move_id: String,
    #[schema(example = "mom")]
    pub customer_id: String,
    #[schema(example = "kims")]
    pub family_id: String,
    #[schema(example = 37.52)]
    pub lat: f64,
    #[schema(example = 127.0)]
    pub lon: f64,
    /// Metres left to the goal.
    #[schema(example = 5400)]
    pub remaining_distance: u64,
    /// Milliseconds left to the goal.
    #[schema(example = 486000)]
    pub remaining_duration: u64,
}

events!(
    CustomerRegistered,
    MemberRegistered,
    MemberDeleted,
    CustomerDeleted,
    MembershipRequested,
    FamilyApproved,
    FamilyDenied,
    MembershipRemoved,
    MoveStarted,
    MoveUpdated,
    MoveCancelled,
    ArrivalImminent,
    MoveEnded,
    LocRegistered,
);

/// The ids every sample names.
pub const SAMPLE_CUSTOMER_ID: &str = "mom";
pub const SAMPLE_FAMILY_ID: &str = "kims";
pub const SAMPLE_MOVE_ID: &str = "01KAMOVE000000000000000001";
pub const SAMPLE_LOC_ID: &str = "01KALOC0000000000000000001";
pub const SAMPLE_ALARM_ID: &str = "01KAALARM00000000000000001";

/// The sample id for path parameter `param` of a route below `path`.
pub fn sample_id(path: &str, param: &str) -> &'static str {
    match param {
        "familyId" => SAMPLE_FAMILY_ID,
        // The member whose request the founder decides on.
        "customerId" if path.starts_with("/families") => "son",
        // A new customer registers.
        "customerId" if path == "/customers" => "dad",
        "customerId" | "approverId" => SAMPLE_CUSTOMER_ID,
        "id" if path.starts_with("/customers") => SAMPLE_CUSTOMER_ID,
        "id" if path.starts_with("/locations") => SAMPLE_LOC_ID,
        "id" if path.starts_with("/alarms") => SAMPLE_ALARM_ID,
        _ => SAMPLE_MOVE_ID,
    }
}

/// One recorded example of each event: its payload built from the examples on its schema, its
/// aggregate named by the payload's id field.
pub fn samples() -> Vec<kernel::Envelope> {
    use kernel::Envelope as E;
    E::numbered(vec![
        E::sample::<CustomerRegistered>(CUSTOMER, "Customer", "customerId"),
        E::sample::<MemberRegistered>(CUSTOMER, "Customer", "customerId"),
        E::sample::<MemberDeleted>(CUSTOMER, "Customer", "customerId"),
        E::sample::<CustomerDeleted>(CUSTOMER, "Customer", "customerId"),
        E::sample::<MembershipRequested>(FAMILY, "Family", "familyId"),
        E::sample::<FamilyApproved>(FAMILY, "Family", "familyId"),
        E::sample::<FamilyDenied>(FAMILY, "Family", "familyId"),
        E::sample::<MembershipRemoved>(FAMILY, "Family", "familyId"),
        E::sample::<MoveStarted>(MOVE, "Move", "moveId"),
        E::sample::<MoveUpdated>(MOVE, "Move", "moveId"),
        E::sample::<MoveCancelled>(MOVE, "Move", "moveId"),
        E::sample::<ArrivalImminent>(MOVE, "Move", "moveId"),
        E::sample::<MoveEnded>(MOVE, "Move", "moveId"),
        E::sample::<LocRegistered>(LOCATION, "Track", "moveId"),
    ])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_sample_payload_decodes_as_its_event() {
        for e in samples() {
            let decoded = match e.event_type.as_str() {
                "CustomerRegistered" => e.payload::<CustomerRegistered>().map(drop),
                "MemberRegistered" => e.payload::<MemberRegistered>().map(drop),
                "MemberDeleted" => e.payload::<MemberDeleted>().map(drop),
                "CustomerDeleted" => e.payload::<CustomerDeleted>().map(drop),
                "MembershipRequested" => e.payload::<MembershipRequested>().map(drop),
                "FamilyApproved" => e.payload::<FamilyApproved>().map(drop),
                "FamilyDenied" => e.payload::<FamilyDenied>().map(drop),
                "MembershipRemoved" => e.payload::<MembershipRemoved>().map(drop),
                "MoveStarted" => e.payload::<MoveStarted>().map(drop),
                "MoveUpdated" => e.payload::<MoveUpdated>().map(drop),
                "MoveCancelled" => e.payload::<MoveCancelled>().map(drop),
                "ArrivalImminent" => e.payload::<ArrivalImminent>().map(drop),
                "MoveEnded" => e.payload::<MoveEnded>().map(drop),
                "LocRegistered" => e.payload::<LocRegistered>().map(drop),
                other => panic!("no sample decoder for {other}"),
            };
            assert!(decoded.is_ok(), "{}: {decoded:?}", e.event_type);
            assert!(!e.aggregate_id.is_empty(), "{}", e.event_type);
        }
    }
}
