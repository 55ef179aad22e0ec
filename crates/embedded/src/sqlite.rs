//! SQLite connections as every embedded store opens them, and running their blocking calls off
//! the async runtime.

use std::{
    path::Path,
    sync::{
        Arc, Mutex,
        atomic::{AtomicUsize, Ordering},
    },
};

use anyhow::Context as _;
use rusqlite::Connection;

/// How hard a commit is made durable.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Durability {
    /// Survives a crash of the process (WAL, `synchronous=NORMAL`): the default.
    #[default]
    Process,
    /// Also survives power loss: every commit waits for fsync (`synchronous=FULL`).
    Power,
}

pub fn open(path: &Path, durability: Durability) -> anyhow::Result<Connection> {
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    }
    let conn = Connection::open(path).with_context(|| format!("opening {}", path.display()))?;
    let synchronous = match durability {
        Durability::Process => "NORMAL",
        Durability::Power => "FULL",
    };
    conn.execute_batch(&format!(
        "PRAGMA journal_mode = WAL;
         PRAGMA synchronous = {synchronous};
         PRAGMA busy_timeout = 5000;
         PRAGMA foreign_keys = ON;"
    ))?;
    Ok(conn)
}

/// One writer and a few readers on one database file (WAL lets readers run beside the writer).
pub struct Pool {
    writer: Arc<Mutex<Connection>>,
    readers: Vec<Arc<Mutex<Connection>>>,
    next: AtomicUsize,
}

const READERS: usize = 4;

impl Pool {
    pub fn open(path: &Path, durability: Durability, schema: &str) -> anyhow::Result<Self> {
        let writer = open(path, durability)?;
        writer
            .execute_batch(schema)
            .with_context(|| format!("creating the schema of {}", path.display()))?;
        let mut readers = Vec::with_capacity(READERS);
        for _ in 0..READERS {
            readers.push(Arc::new(Mutex::new(open(path, durability)?)));
        }
        Ok(Self {
            writer: Arc::new(Mutex::new(writer)),
            readers,
            next: AtomicUsize::new(0),
        })
    }

    /// Runs `f` on the writer connection on a blocking thread.
    pub async fn write<T, E, F>(&self, f: F) -> Result<T, E>
    where
        T: Send + 'static,
        E: From<Lost> + Send + 'static,
        F: FnOnce(&mut Connection) -> Result<T, E> + Send + 'static,
    {
        run(self.writer.clone(), f).await
    }

    /// Runs `f` on the writer connection on this thread: for startup work (migrations, repairs)
    /// that must be done before anything else uses the database.
    pub fn write_blocking<T, E, F>(&self, f: F) -> Result<T, E>
    where
        E: From<Lost>,
        F: FnOnce(&mut Connection) -> Result<T, E>,
    {
        let mut guard = self
            .writer
            .lock()
            .map_err(|_| Lost("connection poisoned".into()))?;
        f(&mut guard)
    }

    /// Runs `f`, a read of a row or two by key, on a free reader connection right here: the
    /// hop to a blocking thread and back would cost more than the read. Falls back to a blocking
    /// thread when every reader is busy. Anything that may scan goes through `read`.
    pub async fn lookup<T, E, F>(&self, f: F) -> Result<T, E>
    where
        T: Send + 'static,
        E: From<Lost> + Send + 'static,
        F: FnOnce(&mut Connection) -> Result<T, E> + Send + 'static,
    {
        let first = self.next.fetch_add(1, Ordering::Relaxed);
        for i in 0..self.readers.len() {
            let reader = &self.readers[(first + i) % self.readers.len()];
            if let Ok(mut connection) = reader.try_lock() {
                return f(&mut connection);
            }
        }
        run(self.readers[first % self.readers.len()].clone(), f).await
    }

    /// Runs `f` on one of the reader connections on a blocking thread.
    pub async fn read<T, E, F>(&self, f: F) -> Result<T, E>
    where
        T: Send + 'static,
        E: From<Lost> + Send + 'static,
        F: FnOnce(&mut Connection) -> Result<T, E> + Send + 'static,
    {
        let i = self.next.fetch_add(1, Ordering::Relaxed) % self.readers.len();
        run(self.readers[i].clone(), f).await
    }
}

/// Adds a column that an older version of a schema lacked (`CREATE TABLE IF NOT EXISTS` keeps
/// an existing table as it was). Returns whether it was added.
pub fn add_column(c: &Connection, table: &str, column: &str, decl: &str) -> rusqlite::Result<bool> {
    let exists = c
        .prepare("SELECT 1 FROM pragma_table_info(?1) WHERE name = ?2")?
        .exists([table, column])?;
    if !exists {
        c.execute_batch(&format!("ALTER TABLE {table} ADD COLUMN {column} {decl}"))?;
    }
    Ok(!exists)
}

/// A database call that never returned: its thread panicked or its connection is poisoned.
#[derive(Debug, thiserror::Error)]
#[error("database call lost: {0}")]
pub struct Lost(String);

impl From<Lost> for kernel::store::StoreError {
    fn from(e: Lost) -> Self {
        Self::Unavailable(e.into())
    }
}

async fn run<T, E, F>(conn: Arc<Mutex<Connection>>, f: F) -> Result<T, E>
where
    T: Send + 'static,
    E: From<Lost> + Send + 'static,
    F: FnOnce(&mut Connection) -> Result<T, E> + Send + 'static,
{
    tokio::task::spawn_blocking(move || {
        let mut guard = conn
            .lock()
            .map_err(|_| Lost("connection poisoned".into()))?;
        f(&mut guard)
    })
    .await
    .map_err(|e| Lost(e.to_string()))?
}
