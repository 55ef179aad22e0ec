//! The benchmarks. Each one starts its own gateway process (`RUST_LOG=warn`) on a fresh data
//! folder, sets up what it measures, warms up, measures, and returns the numbers.

use std::{
    path::Path,
    time::{Duration, Instant},
};

use anyhow::Context as _;
use hdrhistogram::Histogram;

use crate::{
    api::Api,
    family,
    gateway::{GatewayProcess, ProcessSpec},
    load::{self, LoadReport, LoadSpec, Requests},
    moving,
    museum::{self, Seeded},
    packing, petmily,
};

/// Load before each measured run, not counted: connections open, caches warm.
const WARM_UP: Duration = Duration::from_secs(2);
/// How long the bus may take to deliver what a command run recorded.
const DRAIN_TIMEOUT: Duration = Duration::from_secs(600);
/// Users whose MyPage the query benchmark reads, and bookings each has.
const QUERY_USERS: u64 = 100;
const BOOKINGS_PER_USER: u64 = 5;
/// Exhibitions the command benchmark books, round-robin (the hot benchmark books one).
const COMMAND_EXHIBITIONS: usize = 8;
/// Families the family benchmarks load, each with a founder on this many moves.
const FAMILIES: u64 = 100;
const MOVES_PER_FAMILY: u64 = 5;
/// Mover companies registered for the moving benchmarks (each serves one move at a time).
const MOVING_COMPANIES: u64 = 100;
/// Members the petmily benchmarks sign up (each with a pet), and matches each asks for the query.
const PETMILY_MEMBERS: u64 = 100;
const MATCHES_PER_MEMBER: u64 = 5;
/// MyPage rows per user in the store-scaling benchmark.
const ROWS_PER_USER: u64 = 10;
/// How often the command-to-view benchmark reads the view.
pub const VIEW_POLL: Duration = Duration::from_millis(1);
/// A booking not visible as COMPLETED after this is counted as timed out.
const VIEW_TIMEOUT: Duration = Duration::from_secs(10);

/// The two endpoints the HTTP benchmark loads.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum Endpoint {
    /// `GET /museum/myPages?userId=`
    Query,
    /// `POST /museum/books`, round-robin over 8 exhibitions
    Command,
    /// `POST /museum/books`, every booking for one exhibition (a popular one: every write
    /// takes from the same seats counter)
    Hot,
    /// `GET /packing/orderinfos?userId=`
    PackingQuery,
    /// `POST /packing/packingorders`
    PackingCommand,
    /// `GET /family/moveviews?familyId=`
    FamilyQuery,
    /// `POST /family/locations`
    FamilyCommand,
    /// `GET /moving/moverinfos?tel=`
    MovingQuery,
    /// `POST /moving/movers`
    MovingCommand,
    /// `GET /petmily/api/v1/match/status?memberId=`, with the member's token
    PetmilyQuery,
    /// `POST /petmily/api/v1/match/application`, with the member's token
    PetmilyCommand,
}

impl Endpoint {
    pub fn label(self) -> &'static str {
        match self {
            Self::Query => "GET /museum/myPages?userId=",
            Self::Command => "POST /museum/books",
            Self::Hot => "POST /museum/books (one exhibition)",
            Self::PackingQuery => "GET /packing/orderinfos?userId=",
            Self::PackingCommand => "POST /packing/packingorders",
            Self::FamilyQuery => "GET /family/moveviews?familyId=",
            Self::FamilyCommand => "POST /family/locations",
            Self::MovingQuery => "GET /moving/moverinfos?tel=",
            Self::MovingCommand => "POST /moving/movers",
            Self::PetmilyQuery => "GET /petmily/api/v1/match/status?memberId=",
            Self::PetmilyCommand => "POST /petmily/api/v1/match/application",
        }
    }
}

pub struct HttpResult {
    pub endpoint: Endpoint,
    pub report: LoadReport,
    /// For commands: how long the bus took, after the run, to deliver every event it recorded.
    pub drained_after: Option<Duration>,
}

async fn start(gateway: &Path, data: &Path) -> anyhow::Result<(GatewayProcess, Api)> {
    let process = GatewayProcess::start(ProcessSpec::new(gateway, data)).await?;
    let api = Api::new(process.base(), Duration::from_secs(30))?;
    Ok((process, api))
}

