//! From configuration to backends: the only place that chooses between AWS and local.

use std::sync::Arc;

use aws_config::{BehaviorVersion, SdkConfig};
use linkedin_core::config::{AthenaConfig, CredentialsConfig, LinkedInConfig, ModelEndpoints, StorageConfig};
use linkedin_core::linkedin::LinkedInClient;
use linkedin_core::linkedin::auth::{Clock, TokenProvider, TokenSource};
use linkedin_core::metrics::{EmfFile, EmfWriter, MetricsSink};
use linkedin_core::model::{ModelKind, Predictor};
use linkedin_core::notify::{Notifier, NotifyConfig, StdoutNotifier, topic_region};
use linkedin_core::performance::PerformanceSource;
use linkedin_core::secrets::DirSecretStore;
use linkedin_core::store::{LocalStore, ObjectStore};
use tokio::sync::OnceCell;

use crate::athena::AthenaPerformance;
use crate::s3::S3Store;
use crate::sagemaker::EndpointPredictor;
use crate::secrets_manager::SecretsManagerStore;
use crate::sns::SnsNotifier;

/// The SDK configuration from the usual sources (env, profile, Lambda role), loaded once and only
/// when an AWS backend is actually used.
pub async fn aws_config() -> &'static SdkConfig {
    static CONFIG: OnceCell<SdkConfig> = OnceCell::const_new();
    CONFIG.get_or_init(|| aws_config::load_defaults(BehaviorVersion::latest())).await
}

/// An S3 client. Path-style addressing when a custom endpoint is set (moto, MinIO, LocalStack).
pub fn s3_client(sdk: &SdkConfig) -> aws_sdk_s3::Client {
    let path_style = sdk.endpoint_url().is_some() || std::env::var_os("AWS_ENDPOINT_URL_S3").is_some();
    let conf = aws_sdk_s3::config::Builder::from(sdk).force_path_style(path_style).build();
    aws_sdk_s3::Client::from_conf(conf)
}

pub async fn object_store(cfg: &StorageConfig) -> Arc<dyn ObjectStore> {
    match cfg {
        StorageConfig::Local { data_dir } => Arc::new(LocalStore::new(data_dir)),
        StorageConfig::S3 { bucket } => Arc::new(S3Store::new(s3_client(aws_config().await), bucket)),
    }
}

pub async fn token_source(cfg: &CredentialsConfig) -> TokenSource {
    match cfg {
        CredentialsConfig::AccessToken(t) => TokenSource::Fixed(t.clone()),
        CredentialsConfig::SecretFile { dir, secret_name } => {
            TokenSource::Stored { store: Arc::new(DirSecretStore::new(dir)), name: secret_name.clone() }
        }
        CredentialsConfig::SecretsManager { secret_name } => TokenSource::Stored {
            store: Arc::new(SecretsManagerStore::new(aws_sdk_secretsmanager::Client::new(aws_config().await))),
            name: secret_name.clone(),
        },
    }
}

/// The LinkedIn client with its token provider.
pub async fn linkedin_client(cfg: &LinkedInConfig, clock: Clock) -> LinkedInClient {
    let http = linkedin_core::linkedin::http_client();
    let tokens = TokenProvider::new(token_source(&cfg.credentials).await, &cfg.oauth_base_url, http.clone(), clock);
    LinkedInClient::new(cfg, Arc::new(tokens), http)
}

/// The Athena performance source (the local one lives with the processed tables' format, in
/// `data-processor`, which picks between the two).
pub async fn athena_performance(cfg: &AthenaConfig) -> Arc<dyn PerformanceSource> {
    Arc::new(AthenaPerformance::new(aws_sdk_athena::Client::new(aws_config().await), cfg.clone()))
}

/// EMF to stdout inside Lambda (CloudWatch Logs extracts it); locally a file under
/// `DATA_DIR/metrics/`; from the CLI on S3, stderr (stdout is the job's report).
pub fn metrics_sink(storage: &StorageConfig) -> Arc<dyn MetricsSink> {
    let in_lambda = std::env::var_os("AWS_LAMBDA_FUNCTION_NAME").is_some();
    match storage {
        _ if in_lambda => Arc::new(EmfWriter::stdout()),
        StorageConfig::Local { data_dir } => Arc::new(EmfFile::new(data_dir.join("metrics"))),
        StorageConfig::S3 { .. } => Arc::new(EmfWriter::stderr()),
    }
}

/// An SNS client in the topic's region (SNS is called where the topic lives, whatever the Lambda's
/// own region is).
pub fn sns_client(sdk: &SdkConfig, topic_arn: &str) -> aws_sdk_sns::Client {
    let mut conf = aws_sdk_sns::config::Builder::from(sdk);
    if let Some(region) = topic_region(topic_arn) {
        conf = conf.region(aws_config::Region::new(region.to_string()));
    }
    aws_sdk_sns::Client::from_conf(conf.build())
}

/// Where the reports go: the SNS topic of `SNS_TOPIC_ARN`, or stdout (the embedded default).
pub async fn notifier(cfg: &NotifyConfig) -> Arc<dyn Notifier> {
    match cfg {
        NotifyConfig::Stdout => Arc::new(StdoutNotifier::new()),
        NotifyConfig::Sns { topic_arn } => {
            Arc::new(SnsNotifier::new(sns_client(aws_config().await, topic_arn), topic_arn.clone()))
        }
    }
}

/// The SageMaker endpoint predictor for `kind`, when its endpoint variable is set.
pub async fn endpoint_predictor(endpoints: &ModelEndpoints, kind: ModelKind) -> Option<Arc<dyn Predictor>> {
    let endpoint = endpoints.get(kind)?;
    let client = aws_sdk_sagemakerruntime::Client::new(aws_config().await);
    Some(Arc::new(EndpointPredictor::new(client, endpoint, kind)))
}
