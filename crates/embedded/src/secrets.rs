//! Secrets on the local gateway: the environment variable of the secret's name, else the file of
//! that name in `<data>/secrets/`, else the secret's local default, else a random value written
//! to that file (readable by its owner only) so it stays the same across restarts.

use std::{collections::HashMap, path::PathBuf, sync::Mutex};

use anyhow::Context as _;
use async_trait::async_trait;
use kernel::{Secret, SecretSpec, Secrets};
use rand::distr::{Alphanumeric, SampleString};

pub struct LocalSecrets {
    dir: PathBuf,
    overrides: HashMap<String, String>,
    cache: Mutex<HashMap<&'static str, Secret>>,
}

/// Length of a generated secret: 48 alphanumerics, about 285 bits.
const GENERATED_LEN: usize = 48;

impl LocalSecrets {
    /// Secrets kept in `dir`; `overrides` (from the gateway's configuration) win over everything.
    pub fn new(dir: impl Into<PathBuf>, overrides: HashMap<String, String>) -> Self {
        Self {
            dir: dir.into(),
            overrides,
            cache: Mutex::new(HashMap::new()),
        }
    }

    fn resolve(&self, spec: &SecretSpec) -> anyhow::Result<Secret> {
        if let Some(v) = self.overrides.get(spec.name) {
            return Ok(Secret::new(v.clone()));
        }
        if let Ok(v) = std::env::var(spec.name)
            && !v.is_empty()
        {
            return Ok(Secret::new(v));
        }
        let file = self.dir.join(spec.name);
        match std::fs::read_to_string(&file) {
            Ok(v) if !v.trim().is_empty() => return Ok(Secret::new(v.trim().to_owned())),
            Ok(_) => {}
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => return Err(e).with_context(|| format!("reading {}", file.display())),
        }
        if let Some(v) = spec.local_default {
            return Ok(Secret::new(v.to_owned()));
        }
        let value = Alphanumeric.sample_string(&mut rand::rng(), GENERATED_LEN);
        write_private(&file, &value)?;
        tracing::info!(secret = spec.name, file = %file.display(), "generated a secret");
        Ok(Secret::new(value))
    }
}

#[cfg(unix)]
fn write_private(file: &std::path::Path, value: &str) -> anyhow::Result<()> {
    use std::{io::Write, os::unix::fs::OpenOptionsExt};
    if let Some(dir) = file.parent() {
        std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    }
    let mut f = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(file)
        .with_context(|| format!("creating {}", file.display()))?;
    f.write_all(value.as_bytes())?;
    f.sync_all()?;
    Ok(())
}

#[cfg(not(unix))]
fn write_private(file: &std::path::Path, value: &str) -> anyhow::Result<()> {
    if let Some(dir) = file.parent() {
        std::fs::create_dir_all(dir)?;
    }
    Ok(std::fs::write(file, value)?)
}

#[async_trait]
impl Secrets for LocalSecrets {
    async fn secret(&self, spec: &SecretSpec) -> anyhow::Result<Secret> {
        let mut cache = self
            .cache
            .lock()
            .map_err(|_| anyhow::anyhow!("secret cache poisoned"))?;
        if let Some(s) = cache.get(spec.name) {
            return Ok(s.clone());
        }
        let secret = self.resolve(spec)?;
        cache.insert(spec.name, secret.clone());
        Ok(secret)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const KEY: SecretSpec = SecretSpec::new("TEST_SIGNING_KEY_7F3A", "a test key");

    #[tokio::test]
    async fn a_generated_secret_is_kept_across_restarts_and_private() {
        let dir = tempfile::tempdir().unwrap();
        let first = LocalSecrets::new(dir.path(), HashMap::new())
            .secret(&KEY)
            .await
            .unwrap();
        assert_eq!(first.expose().len(), GENERATED_LEN);
        let again = LocalSecrets::new(dir.path(), HashMap::new())
            .secret(&KEY)
            .await
            .unwrap();
        assert_eq!(first, again);
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(dir.path().join(KEY.name))
                .unwrap()
                .permissions()
                .mode();
            assert_eq!(mode & 0o777, 0o600);
        }
    }

    #[tokio::test]
    async fn an_override_then_a_file_then_the_local_default() {
        let dir = tempfile::tempdir().unwrap();
        let spec = KEY.local_default("admin");
        let overridden = LocalSecrets::new(
            dir.path(),
            HashMap::from([(KEY.name.to_owned(), "o".to_owned())]),
        );
        assert_eq!(overridden.secret(&spec).await.unwrap().expose(), "o");
        assert_eq!(
            LocalSecrets::new(dir.path(), HashMap::new())
                .secret(&spec)
                .await
                .unwrap()
                .expose(),
            "admin"
        );
        std::fs::write(dir.path().join(KEY.name), "from-file\n").unwrap();
        assert_eq!(
            LocalSecrets::new(dir.path(), HashMap::new())
                .secret(&spec)
                .await
                .unwrap()
                .expose(),
            "from-file"
        );
    }

    #[test]
    fn a_secret_never_prints() {
        let s = Secret::new("hunter2".into());
        assert!(!format!("{s:?}").contains("hunter2"));
    }
}
