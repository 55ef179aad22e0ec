//! The petmily system's published language (seed 004, DOMAINS.md §5): the bounded contexts and
//! the events they exchange. Each event names its aggregate (the correlation key) and carries
//! what its consumers need, so that no consumer calls back the context that recorded it.
//! No event ever carries a password or its hash.

use kernel::{ContextId, events};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// The system's prefix on the front door: `/petmily/...`.
pub const SYSTEM: &str = "petmily";

/// 회원 — members, sitters, their accounts and tokens.
pub const USER: ContextId = ContextId::new(SYSTEM, "user");
/// 반려동물 — the members' pets.
pub const PET: ContextId = ContextId::new(SYSTEM, "pet");
/// 매칭 — care applications and the matches between a member and a sitter.
pub const MATCH: ContextId = ContextId::new(SYSTEM, "match");
/// 돌봄일지 — the diary a sitter writes while care runs.
pub const DIARY: ContextId = ContextId::new(SYSTEM, "diary");
/// 평가 — ratings after care ended.
pub const ASSESS: ContextId = ContextId::new(SYSTEM, "assess");
/// 돌봄 현황 — the member's care-status view, fed only by events (CQRS).
pub const STATUS: ContextId = ContextId::new(SYSTEM, "status");

/// Every member holds this role.
pub const ROLE_USER: &str = "ROLE_USER";
/// Decides on sitter applications.
pub const ROLE_ADMIN: &str = "ROLE_ADMIN";

/// The authenticated caller of a protected route; 401 if the call has none (a route declared
/// `.authenticated()` or `.role(..)` always has one: the front door checked the token).
pub fn caller(cx: &kernel::Call) -> Result<&kernel::Principal, kernel::AppError> {
    cx.principal.as_ref().ok_or_else(|| {
        kernel::AppError::Unauthorized(
            "a valid access token is required (Authorization: Bearer ...)".into(),
        )
    })
}

/// A path on this system's API, as a `Location` header or a sync call names it.
pub fn path(below: &str) -> String {
    format!("/{SYSTEM}{below}")
}

// ---- user -----------------------------------------------------------------------------------

/// 회원가입: a customer signed up (or the first admin was created at start).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct MemberSignedUp {
    #[schema(example = "kim")]
    pub login_id: String,
    #[schema(example = "Kim Minji")]
    pub name: String,
    #[schema(example = "Seoul Gangnam-gu")]
    pub address: String,
    #[schema(example = json!(["ROLE_USER"]))]
    pub roles: Vec<String>,
}

/// 펫시터 지원: a member applied as a sitter (APPLIED).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct SitterApplied {
    #[schema(example = "lee")]
    pub login_id: String,
    #[schema(example = "Lee Sujin")]
    pub name: String,
    #[schema(example = "Seoul Mapo-gu")]
    pub address: String,
    #[schema(example = "I love dogs")]
    pub intro: String,
    #[schema(example = 3)]
    pub experience: u32,
}

/// An admin approved the sitter (APPROVED).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct SitterApproved {
    #[schema(example = "lee")]
    pub login_id: String,
    #[schema(example = "admin")]
    pub decided_by: String,
}

/// An admin rejected the sitter (REJECTED).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct SitterRejected {
    #[schema(example = "lee")]
    pub login_id: String,
    #[schema(example = "admin")]
    pub decided_by: String,
}

// ---- pet ------------------------------------------------------------------------------------

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct PetRegistered {
    #[schema(example = "01KAPET0000000000000000001")]
    pub pet_id: String,
    #[schema(example = "kim")]
    pub owner_id: String,
    #[schema(example = "Bori")]
    pub name: String,
    #[schema(example = "dog")]
    pub species: String,
}

// ---- match ----------------------------------------------------------------------------------

/// A member wrote a care request for their pet: the `PetCareApplication` is OPEN.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct PetCareApplicationOpened {
    #[schema(example = "01KAAPPLICATION00000000001")]
    pub application_id: String,
    #[schema(example = "kim")]
    pub member_id: String,
    #[schema(example = "01KAPET0000000000000000001")]
    pub pet_id: String,
    #[schema(example = "Bori")]
    pub pet_name: String,
    #[schema(example = "2026-12-24")]
    pub start_date: String,
    #[schema(example = "2026-12-26")]
    pub end_date: String,
}

/// Care started on one of the application's matches: the application is MATCHED.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct PetCareApplicationMatched {
    #[schema(example = "01KAAPPLICATION00000000001")]
    pub application_id: String,
    #[schema(example = "01KAMATCH00000000000000001")]
    pub match_id: String,
}

