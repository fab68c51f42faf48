//! The collector: every 6 hours, pulls from LinkedIn and writes raw NDJSON to the object store.
//!
//! Each run pulls, for every campaign (`CAMPAIGN_IDS`, or all ACTIVE and PAUSED ones):
//! * daily metrics per creative for the last `LOOKBACK_DAYS` days through the run's day
//!   (`raw/analytics/dt=<day>/<run>.ndjson`, one object per day);
//! * a snapshot of campaign state (`raw/campaigns/dt=<run day>/<run>.ndjson`);
//! * a snapshot of every creative with its copy (`raw/creatives/dt=<run day>/<run>.ndjson`);
//! * its own report (`logs/collector_runs/dt=<run day>/<run>.json`) and EMF metrics.
//!
//! Readers de-duplicate with the rule in [`linkedin_core::raw`]: the latest pull wins per creative
//! and day. One campaign failing does not lose the others; the run then reports failure so the Lambda
//! errors and alarms fire.

mod collect;
mod config;
mod report;

pub use collect::Collector;
pub use config::CollectorConfig;
pub use report::{CollectReport, Failure};

use linkedin_aws::lambda::{self, ScheduledEvent};

/// The Lambda handler: the schedule's day (or `detail.as_of`) is the run's day; the report is the
/// result, or an error carrying its summary when any part failed (so EventBridge retries and alarms fire).
pub async fn handle(collector: &Collector, event: ScheduledEvent) -> Result<CollectReport, lambda_runtime::Error> {
    let clock = lambda::run_clock(&event.payload)?;
    let report = collector.run(clock).await;
    lambda::finish(report.succeeded(), report.summary(), report)
}
