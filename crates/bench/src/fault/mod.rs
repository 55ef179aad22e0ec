//! The fault run, for any system: concurrent clients drive a scenario while the chaos loop takes
//! functions down and up, delivers events again and kills and restarts the gateway process; then
//! the bus drains, dead letters are shown and redriven, and the scenario checks its invariants.
//! Everything is printed, whether it passes or not.

pub mod family;
pub mod moving;
pub mod museum;
pub mod outcome;
pub mod packing;
pub mod petmily;

use std::{
    collections::BTreeMap,
    io::Write as _,
    path::{Path, PathBuf},
    sync::Arc,
    time::{Duration, Instant},
};

use anyhow::Context as _;
use async_trait::async_trait;
use serde_json::json;

use crate::{
    api::Api,
    chaos::{self, ChaosPlan, ChaosReport},
    gateway::{GatewayProcess, ProcessSpec},
};

/// How long one client request may take.
pub const REQUEST_TIMEOUT: Duration = Duration::from_secs(10);
/// How long the bus may take to deliver everything once the chaos stops.
pub const DRAIN_TIMEOUT: Duration = Duration::from_secs(300);

/// The short run's seed (the long one draws its own and prints it; `FAULT_RUN_SEED` overrides
/// either).
pub const SHORT_RUN_SEED: u64 = 20_261_202;

#[derive(Clone, Debug)]
pub struct FaultPlan {
    pub duration: Duration,
    pub clients: usize,
    /// Seeds every client's choices and the chaos loop's.
    pub seed: u64,
    pub chaos: ChaosPlan,
}

impl FaultPlan {
    /// The form CI runs: half a minute, three or four kills, a fixed seed so that a failure
    /// replays the same choices.
    pub fn short() -> Self {
        Self::new(
            Duration::from_secs(30),
            8,
            Duration::from_millis(200),
            Duration::from_secs(8),
            SHORT_RUN_SEED,
        )
    }

    /// Ten minutes, more clients, a kill every half minute.
    pub fn long() -> Self {
        Self::new(
            Duration::from_secs(600),
            24,
            Duration::from_millis(150),
            Duration::from_secs(30),
            rand::random(),
        )
    }

    fn new(
        duration: Duration,
        clients: usize,
        every: Duration,
        kill_every: Duration,
        seed: u64,
    ) -> Self {
        Self {
            duration,
            clients,
            seed,
            chaos: ChaosPlan {
                every,
                down_for: (Duration::from_millis(100), Duration::from_millis(2000)),
                kill_every: Some(kill_every),
                seed,
            },
        }
    }

    /// Overrides from `FAULT_RUN_SECONDS`, `FAULT_RUN_CLIENTS` and `FAULT_RUN_SEED`.
    pub fn with_env(mut self) -> anyhow::Result<Self> {
        if let Some(seconds) = env_number("FAULT_RUN_SECONDS")? {
            self.duration = Duration::from_secs(seconds);
        }
        if let Some(clients) = env_number("FAULT_RUN_CLIENTS")? {
            self.clients = usize::try_from(clients)?;
        }
        if let Some(seed) = env_number("FAULT_RUN_SEED")? {
            self.seed = seed;
            self.chaos.seed = seed;
        }
        Ok(self)
    }
}

fn env_number(name: &str) -> anyhow::Result<Option<u64>> {
    match std::env::var(name) {
        Ok(v) => Ok(Some(v.parse().with_context(|| format!("{name}={v:?}"))?)),
        Err(_) => Ok(None),
    }
}

/// One invariant, how many things it was checked on, and what broke it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Check {
    pub name: String,
    pub checked: usize,
    pub violations: Vec<String>,
}

impl Check {
    pub fn new(name: impl Into<String>) -> Self {
        Self {
            name: name.into(),
            checked: 0,
            violations: Vec::new(),
        }
    }

    /// Counts one thing checked; records `violation` if `holds` is false.
    pub fn expect(&mut self, holds: bool, violation: impl FnOnce() -> String) {
        self.checked += 1;
        if !holds {
            self.violations.push(violation());
        }
    }

