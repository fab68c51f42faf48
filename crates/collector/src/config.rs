//! The collector's configuration.

use linkedin_core::CampaignId;
use linkedin_core::config::{ConfigErrors, Env, LinkedInConfig, Reader, StorageConfig, campaign_ids};

#[derive(Debug, Clone)]
pub struct CollectorConfig {
    pub storage: StorageConfig,
    pub linkedin: LinkedInConfig,
    /// Empty: every ACTIVE and PAUSED campaign of the account.
    pub campaign_ids: Vec<CampaignId>,
    /// Days before the run's day that are pulled again (LinkedIn restates them).
    pub lookback_days: u32,
}

impl CollectorConfig {
    pub fn from_env(env: &Env) -> Result<Self, ConfigErrors> {
        let mut r = Reader::new(env);
        let storage = StorageConfig::read(&mut r);
        let linkedin = LinkedInConfig::read(&mut r);
        let campaign_ids = campaign_ids(&mut r);
        let lookback_days = r.number("LOOKBACK_DAYS", 7, 0..=90) as u32;
        r.finish(|| Self {
            storage: storage.expect("no error means storage was read"),
            linkedin: linkedin.expect("no error means linkedin was read"),
            campaign_ids,
            lookback_days,
        })
    }
}
