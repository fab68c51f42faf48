//! The data processor: turns the collector's raw pulls into clean, de-duplicated tables.
//!
//! Each run re-builds the `processed/creative_daily/dt=<day>/` partitions of the days the collector
//! may have restated (the run's day and the `window_days` before it): it reads every pull of each day,
//! keeps the latest per creative and day ([`linkedin_core::raw::LatestPulls`]), rejects rows with
//! negative or non-finite metrics (with the reason), and overwrites the partition with one Parquet file,
//! so a re-run is idempotent and nothing is ever summed across pulls. A malformed line or object is
//! skipped, counted and named in the report; the rest of the day is still written.
//!
//! Then it re-writes both training sets from every processed partition ([`training`]).
//!
//! It also holds the embedded [`performance::LocalPerformance`] (the processed tables' reader) and
//! [`performance_source`], which picks it or Athena from the configuration.

mod config;
pub mod creative_daily;
pub mod parquet_table;
pub mod performance;
mod process;
pub mod training;

pub use config::{PerformanceConfig, ProcessorConfig};
use linkedin_aws::lambda::{self, ScheduledEvent};
pub use process::{DayResult, ProcessReport, Processor, creative_daily_key};

impl Processor {
    /// Wires the backends the configuration names (S3 or a folder).
    pub async fn from_config(cfg: &ProcessorConfig) -> Self {
        Self {
            store: linkedin_aws::object_store(&cfg.storage).await,
            metrics: linkedin_aws::metrics_sink(&cfg.storage),
            window_days: cfg.window_days,
        }
    }
}

/// The performance source the configuration names: Athena, or the local aggregation (the default).
pub async fn performance_source(
    cfg: &PerformanceConfig,
) -> std::sync::Arc<dyn linkedin_core::performance::PerformanceSource> {
    match &cfg.athena {
        Some(athena) => linkedin_aws::athena_performance(athena).await,
        None => std::sync::Arc::new(performance::LocalPerformance::new(linkedin_aws::object_store(&cfg.storage).await)),
    }
}

/// The Lambda handler: the schedule's day (or `detail.as_of`) is the run's day; the report is the
/// result, or an error carrying its summary when any part failed.
pub async fn handle(processor: &Processor, event: ScheduledEvent) -> Result<ProcessReport, lambda_runtime::Error> {
    let clock = lambda::run_clock(&event.payload)?;
    let report = processor.run(clock).await;
    lambda::finish(report.succeeded(), report.summary(), report)
}
