//! `linkedin-aws`: the production backends behind `linkedin-core`'s traits, and the one function
//! per backend that picks AWS or local from the configuration.
//!
//! * [`s3::S3Store`] implements `ObjectStore` over a bucket;
//! * [`secrets_manager::SecretsManagerStore`] implements `SecretStore`;
//! * [`athena::AthenaPerformance`] implements `PerformanceSource` with the queries in `athena/queries/`;
//! * [`sns::SnsNotifier`] implements `Notifier`: the reports go to an SNS topic (email subscribers);
//! * [`sagemaker::EndpointPredictor`] implements `Predictor` over a SageMaker endpoint;
//! * [`lambda`] is the glue the four Lambda binaries share (scheduled event, run clock, result);
//! * [`backends`] turns a [`linkedin_core::config`] into trait objects, so the jobs never name an AWS type.

pub mod athena;
pub mod backends;
pub mod lambda;
pub mod s3;
pub mod sagemaker;
pub mod secrets_manager;
pub mod sns;

pub use backends::{
    athena_performance, aws_config, endpoint_predictor, linkedin_client, metrics_sink, notifier, object_store,
};

/// For errors without a service response (network, credentials): the SDK's `Display` is terse
/// ("dispatch failure"); the source chain holds the cause.
pub(crate) fn error_chain(e: &dyn std::error::Error) -> String {
    let mut msg = e.to_string();
    let mut source = e.source();
    while let Some(s) = source {
        msg.push_str(": ");
        msg.push_str(&s.to_string());
        source = s.source();
    }
    msg
}
