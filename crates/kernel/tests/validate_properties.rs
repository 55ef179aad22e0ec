//! Property tests of the validated values: what each accepts is exactly what its rule says.

use kernel::{AppError, validate};
use proptest::prelude::*;

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn an_id_is_accepted_exactly_when_it_is_short_and_plain(value in ".{0,70}") {
        let plain = !value.is_empty()
            && value != "."
            && value != ".."
            && value.len() <= validate::MAX_ID_LEN
            && value.chars().all(|c| c.is_ascii_alphanumeric() || "-_.@".contains(c));
        match validate::id("id", &value) {
            Ok(id) => prop_assert!(plain && id == value),
            Err(AppError::Invalid(_)) => prop_assert!(!plain),
            Err(other) => prop_assert!(false, "{other:?}"),
        }
    }

    #[test]
    fn accepted_text_is_trimmed_bounded_and_printable(value in ".{0,120}", max in 1usize..100) {
        match validate::text("hall", &value, max) {
            Ok(text) => {
                prop_assert_eq!(text.as_str(), value.trim());
                prop_assert!(!text.is_empty() && text.chars().count() <= max);
                prop_assert!(!text.chars().any(char::is_control));
                let invisible = ['\u{200b}', '\u{202e}', '\u{feff}'];
                prop_assert!(!text.contains(invisible), "{text:?}");
            }
            Err(AppError::Invalid(_)) => {}
            Err(other) => prop_assert!(false, "{other:?}"),
        }
    }

    #[test]
    fn a_date_is_accepted_exactly_when_it_is_on_the_calendar(year in 0i32..=9999, month in 0u8..=13, day in 0u8..=32) {
        let written = format!("{year:04}-{month:02}-{day:02}");
        let on_calendar = time::Month::try_from(month)
            .is_ok_and(|m| time::Date::from_calendar_date(year, m, day).is_ok())
            && validate::YEARS.contains(&year);
        match validate::date("date", &written) {
            Ok(date) => prop_assert!(on_calendar && date.to_string() == written, "{written} → {date}"),
            Err(AppError::Invalid(_)) => prop_assert!(!on_calendar, "{written} refused"),
            Err(other) => prop_assert!(false, "{other:?}"),
        }
    }
}
