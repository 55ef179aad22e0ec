//! `cargo run --release -p gateway` — every system on one local port, no cloud account, no Docker.

use std::{net::SocketAddr, path::PathBuf, time::Duration};

use clap::{Parser, ValueEnum};
use embedded::{BusConfig, Durability};
use frontdoor::{Gateway, GatewayConfig};
use kernel::telemetry::{self, LogFormat};

#[derive(Parser)]
#[command(about = "The local gateway: every system's functions behind one HTTP port")]
struct Args {
    /// Address to listen on.
    #[arg(long, env = "GATEWAY_HOST", default_value = "127.0.0.1")]
    host: std::net::IpAddr,
    #[arg(long, env = "GATEWAY_PORT", default_value_t = 3000)]
    port: u16,
    /// Folder for the stores and the bus (created if missing).
    #[arg(long, env = "GATEWAY_DATA", default_value = ".data")]
    data: PathBuf,
    /// Log lines for a person, or JSON lines for machines.
    #[arg(long, env = "LOG_FORMAT", value_enum, default_value_t = Format::Pretty)]
    log_format: Format,
    /// `process`: commits survive a crash of this process; `power`: also a power loss (fsync).
    #[arg(long, env = "GATEWAY_DURABILITY", value_enum, default_value_t = Sync::Process)]
    durability: Sync,
    /// Timeout of a synchronous call between contexts, in milliseconds.
    #[arg(long, env = "SYNC_TIMEOUT_MS", default_value_t = 1000)]
    sync_timeout_ms: u64,
    /// Consecutive failures of a synchronous call that open its circuit breaker.
    #[arg(long, env = "BREAKER_FAILURES", default_value_t = 5)]
    breaker_failures: u32,
    /// How long an open breaker answers at once before it lets one probe through, in ms.
    #[arg(long, env = "BREAKER_OPEN_MS", default_value_t = 10_000)]
    breaker_open_ms: u64,
    /// Deliveries of an event before it becomes a dead letter.
    #[arg(long, env = "BUS_MAX_ATTEMPTS", default_value_t = 5)]
    max_attempts: u32,
}

#[derive(Clone, Copy, ValueEnum)]
enum Format {
    Pretty,
    Json,
}

#[derive(Clone, Copy, ValueEnum)]
enum Sync {
    Process,
    Power,
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    telemetry::init(match args.log_format {
        Format::Pretty => LogFormat::Pretty,
        Format::Json => LogFormat::Json,
    });
    let mut config = GatewayConfig::new(SocketAddr::new(args.host, args.port), &args.data);
    config.durability = match args.durability {
        Sync::Process => Durability::Process,
        Sync::Power => Durability::Power,
    };
    config.sync_timeout = Duration::from_millis(args.sync_timeout_ms);
    config.breaker = kernel::breaker::BreakerPolicy {
        failures_to_open: args.breaker_failures.max(1),
        open_for: Duration::from_millis(args.breaker_open_ms),
        ..config.breaker
    };
    config.bus = BusConfig {
        max_attempts: args.max_attempts.max(1),
        ..BusConfig::default()
    };

    let systems = systems::all();
    let mut gateway = Gateway::start(config, systems.clone()).await?;
    let names: Vec<_> = systems
        .iter()
        .map(|s| format!("http://{}/{}", gateway.addr, s.name))
        .collect();
    tracing::info!(addr = %gateway.addr, data = %args.data.display(), systems = ?names, "gateway ready");
    let stop = gateway.shutdown_handle();
    tokio::spawn(async move {
        shutdown_signal().await;
        tracing::info!("shutting down");
        if let Some(stop) = stop {
            let _ = stop.send(());
        }
    });
    gateway.wait().await
}

async fn shutdown_signal() {
    let ctrl_c = tokio::signal::ctrl_c();
    #[cfg(unix)]
    {
        let mut term =
            match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
                Ok(s) => s,
                Err(_) => return std::future::pending().await,
            };
        tokio::select! {
            _ = ctrl_c => {}
            _ = term.recv() => {}
        }
    }
    #[cfg(not(unix))]
    let _ = ctrl_c.await;
}
