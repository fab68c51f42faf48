//! The optimizer: pauses losing creatives, flags and scales winners and adjusts bids, within
//! guardrails, from the evidence of the last days; logs every decision and sends a daily report.
//!
//! The decisions themselves are pure functions in [`linkedin_core::decisions`]; this crate gathers the
//! evidence (the [`PerformanceSource`](linkedin_core::performance::PerformanceSource), LinkedIn's live
//! state, the audit log's history), applies the writes through the LinkedIn client unless
//! `DRY_RUN`, writes the audit log ([`linkedin_core::audit`]), the report ([`report`]) and the metrics, and can undo a
//! run ([`undo`]).

mod config;
/// The audit log lives in `linkedin-core`: `copy approve` writes it too.
pub use linkedin_core::audit;
pub mod report;
mod run;
pub mod undo;

use std::sync::Arc;

pub use config::{OptimizerConfig, Settings};
use linkedin_aws::lambda::{self, ScheduledEvent};
pub use run::{Counts, OptimizeReport, Optimizer};

impl Optimizer {
    /// Wires the backends the configuration names.
    pub async fn from_config(cfg: &OptimizerConfig) -> Self {
        let performance = data_processor::performance_source(&data_processor::PerformanceConfig {
            storage: cfg.storage.clone(),
            athena: cfg.athena.clone(),
        })
        .await;
        let clock = linkedin_core::linkedin::auth::system_clock();
        Self {
            store: linkedin_aws::object_store(&cfg.storage).await,
            client: Arc::new(linkedin_aws::linkedin_client(&cfg.linkedin, clock).await),
            performance,
            notifier: linkedin_aws::notifier(&cfg.notify).await,
            metrics: linkedin_aws::metrics_sink(&cfg.storage),
            settings: cfg.settings.clone(),
            campaign_ids: cfg.campaign_ids.clone(),
            bid_endpoint: linkedin_aws::endpoint_predictor(&cfg.models, linkedin_core::model::ModelKind::BidOptimizer)
                .await,
        }
    }
}

/// The Lambda handler: the schedule's day is the run's day; the report is the result, or an error
/// carrying its summary when any part failed.
pub async fn handle(optimizer: &Optimizer, event: ScheduledEvent) -> Result<OptimizeReport, lambda_runtime::Error> {
    let clock = lambda::run_clock(&event.payload)?;
    let report = optimizer.run(clock).await;
    lambda::finish(report.succeeded(), report.summary(), report)
}