/// Throughput and latency of one endpoint at one concurrency.
pub async fn http(
    gateway: &Path,
    endpoint: Endpoint,
    concurrency: usize,
    duration: Duration,
) -> anyhow::Result<HttpResult> {
    let dir = tempfile::tempdir()?;
    let (process, api) = start(gateway, &dir.path().join("data")).await?;
    let host = process.addr().to_string();
    let requests: Requests = match endpoint {
        Endpoint::Query => {
            let museum = museum::register(&api, museum::LARGE_EXHIBITION).await?;
            museum::book_many(
                &api,
                &[museum],
                QUERY_USERS,
                QUERY_USERS * BOOKINGS_PER_USER,
            )
            .await?;
            api.drained(DRAIN_TIMEOUT).await?;
            museum::my_pages_query(host, QUERY_USERS)
        }
        Endpoint::Command | Endpoint::Hot => {
            let count = if endpoint == Endpoint::Hot {
                1
            } else {
                COMMAND_EXHIBITIONS
            };
            let mut exhibitions = Vec::with_capacity(count);
            for _ in 0..count {
                exhibitions.push(museum::register(&api, museum::LARGE_EXHIBITION).await?);
            }
            museum::booking_command(host, exhibitions)
        }
        Endpoint::PackingQuery => {
            packing::order_many(&api, QUERY_USERS, QUERY_USERS * BOOKINGS_PER_USER).await?;
            api.drained(DRAIN_TIMEOUT).await?;
            packing::order_list_query(host, QUERY_USERS)
        }
        Endpoint::PackingCommand => packing::order_command(host),
        Endpoint::FamilyQuery => {
            family::moving_families(&api, FAMILIES, MOVES_PER_FAMILY).await?;
            api.drained(DRAIN_TIMEOUT).await?;
            family::moveviews_query(host, FAMILIES)
        }
        Endpoint::FamilyCommand => {
            let moves = family::moving_families(&api, FAMILIES, MOVES_PER_FAMILY).await?;
            api.drained(DRAIN_TIMEOUT).await?;
            family::location_command(host, moves)
        }
        Endpoint::MovingQuery => {
            moving::companies(&api, MOVING_COMPANIES).await?;
            moving::call_many(&api, QUERY_USERS, QUERY_USERS * BOOKINGS_PER_USER).await?;
            api.drained(DRAIN_TIMEOUT).await?;
            moving::moverinfos_query(host, QUERY_USERS)
        }
        Endpoint::MovingCommand => {
            moving::companies(&api, MOVING_COMPANIES).await?;
            moving::call_command(host)
        }
        Endpoint::PetmilyQuery => {
            let client = petmily::Client::new(&process.base())?;
            let sitter = client.approved_sitter().await?;
            let members = client.members(PETMILY_MEMBERS).await?;
            for member in &members {
                for _ in 0..MATCHES_PER_MEMBER {
                    client.ask(member, &sitter).await?;
                }
            }
            api.drained(DRAIN_TIMEOUT).await?;
            petmily::care_status_query(host, members.into())
        }
        Endpoint::PetmilyCommand => {
            let client = petmily::Client::new(&process.base())?;
            let members = client.members(PETMILY_MEMBERS).await?;
            petmily::care_request_command(host, members.into())
        }
    };
    let warm_up = LoadSpec {
        concurrency,
        duration: WARM_UP,
    };
    load::run(process.addr(), warm_up, requests.clone()).await?;
    let spec = LoadSpec {
        concurrency,
        duration,
    };
    let report = load::run(process.addr(), spec, requests).await?;
    let drained_after = match endpoint {
        Endpoint::Query
        | Endpoint::PackingQuery
        | Endpoint::FamilyQuery
        | Endpoint::MovingQuery
        | Endpoint::PetmilyQuery => None,
        Endpoint::Command
        | Endpoint::Hot
        | Endpoint::PackingCommand
        | Endpoint::FamilyCommand
        | Endpoint::MovingCommand
        | Endpoint::PetmilyCommand => Some(api.drained(DRAIN_TIMEOUT).await?),
    };
    Ok(HttpResult {
        endpoint,
        report,
        drained_after,
    })
}

pub struct ViewLatency {
    /// From `POST /books` answered to the booking COMPLETED in `GET /myPages`, in microseconds.
    pub latency: Histogram<u64>,
    pub timed_out: u64,
}

/// Books one seat at a time, each for a new user, and waits for each to show as COMPLETED in
/// the user's MyPage.
pub async fn view_latency(gateway: &Path, bookings: u64) -> anyhow::Result<ViewLatency> {
    let dir = tempfile::tempdir()?;
    let (_process, api) = start(gateway, &dir.path().join("data")).await?;
    let museum = museum::register(&api, museum::LARGE_EXHIBITION).await?;
    let mut result = ViewLatency {
        latency: Histogram::new_with_bounds(1, VIEW_TIMEOUT.as_micros() as u64, 3)?,
        timed_out: 0,
    };
    for i in 0..bookings {
        let user = format!("view{i}");
        let booking = museum::book(&api, &museum, &user).await?;
        let answered = Instant::now();
        if completed_in_my_page(&api, &user, &booking).await? {
            let micros = answered.elapsed().as_micros() as u64;
            result.latency.saturating_record(micros.max(1));
        } else {
            result.timed_out += 1;
        }
    }
    Ok(result)
}