/// A member asked a sitter, or a sitter offered (REQUESTED): the asking side has accepted.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct MatchRequested {
    #[schema(example = "01KAMATCH00000000000000001")]
    pub match_id: String,
    #[schema(example = "01KAAPPLICATION00000000001")]
    pub application_id: String,
    #[schema(example = "kim")]
    pub member_id: String,
    #[schema(example = "lee")]
    pub sitter_id: String,
    #[schema(example = "Lee Sujin")]
    pub sitter_name: String,
    #[schema(example = "01KAPET0000000000000000001")]
    pub pet_id: String,
    #[schema(example = "Bori")]
    pub pet_name: String,
    /// MEMBER or SITTER.
    #[schema(example = "MEMBER")]
    pub requested_by: String,
    #[schema(example = "2026-12-24")]
    pub start_date: String,
    #[schema(example = "2026-12-26")]
    pub end_date: String,
}

/// The other side rejected (REJECTED).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct MatchRejected {
    #[schema(example = "01KAMATCH00000000000000001")]
    pub match_id: String,
    #[schema(example = "kim")]
    pub member_id: String,
    #[schema(example = "lee")]
    pub sitter_id: String,
    #[schema(example = "lee")]
    pub rejected_by: String,
}

/// Both sides accepted (CARE_STARTED).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct CareServiceStarted {
    #[schema(example = "01KAMATCH00000000000000001")]
    pub match_id: String,
    #[schema(example = "01KAAPPLICATION00000000001")]
    pub application_id: String,
    #[schema(example = "kim")]
    pub member_id: String,
    #[schema(example = "lee")]
    pub sitter_id: String,
    #[schema(example = "Lee Sujin")]
    pub sitter_name: String,
    #[schema(example = "01KAPET0000000000000000001")]
    pub pet_id: String,
    #[schema(example = "Bori")]
    pub pet_name: String,
}

/// One of the two parties ended the care (CARE_ENDED).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct CareServiceEnded {
    #[schema(example = "01KAMATCH00000000000000001")]
    pub match_id: String,
    #[schema(example = "kim")]
    pub member_id: String,
    #[schema(example = "lee")]
    pub sitter_id: String,
    #[schema(example = "01KAPET0000000000000000001")]
    pub pet_id: String,
    #[schema(example = "kim")]
    pub ended_by: String,
}

// ---- diary ----------------------------------------------------------------------------------

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct DiaryRegistered {
    #[schema(example = "01KAENTRY00000000000000001")]
    pub entry_id: String,
    #[schema(example = "01KAMATCH00000000000000001")]
    pub match_id: String,
    #[schema(example = "lee")]
    pub sitter_id: String,
    #[schema(example = "Walked Bori for an hour.")]
    pub content: String,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct DiaryModified {
    #[schema(example = "01KAENTRY00000000000000001")]
    pub entry_id: String,
    #[schema(example = "01KAMATCH00000000000000001")]
    pub match_id: String,
    #[schema(example = "Walked Bori for two hours.")]
    pub content: String,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct DiaryDeleted {
    #[schema(example = "01KAENTRY00000000000000001")]
    pub entry_id: String,
    #[schema(example = "01KAMATCH00000000000000001")]
    pub match_id: String,
}

// ---- assess ---------------------------------------------------------------------------------

/// The member rated the sitter, once, after care ended.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct SitterAssessed {
    #[schema(example = "01KAMATCH00000000000000001-sitter")]
    pub assessment_id: String,
    #[schema(example = "01KAMATCH00000000000000001")]
    pub match_id: String,
    #[schema(example = "lee")]
    pub sitter_id: String,
    #[schema(example = "kim")]
    pub member_id: String,
    #[schema(example = 5)]
    pub score: u32,
    #[schema(example = "Bori was happy.")]
    pub comment: String,
}

/// The sitter rated the pet, once, after care ended.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct PetAssessed {
    #[schema(example = "01KAMATCH00000000000000001-pet")]
    pub assessment_id: String,
    #[schema(example = "01KAMATCH00000000000000001")]
    pub match_id: String,
    #[schema(example = "01KAPET0000000000000000001")]
    pub pet_id: String,
    #[schema(example = "lee")]
    pub sitter_id: String,
    #[schema(example = 4)]
    pub score: u32,
    #[schema(example = "A calm dog.")]
    pub comment: String,
}

events!(
    MemberSignedUp,
    SitterApplied,
    SitterApproved,
    SitterRejected,
    PetRegistered,
    PetCareApplicationOpened,
    PetCareApplicationMatched,
    MatchRequested,
    MatchRejected,
    CareServiceStarted,
    CareServiceEnded,
    DiaryRegistered,
    DiaryModified,
    DiaryDeleted,
    SitterAssessed,
    PetAssessed,
);

pub const SAMPLE_PET_ID: &str = "01KAPET0000000000000000001";
pub const SAMPLE_APPLICATION_ID: &str = "01KAAPPLICATION00000000001";
pub const SAMPLE_MATCH_ID: &str = "01KAMATCH00000000000000001";
pub const SAMPLE_ENTRY_ID: &str = "01KAENTRY00000000000000001";

