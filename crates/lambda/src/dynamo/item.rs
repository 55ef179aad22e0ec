//! The table layout: how documents, the outbox, the event log and markers are laid out as items
//! of one context table. `template.yaml` declares the same keys and indexes.
//!
//! The outbox is one item per aggregate, `OUTBOX#<aggregateType>#<aggregateId>`, overwritten by
//! each commit with that commit's events of the aggregate: DynamoDB Streams orders records per
//! item, so every event of one aggregate reaches the publisher in commit order. Each event is
//! also kept in an immutable log item (`LOG#<aggregateType>#<aggregateId>`, `EVENT#<eventId>`)
//! that the stream filter does not select, to replay from.

use std::{collections::HashMap, time::Duration};

use aws_sdk_dynamodb::types::AttributeValue;
use kernel::{
    Envelope, Marker, Slot,
    store::{Keys, Record, StoreError},
};
use time::OffsetDateTime;

pub type Item = HashMap<String, AttributeValue>;

pub const PK: &str = "pk";
pub const SK: &str = "sk";
pub const KIND: &str = "kind";
pub const ID: &str = "id";
pub const VERSION: &str = "version";
pub const BODY: &str = "body";
/// The sparse index keys of `Slot::A` and `Slot::B`: `{kind}#{key}`, absent when the key is.
pub const KEY_A: &str = "ka";
pub const KEY_B: &str = "kb";
pub const ITEM_TYPE: &str = "itemType";
pub const ENVELOPE: &str = "envelope";
/// The outbox item's events of one commit, in order.
pub const EVENTS: &str = "events";
pub const AGGREGATE_ID: &str = "aggregateId";
/// The table's TTL attribute (epoch seconds).
pub const EXPIRES_AT: &str = "expiresAt";

pub const DOC_SK: &str = "DOC";
pub const OUTBOX_SK: &str = "OUTBOX";
pub const MARKER_SK: &str = "MARKER";
/// `itemType` of an aggregate's outbox item: the stream's event-source filter selects on it.
pub const OUTBOX_ITEM_TYPE: &str = "OUTBOX";
/// `itemType` of an event's log item.
pub const EVENT_ITEM_TYPE: &str = "EVENT";

/// Global secondary indexes, all projecting every attribute, all ranged by `id`.
pub const BY_KIND: &str = "byKind";
pub const BY_A: &str = "byA";
pub const BY_B: &str = "byB";

/// An outbox item only has to outlive the stream (24 h) and its retries.
pub const OUTBOX_TTL: Duration = Duration::from_secs(7 * 24 * 3600);
/// The event log is kept as long as a dead letter (SQS keeps messages 14 days), to replay from.
pub const EVENT_TTL: Duration = Duration::from_secs(14 * 24 * 3600);
/// Markers must outlive every redelivery of the event they record (SQS keeps messages 14 days).
pub const MARKER_TTL: Duration = Duration::from_secs(30 * 24 * 3600);

pub fn s(value: impl Into<String>) -> AttributeValue {
    AttributeValue::S(value.into())
}

pub fn n(value: impl ToString) -> AttributeValue {
    AttributeValue::N(value.to_string())
}

/// A JSON value as the attribute the document's body would store it as.
pub fn value(v: &serde_json::Value) -> Result<AttributeValue, StoreError> {
    serde_dynamo::to_attribute_value(v)
        .map_err(|e| StoreError::Invalid(format!("{v} cannot be stored: {e}")))
}

pub fn doc_key(kind: &str, id: &str) -> Item {
    HashMap::from([
        (PK.into(), s(format!("{kind}#{id}"))),
        (SK.into(), s(DOC_SK)),
    ])
}

/// The outbox item of an aggregate.
pub fn outbox_key(aggregate_type: &str, aggregate_id: &str) -> Item {
    HashMap::from([
        (
            PK.into(),
            s(format!("OUTBOX#{aggregate_type}#{aggregate_id}")),
        ),
        (SK.into(), s(OUTBOX_SK)),
    ])
}

/// The partition of an aggregate's event log: its events sort by id, so in commit order.
pub fn log_partition(aggregate_type: &str, aggregate_id: &str) -> String {
    format!("LOG#{aggregate_type}#{aggregate_id}")
}

pub fn log_key(envelope: &Envelope) -> Item {
    HashMap::from([
        (
            PK.into(),
            s(log_partition(
                &envelope.aggregate_type,
                &envelope.aggregate_id,
            )),
        ),
        (SK.into(), s(format!("EVENT#{}", envelope.event_id))),
    ])
}

/// The aggregate an outbox item's key names: `OUTBOX#<type>#<id>` → (type, id).
pub fn outbox_aggregate(pk: &str) -> Option<(&str, &str)> {
    pk.strip_prefix("OUTBOX#")?.split_once('#')
}

