//! The gateway as a separate process, the way a user runs it: started on a data folder, killed
//! with SIGKILL (no shutdown of any kind) and started again on the same folder and port.

use std::{
    collections::BTreeMap,
    fs::OpenOptions,
    net::{SocketAddr, TcpListener},
    path::{Path, PathBuf},
    process::{Child, Command, Stdio},
    time::{Duration, Instant},
};

use anyhow::Context as _;

use crate::api::Api;

/// How long a started gateway may take to answer its health check.
const STARTUP: Duration = Duration::from_secs(30);

/// What to run and where.
#[derive(Clone, Debug)]
pub struct ProcessSpec {
    pub binary: PathBuf,
    pub data: PathBuf,
    /// Environment on top of `RUST_LOG=warn` (settings such as `MUSEUM_HOLD_SECONDS`).
    pub env: BTreeMap<String, String>,
}

impl ProcessSpec {
    pub fn new(binary: impl Into<PathBuf>, data: impl Into<PathBuf>) -> Self {
        Self {
            binary: binary.into(),
            data: data.into(),
            env: BTreeMap::new(),
        }
    }

    pub fn env(mut self, name: &str, value: &str) -> Self {
        self.env.insert(name.to_owned(), value.to_owned());
        self
    }
}

pub struct GatewayProcess {
    spec: ProcessSpec,
    port: u16,
    child: Option<Child>,
    starts: u32,
}

impl GatewayProcess {
    /// Starts the gateway on a free port and waits until it answers.
    pub async fn start(spec: ProcessSpec) -> anyhow::Result<Self> {
        let mut process = Self {
            spec,
            port: free_port()?,
            child: None,
            starts: 0,
        };
        process.spawn().await?;
        Ok(process)
    }

    pub fn base(&self) -> String {
        format!("http://{}", self.addr())
    }

    pub fn addr(&self) -> SocketAddr {
        SocketAddr::from(([127, 0, 0, 1], self.port))
    }

    pub fn data(&self) -> &Path {
        &self.spec.data
    }

    /// Where the process's log lines go (stderr of every start, appended).
    pub fn log_path(&self) -> PathBuf {
        self.spec.data.with_extension("log")
    }

    /// How many times the process was started.
    pub fn starts(&self) -> u32 {
        self.starts
    }

    /// Sets an environment variable for the next start.
    pub fn set_env(&mut self, name: &str, value: &str) {
        self.spec.env.insert(name.to_owned(), value.to_owned());
    }

    /// SIGKILL, then waits for the process to be gone (its data-folder lock with it).
    pub fn kill(&mut self) -> anyhow::Result<()> {
        if let Some(mut child) = self.child.take() {
            child.kill().context("killing the gateway")?;
            child.wait().context("waiting for the killed gateway")?;
        }
        Ok(())
    }

    /// Kills the process and starts it again on the same data folder and port.
    pub async fn restart(&mut self) -> anyhow::Result<()> {
        self.kill()?;
        self.spawn().await
    }

    async fn spawn(&mut self) -> anyhow::Result<()> {
        let log = OpenOptions::new()
            .create(true)
            .append(true)
            .open(self.log_path())
            .with_context(|| format!("opening {}", self.log_path().display()))?;
        let child = Command::new(&self.spec.binary)
            .arg("--port")
            .arg(self.port.to_string())
            .arg("--data")
            .arg(&self.spec.data)
            .env("RUST_LOG", "warn")
            .envs(&self.spec.env)
            .stdout(Stdio::null())
            .stderr(log)
            .spawn()
            .with_context(|| format!("starting {}", self.spec.binary.display()))?;
        self.child = Some(child);
        self.starts += 1;
        let api = Api::new(self.base(), Duration::from_secs(2))?;
        let started = Instant::now();
        while started.elapsed() < STARTUP {
            if api.is_healthy().await {
                return Ok(());
            }
            if let Some(status) = self
                .child
                .as_mut()
                .and_then(|c| c.try_wait().ok().flatten())
            {
                anyhow::bail!(
                    "the gateway exited with {status}; see {}",
                    self.log_path().display()
                );
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        anyhow::bail!("the gateway did not answer within {STARTUP:?}")
    }
}

impl Drop for GatewayProcess {
    fn drop(&mut self) {
        if let Err(e) = self.kill() {
            eprintln!("could not stop the gateway: {e:#}");
        }
    }
}

fn free_port() -> anyhow::Result<u16> {
    Ok(TcpListener::bind("127.0.0.1:0")
        .context("finding a free port")?
        .local_addr()?
        .port())
}

/// A binary built next to the running one (`target/release/gateway` beside
/// `target/release/bench`).
pub fn sibling_binary(name: &str) -> anyhow::Result<PathBuf> {
    let me = std::env::current_exe().context("locating this binary")?;
    let dir = me.parent().context("this binary has no folder")?;
    Ok(dir.join(name))
}
