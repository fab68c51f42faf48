//! The Anthropic key from AWS Secrets Manager (moto): stored as the key itself or as JSON.

use copy_generator::read_api_key;
use linkedin_aws::secrets_manager::SecretsManagerStore;
use test_support::Moto;

#[tokio::test]
async fn the_key_is_read_plain_or_from_json_and_a_bad_secret_is_named() {
    let moto = Moto::start();
    let client = moto.secrets_manager().await;
    for (name, value) in
        [("plain", " sk-ant-plain\n"), ("json", r#"{"api_key": "sk-ant-json"}"#), ("bad", r#"{"key": 1}"#)]
    {
        client.create_secret().name(name).secret_string(value).send().await.unwrap();
    }
    let store = SecretsManagerStore::new(client);
    assert_eq!(read_api_key(&store, "plain").await.unwrap().expose(), "sk-ant-plain");
    assert_eq!(read_api_key(&store, "json").await.unwrap().expose(), "sk-ant-json");
    let err = read_api_key(&store, "bad").await.unwrap_err();
    assert!(err.contains("'bad'") && err.contains("api_key"), "{err}");
    let err = read_api_key(&store, "missing").await.unwrap_err();
    assert!(err.starts_with("ANTHROPIC_SECRET_NAME: "), "{err}");
}