pub fn marker_key(marker: &Marker) -> Item {
    HashMap::from([
        (PK.into(), s(format!("MARKER#{}", marker.0))),
        (SK.into(), s(MARKER_SK)),
    ])
}

/// The index that serves lookups by `slot`, and its hash key attribute.
pub fn index_of(slot: Slot) -> (&'static str, &'static str) {
    match slot {
        Slot::A => (BY_A, KEY_A),
        Slot::B => (BY_B, KEY_B),
    }
}

pub fn index_value(kind: &str, key: &str) -> String {
    format!("{kind}#{key}")
}

fn expires_at(now: OffsetDateTime, ttl: Duration) -> AttributeValue {
    n(now.unix_timestamp() + ttl.as_secs() as i64)
}

/// A document as an item. A `Put` replaces the whole item, so an index key that became `None`
/// is dropped by leaving it out.
pub fn encode_record(record: &Record) -> Result<Item, StoreError> {
    let body = serde_dynamo::to_attribute_value(&record.body).map_err(|e| {
        StoreError::Invalid(format!(
            "{} {} body cannot be stored: {e}",
            record.kind, record.id
        ))
    })?;
    let mut item = doc_key(&record.kind, &record.id);
    item.insert(KIND.into(), s(&record.kind));
    item.insert(ID.into(), s(&record.id));
    item.insert(VERSION.into(), n(record.version));
    item.insert(BODY.into(), body);
    for (attribute, key) in [(KEY_A, &record.keys.a), (KEY_B, &record.keys.b)] {
        if let Some(key) = key {
            item.insert(attribute.into(), s(index_value(&record.kind, key)));
        }
    }
    Ok(item)
}

pub fn decode_record(item: &Item) -> Result<Record, StoreError> {
    let kind = string(item, KIND)?;
    let id = string(item, ID)?;
    let version = number(item, VERSION)?;
    let body = item.get(BODY).cloned().ok_or_else(|| corrupt(item, BODY))?;
    let body = serde_dynamo::from_attribute_value(body).map_err(|_| corrupt(item, BODY))?;
    let prefix = format!("{kind}#");
    let key = |attribute: &str| -> Result<Option<String>, StoreError> {
        match item.get(attribute) {
            None => Ok(None),
            Some(AttributeValue::S(v)) => v
                .strip_prefix(&prefix)
                .map(|k| Some(k.to_owned()))
                .ok_or_else(|| corrupt(item, attribute)),
            Some(_) => Err(corrupt(item, attribute)),
        }
    };
    let keys = Keys {
        a: key(KEY_A)?,
        b: key(KEY_B)?,
    };
    Ok(Record {
        kind: kind.to_owned(),
        id: id.to_owned(),
        version,
        body,
        keys,
    })
}

fn encode_envelope(envelope: &Envelope) -> Result<AttributeValue, StoreError> {
    serde_dynamo::to_attribute_value(envelope).map_err(|e| {
        StoreError::Invalid(format!("event {} cannot be stored: {e}", envelope.event_id))
    })
}

/// An aggregate's outbox item holding one commit's events of it: the table's stream carries it
/// to the publisher. `events` share one aggregate.
pub fn encode_outbox(events: &[&Envelope], now: OffsetDateTime) -> Result<Item, StoreError> {
    let first = events
        .first()
        .ok_or_else(|| StoreError::Invalid("an outbox item needs an event".into()))?;
    let encoded = events
        .iter()
        .map(|e| encode_envelope(e))
        .collect::<Result<Vec<_>, _>>()?;
    let mut item = outbox_key(&first.aggregate_type, &first.aggregate_id);
    item.insert(ITEM_TYPE.into(), s(OUTBOX_ITEM_TYPE));
    item.insert(EVENTS.into(), AttributeValue::L(encoded));
    item.insert(AGGREGATE_ID.into(), s(&first.aggregate_id));
    item.insert(EXPIRES_AT.into(), expires_at(now, OUTBOX_TTL));
    Ok(item)
}

/// An event's log item (never changed; not selected by the stream filter).
pub fn encode_event(envelope: &Envelope, now: OffsetDateTime) -> Result<Item, StoreError> {
    let encoded = encode_envelope(envelope)?;
    let mut item = log_key(envelope);
    item.insert(ITEM_TYPE.into(), s(EVENT_ITEM_TYPE));
    item.insert(ENVELOPE.into(), encoded);
    item.insert(AGGREGATE_ID.into(), s(&envelope.aggregate_id));
    item.insert(EXPIRES_AT.into(), expires_at(now, EVENT_TTL));
    Ok(item)
}

