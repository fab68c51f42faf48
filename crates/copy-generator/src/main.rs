//! The copy-generator Lambda: an EventBridge schedule in (Mondays), the batch report out (an error
//! when any part failed).

use copy_generator::{CopyGenerator, CopyGeneratorConfig, handle};
use linkedin_aws::lambda::ScheduledEvent;
use linkedin_core::config::Env;
use linkedin_core::telemetry;

#[tokio::main]
async fn main() -> Result<(), lambda_runtime::Error> {
    telemetry::init();
    let config = CopyGeneratorConfig::from_env(&Env::from_process())?;
    let generator = CopyGenerator::from_config(&config).await?;
    lambda_runtime::run(lambda_runtime::service_fn(|event: ScheduledEvent| handle(&generator, event))).await
}
