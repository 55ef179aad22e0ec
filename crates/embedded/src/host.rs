//! Hosts every function of the given systems in this process: builds them on the embedded
//! platform, subscribes the event handlers to the bus, and runs the timers.

use std::{collections::BTreeSet, fs::File, sync::Arc};

use anyhow::Context as _;
use kernel::{
    Call, System, Trigger,
    function::{Function, Invoke},
};
use tokio::sync::watch;
use tracing::Instrument;

use crate::{
    bus::{Bus, BusConfig, Subscriber},
    platform::{Dispatch, EmbeddedConfig, EmbeddedPlatform},
    prune::{Pruner, Retention},
    switches::Switchboard,
};

pub struct Host {
    pub platform: Arc<EmbeddedPlatform>,
    pub functions: Vec<Function>,
    pub bus: Arc<Bus>,
    pub switches: Arc<Switchboard>,
    stop: watch::Sender<bool>,
    _lock: File,
}

impl Host {
    /// Opens the data folder (refusing one another process is using), builds every function and
    /// starts delivering events.
    pub fn start(
        config: EmbeddedConfig,
        bus_config: BusConfig,
        systems: &[System],
    ) -> anyhow::Result<Self> {
        Self::start_with(config, bus_config, Retention::default(), systems)
    }

    /// `start`, keeping data as long as `retention` says.
    pub fn start_with(
        config: EmbeddedConfig,
        bus_config: BusConfig,
        retention: Retention,
        systems: &[System],
    ) -> anyhow::Result<Self> {
        std::fs::create_dir_all(&config.data_dir)
            .with_context(|| format!("creating the data folder {}", config.data_dir.display()))?;
        let lock_path = config.data_dir.join("LOCK");
        let lock = File::create(&lock_path)
            .with_context(|| format!("creating {}", lock_path.display()))?;
        lock.try_lock().map_err(|_| {
            anyhow::anyhow!(
                "the data folder {} is in use by another gateway",
                config.data_dir.display()
            )
        })?;

        let platform = Arc::new(EmbeddedPlatform::new(config.clone())?);
        let mut functions = Vec::new();
        for context in systems.iter().flat_map(|s| s.contexts.iter()) {
            functions.extend(
                context
                    .build(&*platform)
                    .with_context(|| format!("building {}", context.id))?,
            );
        }
        let switches = Arc::new(Switchboard::new(functions.iter().map(|f| f.info.name)));

        let mut bus = Bus::open(
            &config.data_dir.join("bus.db"),
            config.durability,
            bus_config,
            switches.clone(),
        )?;
        bus.set_retention(retention)?;
        let mut sources = BTreeSet::new();
        for f in &functions {
            if let (Trigger::Events { source, types }, Invoke::Event(invoke)) =
                (&f.info.trigger, &f.invoke)
            {
                sources.insert(*source);
                bus.subscribe(Subscriber {
                    function: f.info.name.to_owned(),
                    source: source.to_string(),
                    types: types.iter().map(|t| (*t).to_owned()).collect(),
                    invoke: invoke.clone(),
                });
            }
        }
        for source in sources {
            bus.add_source(platform.sqlite(source)?)?;
        }
        let bus = Arc::new(bus);
        let (stop, shutdown) = watch::channel(false);
        bus.start(shutdown.clone());
        let stores = systems
            .iter()
            .flat_map(|s| s.contexts.iter())
            .map(|c| platform.sqlite(c.id))
            .collect::<anyhow::Result<Vec<_>>>()?;
        tokio::spawn(Pruner::new(bus.clone(), stores).run(shutdown.clone()));
        for f in &functions {
            if let (Trigger::Every(period), Invoke::Tick(tick)) = (&f.info.trigger, &f.invoke) {
                tokio::spawn(run_timer(
                    f.info.name,
                    *period,
                    tick.clone(),
                    switches.clone(),
                    shutdown.clone(),
                ));
            }
        }
        Ok(Self {
            platform,
            functions,
            bus,
            switches,
            stop,
            _lock: lock,
        })
    }

    /// Lets synchronous calls between contexts reach the gateway's router.
    pub fn connect(&self, dispatch: &Arc<dyn Dispatch>) {
        self.platform.transport().connect(dispatch);
    }

    pub fn function(&self, name: &str) -> Option<&Function> {
        self.functions.iter().find(|f| f.info.name == name)
    }

    /// Stops the bus and the timers. Undelivered events stay queued for the next start.
    pub fn stop(&self) {
        let _ = self.stop.send(true);
    }
}

impl Drop for Host {
    fn drop(&mut self) {
        self.stop();
    }
}

async fn run_timer(
    name: &'static str,
    period: std::time::Duration,
    tick: kernel::function::TickInvoke,
    switches: Arc<Switchboard>,
    mut shutdown: watch::Receiver<bool>,
) {
    let mut interval = tokio::time::interval(period);
    interval.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    interval.tick().await;
    loop {
        tokio::select! {
            _ = interval.tick() => {}
            _ = shutdown.changed() => return,
        }
        if !switches.is_up(name) {
            continue;
        }
        let cx = Call::new(None);
        let span = tracing::info_span!("tick", function = name, correlationId = %cx.correlation_id);
        if let Err(e) = tick(cx).instrument(span).await {
            tracing::warn!(function = name, error = %e, "timer run failed");
        }
    }
}
