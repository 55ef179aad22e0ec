//! AWS's own wire protocols on loopback: moto's server, started for a test and killed when it is
//! dropped, with SDK clients pointed at it; the resources of a CloudFormation template created in
//! it; and the two pollers Lambda would run (a table's stream, an SQS queue), since moto does not
//! run Rust Lambdas. Nothing here is mocked: every call goes through the real adapters and SDKs.

pub mod api;
pub mod invoke;
pub mod management;
mod queue;
mod stream;
pub mod system;
mod template;

use std::{
    fs::File,
    io::Read,
    net::{TcpListener, TcpStream},
    path::PathBuf,
    process::{Child, Command, Stdio},
    sync::OnceLock,
    time::{Duration, Instant},
};

use anyhow::Context as _;
use aws_config::{BehaviorVersion, Region, SdkConfig};
use aws_sdk_dynamodb::config::Credentials;

pub use queue::{Delivery, deliver, receive_event};
pub use stream::{Polled, StreamMapping, StreamReader};
pub use template::{FunctionDefinition, Resource, Stack, provision};

/// moto's fixed account, and the region every client uses.
pub const ACCOUNT_ID: &str = "123456789012";
pub const REGION: &str = "us-east-1";

const STARTUP: Duration = Duration::from_secs(60);

/// A moto server of this test's own, on a free loopback port.
pub struct Moto {
    child: Child,
    endpoint: String,
    log: PathBuf,
    config: SdkConfig,
}

impl Moto {
    /// Starts `scripts/moto_server.py` (moto answering one request at a time, see there) on the
    /// Python that `scripts/python-tools` installs. An error says why it could not start; a test
    /// must fail on it, not skip.
    pub async fn start() -> anyhow::Result<Self> {
        let MotoServer { python, script } = moto_server()?;
        let port = free_port()?;
        let log = std::env::temp_dir().join(format!("moto-{port}.log"));
        let log_file = File::create(&log).with_context(|| format!("creating {}", log.display()))?;
        let child = Command::new(&python)
            .arg(&script)
            .args(["-H", "127.0.0.1", "-p", &port.to_string()])
            .stdin(Stdio::null())
            .stdout(log_file.try_clone()?)
            .stderr(log_file)
            .spawn()
            .with_context(|| format!("starting {}", script.display()))?;
        let endpoint = format!("http://127.0.0.1:{port}");
        let config = aws_config::defaults(BehaviorVersion::latest())
            .region(Region::new(REGION))
            .credentials_provider(Credentials::new("testing", "testing", None, None, "moto"))
            .http_client(crate::platform::https_client())
            .endpoint_url(&endpoint)
            .load()
            .await;
        let mut moto = Self {
            child,
            endpoint,
            log,
            config,
        };
        moto.wait_until_listening(port).await?;
        Ok(moto)
    }

    async fn wait_until_listening(&mut self, port: u16) -> anyhow::Result<()> {
        let deadline = Instant::now() + STARTUP;
        loop {
            if let Some(status) = self.child.try_wait()? {
                anyhow::bail!("moto_server exited with {status}:\n{}", self.log_tail());
            }
            if TcpStream::connect(("127.0.0.1", port)).is_ok() {
                return Ok(());
            }
            if Instant::now() > deadline {
                anyhow::bail!(
                    "moto_server did not listen on port {port} within {STARTUP:?}:\n{}",
                    self.log_tail()
                );
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// The end of the server's output, for error messages.
    pub fn log_tail(&self) -> String {
        let mut text = String::new();
        if let Ok(mut file) = File::open(&self.log) {
            let _ = file.read_to_string(&mut text);
        }
        let start = text.len().saturating_sub(4000);
        text.get(start..).unwrap_or_default().to_owned()
    }

    pub fn endpoint(&self) -> &str {
        &self.endpoint
    }

    /// Region, test credentials and the server's endpoint.
    pub fn config(&self) -> &SdkConfig {
        &self.config
    }

    pub fn dynamodb(&self) -> aws_sdk_dynamodb::Client {
        aws_sdk_dynamodb::Client::new(&self.config)
    }

    pub fn streams(&self) -> aws_sdk_dynamodbstreams::Client {
        aws_sdk_dynamodbstreams::Client::new(&self.config)
    }

    pub fn sns(&self) -> aws_sdk_sns::Client {
        aws_sdk_sns::Client::new(&self.config)
    }

    pub fn sqs(&self) -> aws_sdk_sqs::Client {
        aws_sdk_sqs::Client::new(&self.config)
    }
}

impl Drop for Moto {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_file(&self.log);
    }
}

#[derive(Clone)]
struct MotoServer {
    python: PathBuf,
    script: PathBuf,
}

/// Found once per test process (tests start servers in parallel, and the install script must
/// not run twice at once).
fn moto_server() -> anyhow::Result<MotoServer> {
    static FOUND: OnceLock<Result<MotoServer, String>> = OnceLock::new();
    FOUND
        .get_or_init(|| find_moto_server().map_err(|e| format!("{e:#}")))
        .clone()
        .map_err(anyhow::Error::msg)
}

fn find_moto_server() -> anyhow::Result<MotoServer> {
    let scripts = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../scripts");
    let script = scripts.join("python-tools");
    let output = Command::new("bash")
        .arg(&script)
        .stderr(Stdio::inherit())
        .output()
        .with_context(|| format!("running {}", script.display()))?;
    if !output.status.success() {
        anyhow::bail!(
            "{} failed with {}: the Python tools (moto) are not installed",
            script.display(),
            output.status
        );
    }
    let stdout = String::from_utf8_lossy(&output.stdout);
    let bin = stdout
        .lines()
        .last()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .with_context(|| format!("{} printed no directory", script.display()))?;
    let bin = PathBuf::from(bin);
    anyhow::ensure!(
        bin.join("moto_server").exists(),
        "moto_server is not in {}; is moto[server] in scripts/requirements.txt?",
        bin.display()
    );
    Ok(MotoServer {
        python: bin.join("python"),
        script: scripts.join("moto_server.py"),
    })
}

fn free_port() -> anyhow::Result<u16> {
    let listener = TcpListener::bind("127.0.0.1:0").context("finding a free loopback port")?;
    Ok(listener.local_addr()?.port())
}
