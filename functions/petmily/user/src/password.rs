//! Password hashes: argon2id (RFC 9106), memory-hard, with a random salt per password, in the
//! PHC string format (`$argon2id$v=19$m=...`). Hashing runs off the async threads.

use argon2::{
    Algorithm, Argon2, Params, PasswordHash, PasswordHasher, PasswordVerifier, Version,
    password_hash::SaltString,
};
use kernel::AppError;

/// Hashes computed at once per process: each takes `MEMORY_KIB` of memory, so a flood of
/// sign-ins waits its turn instead of exhausting the host's memory.
pub const MAX_CONCURRENT_HASHES: usize = 4;
static HASHING: tokio::sync::Semaphore = tokio::sync::Semaphore::const_new(MAX_CONCURRENT_HASHES);

async fn hashing_slot() -> Result<tokio::sync::SemaphorePermit<'static>, AppError> {
    HASHING.acquire().await.map_err(AppError::internal)
}

/// OWASP's first recommended argon2id setting: 19 MiB of memory, 2 passes, 1 lane.
pub const MEMORY_KIB: u32 = 19 * 1024;
pub const PASSES: u32 = 2;
pub const LANES: u32 = 1;

fn hasher() -> Result<Argon2<'static>, AppError> {
    let params = Params::new(MEMORY_KIB, PASSES, LANES, None)
        .map_err(|e| AppError::internal(anyhow::anyhow!("argon2 parameters: {e}")))?;
    Ok(Argon2::new(Algorithm::Argon2id, Version::V0x13, params))
}

/// 16 random bytes from the operating system's generator.
fn salt() -> Result<SaltString, AppError> {
    let bytes: [u8; 16] = rand::random();
    SaltString::encode_b64(&bytes)
        .map_err(|e| AppError::internal(anyhow::anyhow!("encoding a salt: {e}")))
}

/// The PHC string of `password` with a fresh salt.
pub async fn hash(password: String) -> Result<String, AppError> {
    let _slot = hashing_slot().await?;
    tokio::task::spawn_blocking(move || {
        let salt = salt()?;
        hasher()?
            .hash_password(password.as_bytes(), &salt)
            .map(|h| h.to_string())
            .map_err(|e| AppError::internal(anyhow::anyhow!("hashing a password: {e}")))
    })
    .await
    .map_err(AppError::internal)?
}

/// Whether `password` matches the PHC string `stored`. With no stored hash (an unknown login
/// id) a hash of the same cost is still computed, so the answer takes as long either way.
pub async fn verify(password: String, stored: Option<String>) -> Result<bool, AppError> {
    let _slot = hashing_slot().await?;
    tokio::task::spawn_blocking(move || {
        let argon = hasher()?;
        match stored {
            Some(stored) => {
                let parsed = PasswordHash::new(&stored).map_err(|e| {
                    AppError::internal(anyhow::anyhow!("a stored hash does not parse: {e}"))
                })?;
                Ok(argon.verify_password(password.as_bytes(), &parsed).is_ok())
            }
            None => {
                let salt = salt()?;
                let _ = argon.hash_password(password.as_bytes(), &salt);
                Ok(false)
            }
        }
    })
    .await
    .map_err(AppError::internal)?
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_hash_is_argon2id_salted_and_verifies_only_its_password() {
        let a = hash("correct horse".into()).await.unwrap();
        let b = hash("correct horse".into()).await.unwrap();
        assert!(a.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"), "{a}");
        assert_ne!(a, b, "each hash has its own salt");
        assert!(!a.contains("correct horse"));
        assert!(
            verify("correct horse".into(), Some(a.clone()))
                .await
                .unwrap()
        );
        assert!(!verify("wrong horse".into(), Some(a)).await.unwrap());
        assert!(!verify("anything".into(), None).await.unwrap());
    }
}
