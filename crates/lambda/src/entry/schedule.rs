//! Timers: an EventBridge schedule invokes the function; its payload carries nothing the tick
//! needs, so any JSON is accepted (a scheduled rule's event or a Scheduler's fixed input).

use kernel::{AppError, Call, function::TickInvoke};
use tracing::Instrument;

/// Runs one tick with a fresh `Call`. An error fails the invocation, so the schedule retries it.
pub async fn handle_tick(
    function: &str,
    handler: &TickInvoke,
    event: &serde_json::Value,
) -> Result<(), AppError> {
    let cx = Call::new(None);
    let trigger = event
        .get("id")
        .and_then(|id| id.as_str())
        .unwrap_or_default();
    let span = tracing::info_span!("tick", function, correlationId = %cx.correlation_id, trigger);
    async {
        let outcome = handler(cx).await;
        match &outcome {
            Ok(()) => tracing::info!("tick done"),
            Err(e) => tracing::warn!(error = %e, "tick failed"),
        }
        outcome
    }
    .instrument(span)
    .await
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::{Arc, Mutex};

    #[tokio::test]
    async fn each_tick_gets_a_fresh_call_and_reports_failure() {
        let seen = Arc::new(Mutex::new(Vec::new()));
        let record = seen.clone();
        let handler: TickInvoke = Arc::new(move |cx: Call| {
            let record = record.clone();
            Box::pin(async move {
                record.lock().unwrap().push(cx.correlation_id);
                if record.lock().unwrap().len() == 2 {
                    Err(AppError::conflict("busy"))
                } else {
                    Ok(())
                }
            })
        });
        let event = serde_json::json!({ "id": "e1", "detail-type": "Scheduled Event", "source": "aws.events", "detail": {} });
        handle_tick("museum-events-expire", &handler, &event)
            .await
            .unwrap();
        assert!(
            handle_tick("museum-events-expire", &handler, &serde_json::json!({}))
                .await
                .is_err()
        );
        let seen = seen.lock().unwrap();
        assert_ne!(seen[0], seen[1]);
    }
}
