//! Secrets on AWS: Secrets Manager, each secret read once per Lambda instance and kept in memory.
//! The template creates one secret per declared name and gives the function its ARN in
//! `<NAME>_SECRET_ARN` with `secretsmanager:GetSecretValue` on that ARN alone. There is no
//! default: a missing variable or secret is an error, never a fallback value.

use std::{collections::HashMap, sync::Arc};

use async_trait::async_trait;
use aws_sdk_secretsmanager::{Client, error::DisplayErrorContext};
use kernel::{Secret, SecretSpec, Secrets};
use tokio::sync::{Mutex, OnceCell};

use crate::platform::Settings;

/// The variable that holds the ARN of secret `name`.
pub fn arn_variable(name: &str) -> String {
    format!("{name}_SECRET_ARN")
}

pub struct SecretsManager {
    config: aws_config::SdkConfig,
    client: OnceCell<Client>,
    settings: Settings,
    cache: Mutex<HashMap<&'static str, Secret>>,
}

impl SecretsManager {
    /// The client is built on the first read: a function that reads no secret never builds it.
    pub fn new(config: aws_config::SdkConfig, settings: Settings) -> Arc<Self> {
        Arc::new(Self {
            config,
            client: OnceCell::new(),
            settings,
            cache: Mutex::new(HashMap::new()),
        })
    }
}

#[async_trait]
impl Secrets for SecretsManager {
    async fn secret(&self, spec: &SecretSpec) -> anyhow::Result<Secret> {
        let mut cache = self.cache.lock().await;
        if let Some(s) = cache.get(spec.name) {
            return Ok(s.clone());
        }
        let arn = self.settings.require(&arn_variable(spec.name))?;
        let client = self
            .client
            .get_or_init(|| async { Client::new(&self.config) })
            .await;
        let output = client
            .get_secret_value()
            .secret_id(arn)
            .send()
            .await
            .map_err(|e| {
                anyhow::anyhow!("reading secret {}: {}", spec.name, DisplayErrorContext(e))
            })?;
        let value = output
            .secret_string()
            .filter(|v| !v.is_empty())
            .ok_or_else(|| anyhow::anyhow!("secret {} has no string value", spec.name))?;
        let secret = Secret::new(value.to_owned());
        cache.insert(spec.name, secret.clone());
        Ok(secret)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_secret_without_its_arn_variable_is_an_error_that_names_it() {
        let config = aws_config::SdkConfig::builder()
            .behavior_version(aws_config::BehaviorVersion::latest())
            .http_client(crate::platform::https_client())
            .build();
        let secrets = SecretsManager::new(config, Settings::default());
        let spec = SecretSpec::new("PETMILY_SIGNING_KEY", "").local_default("never used on AWS");
        let e = secrets.secret(&spec).await.unwrap_err().to_string();
        assert!(e.contains("PETMILY_SIGNING_KEY_SECRET_ARN"), "{e}");
    }
}
