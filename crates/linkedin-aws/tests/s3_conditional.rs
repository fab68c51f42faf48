//! `S3Store::put_new` against a scripted S3 endpoint (wiremock), for the answers moto never gives:
//! 409 ConditionalRequestConflict (another write of the same key in flight; moto checks and writes
//! without a lock, so it has no such state). The write-once path itself runs on moto in `moto.rs`.

use aws_sdk_s3::config::{BehaviorVersion, Credentials, Region};
use linkedin_aws::s3::S3Store;
use linkedin_core::store::{ObjectStore, StoreError};
use wiremock::matchers::{header, method, path_regex};
use wiremock::{Mock, MockServer, ResponseTemplate};

const KEY: &str = "logs/write_ahead/dt=2026-11-20/20261120T080000Z-3f9a1c/0001.intent.json";

fn s3_error(status: u16, code: &str) -> ResponseTemplate {
    ResponseTemplate::new(status).insert_header("content-type", "application/xml").set_body_string(format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?><Error><Code>{code}</Code><Message>{code}</Message></Error>"
    ))
}

async fn store(server: &MockServer) -> S3Store {
    let conf = aws_sdk_s3::Config::builder()
        .behavior_version(BehaviorVersion::latest())
        .endpoint_url(server.uri())
        .region(Region::new("us-east-1"))
        .credentials_provider(Credentials::new("test", "test", None, None, "test"))
        .force_path_style(true)
        .build();
    S3Store::new(aws_sdk_s3::Client::from_conf(conf), "ads-data")
}

fn conditional_put() -> wiremock::MockBuilder {
    // The SDK percent-encodes the key's '=' in the path, hence the pattern rather than the key itself.
    Mock::given(method("PUT"))
        .and(path_regex(r"^/ads-data/logs/write_ahead/dt(=|%3D)2026-11-20/20261120T080000Z-3f9a1c/0001\.intent\.json$"))
        .and(header("if-none-match", "*"))
}

#[tokio::test]
async fn a_conflict_is_retried_and_then_the_winners_412_is_already_exists() {
    let server = MockServer::start().await;
    conditional_put().respond_with(s3_error(409, "ConditionalRequestConflict")).up_to_n_times(1).mount(&server).await;
    conditional_put().respond_with(s3_error(412, "PreconditionFailed")).mount(&server).await;

    let got = store(&server).await.put_new(KEY, b"{}".to_vec(), "application/json").await;
    assert!(matches!(got, Err(StoreError::AlreadyExists { .. })), "{got:?}");
    assert_eq!(server.received_requests().await.unwrap().len(), 2, "one retry after the 409");
}

#[tokio::test]
async fn a_conflict_is_retried_and_the_retry_can_write() {
    let server = MockServer::start().await;
    conditional_put().respond_with(s3_error(409, "ConditionalRequestConflict")).up_to_n_times(1).mount(&server).await;
    conditional_put().respond_with(ResponseTemplate::new(200)).mount(&server).await;

    store(&server).await.put_new(KEY, b"{}".to_vec(), "application/json").await.unwrap();
    assert_eq!(server.received_requests().await.unwrap().len(), 2);
}

#[tokio::test]
async fn a_conflict_that_persists_is_an_error_not_already_exists() {
    let server = MockServer::start().await;
    conditional_put().respond_with(s3_error(409, "ConditionalRequestConflict")).mount(&server).await;

    let err = store(&server).await.put_new(KEY, b"{}".to_vec(), "application/json").await.unwrap_err();
    assert!(matches!(err, StoreError::Backend { .. }), "{err:?}");
    assert!(err.to_string().contains("ConditionalRequestConflict"), "{err}");
    assert_eq!(server.received_requests().await.unwrap().len(), 4, "four attempts, then the error");
}

#[tokio::test]
async fn a_refused_conditional_write_is_an_error_naming_the_location() {
    // What S3 answers when the bucket policy refuses the write (e.g. a role without the header's
    // statement): not "already exists", which would tell the caller the record is safe.
    let server = MockServer::start().await;
    conditional_put().respond_with(s3_error(403, "AccessDenied")).mount(&server).await;

    let err = store(&server).await.put_new(KEY, b"{}".to_vec(), "application/json").await.unwrap_err();
    assert!(err.to_string().starts_with(&format!("put s3://ads-data/{KEY}: ")), "{err}");
    assert!(err.to_string().contains("AccessDenied"), "{err}");
}
