//! 회원 (accounts), 펫시터 (sitters) and the login throttle. Pure: no I/O, time comes in.

use kernel::{Aggregate, Document, Keys, Slot, aggregate::Decide};
use petmily_events::{MemberSignedUp, ROLE_ADMIN, SitterApplied, SitterApproved, SitterRejected};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// An account: who may sign in, and with which roles. Its password hash is kept here and
/// nowhere else: no event, view or log line carries it.
#[derive(Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Account {
    /// The login id.
    pub id: String,
    pub name: String,
    pub address: String,
    pub password_hash: String,
    pub roles: Vec<String>,
}

impl std::fmt::Debug for Account {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Account")
            .field("id", &self.id)
            .field("roles", &self.roles)
            .finish_non_exhaustive()
    }
}

impl Account {
    /// An account about to be recorded with this password hash (the event never carries it).
    pub fn with_password(hash: String) -> Self {
        Self {
            password_hash: hash,
            ..Self::default()
        }
    }

    pub fn is_admin(&self) -> bool {
        self.roles.iter().any(|r| r == ROLE_ADMIN)
    }
}

impl Document for Account {
    const KIND: &'static str = "Account";
    fn id(&self) -> &str {
        &self.id
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "eventType", content = "payload")]
pub enum AccountEvent {
    MemberSignedUp(MemberSignedUp),
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum AccountCmd {
    SignUp {
        login_id: String,
        name: String,
        address: String,
        roles: Vec<String>,
    },
}

#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum AccountRefusal {
    #[error("the login id {0} is taken")]
    LoginIdTaken(String),
}

impl From<AccountRefusal> for kernel::AppError {
    fn from(r: AccountRefusal) -> Self {
        Self::Conflict(r.to_string())
    }
}

impl Decide for Account {
    type Command = AccountCmd;
    type Refusal = AccountRefusal;

    fn decide(&self, cmd: AccountCmd) -> Result<Vec<AccountEvent>, AccountRefusal> {
        match cmd {
            AccountCmd::SignUp {
                login_id,
                name,
                address,
                roles,
            } => {
                if !self.id.is_empty() {
                    return Err(AccountRefusal::LoginIdTaken(self.id.clone()));
                }
                Ok(vec![AccountEvent::MemberSignedUp(MemberSignedUp {
                    login_id,
                    name,
                    address,
                    roles,
                })])
            }
        }
    }
}

impl Aggregate for Account {
    type Event = AccountEvent;

    fn apply(mut self, event: &AccountEvent) -> Self {
        match event {
            AccountEvent::MemberSignedUp(e) => {
                self.id = e.login_id.clone();
                self.name = e.name.clone();
                self.address = e.address.clone();
                self.roles = e.roles.clone();
            }
        }
        self
    }
}

// ---- sitter ---------------------------------------------------------------------------------

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum SitterStatus {
    /// 지원: waiting for an admin's decision.
    #[default]
    Applied,
    /// 승인: may offer care and be asked.
    Approved,
    /// 거절.
    Rejected,
}

impl SitterStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Applied => "APPLIED",
            Self::Approved => "APPROVED",
            Self::Rejected => "REJECTED",
        }
    }
}

/// A member's sitter profile: their application, the admin's decision, and their ratings.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Sitter {
    /// The sitter's login id.
    pub id: String,
    pub name: String,
    pub address: String,
    pub intro: String,
    /// Years of experience.
    pub experience: u32,
    pub status: SitterStatus,
    pub rating_sum: u64,
    pub rating_count: u64,
}

/// Sitters by status (the available list reads APPROVED ones).
pub const BY_STATUS: Slot = Slot::A;

impl Document for Sitter {
    const KIND: &'static str = "Sitter";
    fn id(&self) -> &str {
        &self.id
    }
    fn keys(&self) -> Keys {
        Keys {
            a: Some(self.status.as_str().to_owned()),
            b: None,
        }
    }
}

impl Sitter {
    /// The mean of the scores members gave, to two decimals; none before the first.
    pub fn average_rating(&self) -> Option<f64> {
        (self.rating_count > 0).then(|| {
            let mean = self.rating_sum as f64 / self.rating_count as f64;
            (mean * 100.0).round() / 100.0
        })
    }

    /// Whether the sitter's address contains `text`, ignoring case.
    pub fn serves(&self, text: &str) -> bool {
        self.address.to_lowercase().contains(&text.to_lowercase())
    }

