//! The chaos loop of a fault run, for any system: through the admin API it takes random functions
//! down and brings them back, delivers recorded events again to random subscribers (duplicates,
//! as at-least-once transports make them), and kills the gateway process with SIGKILL and starts
//! it again on the same data folder.

use std::time::{Duration, Instant};

use anyhow::Context as _;
use rand::{Rng, SeedableRng, rngs::StdRng, seq::IndexedRandom};
use serde_json::{Value, json};

use crate::{api::Api, gateway::GatewayProcess};

#[derive(Clone, Debug)]
pub struct ChaosPlan {
    /// Mean time between two actions (each wait is drawn from half to one and a half of it).
    pub every: Duration,
    /// Shortest and longest time a function stays down.
    pub down_for: (Duration, Duration),
    /// Mean time between two kills of the process; `None`: never killed.
    pub kill_every: Option<Duration>,
    /// Seeds the choices, so that a run's sequence of actions can be repeated.
    pub seed: u64,
}

/// What the chaos loop did.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ChaosReport {
    /// Functions taken down (each brought back later).
    pub downs: u64,
    /// Events delivered again to a subscriber that already had them.
    pub duplicates: u64,
    /// SIGKILLs of the gateway, each followed by a restart.
    pub kills: u64,
    /// Admin calls that got no answer or an error (while the process was being restarted).
    pub missed: u64,
}

/// An event handler and the events it subscribes to.
#[derive(Clone, Debug)]
struct Subscriber {
    name: String,
    source: String,
    types: Vec<String>,
}

/// What the chaos loop can act on, as `GET /admin/functions` lists it.
struct Targets {
    functions: Vec<String>,
    subscribers: Vec<Subscriber>,
}

impl Targets {
    async fn read(api: &Api) -> anyhow::Result<Self> {
        let listed = api.get_ok("/admin/functions").await?;
        let listed = listed
            .as_array()
            .context("/admin/functions is not a list")?;
        let mut targets = Self {
            functions: Vec::new(),
            subscribers: Vec::new(),
        };
        for f in listed {
            let name = f["name"].as_str().context("a function without a name")?;
            targets.functions.push(name.to_owned());
            if let (Some(source), Some(types)) = (f["source"].as_str(), f["eventTypes"].as_array())
            {
                targets.subscribers.push(Subscriber {
                    name: name.to_owned(),
                    source: source.to_owned(),
                    types: types
                        .iter()
                        .filter_map(|t| t.as_str().map(str::to_owned))
                        .collect(),
                });
            }
        }
        Ok(targets)
    }
}

/// Acts on `process` until `until`, then brings every function it took down back up.
pub async fn run(
    process: &mut GatewayProcess,
    plan: &ChaosPlan,
    until: Instant,
) -> anyhow::Result<ChaosReport> {
    let api = Api::new(process.base(), Duration::from_secs(5))?;
    let targets = Targets::read(&api).await?;
    let mut rng = StdRng::seed_from_u64(plan.seed);
    let mut report = ChaosReport::default();
    let mut down: Vec<(String, Instant)> = Vec::new();
    let mut next_kill = plan
        .kill_every
        .map(|p| Instant::now() + jitter(&mut rng, p));
    while Instant::now() < until {
        let now = Instant::now();
        let (due, later): (Vec<_>, Vec<_>) = down.into_iter().partition(|(_, at)| *at <= now);
        down = later;
        for (name, _) in due {
            switch(&api, &name, true, &mut report).await;
        }
        if let (Some(at), Some(period)) = (next_kill, plan.kill_every)
            && at <= now
        {
            process
                .restart()
                .await
                .context("restarting the killed gateway")?;
            report.kills += 1;
            // A new process starts with every function up.
            down.clear();
            next_kill = Some(Instant::now() + jitter(&mut rng, period));
        } else if rng.random_bool(0.5) {
            duplicate(&api, &targets, &mut rng, &mut report).await;
        } else {
            let up: Vec<&String> = targets
                .functions
                .iter()
                .filter(|f| !down.iter().any(|(d, _)| d == *f))
                .collect();
            if let Some(&name) = up.choose(&mut rng) {
                let (shortest, longest) = plan.down_for;
                let back_at = Instant::now() + rng.random_range(shortest..=longest);
                if switch(&api, name, false, &mut report).await {
                    report.downs += 1;
                    down.push((name.clone(), back_at));
                }
            }
        }
        let wait =
            jitter(&mut rng, plan.every).min(until.saturating_duration_since(Instant::now()));
        tokio::time::sleep(wait).await;
    }
    for (name, _) in down {
        if !switch(&api, &name, true, &mut report).await {
            anyhow::bail!("could not bring {name} back up");
        }
    }
    Ok(report)
}

/// From half to one and a half of `mean`.
fn jitter(rng: &mut StdRng, mean: Duration) -> Duration {
    mean.mul_f64(rng.random_range(0.5..=1.5))
}

/// Takes a function down or up; whether the gateway did it.
async fn switch(api: &Api, name: &str, up: bool, report: &mut ChaosReport) -> bool {
    let path = format!("/admin/functions/{name}/{}", if up { "up" } else { "down" });
    let done = api
        .post(&path, &json!({}))
        .await
        .is_ok_and(|r| r.is_success());
    if !done {
        report.missed += 1;
    }
    done
}

/// Delivers one of the latest events of a random subscriber's source to it again.
async fn duplicate(api: &Api, targets: &Targets, rng: &mut StdRng, report: &mut ChaosReport) {
    let Some(subscriber) = targets.subscribers.choose(rng) else {
        return;
    };
    let recent = match api
        .get(&format!(
            "/admin/events?context={}&limit=100",
            subscriber.source
        ))
        .await
    {
        Ok(r) if r.is_success() => r.body,
        _ => {
            report.missed += 1;
            return;
        }
    };
    let wanted: Vec<&Value> = recent
        .as_array()
        .into_iter()
        .flatten()
        .filter(|e| {
            e["eventType"]
                .as_str()
                .is_some_and(|t| subscriber.types.iter().any(|w| w == t))
        })
        .collect();
    let Some(event) = wanted.choose(rng) else {
        return;
    };
    let path = format!("/admin/functions/{}/deliveries", subscriber.name);
    match api
        .post(&path, &json!({ "eventId": event["eventId"] }))
        .await
    {
        Ok(r) if r.is_success() => report.duplicates += 1,
        _ => report.missed += 1,
    }
}
