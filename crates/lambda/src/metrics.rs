//! Counters as CloudWatch embedded metric format (EMF): one JSON line on stdout, which Lambda's
//! log delivery turns into metrics without an API call on the request path.

use std::io::Write;

use serde_json::{Map, Value, json};

/// Every counter lands in this namespace, by function.
pub const NAMESPACE: &str = "EventDriven";

/// Answers of 500 and above other than 503: the function failed, though Lambda saw no error.
pub const HTTP_FAILED: &str = "HttpFailed";
/// 503 answers: a dependency was down or its breaker open (a fast refusal, not a fault here).
pub const HTTP_UNAVAILABLE: &str = "HttpUnavailable";
/// Event deliveries a handler failed (each is retried, then dead-lettered).
pub const EVENTS_FAILED: &str = "EventsFailed";
/// Events a publisher could not publish (the stream retries them).
pub const PUBLISH_FAILED: &str = "PublishFailed";

/// The metrics' `function` dimension: the deployed name (`AWS_LAMBDA_FUNCTION_NAME`, which
/// carries the deployment's prefix, so two deployments in one account do not mix), else the
/// declared one.
fn dimension(declared: &str) -> String {
    static DEPLOYED: std::sync::OnceLock<Option<String>> = std::sync::OnceLock::new();
    DEPLOYED
        .get_or_init(|| std::env::var("AWS_LAMBDA_FUNCTION_NAME").ok())
        .clone()
        .unwrap_or_else(|| declared.to_owned())
}

/// Writes `counts` for `function` as one EMF line. Zero counts are written too: a metric that
/// stops being reported cannot raise an alarm.
pub fn count(function: &str, counts: &[(&str, u64)]) {
    let line = document(
        &dimension(function),
        counts,
        time::OffsetDateTime::now_utc(),
    );
    // Metrics must never fail the function: a closed stdout loses them, nothing more.
    let _ = writeln!(std::io::stdout().lock(), "{line}");
}

fn document(function: &str, counts: &[(&str, u64)], now: time::OffsetDateTime) -> Value {
    let metrics: Vec<Value> = counts
        .iter()
        .map(|(name, _)| json!({ "Name": name, "Unit": "Count" }))
        .collect();
    let mut root = Map::new();
    root.insert(
        "_aws".into(),
        json!({
            "Timestamp": now.unix_timestamp_nanos() / 1_000_000,
            "CloudWatchMetrics": [{
                "Namespace": NAMESPACE,
                "Dimensions": [["function"]],
                "Metrics": metrics,
            }],
        }),
    );
    root.insert("function".into(), json!(function));
    for (name, value) in counts {
        root.insert((*name).into(), json!(value));
    }
    Value::Object(root)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_document_declares_each_counter_and_carries_its_value() {
        let now = time::OffsetDateTime::from_unix_timestamp(1_700_000_000).unwrap();
        let doc = document(
            "museum-book-create",
            &[("EventsHandled", 3), ("EventsFailed", 0)],
            now,
        );
        assert_eq!(doc["_aws"]["Timestamp"], 1_700_000_000_000i64);
        let directive = &doc["_aws"]["CloudWatchMetrics"][0];
        assert_eq!(directive["Namespace"], NAMESPACE);
        assert_eq!(directive["Dimensions"], json!([["function"]]));
        assert_eq!(
            directive["Metrics"],
            json!([{ "Name": "EventsHandled", "Unit": "Count" }, { "Name": "EventsFailed", "Unit": "Count" }])
        );
        assert_eq!(doc["function"], "museum-book-create");
        assert_eq!(
            (doc["EventsHandled"].as_u64(), doc["EventsFailed"].as_u64()),
            (Some(3), Some(0))
        );
    }
}
