//! The copy generator's configuration: storage and performance as the other jobs, the Creative
//! Scorer's endpoint, and Claude (`ANTHROPIC_*`; no key = the offline generator).

use std::path::PathBuf;

use linkedin_core::Secret;
use linkedin_core::config::{
    AthenaConfig, ConfigError, ConfigErrors, Env, LinkedInConfig, ModelEndpoints, Reader, StorageConfig,
};

/// Where the Anthropic API key comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AnthropicKey {
    /// `ANTHROPIC_API_KEY`.
    Env(Secret),
    /// `ANTHROPIC_SECRET_NAME` in Secrets Manager (the key itself, or JSON with `api_key`).
    SecretsManager(String),
    /// `ANTHROPIC_SECRET_NAME` as `<SECRETS_DIR>/<name>.json` (local runs).
    SecretFile { dir: PathBuf, name: String },
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AnthropicConfig {
    pub key: AnthropicKey,
    pub base_url: String,
    pub model: String,
}

impl AnthropicConfig {
    /// `None` when neither key variable is set: the offline generator runs.
    pub fn read(r: &mut Reader<'_>) -> Option<Self> {
        let key = match (r.text("ANTHROPIC_API_KEY"), r.text("ANTHROPIC_SECRET_NAME")) {
            (Some(_), Some(_)) => {
                r.push(ConfigError::Conflict(
                    "ANTHROPIC_API_KEY and ANTHROPIC_SECRET_NAME are both set: keep one (the secret in production)"
                        .into(),
                ));
                return None;
            }
            (Some(k), None) => AnthropicKey::Env(Secret::new(k)),
            (None, Some(name)) => match r.text("SECRETS_DIR") {
                Some(dir) => AnthropicKey::SecretFile { dir: PathBuf::from(dir), name },
                None => AnthropicKey::SecretsManager(name),
            },
            (None, None) => return None,
        };
        let base_url = r.text("ANTHROPIC_BASE_URL").unwrap_or_else(|| crate::claude::DEFAULT_BASE_URL.into());
        if !(base_url.starts_with("https://") || base_url.starts_with("http://")) {
            r.push(ConfigError::Invalid {
                var: "ANTHROPIC_BASE_URL",
                value: format!("'{base_url}'"),
                expected: "expected an http(s) URL, e.g. https://api.anthropic.com".into(),
            });
        }
        let model = r.text("ANTHROPIC_MODEL").unwrap_or_else(|| crate::claude::DEFAULT_MODEL.into());
        Some(Self { key, base_url, model })
    }
}

/// What publishing to LinkedIn needs (`copy approve`, `AUTO_PUBLISH`).
#[derive(Debug, Clone)]
pub struct PublishConfig {
    pub linkedin: LinkedInConfig,
    /// `DRY_RUN`: check and log, create nothing.
    pub dry_run: bool,
}

impl PublishConfig {
    fn read(r: &mut Reader<'_>) -> Option<Self> {
        let linkedin = LinkedInConfig::read(r);
        let dry_run = r.flag("DRY_RUN", false);
        Some(Self { linkedin: linkedin?, dry_run })
    }
}

#[derive(Debug, Clone)]
pub struct CopyGeneratorConfig {
    pub storage: StorageConfig,
    pub athena: Option<AthenaConfig>,
    pub models: ModelEndpoints,
    pub anthropic: Option<AnthropicConfig>,
    /// `AUTO_PUBLISH=true`: the best-ranked variation of each batch is published without review.
    pub auto_publish: Option<PublishConfig>,
}

impl CopyGeneratorConfig {
    pub fn from_env(env: &Env) -> Result<Self, ConfigErrors> {
        let mut r = Reader::new(env);
        let storage = StorageConfig::read(&mut r);
        let athena = AthenaConfig::read(&mut r);
        let models = ModelEndpoints::read(&mut r);
        let anthropic = AnthropicConfig::read(&mut r);
        // The LinkedIn settings are required only when the job will publish.
        let auto_publish = if r.flag("AUTO_PUBLISH", false) { PublishConfig::read(&mut r) } else { None };
        r.finish(|| Self {
            storage: storage.expect("no error means storage was read"),
            athena,
            models,
            anthropic,
            auto_publish,
        })
    }
}

/// `copy approve`'s configuration: the store the batches are in, and LinkedIn.
#[derive(Debug, Clone)]
pub struct ApproveConfig {
    pub storage: StorageConfig,
    pub publish: PublishConfig,
}

impl ApproveConfig {
    pub fn from_env(env: &Env) -> Result<Self, ConfigErrors> {
        let mut r = Reader::new(env);
        let storage = StorageConfig::read(&mut r);
        let publish = PublishConfig::read(&mut r);
        r.finish(|| Self {
            storage: storage.expect("no error means storage was read"),
            publish: publish.expect("no error means LinkedIn was read"),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(pairs: &[(&str, &str)]) -> Result<CopyGeneratorConfig, ConfigErrors> {
        CopyGeneratorConfig::from_env(&Env::from_pairs(pairs.iter().map(|(k, v)| (k.to_string(), v.to_string()))))
    }

    #[test]
    fn auto_publish_needs_linkedin_and_is_off_by_default() {
        assert!(read(&[("DATA_DIR", "d")]).unwrap().auto_publish.is_none());
        let err = read(&[("DATA_DIR", "d"), ("AUTO_PUBLISH", "true")]).unwrap_err().to_string();
        assert!(err.contains("LINKEDIN_AD_ACCOUNT_ID"), "{err}");
        let c = read(&[
            ("DATA_DIR", "d"),
            ("AUTO_PUBLISH", "true"),
            ("DRY_RUN", "true"),
            ("LINKEDIN_AD_ACCOUNT_ID", "508720451"),
            ("LINKEDIN_ACCESS_TOKEN", "t"),
        ])
        .unwrap();
        let p = c.auto_publish.unwrap();
        assert!(p.dry_run);
        assert_eq!(p.linkedin.account_id.0, 508720451);
    }

    #[test]
    fn no_key_means_offline_and_two_keys_are_refused() {
        assert_eq!(read(&[("DATA_DIR", "d")]).unwrap().anthropic, None);
        let c = read(&[("DATA_DIR", "d"), ("ANTHROPIC_SECRET_NAME", "prod/anthropic")]).unwrap().anthropic.unwrap();
        assert_eq!(c.key, AnthropicKey::SecretsManager("prod/anthropic".into()));
        assert_eq!(c.model, crate::claude::DEFAULT_MODEL);
        let err = read(&[("DATA_DIR", "d"), ("ANTHROPIC_API_KEY", "sk-ant-xyz"), ("ANTHROPIC_SECRET_NAME", "s")])
            .unwrap_err()
            .to_string();
        assert!(err.contains("both set") && !err.contains("sk-ant-xyz"), "{err}");
    }
}
