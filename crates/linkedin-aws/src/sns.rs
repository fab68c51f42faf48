//! `Notifier` over Amazon SNS: the report is published to a standard topic, whose email
//! subscribers receive it with the report's subject.
//!
//! The subject and message are the ones [`Report::for_delivery`] makes (SNS's limits applied in
//! `linkedin-core`, so the stdout notifier shows the same text). Errors say what to fix: a missing
//! topic points at `SNS_TOPIC_ARN`, a refusal at the role's `sns:Publish` permission.

use async_trait::async_trait;
use aws_sdk_sns::Client;
use aws_sdk_sns::error::{ProvideErrorMetadata, SdkError};
use aws_sdk_sns::operation::RequestId;
use aws_sdk_sns::operation::publish::PublishError;
use linkedin_core::notify::{Notifier, NotifyError, Report};

use crate::error_chain;

#[derive(Clone, Debug)]
pub struct SnsNotifier {
    client: Client,
    topic_arn: String,
}

impl SnsNotifier {
    /// `client` must be in the topic's region (`backends::sns_client` makes sure of it).
    pub fn new(client: Client, topic_arn: impl Into<String>) -> Self {
        Self { client, topic_arn: topic_arn.into() }
    }

    pub fn topic_arn(&self) -> &str {
        &self.topic_arn
    }

    fn error(&self, e: SdkError<PublishError>) -> NotifyError {
        let topic_arn = self.topic_arn.clone();
        let unreachable = match &e {
            SdkError::TimeoutError(_) => true,
            // Identity (credentials) failures are dispatch failures too, but neither io nor timeout.
            SdkError::DispatchFailure(d) => d.is_io() || d.is_timeout(),
            _ => false,
        };
        let service = e.as_service_error();
        let not_found = service.is_some_and(|s| s.is_not_found_exception());
        let denied = service.is_some_and(|s| s.is_authorization_error_exception());
        let kms = service.is_some_and(|s| {
            s.is_kms_access_denied_exception()
                || s.is_kms_disabled_exception()
                || s.is_kms_invalid_state_exception()
                || s.is_kms_not_found_exception()
                || s.is_kms_opt_in_required()
        });
        let rejected =
            service.is_some_and(|s| s.is_invalid_parameter_exception() || s.is_invalid_parameter_value_exception());
        let message = match service {
            // "NotFound: Topic does not exist (request id ...)": the service's own words.
            Some(s) => {
                let mut m = format!("{}: {}", s.code().unwrap_or("error"), s.message().unwrap_or("no message"));
                if let Some(id) = e.request_id() {
                    m.push_str(&format!(" (request id {id})"));
                }
                m
            }
            None => error_chain(&e),
        };
        if unreachable {
            NotifyError::Unreachable { topic_arn, message }
        } else if not_found {
            NotifyError::TopicNotFound { topic_arn, message }
        } else if denied {
            NotifyError::AccessDenied { topic_arn, message }
        } else if kms {
            NotifyError::Kms { topic_arn, message }
        } else if rejected {
            NotifyError::Rejected { topic_arn, message }
        } else {
            NotifyError::Sns { topic_arn, message }
        }
    }
}

#[async_trait]
impl Notifier for SnsNotifier {
    async fn send(&self, report: &Report) -> Result<String, NotifyError> {
        let delivery = report.for_delivery();
        if delivery.truncated {
            tracing::warn!(
                topic_arn = %self.topic_arn,
                report_bytes = report.body.len(),
                full_report = report.full_report_location.as_deref().unwrap_or("-"),
                "report truncated to SNS's 256 KiB message limit"
            );
        }
        let out = self
            .client
            .publish()
            .topic_arn(&self.topic_arn)
            .subject(delivery.subject)
            .message(delivery.message)
            .send()
            .await
            .map_err(|e| self.error(e))?;
        let id = out.message_id().unwrap_or_default().to_string();
        tracing::info!(topic_arn = %self.topic_arn, message_id = %id, "report published to SNS");
        Ok(id)
    }

    fn describe(&self) -> String {
        format!("SNS topic {}", self.topic_arn)
    }
}
