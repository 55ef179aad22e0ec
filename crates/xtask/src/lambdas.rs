//! `cargo run -p xtask -- measure-lambdas`: every Lambda binary, release-built, measured the way
//! Lambda runs it. Each binary is started under a local implementation of the Lambda Runtime API
//! (the protocol Lambda's `provided.al2023` runtime speaks) with its sample event, against the
//! system's tables in moto: init is process start to the first `GET /invocation/next`, first
//! invocation is the event handed over to its response posted, peak RSS is `VmHWM`.

use std::{
    io::Write,
    path::Path,
    process::{Command, Stdio},
    sync::{Arc, Mutex},
    time::{Duration, Instant},
};

use anyhow::Context as _;
use axum::{
    Router,
    extract::State,
    http::{HeaderMap, HeaderValue, StatusCode},
    response::{IntoResponse, Response},
    routing::{get, post},
};
use kernel::System;
use lambda::emulator::{Moto, provision};
use tokio::sync::Notify;

/// One binary's numbers.
pub struct Measured {
    pub name: String,
    pub stripped_bytes: u64,
    pub zipped_bytes: u64,
    pub init: Duration,
    pub first_invocation: Duration,
    pub peak_rss_kib: u64,
    pub outcome: &'static str,
}

#[derive(Default)]
struct Timeline {
    started: Option<Instant>,
    first_next: Option<Instant>,
    handed_over: Option<Instant>,
    answered: Option<(Instant, &'static str)>,
}

#[derive(Clone)]
struct RuntimeApi {
    event: Arc<String>,
    timeline: Arc<Mutex<Timeline>>,
    done: Arc<Notify>,
}

async fn next(State(api): State<RuntimeApi>) -> Response {
    let first = {
        let mut t = api
            .timeline
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let now = Instant::now();
        let first = t.first_next.is_none();
        if first {
            t.first_next = Some(now);
            t.handed_over = Some(now);
        }
        first
    };
    if !first {
        // The runtime waits for its next event until the process is stopped.
        std::future::pending::<()>().await;
    }
    let deadline = (std::time::SystemTime::now() + Duration::from_secs(10))
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis())
        .unwrap_or_default();
    let mut headers = HeaderMap::new();
    headers.insert(
        "lambda-runtime-aws-request-id",
        HeaderValue::from_static("00000000-0000-4000-8000-000000000001"),
    );
    headers.insert(
        "lambda-runtime-deadline-ms",
        HeaderValue::from(deadline as u64),
    );
    headers.insert(
        "lambda-runtime-invoked-function-arn",
        HeaderValue::from_static("arn:aws:lambda:us-east-1:123456789012:function:measured"),
    );
    headers.insert(
        "lambda-runtime-trace-id",
        HeaderValue::from_static("Root=1-00000000-000000000000000000000001"),
    );
    headers.insert("content-type", HeaderValue::from_static("application/json"));
    (headers, api.event.as_str().to_owned()).into_response()
}

fn answered(api: &RuntimeApi, outcome: &'static str) -> StatusCode {
    api.timeline
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
        .answered = Some((Instant::now(), outcome));
    api.done.notify_one();
    StatusCode::ACCEPTED
}

async fn response(State(api): State<RuntimeApi>) -> StatusCode {
    answered(&api, "response")
}

async fn error(State(api): State<RuntimeApi>) -> StatusCode {
    answered(&api, "error")
}

fn zipped_size(binary: &Path) -> anyhow::Result<u64> {
    let bytes = std::fs::read(binary)?;
    let mut buffer = std::io::Cursor::new(Vec::new());
    {
        let mut zip = zip::ZipWriter::new(&mut buffer);
        let options = zip::write::SimpleFileOptions::default()
            .compression_method(zip::CompressionMethod::Deflated)
            .unix_permissions(0o755);
        zip.start_file("bootstrap", options)?;
        zip.write_all(&bytes)?;
        zip.finish()?;
    }
    Ok(buffer.into_inner().len() as u64)
}

fn peak_rss_kib(pid: u32) -> u64 {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .ok()
        .and_then(|s| {
            s.lines()
                .find_map(|l| l.strip_prefix("VmHWM:"))
                .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        })
        .unwrap_or(0)
}

