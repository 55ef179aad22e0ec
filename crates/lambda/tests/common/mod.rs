//! What the emulator tests share: a moto server of their own with the fixture context's
//! resources, created from its template.
#![allow(dead_code, clippy::unwrap_used)]

use std::sync::Arc;

use kernel::{Call, ContextId, Envelope};
use lambda::{
    dynamo::DynamoStore,
    emulator::{Moto, Stack, provision},
};

pub const TEMPLATE: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/context.yaml");
pub const STACK: &str = "lambda-test";
pub const CONTEXT: ContextId = ContextId::new("museum", "book");

/// A fresh moto with the fixture template provisioned in it. Panics, failing the test, if moto
/// cannot run: these tests are the proof that the AWS adapters work, so they never skip.
pub async fn context() -> (Moto, Stack) {
    let moto = match Moto::start().await {
        Ok(moto) => moto,
        Err(e) => panic!("the AWS emulator (moto) could not be started: {e:#}"),
    };
    let stack = match provision(TEMPLATE, STACK, &[], moto.config()).await {
        Ok(stack) => stack,
        Err(e) => panic!(
            "provisioning {TEMPLATE} failed: {e:#}\nmoto's log:\n{}",
            moto.log_tail()
        ),
    };
    (moto, stack)
}

pub fn table(stack: &Stack) -> String {
    stack.reference("ContextTable").unwrap().to_owned()
}

pub fn store(moto: &Moto, stack: &Stack) -> Arc<DynamoStore> {
    Arc::new(DynamoStore::new(
        moto.dynamodb(),
        table(stack),
        CONTEXT.to_string(),
    ))
}

/// An event of `event_type` recorded by the context for `aggregate`.
pub fn event(event_type: &str, aggregate: &str, version: u64) -> Envelope {
    let tagged =
        serde_json::json!({ "eventType": event_type, "payload": { "bookingId": aggregate } });
    Envelope::record(
        &CONTEXT.to_string(),
        "Booking",
        aggregate,
        version,
        &tagged,
        &Call::new(Some("corr-1".into())),
    )
    .unwrap()
}
