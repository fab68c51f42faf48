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
