//! The fault run: thousands of bookings, cancellations and exhibition deletions from concurrent
//! clients while a chaos loop takes random functions down and up, delivers events again and kills
//! the gateway process (SIGKILL) and restarts it; then, once the bus has drained, every invariant
//! is checked and printed (crates/bench/src/fault).
//!
//!   cargo test -p gateway --test fault_run                                  short: 30 s, 8 clients
//!   cargo test -p gateway --test fault_run -- --ignored --nocapture         long: 10 min, 24 clients
//!   FAULT_RUN_SECONDS=120 FAULT_RUN_CLIENTS=16 FAULT_RUN_SEED=42 ...        either, overridden
#![allow(clippy::unwrap_used)]

use std::{path::Path, sync::Arc};

use bench::fault::{self, FaultPlan, museum::MuseumScenario, petmily::PetmilyScenario};

async fn museum_under(plan: FaultPlan) {
    let gateway = Path::new(env!("CARGO_BIN_EXE_gateway"));
    let report = fault::run(
        gateway,
        &plan.with_env().unwrap(),
        Arc::new(MuseumScenario::new()),
    )
    .await
    .unwrap();
    assert!(report.passed(), "invariants broken:\n{}", report.failures());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn museum_keeps_its_invariants_under_chaos() {
    museum_under(FaultPlan::short()).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "ten minutes: cargo test -p gateway --test fault_run -- --ignored --nocapture"]
async fn museum_keeps_its_invariants_under_ten_minutes_of_chaos() {
    museum_under(FaultPlan::long()).await;
}

async fn petmily_under(plan: FaultPlan) {
    let gateway = Path::new(env!("CARGO_BIN_EXE_gateway"));
    let report = fault::run(
        gateway,
        &plan.with_env().unwrap(),
        Arc::new(PetmilyScenario::new()),
    )
    .await
    .unwrap();
    assert!(report.passed(), "invariants broken:\n{}", report.failures());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn petmily_keeps_its_invariants_under_chaos() {
    petmily_under(FaultPlan::short()).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "ten minutes: cargo test -p gateway --test fault_run -- --ignored --nocapture"]
async fn petmily_keeps_its_invariants_under_ten_minutes_of_chaos() {
    petmily_under(FaultPlan::long()).await;
}
