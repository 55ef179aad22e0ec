//! Input checks shared by every context. Each failure is a 400 that names the field.

use std::ops::RangeInclusive;

use serde::Deserialize;

use crate::error::AppError;

/// Longest id any resource accepts in a path or a body.
pub const MAX_ID_LEN: usize = 64;

/// What `id` accepts, as the OpenAPI documents state it (`.` and `..` are not ids: in a path they
/// would name another resource).
pub const ID_PATTERN: &str = "^(?!\\.{1,2}$)[A-Za-z0-9._@-]{1,64}$";

/// Deserializes a JSON integer, also when written as a number with a zero fraction (`2.0`): JSON
/// Schema's `integer` admits both. Use with `#[serde(deserialize_with = "...")]`.
pub fn whole_number<'de, D: serde::Deserializer<'de>>(d: D) -> Result<i64, D::Error> {
    use serde::de::Error;
    let n = serde_json::Number::deserialize(d)?;
    if let Some(i) = n.as_i64() {
        return Ok(i);
    }
    match n.as_f64() {
        Some(f) if f.fract() == 0.0 && f.abs() < 9.0e15 => Ok(f as i64),
        _ => Err(D::Error::custom(format!(
            "expected a whole number, got {n}"
        ))),
    }
}

/// `whole_number` for an optional field.
pub fn optional_whole_number<'de, D: serde::Deserializer<'de>>(
    d: D,
) -> Result<Option<i64>, D::Error> {
    #[derive(serde::Deserialize)]
    struct Whole(#[serde(deserialize_with = "whole_number")] i64);
    Ok(Option::<Whole>::deserialize(d)?.map(|w| w.0))
}

/// A non-blank string of at most `max` characters, trimmed; no control or invisible formatting
/// characters (a right-to-left override or a zero-width space would make a name lie about what
/// it shows).
pub fn text(field: &str, value: &str, max: usize) -> Result<String, AppError> {
    let trimmed = value.trim();
    if trimmed.is_empty() {
        return Err(AppError::invalid(format!("`{field}` must not be blank")));
    }
    if trimmed.chars().count() > max {
        return Err(AppError::invalid(format!(
            "`{field}` must be at most {max} characters"
        )));
    }
    if trimmed.chars().any(|c| c.is_control() || is_format(c)) {
        return Err(AppError::invalid(format!(
            "`{field}` must not contain control or invisible formatting characters"
        )));
    }
    Ok(trimmed.to_owned())
}

/// Unicode's invisible formatting characters (general category Cf) and the line and paragraph
/// separators (Zl, Zp).
fn is_format(c: char) -> bool {
    matches!(c as u32,
        0x00AD | 0x0600..=0x0605 | 0x061C | 0x06DD | 0x070F | 0x0890..=0x0891 | 0x08E2
        | 0x180E | 0x200B..=0x200F | 0x2028..=0x202E | 0x2060..=0x2064 | 0x2066..=0x206F
        | 0xFEFF | 0xFFF9..=0xFFFB | 0x110BD | 0x110CD | 0x13430..=0x1343F
        | 0x1BCA0..=0x1BCA3 | 0x1D173..=0x1D17A | 0xE0001 | 0xE0020..=0xE007F)
}

/// An identifier: 1–64 characters of letters, digits, `-`, `_`, `.`, `@`.
pub fn id(field: &str, value: &str) -> Result<String, AppError> {
    let ok = !value.is_empty()
        && value != "."
        && value != ".."
        && value.len() <= MAX_ID_LEN
        && value
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"-_.@".contains(&b));
    if ok {
        Ok(value.to_owned())
    } else {
        Err(AppError::invalid(format!(
            "`{field}` must be 1–{MAX_ID_LEN} letters, digits, '-', '_', '.' or '@' (and not `.` or `..`)"
        )))
    }
}

/// An integer within `range`.
pub fn int_in(field: &str, value: i64, range: RangeInclusive<i64>) -> Result<i64, AppError> {
    if range.contains(&value) {
        Ok(value)
    } else {
        Err(AppError::invalid(format!(
            "`{field}` must be between {} and {}, got {value}",
            range.start(),
            range.end()
        )))
    }
}

