//! `bench` — the benchmarks of BENCHMARKS.md. `scripts/bench` builds the gateway and this binary
//! in release and runs them; `bench <benchmark>` prints one section, `bench all` writes the file.

use std::{path::PathBuf, time::Duration};

use anyhow::Context as _;
use bench::{
    benchmarks::{self, Endpoint},
    gateway::sibling_binary,
    machine::Machine,
    report,
};
use clap::{Parser, Subcommand};

#[derive(Parser)]
#[command(about = "Benchmarks of the local gateway (BENCHMARKS.md)")]
struct Cli {
    /// The gateway binary to measure [default: `gateway` next to this binary].
    #[arg(long, global = true)]
    gateway: Option<PathBuf>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Throughput and latency (p50/p99) of a query and a command at each concurrency.
    Http {
        #[arg(long, value_enum, value_delimiter = ',', default_values_t = [Endpoint::Query, Endpoint::Command, Endpoint::FamilyQuery, Endpoint::FamilyCommand, Endpoint::PackingQuery, Endpoint::PackingCommand, Endpoint::MovingQuery, Endpoint::MovingCommand, Endpoint::PetmilyQuery, Endpoint::PetmilyCommand])]
        endpoint: Vec<Endpoint>,
        #[arg(long, value_delimiter = ',', default_values_t = [1, 16, 96])]
        concurrency: Vec<usize>,
        #[arg(long, default_value_t = 30)]
        seconds: u64,
    },
    /// From POST /books answered to the booking COMPLETED in GET /myPages.
    ViewLatency {
        #[arg(long, default_value_t = 1000)]
        bookings: u64,
    },
    /// From POST /family/locations answered to the position in GET /family/moveviews/{id}.
    FamilyViewLatency {
        #[arg(long, default_value_t = 1000)]
        reports: u64,
    },
    /// From POST /packing/packingorders answered to the order and its task in GET /packing/orderinfos.
    PackingViewLatency {
        #[arg(long, default_value_t = 1000)]
        orders: u64,
    },
    /// From POST /moving/movers answered to the call CONFIRMED with its company in GET /moving/moverinfos.
    MovingViewLatency {
        #[arg(long, default_value_t = 1000)]
        calls: u64,
    },
    /// From POST /petmily/api/v1/match answered to the match REQUESTED in the care-status view.
    PetmilyViewLatency {
        #[arg(long, default_value_t = 1000)]
        matches: u64,
    },
    /// The bus delivering a backlog of growing size.
    BusDrain {
        #[arg(long, value_delimiter = ',', default_values_t = [1_000, 4_000, 16_000])]
        bookings: Vec<u64>,
    },
    /// The MyPage query against stores of growing size.
    StoreScaling {
        #[arg(long, value_delimiter = ',', default_values_t = [1_000, 100_000, 1_000_000])]
        rows: Vec<u64>,
        #[arg(long, default_value_t = 16)]
        concurrency: usize,
        #[arg(long, default_value_t = 30)]
        seconds: u64,
    },
    /// Every benchmark with its defaults, written to a Markdown file.
    All {
        #[arg(long, default_value = "BENCHMARKS.md")]
        out: PathBuf,
    },
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    let gateway = match cli.gateway {
        Some(path) => path,
        None => sibling_binary("gateway")?,
    };
    anyhow::ensure!(
        gateway.is_file(),
        "no gateway binary at {} (build it: cargo build --release -p gateway)",
        gateway.display()
    );
    let machine = Machine::detect();
    let date = today()?;
    match cli.command {
        Command::Http {
            endpoint,
            concurrency,
            seconds,
        } => {
            let section = http(&gateway, &endpoint, &concurrency, seconds).await?;
            println!("{}", report::standalone(&machine, &date, &section));
        }
        Command::ViewLatency { bookings } => {
            let section = view_latency(&gateway, bookings).await?;
            println!("{}", report::standalone(&machine, &date, &section));
        }
        Command::FamilyViewLatency { reports } => {
            eprintln!("family-view-latency: {reports} reports");
            let view = benchmarks::family_view_latency(&gateway, reports).await?;
            println!(
                "{}",
                report::standalone(&machine, &date, &report::family_view_section(&view))
            );
        }
        Command::PackingViewLatency { orders } => {
            eprintln!("packing-view-latency: {orders} orders");
            let view = benchmarks::packing_view_latency(&gateway, orders).await?;
            let section = report::packing_view_section(&view);
            println!("{}", report::standalone(&machine, &date, &section));
        }
        Command::MovingViewLatency { calls } => {
            eprintln!("moving-view-latency: {calls} calls");
            let view = benchmarks::moving_view_latency(&gateway, calls).await?;
            let section = report::moving_view_section(&view);
            println!("{}", report::standalone(&machine, &date, &section));
        }
        Command::PetmilyViewLatency { matches } => {
            eprintln!("petmily-view-latency: {matches} matches");
            let view = benchmarks::petmily_view_latency(&gateway, matches).await?;
            let section = report::petmily_view_section(&view);
            println!("{}", report::standalone(&machine, &date, &section));
        }
        Command::BusDrain { bookings } => {
            let section = bus_drain(&gateway, &bookings).await?;
            println!("{}", report::standalone(&machine, &date, &section));
        }
        Command::StoreScaling {
            rows,
            concurrency,
            seconds,
        } => {
            let section = store_scaling(&gateway, &rows, concurrency, seconds).await?;
            println!("{}", report::standalone(&machine, &date, &section));
        }
        Command::All { out } => {
            let sections = vec![
                http(
                    &gateway,
                    &[
                        Endpoint::Query,
                        Endpoint::Command,
                        Endpoint::FamilyQuery,
                        Endpoint::FamilyCommand,
                        Endpoint::PackingQuery,
                        Endpoint::PackingCommand,
                        Endpoint::MovingQuery,
                        Endpoint::MovingCommand,
                        Endpoint::PetmilyQuery,
                        Endpoint::PetmilyCommand,
                    ],
                    &[1, 16, 96],
                    30,
                )
                .await?,
                hot(&gateway, 96, 20).await?,
                view_latency(&gateway, 1000).await?,
                report::family_view_section(
                    &benchmarks::family_view_latency(&gateway, 1000).await?,
                ),
                report::packing_view_section(
                    &benchmarks::packing_view_latency(&gateway, 1000).await?,
                ),
                report::moving_view_section(
                    &benchmarks::moving_view_latency(&gateway, 1000).await?,
                ),
                report::petmily_view_section(
                    &benchmarks::petmily_view_latency(&gateway, 1000).await?,
                ),
                bus_drain(&gateway, &[1_000, 4_000, 16_000]).await?,
                store_scaling(&gateway, &[1_000, 100_000, 1_000_000], 16, 30).await?,
            ];
            let document = report::document(&machine, &date, &sections);
            std::fs::write(&out, &document)
                .with_context(|| format!("writing {}", out.display()))?;
            println!("{document}");
        }
    }
    Ok(())
}

