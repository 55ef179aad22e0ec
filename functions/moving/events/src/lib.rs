//! The moving system's published language (이사업체 호출, seed 001): the bounded contexts, the
//! words they share (the move type, a telephone number) and the events they exchange. Each event
//! names its call (the correlation key: the call's id is movemanage's and moveassign's `orderId`)
//! and carries what its consumers need, so that no consumer calls back the context that recorded it.

use std::borrow::Cow;

use kernel::{ContextId, events};
use serde::{Deserialize, Deserializer, Serialize, Serializer, de::Error as _};
use utoipa::{
    PartialSchema, ToSchema,
    openapi::{ObjectBuilder, RefOr, Schema, Type},
};

/// The system's prefix on the front door: `/moving/...`.
pub const SYSTEM: &str = "moving";

/// 호출 — the customer's mover calls (the core context).
pub const MOVECALL: ContextId = ContextId::new(SYSTEM, "movecall");
/// 이사업체관리 — the assignment requests, taken 24/7.
pub const MOVEMANAGE: ContextId = ContextId::new(SYSTEM, "movemanage");
/// 이사업체 할당 — the mover companies and which call each one serves.
pub const MOVEASSIGN: ContextId = ContextId::new(SYSTEM, "moveassign");
/// 고객 — the customer's messages (KakaoTalk) and the view of their calls (CQRS).
pub const CUSTOMER: ContextId = ContextId::new(SYSTEM, "customer");

/// A path on this system's API, as a `Location` header or a sync call names it.
pub fn path(below: &str) -> String {
    format!("/{SYSTEM}{below}")
}

/// 이사유형: what the movers do.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
#[schema(example = "PACKING")]
pub enum MoveType {
    /// 포장이사: the movers pack everything.
    #[default]
    Packing,
    /// 반포장이사: the movers pack the fragile things, the customer the rest.
    HalfPacking,
}

impl MoveType {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Packing => "PACKING",
            Self::HalfPacking => "HALF_PACKING",
        }
    }
}

/// Shortest and longest telephone number, digits and dashes counted.
pub const TEL_LEN: std::ops::RangeInclusive<usize> = 8..=20;
const TEL_PATTERN: &str = "^[0-9][0-9-]{6,18}[0-9]$";

/// A telephone number (the customer's, a company's): 8–20 digits and dashes, starting and ending
/// with a digit, e.g. `01012345678` or `010-1234-5678`. It is where KakaoTalk messages go.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Tel(String);

impl Tel {
    pub fn parse(value: &str) -> Result<Self, kernel::AppError> {
        let ok = TEL_LEN.contains(&value.len())
            && value.bytes().all(|b| b.is_ascii_digit() || b == b'-')
            && value.starts_with(|c: char| c.is_ascii_digit())
            && value.ends_with(|c: char| c.is_ascii_digit());
        if ok {
            Ok(Self(value.to_owned()))
        } else {
            Err(kernel::AppError::invalid(format!(
                "tel must be 8–20 digits and dashes, starting and ending with a digit, got {value:?}"
            )))
        }
    }
    pub fn as_str(&self) -> &str {
        &self.0
    }
    pub fn into_string(self) -> String {
        self.0
    }
}

impl<'de> Deserialize<'de> for Tel {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let raw = Cow::<'de, str>::deserialize(d)?;
        Self::parse(&raw).map_err(|e| D::Error::custom(e.to_string()))
    }
}

impl Serialize for Tel {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.0)
    }
}

impl PartialSchema for Tel {
    fn schema() -> RefOr<Schema> {
        ObjectBuilder::new()
            .schema_type(Type::String)
            .pattern(Some(TEL_PATTERN))
            .min_length(Some(*TEL_LEN.start()))
            .max_length(Some(*TEL_LEN.end()))
            .examples([serde_json::json!("01012345678")])
            .into()
    }
}

impl ToSchema for Tel {
    fn name() -> Cow<'static, str> {
        Cow::Borrowed("Tel")
    }
}

// ---- movecall -------------------------------------------------------------------------------

/// A customer called a mover (호출).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct MovercallCalled {
    #[schema(example = "01KACALL000000000000000001")]
    pub call_id: String,
    #[schema(example = "01012345678")]
    pub tel: String,
    #[schema(example = "mapo")]
    pub location: String,
    #[schema(example = 2500000)]
    pub cost: u64,
    #[schema(inline)]
    pub move_type: MoveType,
}