/// Reports one position at a time of one move, each waiting until the moveview shows it (`locId`).
pub async fn family_view_latency(gateway: &Path, reports: u64) -> anyhow::Result<ViewLatency> {
    let dir = tempfile::tempdir()?;
    let (_process, api) = start(gateway, &dir.path().join("data")).await?;
    let moves = family::moving_families(&api, 1, 1).await?;
    let move_id = moves.first().context("no move to report on")?;
    api.drained(DRAIN_TIMEOUT).await?;
    let mut result = ViewLatency {
        latency: Histogram::new_with_bounds(1, VIEW_TIMEOUT.as_micros() as u64, 3)?,
        timed_out: 0,
    };
    for n in 0..reports {
        match family::report_until_viewed(&api, move_id, n, VIEW_POLL, VIEW_TIMEOUT).await? {
            Some(took) => result
                .latency
                .saturating_record((took.as_micros() as u64).max(1)),
            None => result.timed_out += 1,
        }
    }
    Ok(result)
}

/// One call at a time, each for a new customer, with one company registered: from the call
/// answered to its row CONFIRMED with the company in `GET /moving/moverinfos?tel=` — three hops of
/// the bus (MovermanageAssigned → moveassign → MoverassignCompleted → movecall →
/// MovercallConfirmed → customer). Each call is then cancelled, untimed, to free the company.
pub async fn moving_view_latency(gateway: &Path, calls: u64) -> anyhow::Result<ViewLatency> {
    let dir = tempfile::tempdir()?;
    let (_process, api) = start(gateway, &dir.path().join("data")).await?;
    moving::companies(&api, 1).await?;
    let mut result = ViewLatency {
        latency: Histogram::new_with_bounds(1, VIEW_TIMEOUT.as_micros() as u64, 3)?,
        timed_out: 0,
    };
    for i in 0..calls {
        let tel = format!("0106{i:07}");
        match moving::call_until_confirmed(&api, &tel, VIEW_POLL, VIEW_TIMEOUT).await? {
            Some(took) => result
                .latency
                .saturating_record((took.as_micros() as u64).max(1)),
            None => result.timed_out += 1,
        }
    }
    Ok(result)
}

/// One match at a time, each for a new care request of one of 10 members, with one approved
/// sitter: from `POST /petmily/api/v1/match` answered (match read the member and the pet
/// synchronously) to the match shown REQUESTED in the member's care-status view — one hop of the
/// bus (MatchRequested → status).
pub async fn petmily_view_latency(gateway: &Path, matches: u64) -> anyhow::Result<ViewLatency> {
    let dir = tempfile::tempdir()?;
    let (process, _api) = start(gateway, &dir.path().join("data")).await?;
    let client = petmily::Client::new(&process.base())?;
    let sitter = client.approved_sitter().await?;
    let members = client.members(10).await?;
    let mut result = ViewLatency {
        latency: Histogram::new_with_bounds(1, VIEW_TIMEOUT.as_micros() as u64, 3)?,
        timed_out: 0,
    };
    for (i, member) in (0..matches).zip(members.iter().cycle()) {
        let viewed = client
            .ask_until_viewed(member, &sitter, VIEW_POLL, VIEW_TIMEOUT)
            .await
            .with_context(|| format!("match {i}"))?;
        match viewed {
            Some(took) => result
                .latency
                .saturating_record((took.as_micros() as u64).max(1)),
            None => result.timed_out += 1,
        }
    }
    Ok(result)
}

/// Polls the user's MyPage until the booking shows as COMPLETED; false after `VIEW_TIMEOUT`.
async fn completed_in_my_page(api: &Api, user: &str, booking: &str) -> anyhow::Result<bool> {
    let path = format!("/museum/myPages?userId={user}");
    let started = Instant::now();
    while started.elapsed() < VIEW_TIMEOUT {
        let page = api.get_ok(&path).await?;
        let completed = page["items"].as_array().is_some_and(|rows| {
            rows.iter()
                .any(|r| r["id"] == booking && r["bookingStatus"] == "COMPLETED")
        });
        if completed {
            return Ok(true);
        }
        tokio::time::sleep(VIEW_POLL).await;
    }
    Ok(false)
}

