//! `cargo run --release -p gateway` — every system on one local port, no cloud account, no Docker.

use std::{collections::BTreeMap, net::SocketAddr, path::PathBuf, time::Duration};

use clap::{Parser, ValueEnum};
use embedded::{BusConfig, Durability};
use frontdoor::{Gateway, GatewayConfig, server::Limits};
use kernel::telemetry::{self, LogFormat};

#[derive(Parser)]
#[command(about = "The local gateway: every system's functions behind one HTTP port")]
struct Args {
    /// Address to listen on. Beyond loopback the admin API needs --admin-token.
    #[arg(long, env = "GATEWAY_HOST", default_value = "127.0.0.1")]
    host: std::net::IpAddr,
    /// Port to listen on (0: any free port; see --ready-file).
    #[arg(long, env = "GATEWAY_PORT", default_value_t = 3000)]
    port: u16,
    /// Folder for the stores, the bus and the local secrets (created if missing).
    #[arg(long, env = "GATEWAY_DATA", default_value = ".data")]
    data: PathBuf,
    /// Log lines for a person, or JSON lines for machines.
    #[arg(long, env = "LOG_FORMAT", value_enum, default_value_t = Format::Pretty)]
    log_format: Format,
    /// `process`: a commit survives a crash of this process; `power`: also a power loss (fsync
    /// on every commit). See the README's durability notes.
    #[arg(long, env = "GATEWAY_DURABILITY", value_enum, default_value_t = Sync::Process)]
    durability: Sync,
    /// Token the admin API and console need (required when listening beyond loopback).
    #[arg(long, env = "GATEWAY_ADMIN_TOKEN", hide_env_values = true)]
    admin_token: Option<String>,
    /// A host name requests may be addressed to, besides IP addresses and `localhost`.
    #[arg(
        long = "allowed-host",
        env = "GATEWAY_ALLOWED_HOSTS",
        value_delimiter = ','
    )]
    allowed_hosts: Vec<String>,
    /// An origin (e.g. `http://devbox:8080`) whose pages may send state-changing requests,
    /// besides the gateway's own.
    #[arg(
        long = "allow-origin",
        env = "GATEWAY_ALLOW_ORIGINS",
        value_delimiter = ','
    )]
    allowed_origins: Vec<String>,
    /// Connections open at once; more are answered 503 and closed.
    #[arg(long, env = "GATEWAY_MAX_CONNECTIONS", default_value_t = Limits::default().max_connections)]
    max_connections: usize,
    /// Live streams (Server-Sent Events) open at once.
    #[arg(long, env = "GATEWAY_MAX_STREAMS", default_value_t = Limits::default().max_streams)]
    max_streams: usize,
    /// Milliseconds a client may take to send a request's headers, and a keep-alive
    /// connection may stay idle between requests.
    #[arg(long, env = "GATEWAY_HEADER_TIMEOUT_MS", default_value_t = Limits::default().header_timeout.as_millis() as u64)]
    header_timeout_ms: u64,
    /// Milliseconds a client may take to send a request's body (408 after).
    #[arg(long, env = "GATEWAY_BODY_TIMEOUT_MS", default_value_t = Limits::default().body_timeout.as_millis() as u64)]
    body_timeout_ms: u64,
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
    /// Days a delivered event stays in its context's outbox (for re-delivery and the event log).
    #[arg(long, env = "GATEWAY_OUTBOX_DAYS", value_parser = clap::value_parser!(u32).range(1..=3650), default_value_t = 7)]
    outbox_days: u32,
    /// Days a dead letter can still be redriven; then it is pruned. Shorter than --marker-days.
    #[arg(long, env = "GATEWAY_DEAD_LETTER_DAYS", value_parser = clap::value_parser!(u32).range(1..=3650), default_value_t = 14)]
    dead_letter_days: u32,
    /// Days an applied effect's marker is kept (while no redelivery of its event can arrive).
    #[arg(long, env = "GATEWAY_MARKER_DAYS", value_parser = clap::value_parser!(u32).range(1..=3650), default_value_t = 30)]
    marker_days: u32,
    /// A context setting, `NAME=VALUE` (repeatable); `--settings` lists them.
    #[arg(long = "set", value_parser = parse_setting)]
    settings: Vec<(String, String)>,
    /// Print every setting and secret the systems declare, with defaults, and exit.
    #[arg(long = "settings", exclusive = true)]
    list_settings: bool,
    /// Write `http://<addr>` to this file once listening (for scripts that start on port 0).
    #[arg(long)]
    ready_file: Option<PathBuf>,
}

fn parse_setting(raw: &str) -> Result<(String, String), String> {
    let (name, value) = raw
        .split_once('=')
        .ok_or_else(|| format!("expected NAME=VALUE, got {raw:?}"))?;
    Ok((name.to_owned(), value.to_owned()))
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
    let systems = systems::all();
    if args.list_settings {
        print!("{}", settings_table(&systems));
        return Ok(());
    }
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
    const DAY: Duration = Duration::from_secs(24 * 3600);
    config.retention = embedded::Retention {
        outbox: DAY * args.outbox_days,
        dead_letters: DAY * args.dead_letter_days,
        markers: DAY * args.marker_days,
        ..embedded::Retention::default()
    };
    config.retention.check()?;
    config.limits = Limits {
        max_connections: args.max_connections.max(1),
        max_streams: args.max_streams,
        header_timeout: Duration::from_millis(args.header_timeout_ms.max(1)),
        body_timeout: Duration::from_millis(args.body_timeout_ms.max(1)),
    };
    config.admin_token = args.admin_token;
    config.allowed_hosts = args.allowed_hosts;
    config.allowed_origins = args.allowed_origins;
    config.settings = args.settings.into_iter().collect::<BTreeMap<_, _>>();

    let gateway = Gateway::start(config, systems.clone()).await?;
    let names: Vec<_> = systems
        .iter()
        .map(|s| format!("http://{}/ui/{}", gateway.addr, s.name))
        .collect();
    if !gateway.addr.ip().is_loopback() {
        tracing::warn!(addr = %gateway.addr, "listening beyond loopback: the admin API needs its token; every system's API is open to the network");
    }
    tracing::info!(addr = %gateway.addr, data = %args.data.display(), systems = ?names, "gateway ready");
    if let Some(file) = &args.ready_file {
        std::fs::write(file, format!("http://{}", gateway.addr))?;
    }
    let stop = gateway.shutdown_handle();
    tokio::spawn(async move {
        shutdown_signal().await;
        tracing::info!("shutting down");
        let _ = stop.send(true);
    });
    gateway.wait().await
}

/// Every declared setting and secret, as `--settings` prints them.
fn settings_table(systems: &[kernel::System]) -> String {
    let mut out =
        String::from("setting (--set NAME=VALUE, or the environment)\tdefault\tcontext\tmeaning\n");
    for system in systems {
        for context in &system.contexts {
            for s in context.settings {
                out += &format!("{}\t{}\t{}\t{}\n", s.name, s.default, context.id, s.doc);
            }
        }
    }
    out +=
        "\nsecret (the environment, or <data>/secrets/<NAME>)\tlocal default\tcontext\tmeaning\n";
    for system in systems {
        for context in &system.contexts {
            for s in context.secrets {
                let default = s.local_default.unwrap_or("(generated)");
                out += &format!("{}\t{default}\t{}\t{}\n", s.name, context.id, s.doc);
            }
        }
    }
    out
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
