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

/// A non-blank string of at most `max` characters, trimmed.
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
    if trimmed.chars().any(char::is_control) {
        return Err(AppError::invalid(format!(
            "`{field}` must not contain control characters"
        )));
    }
    Ok(trimmed.to_owned())
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

/// A calendar date, `YYYY-MM-DD`.
pub fn date(field: &str, value: &str) -> Result<time::Date, AppError> {
    let format = time::macros::format_description!("[year]-[month]-[day]");
    time::Date::parse(value, format).map_err(|_| {
        AppError::invalid(format!(
            "`{field}` must be a date as YYYY-MM-DD, got {value:?}"
        ))
    })
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
    fn dates_and_ranges() {
        assert!(date("date", "2026-12-01").is_ok());
        assert!(date("date", "2026-13-01").is_err());
        assert!(date("date", "tomorrow").is_err());
        assert!(int_in("seats", 0, 1..=100).is_err());
        assert_eq!(int_in("seats", 100, 1..=100).unwrap(), 100);
    }
}