/// The sample id for parameter `param` of a route below `path` (a path parameter, an id field
/// of a sample body, or `principal`: who sends the sample request).
pub fn sample_id(path: &str, param: &str) -> &'static str {
    match param {
        // Whoever acts in the sample: the sitter writes the diary, rates the pet and accepts the
        // member's request; the admin decides; the member does the rest.
        "principal" if path.starts_with("/api/v1/sitter") => "admin",
        "principal"
            if path.starts_with("/api/v1/diary")
                || path == "/api/v1/assess/pet"
                || path.ends_with("/accept") =>
        {
            "lee"
        }
        "principal" => "kim",
        // A new member signs up; the sample sitter is the one asked and decided on.
        "loginId" if path.ends_with("/create") => "park",
        "loginId" if path.starts_with("/api/v1/sitter/update") => "kim",
        "loginId" | "sitterId" => "lee",
        "memberId" => "kim",
        "entryId" => SAMPLE_ENTRY_ID,
        "petId" => SAMPLE_PET_ID,
        "applicationId" => SAMPLE_APPLICATION_ID,
        "matchId" => SAMPLE_MATCH_ID,
        _ if path.starts_with("/api/v1/pet") || path.starts_with("/internal/pets") => SAMPLE_PET_ID,
        _ if path.starts_with("/api/v1/assess") => "01KAMATCH00000000000000001-sitter",
        _ if path.starts_with("/api/v1/user") => "kim",
        _ if path.starts_with("/api/v1/match/application") => SAMPLE_APPLICATION_ID,
        _ => SAMPLE_MATCH_ID,
    }
}

/// One recorded example of each event (sample events are generated from these).
pub fn samples() -> Vec<kernel::Envelope> {
    use kernel::Envelope as E;
    E::numbered(vec![
        E::sample::<MemberSignedUp>(USER, "Account", "loginId"),
        E::sample::<SitterApplied>(USER, "Sitter", "loginId"),
        E::sample::<SitterApproved>(USER, "Sitter", "loginId"),
        E::sample::<SitterRejected>(USER, "Sitter", "loginId"),
        E::sample::<PetRegistered>(PET, "Pet", "petId"),
        E::sample::<PetCareApplicationOpened>(MATCH, "PetCareApplication", "applicationId"),
        E::sample::<PetCareApplicationMatched>(MATCH, "PetCareApplication", "applicationId"),
        E::sample::<MatchRequested>(MATCH, "Match", "matchId"),
        E::sample::<MatchRejected>(MATCH, "Match", "matchId"),
        E::sample::<CareServiceStarted>(MATCH, "Match", "matchId"),
        E::sample::<CareServiceEnded>(MATCH, "Match", "matchId"),
        E::sample::<DiaryRegistered>(DIARY, "DiaryEntry", "entryId"),
        E::sample::<DiaryModified>(DIARY, "DiaryEntry", "entryId"),
        E::sample::<DiaryDeleted>(DIARY, "DiaryEntry", "entryId"),
        E::sample::<SitterAssessed>(ASSESS, "Assessment", "assessmentId"),
        E::sample::<PetAssessed>(ASSESS, "Assessment", "assessmentId"),
    ])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_sample_payload_decodes_as_its_event() {
        for e in samples() {
            let decoded = match e.event_type.as_str() {
                "MemberSignedUp" => e.payload::<MemberSignedUp>().map(drop),
                "SitterApplied" => e.payload::<SitterApplied>().map(drop),
                "SitterApproved" => e.payload::<SitterApproved>().map(drop),
                "SitterRejected" => e.payload::<SitterRejected>().map(drop),
                "PetRegistered" => e.payload::<PetRegistered>().map(drop),
                "PetCareApplicationOpened" => e.payload::<PetCareApplicationOpened>().map(drop),
                "PetCareApplicationMatched" => e.payload::<PetCareApplicationMatched>().map(drop),
                "MatchRequested" => e.payload::<MatchRequested>().map(drop),
                "MatchRejected" => e.payload::<MatchRejected>().map(drop),
                "CareServiceStarted" => e.payload::<CareServiceStarted>().map(drop),
                "CareServiceEnded" => e.payload::<CareServiceEnded>().map(drop),
                "DiaryRegistered" => e.payload::<DiaryRegistered>().map(drop),
                "DiaryModified" => e.payload::<DiaryModified>().map(drop),
                "DiaryDeleted" => e.payload::<DiaryDeleted>().map(drop),
                "SitterAssessed" => e.payload::<SitterAssessed>().map(drop),
                "PetAssessed" => e.payload::<PetAssessed>().map(drop),
                other => panic!("no sample decoder for {other}"),
            };
            assert!(decoded.is_ok(), "{}: {decoded:?}", e.event_type);
            assert!(!e.aggregate_id.is_empty(), "{}", e.event_type);
        }
    }

    #[test]
    fn no_event_schema_names_a_password() {
        let all = serde_json::to_string(&samples()).unwrap_or_default();
        assert!(!all.to_lowercase().contains("password"));
    }
}