async fn measure(
    binary: &Path,
    event: String,
    env: &[(String, String)],
) -> anyhow::Result<Measured> {
    let api = RuntimeApi {
        event: Arc::new(event),
        timeline: Arc::default(),
        done: Arc::new(Notify::new()),
    };
    let app = Router::new()
        .route("/2018-06-01/runtime/invocation/next", get(next))
        .route(
            "/2018-06-01/runtime/invocation/{id}/response",
            post(response),
        )
        .route("/2018-06-01/runtime/invocation/{id}/error", post(error))
        .route("/2018-06-01/runtime/init/error", post(error))
        .with_state(api.clone());
    let listener = tokio::net::TcpListener::bind(("127.0.0.1", 0)).await?;
    let address = listener.local_addr()?;
    let server = tokio::spawn(async move { axum::serve(listener, app).await });

    let started = Instant::now();
    api.timeline
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
        .started = Some(started);
    let mut child = Command::new(binary)
        .env_clear()
        .envs(env.iter().map(|(k, v)| (k.as_str(), v.as_str())))
        .env("AWS_LAMBDA_RUNTIME_API", address.to_string())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .with_context(|| format!("starting {}", binary.display()))?;
    let waited = tokio::time::timeout(Duration::from_secs(20), api.done.notified()).await;
    let rss = peak_rss_kib(child.id());
    let _ = child.kill();
    let _ = child.wait();
    server.abort();
    waited.with_context(|| format!("{} did not answer its first event", binary.display()))?;

    let t = api
        .timeline
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    let (first_next, handed_over) = (
        t.first_next.context("no GET /next")?,
        t.handed_over.context("no event")?,
    );
    let (answered_at, outcome) = t.answered.context("no answer")?;
    let stripped_bytes = std::fs::metadata(binary)?.len();
    Ok(Measured {
        name: binary
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default(),
        stripped_bytes,
        zipped_bytes: zipped_size(binary)?,
        init: first_next - started,
        first_invocation: answered_at - handed_over,
        peak_rss_kib: rss,
        outcome,
    })
}

/// Builds the Lambda binaries of `systems` (those named in `only`, or all) and a hello-world
/// `lambda_runtime` binary (the floor any Rust Lambda pays) in release, and measures each; the
/// hello-world comes first.
pub async fn measure_all(
    root: &Path,
    systems: &[System],
    only: &[String],
) -> anyhow::Result<Vec<Measured>> {
    let wanted = |name: &str| only.is_empty() || only.iter().any(|o| o == name);
    let mut build = Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()));
    build
        .current_dir(root)
        .args(["build", "--release", "-p", "xtask", "--bin", HELLO]);
    for system in systems {
        build.args(["-p", &crate::mains::package(system)]);
        for name in crate::template::deployed_functions(system).into_values() {
            if wanted(&name) {
                build.args(["--bin", &name]);
            }
        }
    }
    anyhow::ensure!(build.status()?.success(), "the release build failed");

    let moto = Moto::start().await?;
    let base: Vec<(String, String)> = [
        ("AWS_REGION", "us-east-1"),
        ("AWS_ACCESS_KEY_ID", "testing"),
        ("AWS_SECRET_ACCESS_KEY", "testing"),
        ("AWS_ENDPOINT_URL", moto.endpoint()),
        ("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "256"),
        ("AWS_LAMBDA_FUNCTION_VERSION", "$LATEST"),
        ("RUST_LOG", "warn"),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_owned(), v.to_owned()))
    .collect();
    let release = root.join("target/release");
    let hello_event = r#"{"hello":"world"}"#.to_owned();
    let mut hello_env = base.clone();
    hello_env.push(("AWS_LAMBDA_FUNCTION_NAME".into(), HELLO.into()));
    let mut results = vec![measure(&release.join(HELLO), hello_event, &hello_env).await?];
    for system in systems {
        let template = root.join(format!("infra/{}.yaml", system.name));
        let parameters = [
            ("Prefix", "measure"),
            ("ApiId", "measured"),
            ("AlarmTopicArn", "arn:aws:sns:us-east-1:123456789012:alarms"),
            ("Api5xxAlarm", "measured-api-5xx"),
        ];
        let stack = provision(
            &template,
            &format!("measure-{}", system.name),
            &parameters,
            moto.config(),
        )
        .await?;
        for name in crate::template::deployed_functions(system).into_values() {
            if !wanted(&name) {
                continue;
            }
            let Ok(event) =
                std::fs::read_to_string(root.join(format!("events/{}/{name}.json", system.name)))
            else {
                continue;
            };
            let mut env = base.clone();
            env.extend(stack.function(&name)?.environment.clone());
            env.push(("AWS_LAMBDA_FUNCTION_NAME".into(), name.clone()));
            results.push(measure(&release.join(&name), event, &env).await?);
        }
    }
    Ok(results)
}