    pub fn passed(&self) -> bool {
        self.violations.is_empty()
    }
}

/// A system's part of the fault run.
#[async_trait]
pub trait Scenario: Send + Sync + 'static {
    /// Environment of the gateway process while the clients and the chaos loop run.
    fn settings(&self) -> BTreeMap<String, String>;
    /// Sets up what the clients need, before they and the chaos loop start.
    async fn prepare(&self, api: &Api) -> anyhow::Result<()>;
    /// One client's requests until `until`; every outcome goes into the scenario's ledger.
    async fn client(&self, api: Api, client: usize, seed: u64, until: Instant);
    /// What the clients did, a line per kind of request.
    fn workload(&self) -> Vec<String>;
    /// Runs once the bus has drained: completes what the system leaves to timers (restarting
    /// the gateway as it needs), then checks every invariant. The gateway may be left stopped.
    async fn settle(&self, gateway: &mut GatewayProcess) -> anyhow::Result<Vec<Check>>;
}

/// What the bus looked like once the chaos stopped.
#[derive(Clone, Debug)]
pub struct BusReport {
    pub drained_in: Duration,
    /// Dead letters found after the drain: function, event and last error, the explanation.
    pub dead_letters: Vec<String>,
}

pub struct FaultReport {
    pub plan: FaultPlan,
    pub chaos: ChaosReport,
    pub starts: u32,
    pub workload: Vec<String>,
    pub bus: BusReport,
    pub checks: Vec<Check>,
    /// Where the data folder and the gateway's log were kept, when a check failed.
    pub kept: Option<PathBuf>,
}

impl FaultReport {
    pub fn passed(&self) -> bool {
        self.checks.iter().all(Check::passed)
    }

    /// The failed checks and their first violations.
    pub fn failures(&self) -> String {
        let mut out = String::new();
        for check in self.checks.iter().filter(|c| !c.passed()) {
            out.push_str(&format!(
                "{}: {} violations\n",
                check.name,
                check.violations.len()
            ));
            for v in check.violations.iter().take(10) {
                out.push_str(&format!("    {v}\n"));
            }
        }
        out
    }

    /// Everything the run did and found, as lines.
    pub fn lines(&self) -> Vec<String> {
        let chaos = &self.chaos;
        let mut lines = vec![
            format!(
                "fault run: {} s, {} clients, seed {} (FAULT_RUN_SEED={} replays the same choices; their timing varies)",
                self.plan.duration.as_secs(),
                self.plan.clients,
                self.plan.seed,
                self.plan.seed
            ),
            format!(
                "chaos: {} functions taken down and brought back, {} duplicate deliveries, {} kills (SIGKILL) and restarts; the gateway started {} times; {} admin calls missed during restarts",
                chaos.downs, chaos.duplicates, chaos.kills, self.starts, chaos.missed
            ),
        ];
        lines.extend(self.workload.iter().map(|w| format!("workload: {w}")));
        lines.push(format!(
            "bus: drained {:.1} s after the chaos stopped; {} dead letters{}",
            self.bus.drained_in.as_secs_f64(),
            self.bus.dead_letters.len(),
            if self.bus.dead_letters.is_empty() {
                String::new()
            } else {
                " (redriven):".into()
            }
        ));
        lines.extend(self.bus.dead_letters.iter().map(|d| format!("    {d}")));
        lines.push("invariants:".into());
        for check in &self.checks {
            lines.push(format!(
                "  {}  {} ({} checked)",
                if check.passed() { "PASS" } else { "FAIL" },
                check.name,
                check.checked
            ));
            for v in check.violations.iter().take(10) {
                lines.push(format!("          {v}"));
            }
        }
        if let Some(kept) = &self.kept {
            lines.push(format!(
                "data folder and gateway log kept in {}",
                kept.display()
            ));
        }
        lines
    }

    /// Prints the report to stderr directly, so that the test harness shows it even when it
    /// captures output.
    pub fn print(&self) {
        let mut err = std::io::stderr().lock();
        for line in self.lines() {
            let _ = writeln!(err, "{line}");
        }
    }
}