    /// The sitter after a member's score.
    pub fn rated(mut self, score: u32) -> Self {
        self.rating_sum += u64::from(score);
        self.rating_count += 1;
        self
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "eventType", content = "payload")]
pub enum SitterEvent {
    SitterApplied(SitterApplied),
    SitterApproved(SitterApproved),
    SitterRejected(SitterRejected),
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SitterCmd {
    Apply {
        login_id: String,
        name: String,
        address: String,
        intro: String,
        experience: u32,
    },
    Approve {
        by: String,
    },
    Reject {
        by: String,
    },
}

#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum SitterRefusal {
    #[error("{0} has already applied and waits for a decision")]
    AlreadyApplied(String),
    #[error("{0} is already an approved sitter")]
    AlreadyApproved(String),
    #[error("{0} has no application waiting for a decision (it is {1})")]
    NotWaiting(String, &'static str),
}

impl From<SitterRefusal> for kernel::AppError {
    fn from(r: SitterRefusal) -> Self {
        Self::Conflict(r.to_string())
    }
}

impl Decide for Sitter {
    type Command = SitterCmd;
    type Refusal = SitterRefusal;

    /// A member applies (again only after a rejection); an admin decides an APPLIED one once.
    fn decide(&self, cmd: SitterCmd) -> Result<Vec<SitterEvent>, SitterRefusal> {
        let exists = !self.id.is_empty();
        match cmd {
            SitterCmd::Apply {
                login_id,
                name,
                address,
                intro,
                experience,
            } => match self.status {
                SitterStatus::Applied if exists => Err(SitterRefusal::AlreadyApplied(login_id)),
                SitterStatus::Approved => Err(SitterRefusal::AlreadyApproved(login_id)),
                _ => Ok(vec![SitterEvent::SitterApplied(SitterApplied {
                    login_id,
                    name,
                    address,
                    intro,
                    experience,
                })]),
            },
            SitterCmd::Approve { .. } | SitterCmd::Reject { .. }
                if !exists || self.status != SitterStatus::Applied =>
            {
                Err(SitterRefusal::NotWaiting(
                    self.id.clone(),
                    self.status.as_str(),
                ))
            }
            SitterCmd::Approve { by } => Ok(vec![SitterEvent::SitterApproved(SitterApproved {
                login_id: self.id.clone(),
                decided_by: by,
            })]),
            SitterCmd::Reject { by } => Ok(vec![SitterEvent::SitterRejected(SitterRejected {
                login_id: self.id.clone(),
                decided_by: by,
            })]),
        }
    }
}

impl Aggregate for Sitter {
    type Event = SitterEvent;

    fn apply(mut self, event: &SitterEvent) -> Self {
        match event {
            SitterEvent::SitterApplied(e) => {
                self.id = e.login_id.clone();
                self.name = e.name.clone();
                self.address = e.address.clone();
                self.intro = e.intro.clone();
                self.experience = e.experience;
                self.status = SitterStatus::Applied;
            }
            SitterEvent::SitterApproved(_) => self.status = SitterStatus::Approved,
            SitterEvent::SitterRejected(_) => self.status = SitterStatus::Rejected,
        }
        self
    }
}

// ---- login throttle -------------------------------------------------------------------------

/// Failed sign-ins for one login id: after `max_failures` in a row the id is locked for a
/// while, longer with each further failure; a successful sign-in clears it.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct LoginThrottle {
    /// The login id.
    pub id: String,
    pub failures: u32,
    /// Unix milliseconds until which sign-ins are refused.
    pub locked_until_ms: i64,
}

impl Document for LoginThrottle {
    const KIND: &'static str = "LoginThrottle";
    fn id(&self) -> &str {
        &self.id
    }
}

/// How failed sign-ins are slowed down.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ThrottlePolicy {
    pub max_failures: u32,
    pub lock_ms: i64,
}

/// Longest lock: the base lock doubles per further failure, at most this many times.
const MAX_DOUBLINGS: u32 = 6;

impl LoginThrottle {
    /// Milliseconds the caller must wait before trying again; `None` when a try is allowed.
    pub fn wait_ms(&self, now_ms: i64) -> Option<i64> {
        (self.locked_until_ms > now_ms).then(|| self.locked_until_ms - now_ms)
    }

    /// The throttle after one more failure at `now_ms`.
    pub fn failed(mut self, id: &str, now_ms: i64, policy: ThrottlePolicy) -> Self {
        self.id = id.to_owned();
        self.failures = self.failures.saturating_add(1);
        if self.failures >= policy.max_failures {
            let doublings = (self.failures - policy.max_failures).min(MAX_DOUBLINGS);
            self.locked_until_ms = now_ms + policy.lock_ms * (1i64 << doublings);
        }
        self
    }
}

#[cfg(test)]
mod tests {
    use testkit::given;

    use super::*;

    fn signed_up() -> AccountEvent {
        AccountEvent::MemberSignedUp(MemberSignedUp {
            login_id: "kim".into(),
            name: "Kim".into(),
            address: "Seoul".into(),
            roles: vec!["ROLE_USER".into()],
        })
    }