/// A company was assigned: the call is confirmed (호출확정).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct MovercallConfirmed {
    #[schema(example = "01KACALL000000000000000001")]
    pub call_id: String,
    #[schema(example = "01012345678")]
    pub tel: String,
    /// The company's name.
    #[schema(example = "Mapo Movers")]
    pub mover: String,
    #[schema(example = "0212345678")]
    pub movertel: String,
}

/// No company was free, or none supports the move type, near the location.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct MovercallFailed {
    #[schema(example = "01KACALL000000000000000001")]
    pub call_id: String,
    #[schema(example = "01012345678")]
    pub tel: String,
    #[schema(example = "no company near mapo is free for PACKING")]
    pub reason: String,
}

/// The customer cancelled the call (the cancel request; the chain releases the company).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct MovercallCancelled {
    #[schema(example = "01KACALL000000000000000001")]
    pub call_id: String,
    #[schema(example = "01012345678")]
    pub tel: String,
}

/// The cancel chain is through: the company (if any) is released and the call is CANCELLED (호출취소).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct MovercallCancelConfirmed {
    #[schema(example = "01KACALL000000000000000001")]
    pub call_id: String,
    #[schema(example = "01012345678")]
    pub tel: String,
    /// The company released, if one had been assigned.
    #[schema(example = "Mapo Movers")]
    pub mover: Option<String>,
}

// ---- movemanage -----------------------------------------------------------------------------

/// movemanage took the assignment request (ASSIGN_REQUESTED); the original's name.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct MovermanageAssigned {
    #[schema(example = "01KACALL000000000000000001")]
    pub order_id: String,
    #[schema(example = "01012345678")]
    pub tel: String,
    #[schema(example = "mapo")]
    pub location: String,
    #[schema(inline)]
    pub move_type: MoveType,
    #[schema(example = 2500000)]
    pub cost: u64,
    /// When movemanage took it (ms since the epoch): requests whose call is still unknown long
    /// after this are withdrawn as orphans.
    #[schema(example = 1796124000000i64)]
    pub requested_at_ms: i64,
}

/// movecall recorded the call of this request (it learnt so from `MovercallCalled`, or by asking).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct MovermanageCallRecorded {
    #[schema(example = "01KACALL000000000000000001")]
    pub order_id: String,
}

/// The request turned CONFIRMED: a company was assigned.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct MovermanageConfirmed {
    #[schema(example = "01KACALL000000000000000001")]
    pub order_id: String,
    #[schema(example = "Mapo Movers")]
    pub mover: String,
}

/// The request turned FAILED: no company could be assigned.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct MovermanageFailed {
    #[schema(example = "01KACALL000000000000000001")]
    pub order_id: String,
}

/// The call was cancelled: the request turned CANCEL_REQUESTED.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct MovermanageCancelled {
    #[schema(example = "01KACALL000000000000000001")]
    pub order_id: String,
    #[schema(example = "01012345678")]
    pub tel: String,
}

// ---- moveassign -----------------------------------------------------------------------------

/// A company was assigned to the order.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct MoverassignCompleted {
    #[schema(example = "01KACALL000000000000000001")]
    pub order_id: String,
    #[schema(example = "01012345678")]
    pub tel: String,
    #[schema(example = "01KACOMPANY000000000000001")]
    pub company_id: String,
    /// The company's name.
    #[schema(example = "Mapo Movers")]
    pub mover: String,
    #[schema(example = "0212345678")]
    pub movertel: String,
}

/// No company could be assigned to the order.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct MoverassignFailed {
    #[schema(example = "01KACALL000000000000000001")]
    pub order_id: String,
    #[schema(example = "01012345678")]
    pub tel: String,
    #[schema(example = "no company near mapo is free for PACKING")]
    pub reason: String,
}

/// The order was cancelled: its company (if any) is free again.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct MoverassignCancelled {
    #[schema(example = "01KACALL000000000000000001")]
    pub order_id: String,
    #[schema(example = "01012345678")]
    pub tel: String,
    #[schema(example = "01KACOMPANY000000000000001")]
    pub company_id: Option<String>,
    #[schema(example = "Mapo Movers")]
    pub mover: Option<String>,
}

events!(
    MovercallCalled,
    MovercallConfirmed,
    MovercallFailed,
    MovercallCancelled,
    MovercallCancelConfirmed,
    MovermanageAssigned,
    MovermanageCallRecorded,
    MovermanageConfirmed,
    MovermanageFailed,
    MovermanageCancelled,
    MoverassignCompleted,
    MoverassignFailed,
    MoverassignCancelled,
);

