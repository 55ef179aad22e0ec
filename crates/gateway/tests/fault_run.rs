//! The fault run, one scenario per system: concurrent clients drive the system while a chaos loop
//! takes random functions down and up, delivers events again and kills the gateway process
//! (SIGKILL) and restarts it; then, once the bus has drained, every invariant is checked and
//! printed (crates/bench/src/fault).
//!
//!   cargo test -p gateway --test fault_run                                  short: 30 s, 8 clients
//!   cargo test -p gateway --test fault_run -- --ignored --nocapture         long: 10 min, 24 clients
//!   FAULT_RUN_SECONDS=120 FAULT_RUN_CLIENTS=16 FAULT_RUN_SEED=42 ...        either, overridden
#![allow(clippy::unwrap_used)]

use std::{path::Path, sync::Arc};

use bench::fault::{
    self, FaultPlan, Scenario, family::FamilyScenario, moving::MovingScenario,
    museum::MuseumScenario, packing::PackingScenario, petmily::PetmilyScenario,
};

async fn under<S: Scenario>(plan: FaultPlan, scenario: Arc<S>) {
    let gateway = Path::new(env!("CARGO_BIN_EXE_gateway"));
    let report = fault::run(gateway, &plan.with_env().unwrap(), scenario)
        .await
        .unwrap();
    assert!(report.passed(), "invariants broken:\n{}", report.failures());
}

/// For each system: the short run (in the test command) and the ten-minute one (ignored).
macro_rules! fault_runs {
    ($($short:ident, $long:ident => $scenario:expr;)*) => {$(
        #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
        async fn $short() {
            under(FaultPlan::short(), Arc::new($scenario)).await;
        }

        #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
        #[ignore = "ten minutes: cargo test -p gateway --test fault_run -- --ignored --nocapture"]
        async fn $long() {
            under(FaultPlan::long(), Arc::new($scenario)).await;
        }
    )*};
}

fault_runs! {
    museum_keeps_its_invariants_under_chaos,
    museum_keeps_its_invariants_under_ten_minutes_of_chaos => MuseumScenario::new();
    family_keeps_its_invariants_under_chaos,
    family_keeps_its_invariants_under_ten_minutes_of_chaos => FamilyScenario::new();
    packing_keeps_its_invariants_under_chaos,
    packing_keeps_its_invariants_under_ten_minutes_of_chaos => PackingScenario::new();
    petmily_keeps_its_invariants_under_chaos,
    petmily_keeps_its_invariants_under_ten_minutes_of_chaos => PetmilyScenario::new();
    moving_keeps_its_invariants_under_chaos,
    moving_keeps_its_invariants_under_ten_minutes_of_chaos => MovingScenario::new();
}
