//! The event envelope: one shape for every event of every context, on every transport.

use serde::{Deserialize, Serialize, de::DeserializeOwned};
use time::OffsetDateTime;

use crate::{call::Call, error::AppError};

/// An event as it travels: the fact (`payload`) and what is needed to route, order and trace it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Envelope {
    /// ULID; the idempotency key of every consumer.
    pub event_id: String,
    /// Past-tense name in the seeds' language, e.g. `Booked`.
    pub event_type: String,
    /// The context that recorded it, `system/context`, e.g. `museum/book`.
    pub source: String,
    pub aggregate_type: String,
    /// The correlation key: per-aggregate order is kept by it.
    pub aggregate_id: String,
    /// The aggregate's version this event produced.
    pub version: u64,
    #[serde(with = "time::serde::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    pub occurred_at: OffsetDateTime,
    pub correlation_id: String,
    pub causation_id: Option<String>,
    #[schema(value_type = Object)]
    pub payload: serde_json::Value,
}

/// An event type of the published language: a payload struct named after the event.
pub trait Event: Serialize + DeserializeOwned {
    const TYPE: &'static str;
}

/// Declares payload structs as events whose type is their name.
#[macro_export]
macro_rules! events {
    ($($name:ident),* $(,)?) => {
        $(impl $crate::envelope::Event for $name {
            const TYPE: &'static str = stringify!($name);
        })*
    };
}

/// The call that handles an event: this module's, so that `call` need not know events.
impl Call {
    /// The call that handles `event`: same correlation, caused by that event.
    pub fn caused_by(event: &Envelope) -> Self {
        Self::new(None).handling(event)
    }

    /// This call, as the handling of `event`.
    pub fn handling(mut self, event: &Envelope) -> Self {
        self.correlation_id = event.correlation_id.clone();
        self.causation_id = Some(event.event_id.clone());
        self
    }
}

impl Envelope {
    /// Wraps a domain event, an enum serialized as `{"eventType": .., "payload": ..}`.
    pub fn record(
        source: &str,
        aggregate_type: &str,
        aggregate_id: &str,
        version: u64,
        event: &impl Serialize,
        cx: &Call,
    ) -> Result<Self, AppError> {
        let tagged = serde_json::to_value(event)?;
        let (event_type, payload) = match tagged {
            serde_json::Value::Object(mut map) => {
                match (map.remove("eventType"), map.remove("payload")) {
                    (Some(serde_json::Value::String(t)), payload) => {
                        (t, payload.unwrap_or_default())
                    }
                    _ => {
                        return Err(AppError::internal(anyhow::anyhow!(
                            "event is not tagged with eventType"
                        )));
                    }
                }
            }
            _ => {
                return Err(AppError::internal(anyhow::anyhow!(
                    "event is not an object"
                )));
            }
        };
        Ok(Self {
            event_id: cx.new_id(),
            event_type,
            source: source.to_owned(),
            aggregate_type: aggregate_type.to_owned(),
            aggregate_id: aggregate_id.to_owned(),
            version,
            occurred_at: cx.now,
            correlation_id: cx.correlation_id.clone(),
            causation_id: cx.causation_id.clone(),
            payload,
        })
    }

    /// A fixed example of `E` recorded by `source` (for the generated sample events): its payload
    /// from the examples on `E`'s schema, its aggregate named by the payload's `id_field`. The
    /// event id is left empty for the system's catalog to number.
    pub fn sample<E: Event + utoipa::ToSchema>(
        source: crate::platform::ContextId,
        aggregate_type: &str,
        id_field: &str,
    ) -> Self {
        let schema =
            serde_json::to_value(<E as utoipa::PartialSchema>::schema()).unwrap_or_default();
        let payload: serde_json::Map<String, serde_json::Value> = schema["properties"]
            .as_object()
            .into_iter()
            .flatten()
            .filter_map(|(name, p)| {
                let example = p.get("example").or_else(|| p.get("examples")?.get(0))?;
                Some((name.clone(), example.clone()))
            })
            .collect();
        Self {
            event_id: String::new(),
            event_type: E::TYPE.to_owned(),
            source: source.to_string(),
            aggregate_type: aggregate_type.to_owned(),
            aggregate_id: payload
                .get(id_field)
                .and_then(|v| v.as_str())
                .unwrap_or_default()
                .to_owned(),
            version: 1,
            occurred_at: time::macros::datetime!(2026-12-24 10:00:00 UTC),
            correlation_id: "01KACORRELATION00000000001".to_owned(),
            causation_id: None,
            payload: serde_json::Value::Object(payload),
        }
    }

    /// Numbers a catalog of samples' event ids, so that generated files do not change.
    pub fn numbered(samples: Vec<Self>) -> Vec<Self> {
        samples
            .into_iter()
            .enumerate()
            .map(|(n, e)| Self {
                event_id: format!("01KAEVENT{:017}", n + 1),
                ..e
            })
            .collect()
    }

    pub fn is<E: Event>(&self) -> bool {
        self.event_type == E::TYPE
    }

    /// The payload as `E`; a payload that does not parse is a poison message, not a retryable fault.
    pub fn payload<E: Event>(&self) -> Result<E, AppError> {
        if !self.is::<E>() {
            return Err(AppError::invalid(format!(
                "expected {}, got {}",
                E::TYPE,
                self.event_type
            )));
        }
        serde_json::from_value(self.payload.clone())
            .map_err(|e| AppError::invalid(format!("{} payload: {e}", E::TYPE)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, Serialize, Deserialize, PartialEq)]
    #[serde(rename_all = "camelCase")]
    struct Booked {
        booking_id: String,
        seats: u32,
    }
    events!(Booked);

    #[derive(Serialize)]
    #[serde(tag = "eventType", content = "payload")]
    enum BookingEvent {
        Booked(Booked),
    }

    #[test]
    fn records_a_tagged_domain_event_and_reads_it_back() {
        let cx = Call::new(Some("corr".into()));
        let e = BookingEvent::Booked(Booked {
            booking_id: "b1".into(),
            seats: 2,
        });
        let env = Envelope::record("museum/book", "Booking", "b1", 1, &e, &cx).unwrap();
        assert_eq!(env.event_type, "Booked");
        assert_eq!(env.correlation_id, "corr");
        assert_eq!(
            env.payload::<Booked>().unwrap(),
            Booked {
                booking_id: "b1".into(),
                seats: 2
            }
        );

        let wire = serde_json::to_value(&env).unwrap();
        for field in [
            "eventId",
            "eventType",
            "aggregateType",
            "aggregateId",
            "version",
            "occurredAt",
            "correlationId",
            "causationId",
            "payload",
        ] {
            assert!(wire.get(field).is_some(), "{field} missing from {wire}");
        }
        let back: Envelope = serde_json::from_value(wire).unwrap();
        assert_eq!(back, env);
    }
}