/// The call and the company every sample names.
pub const SAMPLE_CALL_ID: &str = "01KACALL000000000000000001";
pub const SAMPLE_COMPANY_ID: &str = "01KACOMPANY000000000000001";

/// The sample id for path parameter `param` of a route below `path`.
pub fn sample_id(path: &str, _param: &str) -> &'static str {
    if path.contains("/companies") {
        SAMPLE_COMPANY_ID
    } else {
        SAMPLE_CALL_ID
    }
}

/// One recorded example of each event (sample events are generated from these).
pub fn samples() -> Vec<kernel::Envelope> {
    use kernel::Envelope as E;
    E::numbered(vec![
        E::sample::<MovercallCalled>(MOVECALL, "Movercall", "callId"),
        E::sample::<MovercallConfirmed>(MOVECALL, "Movercall", "callId"),
        E::sample::<MovercallFailed>(MOVECALL, "Movercall", "callId"),
        E::sample::<MovercallCancelled>(MOVECALL, "Movercall", "callId"),
        E::sample::<MovercallCancelConfirmed>(MOVECALL, "Movercall", "callId"),
        E::sample::<MovermanageAssigned>(MOVEMANAGE, "Movermanage", "orderId"),
        E::sample::<MovermanageCallRecorded>(MOVEMANAGE, "Movermanage", "orderId"),
        E::sample::<MovermanageConfirmed>(MOVEMANAGE, "Movermanage", "orderId"),
        E::sample::<MovermanageFailed>(MOVEMANAGE, "Movermanage", "orderId"),
        E::sample::<MovermanageCancelled>(MOVEMANAGE, "Movermanage", "orderId"),
        E::sample::<MoverassignCompleted>(MOVEASSIGN, "Moverassign", "orderId"),
        E::sample::<MoverassignFailed>(MOVEASSIGN, "Moverassign", "orderId"),
        E::sample::<MoverassignCancelled>(MOVEASSIGN, "Moverassign", "orderId"),
    ])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_sample_payload_decodes_as_its_event() {
        for e in samples() {
            let decoded = match e.event_type.as_str() {
                "MovercallCalled" => e.payload::<MovercallCalled>().map(drop),
                "MovercallConfirmed" => e.payload::<MovercallConfirmed>().map(drop),
                "MovercallFailed" => e.payload::<MovercallFailed>().map(drop),
                "MovercallCancelled" => e.payload::<MovercallCancelled>().map(drop),
                "MovercallCancelConfirmed" => e.payload::<MovercallCancelConfirmed>().map(drop),
                "MovermanageAssigned" => e.payload::<MovermanageAssigned>().map(drop),
                "MovermanageCallRecorded" => e.payload::<MovermanageCallRecorded>().map(drop),
                "MovermanageConfirmed" => e.payload::<MovermanageConfirmed>().map(drop),
                "MovermanageFailed" => e.payload::<MovermanageFailed>().map(drop),
                "MovermanageCancelled" => e.payload::<MovermanageCancelled>().map(drop),
                "MoverassignCompleted" => e.payload::<MoverassignCompleted>().map(drop),
                "MoverassignFailed" => e.payload::<MoverassignFailed>().map(drop),
                "MoverassignCancelled" => e.payload::<MoverassignCancelled>().map(drop),
                other => panic!("no sample decoder for {other}"),
            };
            assert!(decoded.is_ok(), "{}: {decoded:?}", e.event_type);
            assert!(!e.aggregate_id.is_empty(), "{}", e.event_type);
        }
    }

    #[test]
    fn a_tel_is_digits_and_dashes() {
        for ok in ["01012345678", "010-1234-5678", "02-123-4567"] {
            assert!(Tel::parse(ok).is_ok(), "{ok}");
        }
        for bad in [
            "",
            "kim",
            "010",
            "-01012345678",
            "01012345678-",
            "010 1234 5678",
            "0101234567890123456789",
            "01O12345678",
        ] {
            assert!(Tel::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn move_types_are_spelled_as_the_spec_gives() {
        assert_eq!(
            serde_json::to_value(MoveType::HalfPacking).unwrap(),
            "HALF_PACKING"
        );
        assert_eq!(
            serde_json::from_value::<MoveType>("PACKING".into()).unwrap(),
            MoveType::Packing
        );
        assert!(serde_json::from_value::<MoveType>("packing".into()).is_err());
    }
}
