//! The validated values of sign-up and sign-in. A password is never echoed in an error.

use std::borrow::Cow;

use serde::{Deserialize, Deserializer, de::Error as _};
use utoipa::{
    PartialSchema, ToSchema,
    openapi::{ObjectBuilder, RefOr, Schema, Type},
};

/// Shortest and longest login id.
pub const LOGIN_ID_LEN: std::ops::RangeInclusive<usize> = 3..=32;
pub const LOGIN_ID_PATTERN: &str = "^[a-z0-9_.-]{3,32}$";
/// Shortest password a member may choose; longest password accepted at all.
pub const MIN_PASSWORD: usize = 8;
pub const MAX_PASSWORD: usize = 128;

/// Whether `id` is a login id: 3–32 of `[a-z0-9_.-]`.
pub fn is_login_id(id: &str) -> bool {
    LOGIN_ID_LEN.contains(&id.len())
        && id
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b"_.-".contains(&b))
}

/// A login id: 3–32 of `[a-z0-9_.-]`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LoginId(String);

impl LoginId {
    pub fn as_str(&self) -> &str {
        &self.0
    }
    pub fn into_string(self) -> String {
        self.0
    }
}

impl<'de> Deserialize<'de> for LoginId {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let raw = Cow::<'de, str>::deserialize(d)?;
        if is_login_id(&raw) {
            Ok(Self(raw.into_owned()))
        } else {
            Err(D::Error::custom(
                "must be 3–32 of lowercase letters, digits, '_', '.' or '-'",
            ))
        }
    }
}

impl PartialSchema for LoginId {
    fn schema() -> RefOr<Schema> {
        ObjectBuilder::new()
            .schema_type(Type::String)
            .pattern(Some(LOGIN_ID_PATTERN))
            .min_length(Some(3))
            .max_length(Some(32))
            .examples([serde_json::json!("kim")])
            .into()
    }
}

impl ToSchema for LoginId {
    fn name() -> Cow<'static, str> {
        Cow::Borrowed("LoginId")
    }
}

/// A password as typed: `MIN` to `MAX_PASSWORD` characters, kept exactly (not trimmed). Its
/// `Debug` shows nothing of it.
#[derive(Clone, PartialEq, Eq)]
pub struct Password<const MIN: usize>(String);

/// A new password: at least `MIN_PASSWORD` characters.
pub type NewPassword = Password<MIN_PASSWORD>;
/// A password given at sign-in (the first admin's may be shorter than a member's).
pub type GivenPassword = Password<1>;

impl<const MIN: usize> Password<MIN> {
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl<const MIN: usize> std::fmt::Debug for Password<MIN> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Password(<redacted>)")
    }
}

impl<'de, const MIN: usize> Deserialize<'de> for Password<MIN> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let raw = Cow::<'de, str>::deserialize(d)?;
        let n = raw.chars().count();
        if (MIN..=MAX_PASSWORD).contains(&n) {
            Ok(Self(raw.into_owned()))
        } else {
            Err(D::Error::custom(format!(
                "must be {MIN} to {MAX_PASSWORD} characters"
            )))
        }
    }
}

impl<const MIN: usize> PartialSchema for Password<MIN> {
    fn schema() -> RefOr<Schema> {
        ObjectBuilder::new()
            .schema_type(Type::String)
            .format(Some(utoipa::openapi::SchemaFormat::KnownFormat(
                utoipa::openapi::KnownFormat::Password,
            )))
            .min_length(Some(MIN))
            .max_length(Some(MAX_PASSWORD))
            .examples([serde_json::json!("correct horse battery")])
            .into()
    }
}

impl<const MIN: usize> ToSchema for Password<MIN> {
    fn name() -> Cow<'static, str> {
        Cow::Owned(format!("Password{MIN}"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn login_ids_are_three_to_thirty_two_lowercase_letters_digits_and_marks() {
        for ok in ["kim", "a.b_c-9", &"x".repeat(32)] {
            assert!(is_login_id(ok), "{ok}");
        }
        for bad in [
            "ki",
            "Kim",
            "kim lee",
            "김민지",
            &"x".repeat(33),
            "kim/..",
            "",
        ] {
            assert!(!is_login_id(bad), "{bad}");
        }
    }

    #[test]
    fn a_short_password_is_refused_without_echoing_it() {
        let e = serde_json::from_str::<NewPassword>("\"hunter2\"").unwrap_err();
        assert!(!e.to_string().contains("hunter2"));
        assert!(serde_json::from_str::<NewPassword>("\"hunter22\"").is_ok());
        assert!(serde_json::from_str::<NewPassword>(&format!("\"{}\"", "p".repeat(129))).is_err());
    }

    #[test]
    fn a_password_never_prints() {
        let p: NewPassword = serde_json::from_str("\"correct horse\"").unwrap();
        assert!(!format!("{p:?}").contains("horse"));
        assert_eq!(p.expose(), "correct horse");
    }
}