/// Earliest and latest year a date may name: far enough for any booking, birth date or schedule,
/// near enough to refuse `0000-01-01`.
pub const YEARS: RangeInclusive<i32> = 1900..=2999;

/// A calendar date, exactly `YYYY-MM-DD` (no sign, no extra digits), in `YEARS`.
pub fn date(field: &str, value: &str) -> Result<time::Date, AppError> {
    let refuse = || {
        AppError::invalid(format!(
            "`{field}` must be a date as YYYY-MM-DD between {}-01-01 and {}-12-31, got {value:?}",
            YEARS.start(),
            YEARS.end()
        ))
    };
    let b = value.as_bytes();
    let shaped = b.len() == 10
        && b[4] == b'-'
        && b[7] == b'-'
        && b.iter()
            .enumerate()
            .all(|(i, c)| i == 4 || i == 7 || c.is_ascii_digit());
    if !shaped {
        return Err(refuse());
    }
    let format = time::macros::format_description!("[year]-[month]-[day]");
    let date = time::Date::parse(value, format).map_err(|_| refuse())?;
    if !YEARS.contains(&date.year()) {
        return Err(refuse());
    }
    Ok(date)
}

pub use values::{Count, Date, Id, Text};

/// Validated values: a request field of one of these types is checked as it is decoded, so a
/// handler only ever sees valid input, and the OpenAPI document states the same rule.
mod values {
    use std::{borrow::Cow, fmt};

    use serde::{Deserialize, Deserializer, Serialize, Serializer, de::Error as _};
    use utoipa::{
        PartialSchema, ToSchema,
        openapi::{ObjectBuilder, RefOr, Schema, Type},
    };

    use super::{ID_PATTERN, MAX_ID_LEN};
    use crate::error::AppError;

    fn string_schema() -> ObjectBuilder {
        ObjectBuilder::new().schema_type(Type::String)
    }

    /// An identifier: 1–64 of `[A-Za-z0-9._@-]`, not `.` or `..`.
    #[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
    pub struct Id(String);

    impl Id {
        pub fn parse(field: &str, value: &str) -> Result<Self, AppError> {
            super::id(field, value).map(Self)
        }
        pub fn as_str(&self) -> &str {
            &self.0
        }
        pub fn into_string(self) -> String {
            self.0
        }
    }

