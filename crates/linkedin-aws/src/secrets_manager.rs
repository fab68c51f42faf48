//! `SecretStore` over AWS Secrets Manager.

use async_trait::async_trait;
use aws_sdk_secretsmanager::error::DisplayErrorContext;
use linkedin_core::secrets::{SecretError, SecretStore};

#[derive(Clone, Debug)]
pub struct SecretsManagerStore {
    client: aws_sdk_secretsmanager::Client,
}

impl SecretsManagerStore {
    pub fn new(client: aws_sdk_secretsmanager::Client) -> Self {
        Self { client }
    }
}

#[async_trait]
impl SecretStore for SecretsManagerStore {
    async fn get_secret(&self, name: &str) -> Result<String, SecretError> {
        match self.client.get_secret_value().secret_id(name).send().await {
            Ok(out) => out.secret_string().map(str::to_string).ok_or_else(|| SecretError::Backend {
                name: name.to_string(),
                location: self.describe(),
                message: "the secret has no string value (binary secrets are not supported); store the credentials JSON as a string".into(),
            }),
            Err(e) if e.as_service_error().is_some_and(|s| s.is_resource_not_found_exception()) => Err(SecretError::NotFound {
                name: name.to_string(),
                location: self.describe(),
                hint: "create it (Terraform creates an empty one) and put the OAuth credentials JSON in it: aws secretsmanager put-secret-value --secret-id <name> --secret-string file://creds.json".into(),
            }),
            Err(e) => Err(SecretError::Backend {
                name: name.to_string(),
                location: self.describe(),
                message: DisplayErrorContext(e).to_string(),
            }),
        }
    }

    async fn put_secret(&self, name: &str, value: &str) -> Result<(), SecretError> {
        self.client.put_secret_value().secret_id(name).secret_string(value).send().await.map_err(|e| {
            SecretError::Backend {
                name: name.to_string(),
                location: self.describe(),
                message: DisplayErrorContext(e).to_string(),
            }
        })?;
        Ok(())
    }

    fn describe(&self) -> String {
        "AWS Secrets Manager".into()
    }
}