pub fn decode_event(item: &Item) -> Result<Envelope, StoreError> {
    let envelope = item
        .get(ENVELOPE)
        .cloned()
        .ok_or_else(|| corrupt(item, ENVELOPE))?;
    serde_dynamo::from_attribute_value(envelope).map_err(|_| corrupt(item, ENVELOPE))
}

pub fn decode_outbox(item: &Item) -> Result<Vec<Envelope>, StoreError> {
    let Some(AttributeValue::L(events)) = item.get(EVENTS) else {
        return Err(corrupt(item, EVENTS));
    };
    events
        .iter()
        .map(|e| serde_dynamo::from_attribute_value(e.clone()).map_err(|_| corrupt(item, EVENTS)))
        .collect()
}

pub fn encode_marker(marker: &Marker, now: OffsetDateTime) -> Item {
    let mut item = marker_key(marker);
    item.insert(EXPIRES_AT.into(), expires_at(now, MARKER_TTL));
    item
}

pub fn string<'a>(item: &'a Item, attribute: &str) -> Result<&'a str, StoreError> {
    match item.get(attribute) {
        Some(AttributeValue::S(v)) => Ok(v),
        _ => Err(corrupt(item, attribute)),
    }
}

pub fn number<T: std::str::FromStr>(item: &Item, attribute: &str) -> Result<T, StoreError> {
    match item.get(attribute) {
        Some(AttributeValue::N(v)) => v.parse().map_err(|_| corrupt(item, attribute)),
        _ => Err(corrupt(item, attribute)),
    }
}

/// A stored item that does not have the layout's shape: a fault of ours, not of the caller.
fn corrupt(item: &Item, attribute: &str) -> StoreError {
    let pk = match item.get(PK) {
        Some(AttributeValue::S(pk)) => pk.as_str(),
        _ => "?",
    };
    StoreError::Unavailable(anyhow::anyhow!(
        "stored item {pk} has no valid `{attribute}`"
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn record(keys: Keys) -> Record {
        Record {
            kind: "Booking".into(),
            id: "b1".into(),
            version: 3,
            body: json!({ "id": "b1", "seats": 2, "price": -1.5, "tags": ["a"], "note": null, "paid": true }),
            keys,
        }
    }

    #[test]
    fn a_document_round_trips_with_its_index_keys() {
        let r = record(Keys {
            a: Some("user#7".into()),
            b: None,
        });
        let item = encode_record(&r).unwrap();
        assert_eq!(item[PK], s("Booking#b1"));
        assert_eq!(item[SK], s("DOC"));
        assert_eq!(item[KEY_A], s("Booking#user#7"));
        assert!(
            !item.contains_key(KEY_B),
            "an absent key leaves no index entry"
        );
        assert!(matches!(item[BODY], AttributeValue::M(_)));
        assert_eq!(decode_record(&item).unwrap(), r);
    }

    #[test]
    fn an_item_without_the_layout_is_an_error_not_a_panic() {
        let mut item = encode_record(&record(Keys::default())).unwrap();
        item.insert(VERSION.into(), s("three"));
        assert!(matches!(
            decode_record(&item),
            Err(StoreError::Unavailable(_))
        ));
        item.remove(KIND);
        assert!(decode_record(&item).is_err());
    }

    #[test]
    fn an_outbox_item_is_keyed_by_its_aggregate_and_holds_its_events_in_order() {
        let cx = kernel::Call::new(None);
        #[derive(serde::Serialize)]
        #[serde(tag = "eventType", content = "payload")]
        enum E {
            Booked {},
            Cancelled {},
        }
        let a = Envelope::record("museum/book", "Booking", "b1", 1, &E::Booked {}, &cx).unwrap();
        let b = Envelope::record("museum/book", "Booking", "b1", 2, &E::Cancelled {}, &cx).unwrap();
        let now = OffsetDateTime::from_unix_timestamp(1_000).unwrap();
        let item = encode_outbox(&[&a, &b], now).unwrap();
        assert_eq!(item[PK], s("OUTBOX#Booking#b1"));
        assert_eq!(
            outbox_aggregate("OUTBOX#Booking#b1"),
            Some(("Booking", "b1"))
        );
        assert_eq!(decode_outbox(&item).unwrap(), [a.clone(), b]);
        let log = encode_event(&a, now).unwrap();
        assert_eq!(log[PK], s("LOG#Booking#b1"));
        assert_eq!(log[SK], s(format!("EVENT#{}", a.event_id)));
        assert_eq!(decode_event(&log).unwrap(), a);
    }

    #[test]
    fn events_and_markers_expire() {
        let now = OffsetDateTime::from_unix_timestamp(1_000).unwrap();
        let marker = encode_marker(&Marker("fn/e1/b1".into()), now);
        assert_eq!(marker[PK], s("MARKER#fn/e1/b1"));
        assert_eq!(marker[EXPIRES_AT], n(1_000 + 30 * 24 * 3600));
    }
}