async fn http(
    gateway: &std::path::Path,
    endpoints: &[Endpoint],
    concurrencies: &[usize],
    seconds: u64,
) -> anyhow::Result<String> {
    let mut results = Vec::new();
    for &endpoint in endpoints {
        for &concurrency in concurrencies {
            eprintln!(
                "http: {} at concurrency {concurrency} for {seconds} s",
                endpoint.label()
            );
            let duration = Duration::from_secs(seconds);
            results.push(benchmarks::http(gateway, endpoint, concurrency, duration).await?);
        }
    }
    Ok(report::http_section(&results, seconds))
}

async fn hot(
    gateway: &std::path::Path,
    concurrency: usize,
    seconds: u64,
) -> anyhow::Result<String> {
    eprintln!(
        "http: {} at concurrency {concurrency} for {seconds} s",
        Endpoint::Hot.label()
    );
    let duration = Duration::from_secs(seconds);
    let result = benchmarks::http(gateway, Endpoint::Hot, concurrency, duration).await?;
    Ok(report::hot_section(&[result], seconds))
}

async fn view_latency(gateway: &std::path::Path, bookings: u64) -> anyhow::Result<String> {
    eprintln!("view-latency: {bookings} bookings");
    let view = benchmarks::view_latency(gateway, bookings).await?;
    Ok(report::view_section(&view))
}

async fn bus_drain(gateway: &std::path::Path, bookings: &[u64]) -> anyhow::Result<String> {
    let mut results = Vec::new();
    for &n in bookings {
        eprintln!("bus-drain: {n} bookings");
        results.push(benchmarks::bus_drain(gateway, n).await?);
    }
    Ok(report::drain_section(&results))
}

async fn store_scaling(
    gateway: &std::path::Path,
    rows: &[u64],
    concurrency: usize,
    seconds: u64,
) -> anyhow::Result<String> {
    let mut results = Vec::new();
    for &n in rows {
        eprintln!("store-scaling: {n} rows, concurrency {concurrency}, {seconds} s");
        let duration = Duration::from_secs(seconds);
        results.push(benchmarks::store_scaling(gateway, n, concurrency, duration).await?);
    }
    Ok(report::store_section(&results, concurrency, seconds))
}

fn today() -> anyhow::Result<String> {
    let format = time::macros::format_description!("[year]-[month]-[day] [hour]:[minute] UTC");
    Ok(time::OffsetDateTime::now_utc().format(&format)?)
}
