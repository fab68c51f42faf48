//! The data processor Lambda: an EventBridge schedule in, the run report out (an error when any part failed).

use data_processor::{Processor, ProcessorConfig, handle};
use linkedin_aws::lambda::ScheduledEvent;
use linkedin_core::config::Env;
use linkedin_core::telemetry;

#[tokio::main]
async fn main() -> Result<(), lambda_runtime::Error> {
    telemetry::init();
    let config = ProcessorConfig::from_env(&Env::from_process())?;
    let processor = Processor::from_config(&config).await;
    lambda_runtime::run(lambda_runtime::service_fn(|event: ScheduledEvent| handle(&processor, event))).await
}
