//! An event handler's SQS FIFO batch: records in order, one at a time. A record that fails is
//! reported, and so is every later record of its message group, unrun, so that the group's order
//! holds when SQS delivers them again; other groups go on.

use std::{collections::HashSet, panic::AssertUnwindSafe};

use aws_lambda_events::event::sqs::{SqsBatchResponse, SqsEvent, SqsMessage};
use futures::FutureExt;
use kernel::{AppError, Envelope, function::EventInvoke};
use tracing::Instrument;

use crate::metrics;

const MESSAGE_GROUP_ID: &str = "MessageGroupId";
const APPROXIMATE_RECEIVE_COUNT: &str = "ApproximateReceiveCount";

/// What became of a batch's records, counted as metrics.
#[derive(Default)]
struct Tally {
    handled: u64,
    failed: u64,
    held_back: u64,
    redelivered: u64,
}

pub async fn handle_batch(
    function: &str,
    handler: &EventInvoke,
    batch: SqsEvent,
) -> SqsBatchResponse {
    let mut response = SqsBatchResponse::default();
    let mut tally = Tally::default();
    let mut stopped_groups = HashSet::new();
    for record in &batch.records {
        let message_id = record.message_id.clone().unwrap_or_default();
        let group = record.attributes.get(MESSAGE_GROUP_ID);
        if is_redelivery(record) {
            tally.redelivered += 1;
        }
        if let Some(group) = group
            && stopped_groups.contains(group)
        {
            tracing::info!(
                function,
                message_id,
                group,
                "not run: an earlier event of its group failed"
            );
            tally.held_back += 1;
            response.add_failure(message_id);
            continue;
        }
        match handle_record(function, handler, record).await {
            Ok(()) => tally.handled += 1,
            Err(e) => {
                tracing::warn!(function, message_id, group, error = %e, "event failed; it and the rest of its group will be retried");
                tally.failed += 1;
                response.add_failure(message_id);
                if let Some(group) = group {
                    stopped_groups.insert(group.clone());
                }
            }
        }
    }
    metrics::count(
        function,
        &[
            ("EventsHandled", tally.handled),
            (metrics::EVENTS_FAILED, tally.failed),
            ("EventsHeldBack", tally.held_back),
            ("EventsRedelivered", tally.redelivered),
        ],
    );
    response
}

/// SQS counts receives: a record received before is a retry.
fn is_redelivery(record: &SqsMessage) -> bool {
    record
        .attributes
        .get(APPROXIMATE_RECEIVE_COUNT)
        .and_then(|n| n.parse::<u32>().ok())
        .is_some_and(|n| n > 1)
}

async fn handle_record(
    function: &str,
    handler: &EventInvoke,
    record: &SqsMessage,
) -> Result<(), AppError> {
    let body = record.body.as_deref().unwrap_or_default();
    let envelope: Envelope = serde_json::from_str(body)
        .map_err(|e| AppError::invalid(format!("the message is not an event envelope: {e}")))?;
    let span = tracing::info_span!(
        "event",
        function,
        eventId = %envelope.event_id,
        eventType = %envelope.event_type,
        correlationId = %envelope.correlation_id,
    );
    async {
        // A panic fails this record only, not the whole batch.
        AssertUnwindSafe(handler(envelope))
            .catch_unwind()
            .await
            .unwrap_or_else(|_| Err(AppError::internal(anyhow::anyhow!("the handler panicked"))))?;
        tracing::info!("handled");
        Ok(())
    }
    .instrument(span)
    .await
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::{Arc, Mutex};

    use kernel::Call;

    fn envelope(aggregate: &str, n: u32) -> Envelope {
        #[derive(serde::Serialize)]
        #[serde(tag = "eventType", content = "payload")]
        enum E {
            Booked { n: u32 },
        }
        Envelope::record(
            "museum/book",
            "Booking",
            aggregate,
            1,
            &E::Booked { n },
            &Call::new(None),
        )
        .unwrap()
    }

    fn message(id: &str, group: &str, body: String) -> SqsMessage {
        let mut m = SqsMessage::default();
        m.message_id = Some(id.into());
        m.body = Some(body);
        m.attributes.insert(MESSAGE_GROUP_ID.into(), group.into());
        m
    }

    fn batch(messages: Vec<SqsMessage>) -> SqsEvent {
        let mut event = SqsEvent::default();
        event.records = messages;
        event
    }

    /// Fails events whose payload `n` is 0, and records the `n` of every event it ran.
    fn handler() -> (EventInvoke, Arc<Mutex<Vec<u64>>>) {
        let ran = Arc::new(Mutex::new(Vec::new()));
        let seen = ran.clone();
        let handler: EventInvoke = Arc::new(move |e: Envelope| {
            let seen = seen.clone();
            Box::pin(async move {
                let n = e.payload["n"].as_u64().unwrap();
                seen.lock().unwrap().push(n);
                if n == 0 {
                    Err(AppError::conflict("refused"))
                } else {
                    Ok(())
                }
            })
        });
        (handler, ran)
    }

    fn failed(response: &SqsBatchResponse) -> Vec<&str> {
        response
            .batch_item_failures
            .iter()
            .map(|f| f.item_identifier.as_str())
            .collect()
    }

    fn json(e: &Envelope) -> String {
        serde_json::to_string(e).unwrap()
    }

    #[tokio::test]
    async fn a_failure_stops_its_group_and_only_its_group() {
        let (handler, ran) = handler();
        let records = vec![
            message("1", "b1", json(&envelope("b1", 1))),
            message("2", "b1", json(&envelope("b1", 0))),
            message("3", "b1", json(&envelope("b1", 3))),
            message("4", "b2", json(&envelope("b2", 4))),
        ];
        let response = handle_batch("museum-confirm-on-booked", &handler, batch(records)).await;
        assert_eq!(failed(&response), ["2", "3"]);
        assert_eq!(
            *ran.lock().unwrap(),
            [1, 0, 4],
            "3 was not run; 4, of another group, was"
        );
    }

    #[tokio::test]
    async fn a_body_that_is_not_an_envelope_fails_like_a_handler() {
        let (handler, ran) = handler();
        let records = vec![
            message("1", "b1", "{\"not\":\"an envelope\"}".into()),
            message("2", "b1", json(&envelope("b1", 2))),
            message("3", "b2", json(&envelope("b2", 3))),
        ];
        let response = handle_batch("f", &handler, batch(records)).await;
        assert_eq!(failed(&response), ["1", "2"]);
        assert_eq!(*ran.lock().unwrap(), [3]);
    }

    #[tokio::test]
    async fn a_clean_batch_reports_nothing() {
        let (handler, ran) = handler();
        let records = vec![
            message("1", "b1", json(&envelope("b1", 1))),
            message("2", "b1", json(&envelope("b1", 2))),
        ];
        assert!(
            handle_batch("f", &handler, batch(records))
                .await
                .batch_item_failures
                .is_empty()
        );
        assert_eq!(*ran.lock().unwrap(), [1, 2]);
    }
}
