//! The copy generator: studies the winning creatives, asks Claude (or, with no key, the offline
//! generator) for five new variations, one per angle, validates and scores them, and queues them
//! under `copy/pending/` for a human to approve ([`approve`]: `copy approve`, or `AUTO_PUBLISH`).

pub mod approve;
pub mod brief;
pub mod claude;
mod config;
pub mod generator;
pub mod offline;
mod run;
pub mod score;
pub mod validate;
pub mod variation;

pub use approve::{ApproveReport, Pick, Publisher};
pub use config::{AnthropicConfig, AnthropicKey, ApproveConfig, CopyGeneratorConfig, PublishConfig};
pub use run::{Batch, CopyGenerator, CopyReport, PENDING_PREFIX, batch_key, markdown};

use std::sync::Arc;

use linkedin_aws::lambda::{self, ScheduledEvent};
use linkedin_core::model::ModelKind;
use linkedin_core::secrets::{DirSecretStore, SecretStore};

/// The API key from `key`'s source.
async fn api_key(key: &AnthropicKey) -> Result<linkedin_core::Secret, String> {
    match key {
        AnthropicKey::Env(k) => Ok(k.clone()),
        AnthropicKey::SecretsManager(name) => {
            let client = aws_sdk_secretsmanager::Client::new(linkedin_aws::aws_config().await);
            read_api_key(&linkedin_aws::secrets_manager::SecretsManagerStore::new(client), name).await
        }
        AnthropicKey::SecretFile { dir, name } => read_api_key(&DirSecretStore::new(dir), name).await,
    }
}

/// The key stored under `name`: the key itself, or JSON with an `api_key` string.
pub async fn read_api_key(store: &dyn SecretStore, name: &str) -> Result<linkedin_core::Secret, String> {
    let value = store.get_secret(name).await.map_err(|e| format!("ANTHROPIC_SECRET_NAME: {e}"))?;
    api_key_from_secret(&value, name, &store.describe())
}

/// The key in a secret's `value`: the value itself, or JSON with an `api_key` string. The error names
/// the secret (`name` in `store`), never the value.
pub fn api_key_from_secret(value: &str, name: &str, store: &str) -> Result<linkedin_core::Secret, String> {
    let key = match serde_json::from_str::<serde_json::Value>(value) {
        Ok(v) => v.get("api_key").and_then(|k| k.as_str()).map(str::to_string).ok_or(format!(
            "ANTHROPIC_SECRET_NAME: secret '{name}' in {store} is JSON without an \"api_key\" string; store the key itself or {{\"api_key\": \"...\"}}"
        ))?,
        Err(_) => value.trim().to_string(),
    };
    Ok(linkedin_core::Secret::new(key))
}

impl CopyGenerator {
    /// Wires the backends the configuration names; fails only when the Anthropic key cannot be read.
    pub async fn from_config(cfg: &CopyGeneratorConfig) -> Result<Self, String> {
        let generator: Arc<dyn generator::Generator> = match &cfg.anthropic {
            None => Arc::new(offline::OfflineGenerator),
            Some(a) => {
                let mut c = claude::ClaudeConfig::new(api_key(&a.key).await?);
                c.base_url = a.base_url.clone();
                c.model = a.model.clone();
                Arc::new(claude::ClaudeClient::new(c, linkedin_core::linkedin::http_client()))
            }
        };
        let performance = data_processor::performance_source(&data_processor::PerformanceConfig {
            storage: cfg.storage.clone(),
            athena: cfg.athena.clone(),
        })
        .await;
        let store = linkedin_aws::object_store(&cfg.storage).await;
        let auto_publish = match &cfg.auto_publish {
            Some(p) => Some(Publisher::from_config(store.clone(), p).await),
            None => None,
        };
        Ok(Self {
            store,
            performance,
            generator,
            scorer_endpoint: linkedin_aws::endpoint_predictor(&cfg.models, ModelKind::CreativeScorer).await,
            metrics: linkedin_aws::metrics_sink(&cfg.storage),
            auto_publish,
        })
    }
}

impl Publisher {
    /// `copy approve`'s publisher: the configured store and LinkedIn.
    pub async fn for_approve(cfg: &ApproveConfig) -> Self {
        Self::from_config(linkedin_aws::object_store(&cfg.storage).await, &cfg.publish).await
    }

    pub async fn from_config(store: Arc<dyn linkedin_core::store::ObjectStore>, cfg: &PublishConfig) -> Self {
        let clock = linkedin_core::linkedin::auth::system_clock();
        Self {
            store,
            client: Arc::new(linkedin_aws::linkedin_client(&cfg.linkedin, clock).await),
            dry_run: cfg.dry_run,
        }
    }
}

/// The Lambda handler: the schedule's day is the run's day; the report is the result, or an error
/// carrying its summary when any part failed.
pub async fn handle(generator: &CopyGenerator, event: ScheduledEvent) -> Result<CopyReport, lambda_runtime::Error> {
    let clock = lambda::run_clock(&event.payload)?;
    let report = generator.run(clock).await;
    lambda::finish(report.succeeded(), report.summary(), report)
}
