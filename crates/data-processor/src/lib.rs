//! The data processor: turns the collector's raw pulls into clean, de-duplicated tables.
//!
//! Each run re-builds the `processed/creative_daily/dt=<day>/` partitions of the days the collector
//! may have restated (the run's day and the `window_days` before it): it reads every pull of each day,
//! keeps the latest per creative and day ([`linkedin_core::raw::LatestPulls`]), rejects rows with
//! negative or non-finite metrics (with the reason), and overwrites the partition with one Parquet file,
//! so a re-run is idempotent and nothing is ever summed across pulls. A malformed line or object is
//! skipped, counted and named in the report; the rest of the day is still written.
//!
//! Then it re-writes the creative-scorer training set from every processed partition ([`training`]).
//!
//! Still to come (issue 4): the bid-optimizer training set, the Athena layer and the `PerformanceSource`.

mod config;
pub mod creative_daily;
pub mod parquet_table;
mod process;
pub mod training;

pub use config::ProcessorConfig;
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

/// The Lambda handler: the schedule's day (or `detail.as_of`) is the run's day; the report is the
/// result, or an error carrying its summary when any part failed.
pub async fn handle(processor: &Processor, event: ScheduledEvent) -> Result<ProcessReport, lambda_runtime::Error> {
    let clock = lambda::run_clock(&event.payload)?;
    let report = processor.run(clock).await;
    lambda::finish(report.succeeded(), report.summary(), report)
}
