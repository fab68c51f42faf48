//! The collector Lambda: an EventBridge schedule in, the run report out (an error when any part failed).

use collector::{CollectReport, Collector, CollectorConfig};
use linkedin_aws::lambda::{self, ScheduledEvent};
use linkedin_core::config::Env;
use linkedin_core::telemetry;

#[tokio::main]
async fn main() -> Result<(), lambda_runtime::Error> {
    telemetry::init();
    let config = CollectorConfig::from_env(&Env::from_process())?;
    let collector = Collector::from_config(&config).await;
    lambda_runtime::run(lambda_runtime::service_fn(|event: ScheduledEvent| handle(&collector, event))).await
}

async fn handle(collector: &Collector, event: ScheduledEvent) -> Result<CollectReport, lambda_runtime::Error> {
    let clock = lambda::run_clock(&event.payload)?;
    let report = collector.run(clock).await;
    lambda::finish(report.succeeded(), report.summary(), report)
}
