//! DynamoDB failures in the store's terms: a failed condition is a conflict or a duplicate, a
//! request that can never succeed is invalid, and everything else (throttling, 5xx, network,
//! a missing table) is unavailable and worth retrying later.

use aws_sdk_dynamodb::{
    error::{DisplayErrorContext, ProvideErrorMetadata, SdkError},
    operation::transact_write_items::TransactWriteItemsError,
};
use kernel::store::StoreError;

pub fn from_sdk<E, R>(err: SdkError<E, R>) -> StoreError
where
    E: ProvideErrorMetadata + std::error::Error + 'static,
    R: std::fmt::Debug + 'static,
{
    if err.code() == Some("ValidationException") {
        return StoreError::Invalid(err.message().unwrap_or("the request is invalid").to_owned());
    }
    unavailable(&err)
}

pub fn unavailable(err: &(dyn std::error::Error + 'static)) -> StoreError {
    StoreError::Unavailable(anyhow::anyhow!("{}", DisplayErrorContext(err)))
}

/// Maps a failed `TransactWriteItems`. `marker_index` is the position of the marker's put.
pub fn from_transaction<R: std::fmt::Debug + 'static>(
    err: SdkError<TransactWriteItemsError, R>,
    marker_index: Option<usize>,
) -> StoreError {
    match err.as_service_error() {
        Some(TransactWriteItemsError::TransactionCanceledException(cancelled)) => {
            let codes: Vec<&str> = cancelled
                .cancellation_reasons()
                .iter()
                .map(|r| r.code().unwrap_or("None"))
                .collect();
            match classify_cancellation(&codes, marker_index) {
                Cancellation::Duplicate => StoreError::Duplicate,
                Cancellation::Conflict => StoreError::Conflict,
                Cancellation::Invalid => StoreError::Invalid(format!(
                    "the transaction was refused: {}",
                    cancelled.message().unwrap_or("validation error")
                )),
                Cancellation::Transient => unavailable(&err),
            }
        }
        // A write that collided with another transaction on an item: someone else wrote first.
        _ if err.code() == Some("TransactionConflictException") => StoreError::Conflict,
        _ => from_sdk(err),
    }
}

#[derive(Debug, PartialEq, Eq)]
enum Cancellation {
    /// The marker exists: the effect was applied before.
    Duplicate,
    /// A version or absence condition failed, or a concurrent transaction touched an item.
    Conflict,
    Invalid,
    /// Throttling, capacity, an internal error: retry later.
    Transient,
}

/// What the per-item cancellation reasons of a cancelled transaction mean, in item order.
fn classify_cancellation(codes: &[&str], marker_index: Option<usize>) -> Cancellation {
    const CONDITION: &str = "ConditionalCheckFailed";
    if marker_index.and_then(|i| codes.get(i)) == Some(&CONDITION) {
        return Cancellation::Duplicate;
    }
    if codes
        .iter()
        .any(|c| *c == CONDITION || *c == "TransactionConflict")
    {
        return Cancellation::Conflict;
    }
    if codes.contains(&"ValidationError") {
        return Cancellation::Invalid;
    }
    Cancellation::Transient
}

#[cfg(test)]
mod tests {
    use super::{Cancellation::*, classify_cancellation as classify};

    #[test]
    fn a_failed_marker_condition_is_a_duplicate_whatever_else_failed() {
        assert_eq!(
            classify(&["None", "ConditionalCheckFailed"], Some(1)),
            Duplicate
        );
        assert_eq!(
            classify(
                &["ConditionalCheckFailed", "ConditionalCheckFailed"],
                Some(1)
            ),
            Duplicate
        );
    }

    #[test]
    fn other_failed_conditions_and_collisions_are_conflicts() {
        assert_eq!(
            classify(&["ConditionalCheckFailed", "None"], Some(1)),
            Conflict
        );
        assert_eq!(
            classify(&["None", "ConditionalCheckFailed"], None),
            Conflict
        );
        assert_eq!(classify(&["TransactionConflict", "None"], None), Conflict);
    }

    #[test]
    fn throttling_is_transient_and_validation_is_invalid() {
        assert_eq!(classify(&["ThrottlingError", "None"], None), Transient);
        assert_eq!(
            classify(&["ProvisionedThroughputExceeded"], Some(0)),
            Transient
        );
        assert_eq!(classify(&[], None), Transient);
        assert_eq!(classify(&["None", "ValidationError"], None), Invalid);
    }
}
