//! List cursors: a query's `LastEvaluatedKey` as URL-safe base64 of its JSON. Every key of the
//! layout is a string, so the JSON is a flat object of strings.

use std::collections::{BTreeMap, HashMap};

use aws_sdk_dynamodb::types::AttributeValue;
use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};
use kernel::store::StoreError;

use super::item::{Item, PK, SK};

pub fn encode(last_evaluated_key: &Item) -> Result<String, StoreError> {
    let mut flat = BTreeMap::new();
    for (name, value) in last_evaluated_key {
        let AttributeValue::S(v) = value else {
            return Err(StoreError::Unavailable(anyhow::anyhow!(
                "index key `{name}` is not a string"
            )));
        };
        flat.insert(name.as_str(), v.as_str());
    }
    let json = serde_json::to_vec(&flat).map_err(|e| StoreError::Unavailable(e.into()))?;
    Ok(URL_SAFE_NO_PAD.encode(json))
}

/// The start key a cursor stands for. It must be a key of the same query: the table key and the
/// index key (`hash` = `value`), or it is refused as the caller's mistake.
pub fn decode(cursor: &str, hash: &str, value: &str) -> Result<Item, StoreError> {
    let invalid =
        || StoreError::Invalid(format!("cursor {cursor:?} is not one this list returned"));
    let json = URL_SAFE_NO_PAD
        .decode(cursor.trim_end_matches('='))
        .map_err(|_| invalid())?;
    let flat: HashMap<String, String> = serde_json::from_slice(&json).map_err(|_| invalid())?;
    let belongs = flat.contains_key(PK)
        && flat.contains_key(SK)
        && flat.get(hash).map(String::as_str) == Some(value);
    if !belongs {
        return Err(invalid());
    }
    Ok(flat
        .into_iter()
        .map(|(k, v)| (k, AttributeValue::S(v)))
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key() -> Item {
        [
            ("pk", "Row#r1"),
            ("sk", "DOC"),
            ("kind", "Row"),
            ("id", "r1"),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_owned(), AttributeValue::S(v.to_owned())))
        .collect()
    }

    #[test]
    fn a_cursor_round_trips_and_is_url_safe() {
        let cursor = encode(&key()).unwrap();
        assert!(
            cursor
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_'),
            "{cursor}"
        );
        assert_eq!(decode(&cursor, "kind", "Row").unwrap(), key());
    }

    #[test]
    fn forged_or_foreign_cursors_are_invalid() {
        let cursor = encode(&key()).unwrap();
        for (bad, hash, value) in [
            ("not a cursor!", "kind", "Row"),
            ("bm9wZQ", "kind", "Row"), // "nope": not JSON
            ("W10", "kind", "Row"),    // "[]": not an object of strings
            (cursor.as_str(), "kind", "Other"),
            (cursor.as_str(), "ka", "Row#even"),
        ] {
            assert!(
                matches!(decode(bad, hash, value), Err(StoreError::Invalid(_))),
                "{bad} accepted"
            );
        }
    }
}
