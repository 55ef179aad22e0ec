//! A closed-loop load generator: `concurrency` workers, each on its own keep-alive HTTP/1.1
//! connection, each sending its next request as soon as the previous one is answered, for a
//! fixed time. Latency is the time from sending a request to having read its whole response.

use std::{
    collections::BTreeMap,
    net::SocketAddr,
    sync::Arc,
    time::{Duration, Instant},
};

use anyhow::Context as _;
use bytes::Bytes;
use hdrhistogram::Histogram;
use http_body_util::{BodyExt, Full};
use hyper::client::conn::http1::SendRequest;
use hyper_util::rt::TokioIo;
use tokio::net::TcpStream;

pub type Request = http::Request<Full<Bytes>>;

/// Which request a worker sends next: its index and how many it sent before.
#[derive(Clone, Copy, Debug)]
pub struct Turn {
    pub worker: usize,
    pub n: u64,
}

impl Turn {
    /// One of `0..count`, spread over workers and turns so that concurrent workers rarely pick
    /// the same one at once.
    pub fn spread(self, count: u64) -> u64 {
        (self.worker as u64)
            .wrapping_mul(1_000_003)
            .wrapping_add(self.n.wrapping_mul(7_919))
            % count.max(1)
    }
}

/// Builds the request for a turn.
pub type Requests = Arc<dyn Fn(Turn) -> Request + Send + Sync>;

#[derive(Clone, Copy, Debug)]
pub struct LoadSpec {
    pub concurrency: usize,
    pub duration: Duration,
}

/// Latencies are recorded in microseconds, up to a minute.
const MAX_LATENCY_US: u64 = 60_000_000;

/// A worker still waiting this long after the run ended has failed its request.
const LATE: Duration = Duration::from_secs(10);

#[derive(Clone, Debug)]
pub struct LoadReport {
    pub spec: LoadSpec,
    pub elapsed: Duration,
    /// 2xx answers.
    pub ok: u64,
    /// Answers with any other status.
    pub failed: u64,
    /// How many answers had each non-2xx status.
    pub statuses: BTreeMap<u16, u64>,
    /// Requests that got no answer (connection refused or lost, timeout).
    pub io_errors: u64,
    /// Every answered request, in microseconds.
    pub latency: Histogram<u64>,
}

impl LoadReport {
    fn empty(spec: LoadSpec) -> anyhow::Result<Self> {
        Ok(Self {
            spec,
            elapsed: Duration::ZERO,
            ok: 0,
            failed: 0,
            statuses: BTreeMap::new(),
            io_errors: 0,
            latency: Histogram::new_with_bounds(1, MAX_LATENCY_US, 3)
                .context("creating a latency histogram")?,
        })
    }

    fn merge(&mut self, other: &Self) -> anyhow::Result<()> {
        self.ok += other.ok;
        self.failed += other.failed;
        for (status, n) in &other.statuses {
            *self.statuses.entry(*status).or_default() += n;
        }
        self.io_errors += other.io_errors;
        self.latency
            .add(&other.latency)
            .context("merging latency histograms")
    }

    /// Answered requests per second (2xx or not).
    pub fn throughput(&self) -> f64 {
        (self.ok + self.failed) as f64 / self.elapsed.as_secs_f64().max(f64::EPSILON)
    }

    /// Errors: non-2xx answers plus requests without an answer.
    pub fn errors(&self) -> u64 {
        self.failed + self.io_errors
    }

    /// The share of requests answered 2xx, in percent.
    pub fn available_percent(&self) -> f64 {
        let all = self.ok + self.errors();
        100.0 * self.ok as f64 / (all.max(1)) as f64
    }

    /// The errors and what they were, e.g. `48 (409 × 40, 503 × 8)`.
    pub fn errors_described(&self) -> String {
        let mut kinds: Vec<String> = self
            .statuses
            .iter()
            .map(|(status, n)| format!("{status} × {n}"))
            .collect();
        if self.io_errors > 0 {
            kinds.push(format!("no answer × {}", self.io_errors));
        }
        if kinds.is_empty() {
            self.errors().to_string()
        } else {
            format!("{} ({})", self.errors(), kinds.join(", "))
        }
    }

