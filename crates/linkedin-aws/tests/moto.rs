//! The AWS adapters against a real moto server.

use linkedin_aws::s3::S3Store;
use linkedin_aws::secrets_manager::SecretsManagerStore;
use linkedin_core::secrets::{SecretError, SecretStore};
use linkedin_core::store::ObjectStore;
use test_support::Moto;

#[tokio::test]
async fn s3_store_round_trips_lists_every_page_and_deletes() {
    let moto = Moto::start();
    let bucket = moto.bucket("ads-data").await;
    let store = S3Store::new(moto.s3().await, &bucket);

    assert_eq!(store.get("raw/nothing.ndjson").await.unwrap(), None);
    // More than one ListObjectsV2 page (1000 keys per page).
    for i in 0..1005 {
        store
            .put(
                &format!("raw/analytics/dt=2026-11-20/{i:05}.ndjson"),
                format!("{i}\n").into_bytes(),
                "application/x-ndjson",
            )
            .await
            .unwrap();
    }
    store.put("raw/campaigns/dt=2026-11-20/a.ndjson", b"{}\n".to_vec(), "application/x-ndjson").await.unwrap();

    let listed = store.list("raw/analytics/").await.unwrap();
    assert_eq!(listed.len(), 1005);
    assert_eq!(listed[0].key, "raw/analytics/dt=2026-11-20/00000.ndjson");
    assert_eq!(listed[1004].size, 5);
    assert_eq!(store.get("raw/analytics/dt=2026-11-20/00042.ndjson").await.unwrap().unwrap(), b"42\n");

    let head =
        moto.s3().await.head_object().bucket(&bucket).key("raw/campaigns/dt=2026-11-20/a.ndjson").send().await.unwrap();
    assert_eq!(head.content_type(), Some("application/x-ndjson"));

    store.delete("raw/campaigns/dt=2026-11-20/a.ndjson").await.unwrap();
    assert_eq!(store.list("raw/campaigns/").await.unwrap(), vec![]);
    assert_eq!(store.describe(), "s3://ads-data");
}

#[tokio::test]
async fn s3_errors_name_the_location() {
    let moto = Moto::start();
    let store = S3Store::new(moto.s3().await, "no-such-bucket");
    let err = store.put("raw/x.ndjson", vec![], "x").await.unwrap_err().to_string();
    assert!(err.starts_with("put s3://no-such-bucket/raw/x.ndjson: "), "{err}");
    assert!(err.contains("NoSuchBucket"), "{err}");
}

#[tokio::test]
async fn secrets_manager_reads_writes_and_explains_a_missing_secret() {
    let moto = Moto::start();
    let client = moto.secrets_manager().await;
    client.create_secret().name("linkedin/creds").secret_string("{\"access_token\":\"A\"}").send().await.unwrap();
    let store = SecretsManagerStore::new(client);

    assert_eq!(store.get_secret("linkedin/creds").await.unwrap(), "{\"access_token\":\"A\"}");
    store.put_secret("linkedin/creds", "{\"access_token\":\"B\"}").await.unwrap();
    assert_eq!(store.get_secret("linkedin/creds").await.unwrap(), "{\"access_token\":\"B\"}");

    let err = store.get_secret("missing").await.unwrap_err();
    assert!(matches!(err, SecretError::NotFound { .. }), "{err}");
    assert!(err.to_string().contains("aws secretsmanager put-secret-value"), "{err}");
}

/// Write-once records on S3: `put_new` sends `If-None-Match: *`, and moto (5.2.5, `put_object` in
/// moto/s3/responses.py) answers 412 PreconditionFailed when the key exists, as S3 does. So this runs
/// the real conditional write: if the header were not sent, or moto ignored it, the second write would
/// succeed and the test would fail. What moto cannot show: S3's 409 ConditionalRequestConflict for two
/// writes in flight at once (moto checks and then writes, unlocked; see `s3_conditional.rs`).
#[tokio::test]
async fn s3_put_new_writes_once_and_keeps_the_first_body() {
    use aws_sdk_s3::types::{BucketVersioningStatus, VersioningConfiguration};
    use linkedin_core::store::StoreError;

    let moto = Moto::start();
    let bucket = moto.bucket("ads-audit").await;
    let s3 = moto.s3().await;
    // Versioned, as the Terraform bucket is: a replaced object would leave a noncurrent version.
    s3.put_bucket_versioning()
        .bucket(&bucket)
        .versioning_configuration(VersioningConfiguration::builder().status(BucketVersioningStatus::Enabled).build())
        .send()
        .await
        .unwrap();
    let store = S3Store::new(s3.clone(), &bucket);

    for key in [
        "logs/optimizer_actions/dt=2026-11-20/20261120T080000Z-3f9a1c.jsonl",
        "logs/write_ahead/dt=2026-11-20/20261120T080000Z-3f9a1c/0001.intent.json",
    ] {
        store.put_new(key, b"first\n".to_vec(), "application/x-ndjson").await.unwrap();
        let second = store.put_new(key, b"second\n".to_vec(), "application/x-ndjson").await;
        match second {
            Err(StoreError::AlreadyExists { location }) => assert_eq!(location, format!("s3://ads-audit/{key}")),
            other => panic!("the second put_new of {key} must be AlreadyExists, got {other:?}"),
        }
        assert_eq!(store.get(key).await.unwrap().unwrap(), b"first\n", "{key}: the first body stays");
        let versions = s3.list_object_versions().bucket(&bucket).prefix(key).send().await.unwrap();
        assert_eq!(versions.versions().len(), 1, "{key}: no second version was written");
        assert!(versions.delete_markers().is_empty());
    }

    // The control: a plain put of the same key does replace it (moto is not refusing every rewrite).
    let key = "logs/optimizer_actions/dt=2026-11-20/20261120T080000Z-3f9a1c.jsonl";
    store.put(key, b"replaced\n".to_vec(), "application/x-ndjson").await.unwrap();
    assert_eq!(store.get(key).await.unwrap().unwrap(), b"replaced\n");
}

/// The audit log on S3 is written through `put_new`: a run's log is never replaced.
#[tokio::test]
async fn audit_write_refuses_to_replace_a_run_log_on_s3() {
    use chrono::NaiveDate;
    use linkedin_core::audit;
    use linkedin_core::layout::RunId;
    use linkedin_core::store::StoreError;

    let moto = Moto::start();
    let bucket = moto.bucket("ads-audit").await;
    let store = S3Store::new(moto.s3().await, &bucket);
    let day = NaiveDate::from_ymd_opt(2026, 11, 20).unwrap();
    let run = RunId("20261120T080000Z-3f9a1c".to_string());

    let key = audit::write(&store, day, &run, &[]).await.unwrap();
    assert_eq!(key, audit::actions_key(day, &run));
    let again = audit::write(&store, day, &run, &[]).await;
    assert!(matches!(again, Err(StoreError::AlreadyExists { .. })), "{again:?}");
}