/// The hello-world binary measured beside the functions (`src/bin/hello-lambda.rs`).
pub const HELLO: &str = "hello-lambda";

/// The BENCHMARKS.md section: how it was measured, the summary against the targets and the
/// numbers before this layout, then the table.
pub fn section(results: &[Measured]) -> String {
    let date = time::OffsetDateTime::now_utc();
    format!(
        "\n## Lambda binaries\n\nCommand: `scripts/bench lambdas` (`cargo run -p xtask -- measure-lambdas`), {}-{:02}-{:02}.\n\n\
         Every function's binary from `cargo build --release` (fat LTO, one codegen unit, stripped; x86_64 here, the \
         deployed ones are arm64), zipped as Lambda's `bootstrap`, beside a hello-world `lambda_runtime` binary \
         (`hello-lambda`, the floor). Each is started under a local \
         implementation of the Lambda Runtime API with its sample event from `events/`, against the \
         system's tables in moto: *init* is process start to its first `GET /invocation/next`, \
         *first invocation* the event handed over to the response posted (it includes moto's own \
         latency, a few ms a call, where DynamoDB would take single-digit ms; a function that calls \
         another answers 503 here, as no Invoke API runs), *peak RSS* is `VmHWM`.\n\n{}\n\n\
         Before the lean build (2026-11-23: thin LTO, the SDKs' default features with two HTTP/TLS stacks, \
         an HTTP client in every function): 15.6–19.1 MB stripped, 6.2–7.7 MB zipped, init 9–35 ms.\n\n{}",
        date.year(),
        u8::from(date.month()),
        date.day(),
        summary(results),
        table(results)
    )
}

/// The largest zip, the median init and the largest init's ratio to the hello-world's.
pub fn summary(results: &[Measured]) -> String {
    let functions: Vec<&Measured> = results.iter().filter(|m| m.name != HELLO).collect();
    let hello = results.iter().find(|m| m.name == HELLO);
    let mut inits: Vec<f64> = functions
        .iter()
        .map(|m| m.init.as_secs_f64() * 1e3)
        .collect();
    inits.sort_by(f64::total_cmp);
    let median = inits.get(inits.len() / 2).copied().unwrap_or_default();
    let zipped = functions
        .iter()
        .map(|m| m.zipped_bytes)
        .max()
        .unwrap_or_default();
    let hello_ms = hello.map_or(f64::NAN, |h| h.init.as_secs_f64() * 1e3);
    format!(
        "Largest zip {:.1} MB (target ≤ 5 MB); median init {median:.1} ms (target ≤ 15 ms); \
         hello-world init {hello_ms:.1} ms, the functions' median {:.2}× and largest {:.2}× it (target ≤ 1.5×).",
        zipped as f64 / 1e6,
        median / hello_ms,
        inits.last().copied().unwrap_or_default() / hello_ms,
    )
}

pub fn table(results: &[Measured]) -> String {
    let mut out = String::from(
        "| function | stripped | zipped | init | init ÷ hello-world | first invocation | peak RSS | answer |\n|---|---:|---:|---:|---:|---:|---:|---|\n",
    );
    let hello = results
        .iter()
        .find(|m| m.name == HELLO)
        .map_or(f64::NAN, |m| m.init.as_secs_f64());
    for m in results {
        out.push_str(&format!(
            "| `{}` | {:.1} MB | {:.1} MB | {:.1} ms | {:.2}× | {:.1} ms | {:.1} MB | {} |\n",
            m.name,
            m.stripped_bytes as f64 / 1e6,
            m.zipped_bytes as f64 / 1e6,
            m.init.as_secs_f64() * 1e3,
            m.init.as_secs_f64() / hello,
            m.first_invocation.as_secs_f64() * 1e3,
            m.peak_rss_kib as f64 / 1024.0,
            m.outcome,
        ));
    }
    out
}