/// Places one order at a time, each for a new customer, and waits for each to show in the
/// customer's order list as ORDERED with its packing task WAITING: two hops of the bus
/// (PackingOrdered → orderinfo, and PackingOrdered → productpacking → PackingTaskCreated →
/// orderinfo).
pub async fn packing_view_latency(gateway: &Path, orders: u64) -> anyhow::Result<ViewLatency> {
    let dir = tempfile::tempdir()?;
    let (_process, api) = start(gateway, &dir.path().join("data")).await?;
    let mut result = ViewLatency {
        latency: Histogram::new_with_bounds(1, VIEW_TIMEOUT.as_micros() as u64, 3)?,
        timed_out: 0,
    };
    for i in 0..orders {
        let customer = format!("view{i}");
        let order = packing::order(&api, &customer).await?;
        let answered = Instant::now();
        if waiting_in_order_list(&api, &customer, &order).await? {
            let micros = answered.elapsed().as_micros() as u64;
            result.latency.saturating_record(micros.max(1));
        } else {
            result.timed_out += 1;
        }
    }
    Ok(result)
}

/// Polls the customer's order list until the order shows ORDERED with its task WAITING; false
/// after `VIEW_TIMEOUT`.
async fn waiting_in_order_list(api: &Api, customer: &str, order: &str) -> anyhow::Result<bool> {
    let path = format!("/packing/orderinfos?userId={customer}");
    let started = Instant::now();
    while started.elapsed() < VIEW_TIMEOUT {
        let page = api.get_ok(&path).await?;
        let shown = page["items"].as_array().is_some_and(|rows| {
            rows.iter().any(|r| {
                r["id"] == order && r["status"] == "ORDERED" && r["packingStatus"] == "WAITING"
            })
        });
        if shown {
            return Ok(true);
        }
        tokio::time::sleep(VIEW_POLL).await;
    }
    Ok(false)
}

pub struct DrainResult {
    pub bookings: u64,
    /// Deliveries waiting when the handlers came back.
    pub queued: u64,
    pub drained_in: Duration,
}

/// The bus working off a backlog: `bookings` are made while every event handler is down, then
/// every handler comes back at once and the bus delivers everything (the queued deliveries and
/// the events they cause).
pub async fn bus_drain(gateway: &Path, bookings: u64) -> anyhow::Result<DrainResult> {
    let dir = tempfile::tempdir()?;
    let (_process, api) = start(gateway, &dir.path().join("data")).await?;
    let mut exhibitions = Vec::new();
    for _ in 0..bookings.div_ceil(u64::from(museum::LARGE_EXHIBITION)) {
        exhibitions.push(museum::register(&api, museum::LARGE_EXHIBITION).await?);
    }
    let handlers = event_handlers(&api).await?;
    for h in &handlers {
        api.post_ok(
            &format!("/admin/functions/{h}/down"),
            &serde_json::json!({}),
        )
        .await?;
    }
    museum::book_many(&api, &exhibitions, QUERY_USERS, bookings).await?;
    let queued = api.backlog().await?;
    let started = Instant::now();
    for h in &handlers {
        api.post_ok(&format!("/admin/functions/{h}/up"), &serde_json::json!({}))
            .await?;
    }
    api.drained(DRAIN_TIMEOUT).await?;
    Ok(DrainResult {
        bookings,
        queued,
        drained_in: started.elapsed(),
    })
}

/// The names of every function that handles events.
async fn event_handlers(api: &Api) -> anyhow::Result<Vec<String>> {
    let functions = api.get_ok("/admin/functions").await?;
    Ok(functions
        .as_array()
        .into_iter()
        .flatten()
        .filter(|f| f["kind"] == "events")
        .filter_map(|f| f["name"].as_str().map(str::to_owned))
        .collect())
}

pub struct StoreResult {
    pub seeded: Seeded,
    /// From starting the gateway on the seeded folder to its first healthy answer.
    pub startup: Duration,
    pub report: LoadReport,
}

/// The MyPage query against a store seeded with `rows` rows.
pub async fn store_scaling(
    gateway: &Path,
    rows: u64,
    concurrency: usize,
    duration: Duration,
) -> anyhow::Result<StoreResult> {
    let dir = tempfile::tempdir()?;
    let data = dir.path().join("data");
    let seeded = museum::seed_my_pages(&data, rows, ROWS_PER_USER)
        .await
        .with_context(|| format!("seeding {rows} rows"))?;
    let started = Instant::now();
    let (process, _api) = start(gateway, &data).await?;
    let startup = started.elapsed();
    let requests = museum::my_pages_query(process.addr().to_string(), rows / ROWS_PER_USER);
    let warm_up = LoadSpec {
        concurrency,
        duration: WARM_UP,
    };
    load::run(process.addr(), warm_up, requests.clone()).await?;
    let spec = LoadSpec {
        concurrency,
        duration,
    };
    let report = load::run(process.addr(), spec, requests).await?;
    Ok(StoreResult {
        seeded,
        startup,
        report,
    })
}