/// Runs `scenario` on the gateway `binary` as `plan` says, prints the report and returns it. The
/// data folder and the gateway's log are kept when the run fails or a check does.
pub async fn run<S: Scenario>(
    binary: &Path,
    plan: &FaultPlan,
    scenario: Arc<S>,
) -> anyhow::Result<FaultReport> {
    let dir = tempfile::tempdir()?;
    match run_in(dir.path(), binary, plan, scenario).await {
        Ok(mut report) => {
            if !report.passed() {
                report.kept = Some(dir.keep());
            }
            report.print();
            Ok(report)
        }
        Err(e) => {
            let kept = dir.keep();
            Err(e.context(format!(
                "data folder and gateway log kept in {}",
                kept.display()
            )))
        }
    }
}

async fn run_in<S: Scenario>(
    dir: &Path,
    binary: &Path,
    plan: &FaultPlan,
    scenario: Arc<S>,
) -> anyhow::Result<FaultReport> {
    let mut spec = ProcessSpec::new(binary, dir.join("data"));
    spec.env.extend(scenario.settings());
    let mut process = GatewayProcess::start(spec).await?;
    let api = Api::new(process.base(), REQUEST_TIMEOUT)?;
    scenario.prepare(&api).await?;

    let until = Instant::now() + plan.duration;
    let clients: Vec<_> = (0..plan.clients)
        .map(|i| {
            let (scenario, api, seed) = (
                scenario.clone(),
                api.clone(),
                plan.seed.wrapping_add(i as u64),
            );
            tokio::spawn(async move { scenario.client(api, i, seed, until).await })
        })
        .collect();
    let chaos = chaos::run(&mut process, &plan.chaos, until).await;
    for client in clients {
        client.await.context("a client panicked")?;
    }
    let chaos = chaos.context("the chaos loop")?;

    let bus = settle_bus(&api).await?;
    let checks = scenario.settle(&mut process).await?;
    process.kill()?;
    Ok(FaultReport {
        plan: plan.clone(),
        chaos,
        starts: process.starts(),
        workload: scenario.workload(),
        bus,
        checks,
        kept: None,
    })
}

/// Waits for the drain; shows and redrives any dead letter, then waits again.
async fn settle_bus(api: &Api) -> anyhow::Result<BusReport> {
    let drained_in = api.drained(DRAIN_TIMEOUT).await?;
    let letters = api.get_ok("/admin/dead-letters").await?;
    let dead_letters: Vec<String> = letters
        .as_array()
        .into_iter()
        .flatten()
        .map(|d| {
            format!(
                "{} ← {} {} after {} attempts: {}",
                d["function"].as_str().unwrap_or("?"),
                d["event"]["eventType"].as_str().unwrap_or("?"),
                d["event"]["eventId"].as_str().unwrap_or("?"),
                d["attempts"],
                d["lastError"].as_str().unwrap_or("no error recorded"),
            )
        })
        .collect();
    if !dead_letters.is_empty() {
        api.post_ok("/admin/dead-letters/redrive", &json!({}))
            .await?;
        api.drained(DRAIN_TIMEOUT).await?;
    }
    Ok(BusReport {
        drained_in,
        dead_letters,
    })
}

/// The bus after the scenario settled: nothing pending anywhere, no dead letter.
pub async fn bus_check(api: &Api) -> anyhow::Result<Check> {
    let mut check = Check::new("bus: every subscription delivered everything; no dead letter left");
    let backlog = api.backlog().await?;
    check.expect(backlog == 0, || format!("backlog {backlog}"));
    let subscriptions = api.get_ok("/admin/subscriptions").await?;
    for s in subscriptions.as_array().into_iter().flatten() {
        let (pending, dead) = (s["pending"].as_u64(), s["deadLetters"].as_u64());
        check.expect(pending == Some(0) && dead == Some(0), || {
            format!(
                "{}: pending {pending:?}, dead letters {dead:?}",
                s["function"]
            )
        });
    }
    Ok(check)
}