    impl fmt::Display for Id {
        fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str(&self.0)
        }
    }

    impl AsRef<str> for Id {
        fn as_ref(&self) -> &str {
            &self.0
        }
    }

    impl From<Id> for String {
        fn from(id: Id) -> Self {
            id.0
        }
    }

    impl<'de> Deserialize<'de> for Id {
        fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
            let raw = Cow::<'de, str>::deserialize(d)?;
            super::id("id", &raw)
                .map(Self)
                .map_err(|_| D::Error::custom(format!(
                    "must be 1–{MAX_ID_LEN} letters, digits, '-', '_', '.' or '@' (and not `.` or `..`), got {raw:?}"
                )))
        }
    }

    impl Serialize for Id {
        fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
            s.serialize_str(&self.0)
        }
    }

    impl PartialSchema for Id {
        fn schema() -> RefOr<Schema> {
            string_schema()
                .pattern(Some(ID_PATTERN))
                .min_length(Some(1))
                .max_length(Some(MAX_ID_LEN))
                .examples([serde_json::json!("01KAEXAMPLE000000000000001")])
                .into()
        }
    }

    impl ToSchema for Id {
        fn name() -> Cow<'static, str> {
            Cow::Borrowed("Id")
        }
    }

    /// Text a person wrote: trimmed, 1 to `MAX` characters, not blank, no control or invisible
    /// formatting characters. Name it with a type alias in the domain's words (`type Hall =
    /// Text<100>;`): the OpenAPI derive needs a plain type name for a field.
    #[derive(Clone, Debug, PartialEq, Eq, Hash)]
    pub struct Text<const MAX: usize>(String);

    impl<const MAX: usize> Text<MAX> {
        pub fn parse(field: &str, value: &str) -> Result<Self, AppError> {
            super::text(field, value, MAX).map(Self)
        }
        pub fn as_str(&self) -> &str {
            &self.0
        }
        pub fn into_string(self) -> String {
            self.0
        }
    }

    impl<const MAX: usize> fmt::Display for Text<MAX> {
        fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str(&self.0)
        }
    }

    impl<const MAX: usize> From<Text<MAX>> for String {
        fn from(t: Text<MAX>) -> Self {
            t.0
        }
    }

    impl<'de, const MAX: usize> Deserialize<'de> for Text<MAX> {
        fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
            let raw = Cow::<'de, str>::deserialize(d)?;
            super::text("text", &raw, MAX)
                .map(Self)
                .map_err(|e| D::Error::custom(e.to_string().replace("`text` ", "")))
        }
    }

    impl<const MAX: usize> Serialize for Text<MAX> {
        fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
            s.serialize_str(&self.0)
        }
    }

    impl<const MAX: usize> PartialSchema for Text<MAX> {
        fn schema() -> RefOr<Schema> {
            string_schema()
                .min_length(Some(1))
                .max_length(Some(MAX))
                .pattern(Some("^\\S(.*\\S)?$"))
                .examples([serde_json::json!("Hall A")])
                .into()
        }
    }

    impl<const MAX: usize> ToSchema for Text<MAX> {
        fn name() -> Cow<'static, str> {
            Cow::Owned(format!("Text{MAX}"))
        }
    }

    /// A whole number from `MIN` to `MAX` (JSON's `2.0` counts as 2). Name it with a type alias
    /// (`type Seats = Count<1, 100>;`), as for `Text`.
    #[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
    pub struct Count<const MIN: i64, const MAX: i64>(i64);

    impl<const MIN: i64, const MAX: i64> Count<MIN, MAX> {
        pub fn parse(field: &str, value: i64) -> Result<Self, AppError> {
            super::int_in(field, value, MIN..=MAX).map(Self)
        }
        pub fn get(self) -> i64 {
            self.0
        }
    }

    impl<'de, const MIN: i64, const MAX: i64> Deserialize<'de> for Count<MIN, MAX> {
        fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
            let n = super::whole_number(d)?;
            if (MIN..=MAX).contains(&n) {
                Ok(Self(n))
            } else {
                Err(D::Error::custom(format!(
                    "must be between {MIN} and {MAX}, got {n}"
                )))
            }
        }
    }

    impl<const MIN: i64, const MAX: i64> Serialize for Count<MIN, MAX> {
        fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
            s.serialize_i64(self.0)
        }
    }

    impl<const MIN: i64, const MAX: i64> PartialSchema for Count<MIN, MAX> {
        fn schema() -> RefOr<Schema> {
            ObjectBuilder::new()
                .schema_type(Type::Integer)
                .minimum(Some(MIN))
                .maximum(Some(MAX))
                .examples([serde_json::json!(2.clamp(MIN, MAX))])
                .into()
        }
    }

    impl<const MIN: i64, const MAX: i64> ToSchema for Count<MIN, MAX> {
        fn name() -> Cow<'static, str> {
            Cow::Owned(format!("Count{MIN}to{MAX}"))
        }
    }

    /// A calendar date written `YYYY-MM-DD`, within `super::YEARS`.
    #[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
    pub struct Date(time::Date);

    impl Date {
        pub fn parse(field: &str, value: &str) -> Result<Self, AppError> {
            super::date(field, value).map(Self)
        }
        pub fn get(self) -> time::Date {
            self.0
        }
    }

    impl fmt::Display for Date {
        fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            write!(
                f,
                "{:04}-{:02}-{:02}",
                self.0.year(),
                u8::from(self.0.month()),
                self.0.day()
            )
        }
    }

    impl<'de> Deserialize<'de> for Date {
        fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
            let raw = Cow::<'de, str>::deserialize(d)?;
            Date::parse("date", &raw)
                .map_err(|e| D::Error::custom(e.to_string().replace("`date` ", "")))
        }
    }

    impl Serialize for Date {
        fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
            s.collect_str(self)
        }
    }

    impl PartialSchema for Date {
        fn schema() -> RefOr<Schema> {
            string_schema()
                .format(Some(utoipa::openapi::SchemaFormat::KnownFormat(
                    utoipa::openapi::KnownFormat::Date,
                )))
                .pattern(Some("^(19|2[0-9])[0-9]{2}-[0-9]{2}-[0-9]{2}$"))
                .examples([serde_json::json!("2026-12-24")])
                .into()
        }
    }

    impl ToSchema for Date {
        fn name() -> Cow<'static, str> {
            Cow::Borrowed("Date")
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_is_trimmed_bounded_and_printable() {
        assert_eq!(text("hall", "  A  ", 10).unwrap(), "A");
        assert!(text("hall", "   ", 10).is_err());
        assert!(text("hall", "abcdefghijk", 10).is_err());
        assert!(text("hall", "a\u{0}b", 10).is_err());
        assert_eq!(text("hall", "전시홀", 3).unwrap(), "전시홀");
    }

    #[test]
    fn ids_are_plain() {
        assert!(id("userId", "user-1").is_ok());
        assert!(id("userId", "").is_err());
        assert!(id("userId", "a/b").is_err());
        assert!(id("id", ".").is_err());
        assert!(id("id", "..").is_err());
        assert!(id("id", "...").is_ok());
        assert!(id("userId", &"x".repeat(65)).is_err());
    }

    #[test]
    fn whole_numbers_may_carry_a_zero_fraction() {
        #[derive(Deserialize)]
        struct Seats {
            #[serde(deserialize_with = "whole_number")]
            n: i64,
            #[serde(default, deserialize_with = "optional_whole_number")]
            m: Option<i64>,
        }
        let parse = |j: &str| serde_json::from_str::<Seats>(j).map(|s| (s.n, s.m));
        assert_eq!(parse(r#"{"n": 2}"#).unwrap(), (2, None));
        assert_eq!(parse(r#"{"n": 2.0, "m": 3.0}"#).unwrap(), (2, Some(3)));
        assert_eq!(parse(r#"{"n": -4}"#).unwrap(), (-4, None));
        assert!(parse(r#"{"n": 1.5}"#).is_err());
        assert!(parse(r#"{"n": 1e300}"#).is_err());
        assert!(parse(r#"{"n": "2"}"#).is_err());
    }

    #[test]
    fn text_refuses_invisible_formatting_and_whitespace_only() {
        assert!(
            text("hall", "\u{202e}A", 10).is_err(),
            "right-to-left override"
        );
        assert!(
            text("hall", "\u{200b}\u{200b}", 10).is_err(),
            "zero-width only"
        );
        assert!(
            text("hall", "\u{3000}\u{2003}", 10).is_err(),
            "Unicode whitespace only"
        );
        assert!(text("hall", "A\u{2028}B", 10).is_err(), "line separator");
        assert!(text("hall", "Hall 🎨", 10).is_ok());
    }

    #[test]
    fn dates_and_ranges() {
        assert!(date("date", "2026-12-01").is_ok());
        assert!(date("date", "2026-13-01").is_err());
        assert!(date("date", "2026-02-30").is_err());
        assert!(date("date", "tomorrow").is_err());
        assert!(date("date", "0000-01-01").is_err());
        assert!(date("date", "+2026-12-24").is_err());
        assert!(date("date", "2026-1-01").is_err());
        assert!(date("date", "3000-01-01").is_err());
        assert_eq!(
            serde_json::to_string(&serde_json::from_str::<Date>("\"1999-01-05\"").unwrap())
                .unwrap(),
            "\"1999-01-05\""
        );
        assert!(int_in("seats", 0, 1..=100).is_err());
        assert_eq!(int_in("seats", 100, 1..=100).unwrap(), 100);
    }
}
