//! The data processor's configuration: where the data is, and how many days back to re-build.

use linkedin_core::config::{AthenaConfig, ConfigErrors, Env, Reader, StorageConfig};

#[derive(Debug, Clone)]
pub struct ProcessorConfig {
    pub storage: StorageConfig,
    /// Days before the run's day to re-build: `LOOKBACK_DAYS` + 1, every day the collector may have
    /// restated since the last run.
    pub window_days: u32,
}

impl ProcessorConfig {
    pub fn from_env(env: &Env) -> Result<Self, ConfigErrors> {
        let mut r = Reader::new(env);
        let storage = StorageConfig::read(&mut r);
        let lookback = r.number("LOOKBACK_DAYS", 7, 0..=90) as u32;
        r.finish(|| Self { storage: storage.expect("no error means storage was read"), window_days: lookback + 1 })
    }
}

/// Where performance is read from: Athena when `ATHENA_DATABASE` is set, else the local aggregation
/// over the store's `processed/` tables.
#[derive(Debug, Clone)]
pub struct PerformanceConfig {
    pub storage: StorageConfig,
    pub athena: Option<AthenaConfig>,
}

impl PerformanceConfig {
    pub fn from_env(env: &Env) -> Result<Self, ConfigErrors> {
        let mut r = Reader::new(env);
        let storage = StorageConfig::read(&mut r);
        let athena = AthenaConfig::read(&mut r);
        r.finish(|| Self { storage: storage.expect("no error means storage was read"), athena })
    }

    /// `athena` or `local`, for reports.
    pub fn kind(&self) -> &'static str {
        if self.athena.is_some() { "athena" } else { "local" }
    }
}