    /// The latency at `quantile` (0..=1), in milliseconds.
    pub fn latency_ms(&self, quantile: f64) -> f64 {
        self.latency.value_at_quantile(quantile) as f64 / 1000.0
    }
}

/// Runs the load against `addr` and reports what it measured.
pub async fn run(
    addr: SocketAddr,
    spec: LoadSpec,
    requests: Requests,
) -> anyhow::Result<LoadReport> {
    let started = Instant::now();
    let deadline = started + spec.duration;
    let workers: Vec<_> = (0..spec.concurrency)
        .map(|worker| tokio::spawn(work(addr, worker, deadline, spec, requests.clone())))
        .collect();
    let mut report = LoadReport::empty(spec)?;
    for worker in workers {
        report.merge(&worker.await.context("a load worker panicked")??)?;
    }
    report.elapsed = started.elapsed();
    Ok(report)
}

async fn work(
    addr: SocketAddr,
    worker: usize,
    deadline: Instant,
    spec: LoadSpec,
    requests: Requests,
) -> anyhow::Result<LoadReport> {
    let mut tally = LoadReport::empty(spec)?;
    let mut connection: Option<SendRequest<Full<Bytes>>> = None;
    let mut n = 0;
    while Instant::now() < deadline {
        let mut sender = match connection.take() {
            Some(s) => s,
            None => match connect(addr).await {
                Ok(s) => s,
                Err(_) => {
                    tally.io_errors += 1;
                    tokio::time::sleep(Duration::from_millis(10)).await;
                    continue;
                }
            },
        };
        let request = requests(Turn { worker, n });
        n += 1;
        let sent = Instant::now();
        let answer = tokio::time::timeout(
            deadline.saturating_duration_since(sent) + LATE,
            exchange(&mut sender, request),
        )
        .await;
        match answer {
            Ok(Ok(status)) => {
                let micros = sent.elapsed().as_micros().min(u128::from(MAX_LATENCY_US)) as u64;
                tally.latency.saturating_record(micros.max(1));
                if status.is_success() {
                    tally.ok += 1;
                } else {
                    tally.failed += 1;
                    *tally.statuses.entry(status.as_u16()).or_default() += 1;
                }
                connection = Some(sender);
            }
            Ok(Err(_)) | Err(_) => tally.io_errors += 1,
        }
    }
    Ok(tally)
}

async fn connect(addr: SocketAddr) -> anyhow::Result<SendRequest<Full<Bytes>>> {
    let stream = TcpStream::connect(addr).await?;
    stream.set_nodelay(true)?;
    let (sender, connection) = hyper::client::conn::http1::handshake(TokioIo::new(stream)).await?;
    // The connection's I/O runs beside the worker; it ends when the sender is dropped.
    tokio::spawn(connection);
    Ok(sender)
}

async fn exchange(
    sender: &mut SendRequest<Full<Bytes>>,
    request: Request,
) -> anyhow::Result<http::StatusCode> {
    sender.ready().await?;
    let response = sender.send_request(request).await?;
    let status = response.status();
    response.into_body().collect().await?;
    Ok(status)
}

/// A GET of `path_and_query`.
pub fn get(host: &str, path_and_query: &str) -> Request {
    request(http::Method::GET, host, path_and_query, Bytes::new())
}

/// A POST of a JSON body.
pub fn post_json(host: &str, path: &str, body: &serde_json::Value) -> Request {
    request(
        http::Method::POST,
        host,
        path,
        Bytes::from(body.to_string()),
    )
}

fn request(method: http::Method, host: &str, path: &str, body: Bytes) -> Request {
    let mut request = http::Request::new(Full::new(body));
    *request.method_mut() = method;
    // A path that is not a valid URI is sent as `/`, and answered 404: it shows up as errors.
    *request.uri_mut() = path.parse().unwrap_or_default();
    let headers = request.headers_mut();
    if let Ok(v) = http::HeaderValue::from_str(host) {
        headers.insert(http::header::HOST, v);
    }
    headers.insert(
        http::header::CONTENT_TYPE,
        http::HeaderValue::from_static("application/json"),
    );
    request
}
