//! The optimizer Lambda: an EventBridge schedule in, the run report out (an error when any part failed).

use linkedin_aws::lambda::ScheduledEvent;
use linkedin_core::config::Env;
use linkedin_core::telemetry;
use optimizer::{Optimizer, OptimizerConfig, handle};

#[tokio::main]
async fn main() -> Result<(), lambda_runtime::Error> {
    telemetry::init();
    let config = OptimizerConfig::from_env(&Env::from_process())?;
    let optimizer = Optimizer::from_config(&config).await;
    lambda_runtime::run(lambda_runtime::service_fn(|event: ScheduledEvent| handle(&optimizer, event))).await
}
