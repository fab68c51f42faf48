//! `ObjectStore` over S3.

use async_trait::async_trait;
use aws_sdk_s3::error::DisplayErrorContext;
use aws_sdk_s3::primitives::ByteStream;
use linkedin_core::store::{ObjectMeta, ObjectStore, StoreError, validate_key};

/// How often `put_new` sends a write that S3 answered with 409 ConditionalRequestConflict
/// (a concurrent write of the same key), and the pause before each retry (times the attempt).
const PUT_NEW_CONFLICT_ATTEMPTS: u32 = 4;
const PUT_NEW_CONFLICT_BACKOFF: std::time::Duration = std::time::Duration::from_millis(200);

#[derive(Clone, Debug)]
pub struct S3Store {
    client: aws_sdk_s3::Client,
    bucket: String,
}

impl S3Store {
    pub fn new(client: aws_sdk_s3::Client, bucket: impl Into<String>) -> Self {
        Self { client, bucket: bucket.into() }
    }

    fn fail(&self, op: &'static str, key: &str, e: impl std::error::Error) -> StoreError {
        StoreError::Backend {
            op,
            location: format!("s3://{}/{key}", self.bucket),
            message: DisplayErrorContext(e).to_string(),
        }
    }
}

#[async_trait]
impl ObjectStore for S3Store {
    async fn put(&self, key: &str, body: Vec<u8>, content_type: &str) -> Result<(), StoreError> {
        validate_key(key)?;
        self.client
            .put_object()
            .bucket(&self.bucket)
            .key(key)
            .content_type(content_type)
            .body(ByteStream::from(body))
            .send()
            .await
            .map_err(|e| self.fail("put", key, e))?;
        Ok(())
    }

    async fn put_new(&self, key: &str, body: Vec<u8>, content_type: &str) -> Result<(), StoreError> {
        validate_key(key)?;
        // S3 conditional writes: `If-None-Match: *` makes the PUT fail with 412 Precondition Failed
        // when the key exists, so a record is written once. (The bucket policy refuses a PUT without
        // the header under logs/optimizer_actions/ and logs/write_ahead/: terraform/s3.tf.)
        //
        // 409 ConditionalRequestConflict means another write of the same key was in flight. It says
        // nothing about whether that one succeeded, so it is not "already exists": AWS's advice is
        // to retry, and the retry is conditional too, so it either writes or meets the winner's 412.
        let mut attempt = 1;
        loop {
            let sent = self
                .client
                .put_object()
                .bucket(&self.bucket)
                .key(key)
                .content_type(content_type)
                .if_none_match("*")
                .body(ByteStream::from(body.clone()))
                .send()
                .await;
            let status = sent.as_ref().err().and_then(|e| e.raw_response()).map(|r| r.status().as_u16());
            match (sent, status) {
                (Ok(_), _) => return Ok(()),
                (Err(_), Some(412)) => {
                    return Err(StoreError::AlreadyExists { location: format!("s3://{}/{key}", self.bucket) });
                }
                (Err(_), Some(409)) if attempt < PUT_NEW_CONFLICT_ATTEMPTS => {
                    tokio::time::sleep(PUT_NEW_CONFLICT_BACKOFF * attempt).await;
                    attempt += 1;
                }
                (Err(e), _) => return Err(self.fail("put", key, e)),
            }
        }
    }

    async fn get(&self, key: &str) -> Result<Option<Vec<u8>>, StoreError> {
        validate_key(key)?;
        let out = match self.client.get_object().bucket(&self.bucket).key(key).send().await {
            Ok(o) => o,
            Err(e) if e.as_service_error().is_some_and(|s| s.is_no_such_key()) => return Ok(None),
            Err(e) => return Err(self.fail("get", key, e)),
        };
        let bytes = out.body.collect().await.map_err(|e| self.fail("read", key, e))?;
        Ok(Some(bytes.into_bytes().to_vec()))
    }

    async fn list(&self, prefix: &str) -> Result<Vec<ObjectMeta>, StoreError> {
        let mut pages = self.client.list_objects_v2().bucket(&self.bucket).prefix(prefix).into_paginator().send();
        let mut out = Vec::new();
        while let Some(page) = pages.next().await {
            let page = page.map_err(|e| self.fail("list", prefix, e))?;
            for o in page.contents() {
                if let Some(key) = o.key() {
                    out.push(ObjectMeta { key: key.to_string(), size: o.size().unwrap_or(0).max(0) as u64 });
                }
            }
        }
        out.sort_by(|a, b| a.key.cmp(&b.key));
        Ok(out)
    }

    async fn delete(&self, key: &str) -> Result<(), StoreError> {
        validate_key(key)?;
        self.client
            .delete_object()
            .bucket(&self.bucket)
            .key(key)
            .send()
            .await
            .map_err(|e| self.fail("delete", key, e))?;
        Ok(())
    }

    fn describe(&self) -> String {
        format!("s3://{}", self.bucket)
    }
}