    fn sign_up() -> AccountCmd {
        AccountCmd::SignUp {
            login_id: "kim".into(),
            name: "Kim".into(),
            address: "Seoul".into(),
            roles: vec!["ROLE_USER".into()],
        }
    }

    fn applied() -> SitterEvent {
        SitterEvent::SitterApplied(SitterApplied {
            login_id: "lee".into(),
            name: "Lee".into(),
            address: "Seoul Mapo".into(),
            intro: "hi".into(),
            experience: 3,
        })
    }

    fn apply() -> SitterCmd {
        SitterCmd::Apply {
            login_id: "lee".into(),
            name: "Lee".into(),
            address: "Seoul Mapo".into(),
            intro: "hi".into(),
            experience: 3,
        }
    }

    fn approved() -> SitterEvent {
        SitterEvent::SitterApproved(SitterApproved {
            login_id: "lee".into(),
            decided_by: "admin".into(),
        })
    }

    fn rejected() -> SitterEvent {
        SitterEvent::SitterRejected(SitterRejected {
            login_id: "lee".into(),
            decided_by: "admin".into(),
        })
    }

    const POLICY: ThrottlePolicy = ThrottlePolicy {
        max_failures: 3,
        lock_ms: 1000,
    };

    #[test]
    fn signing_up_records_the_member_without_the_password() {
        let a = given::<Account>([]).when(sign_up()).then([signed_up()]);
        assert_eq!((a.id.as_str(), a.password_hash.as_str()), ("kim", ""));
    }

    #[test]
    fn a_login_id_is_taken_once() {
        given::<Account>([signed_up()])
            .when(sign_up())
            .then_refused(AccountRefusal::LoginIdTaken("kim".into()));
    }

    #[test]
    fn an_account_never_prints_its_password_hash() {
        let a = Account {
            id: "kim".into(),
            password_hash: "$argon2id$secret".into(),
            ..Account::default()
        };
        assert!(!format!("{a:?}").contains("argon2id"));
    }

    #[test]
    fn a_member_applies_as_a_sitter_and_waits() {
        let s = given::<Sitter>([]).when(apply()).then([applied()]);
        assert_eq!(s.status, SitterStatus::Applied);
    }

    #[test]
    fn applying_twice_while_waiting_or_approved_is_refused() {
        given::<Sitter>([applied()])
            .when(apply())
            .then_refused(SitterRefusal::AlreadyApplied("lee".into()));
        given::<Sitter>([applied(), approved()])
            .when(apply())
            .then_refused(SitterRefusal::AlreadyApproved("lee".into()));
    }

    #[test]
    fn a_rejected_sitter_may_apply_again() {
        let s = given::<Sitter>([applied(), rejected()])
            .when(apply())
            .then([applied()]);
        assert_eq!(s.status, SitterStatus::Applied);
    }

    #[test]
    fn an_admin_approves_or_rejects_a_waiting_application() {
        let s = given::<Sitter>([applied()])
            .when(SitterCmd::Approve { by: "admin".into() })
            .then([approved()]);
        assert_eq!(s.status, SitterStatus::Approved);
        let s = given::<Sitter>([applied()])
            .when(SitterCmd::Reject { by: "admin".into() })
            .then([rejected()]);
        assert_eq!(s.status, SitterStatus::Rejected);
    }

    #[test]
    fn a_decided_application_is_not_decided_again() {
        given::<Sitter>([applied(), approved()])
            .when(SitterCmd::Reject { by: "admin".into() })
            .then_refused(SitterRefusal::NotWaiting("lee".into(), "APPROVED"));
        given::<Sitter>([])
            .when(SitterCmd::Approve { by: "admin".into() })
            .then_refused(SitterRefusal::NotWaiting(String::new(), "APPLIED"));
    }

    #[test]
    fn the_average_rating_is_the_mean_of_the_scores_to_two_decimals() {
        let s = Sitter::default();
        assert_eq!(s.average_rating(), None);
        let s = s.rated(5).rated(4).rated(4);
        assert_eq!((s.average_rating(), s.rating_count), (Some(4.33), 3));
    }

    #[test]
    fn the_address_filter_ignores_case() {
        let s = Sitter {
            address: "Seoul Mapo-gu".into(),
            ..Sitter::default()
        };
        assert!(s.serves("mapo") && s.serves("SEOUL") && !s.serves("busan"));
    }

    #[test]
    fn sign_ins_are_locked_after_too_many_failures_and_longer_each_time() {
        let t = LoginThrottle::default()
            .failed("kim", 0, POLICY)
            .failed("kim", 0, POLICY);
        assert_eq!(t.wait_ms(0), None);
        let t = t.failed("kim", 0, POLICY);
        assert_eq!(t.wait_ms(0), Some(1000));
        assert_eq!(t.wait_ms(1000), None);
        let t = t.failed("kim", 1000, POLICY);
        assert_eq!(t.wait_ms(1000), Some(2000));
    }
}
