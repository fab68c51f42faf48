//! The SNS notifier against moto's SNS.
//!
//! Delivery is observed the way a subscriber sees it: the test subscribes a local HTTP endpoint
//! (`test_support::SnsSubscriber`) to the topic, and moto POSTs the SNS notification document
//! (`Type`, `MessageId`, `TopicArn`, `Subject`, `Message`, signature fields) to it during the
//! Publish call, as SNS does for HTTP subscribers and, with the same Subject and Message, for email.

use std::net::TcpListener;

use linkedin_aws::backends::sns_client;
use linkedin_aws::sns::SnsNotifier;
use linkedin_core::notify::{MAX_MESSAGE_BYTES, MAX_SUBJECT_CHARS, Notifier, NotifyConfig, NotifyError, Report};
use serde_json::Value;
use test_support::{Moto, SnsSubscriber as Subscriber};

#[tokio::test]
async fn the_report_arrives_with_the_exact_subject_and_body() {
    let moto = Moto::start();
    let subscriber = Subscriber::start();
    let arn = moto.topic_with_subscriber("us-east-1", "linkedin-ads-reports", &subscriber).await;
    let notifier = SnsNotifier::new(sns_client(&moto.sdk_config().await, &arn), &arn);
    assert_eq!(notifier.describe(), format!("SNS topic {arn}"));

    let subject = "LinkedIn Ads daily report 2026-11-23: 3 bid changes (CTR 0.42%)";
    let body = "Bid changes\n\
                - Campaign 123 \u{201c}Q4 retargeting\u{201d}: 5.00 \u{2192} 5.50 USD\n\
                - Campaign 456: 7.25 \u{2192} 6.90 USD \u{1F4C9}\n\
                \n\
                Creatives paused: none.\n";
    let report =
        Report::new(subject, body).with_full_report_location("s3://ads-data/reports/dt=2026-11-23/optimizer.md");
    let message_id = notifier.send(&report).await.unwrap();

    let n = subscriber.next();
    assert_eq!(n["Type"], "Notification");
    assert_eq!(n["TopicArn"], arn.as_str());
    assert_eq!(n["MessageId"], message_id.as_str(), "send returns the id SNS delivered under");
    assert_eq!(n["Subject"], subject);
    assert_eq!(n["Message"], body, "the body arrives byte for byte, unicode included");
    subscriber.assert_nothing_more();
}

#[tokio::test]
async fn an_over_long_subject_and_an_oversize_body_are_trimmed_to_the_sns_limits() {
    let moto = Moto::start();
    let subscriber = Subscriber::start();
    let arn = moto.topic_with_subscriber("us-east-1", "reports", &subscriber).await;

    let subject =
        format!("Daily report \u{2014} 2026-11-23\n{}", "campaign Northwind \u{e9}t\u{e9} \u{1F4C8} ".repeat(8));
    let line = "creative 987654321: impressions 12000, clicks 48, CTR 0.40%, cost 96.00 USD \u{2014} ok\n";
    let body = line.repeat(300 * 1024 / line.len());
    assert!(body.len() > MAX_MESSAGE_BYTES && body.chars().count() > MAX_MESSAGE_BYTES);
    let location = "s3://ads-data/reports/dt=2026-11-23/optimizer.md";

    // As given, SNS (here moto) refuses both.
    let raw = moto.sns().await;
    let err = raw.publish().topic_arn(&arn).subject(&subject).message("x").send().await.unwrap_err();
    assert!(format!("{err:?}").contains("Subject"), "{err:?}");
    let err = raw.publish().topic_arn(&arn).subject("s").message(&body).send().await.unwrap_err();
    assert!(format!("{err:?}").contains("Message too long"), "{err:?}");
    subscriber.assert_nothing_more();

    let notifier = SnsNotifier::new(sns_client(&moto.sdk_config().await, &arn), &arn);
    let report = Report::new(subject.clone(), body.clone()).with_full_report_location(location);
    notifier.send(&report).await.unwrap();
    let n = subscriber.next();

    let delivered_subject = n["Subject"].as_str().unwrap();
    assert!(delivered_subject.len() <= MAX_SUBJECT_CHARS, "{delivered_subject}");
    assert!(delivered_subject.chars().all(|c| (' '..='~').contains(&c)), "{delivered_subject}");
    assert!(
        delivered_subject.starts_with("Daily report - 2026-11-23 campaign Northwind ete campaign"),
        "{delivered_subject}"
    );
    assert!(delivered_subject.ends_with("..."), "{delivered_subject}");

    let message = n["Message"].as_str().unwrap();
    assert!(message.len() <= MAX_MESSAGE_BYTES, "{} bytes", message.len());
    assert!(message.len() > MAX_MESSAGE_BYTES - line.len() - 300, "only what must go is cut: {}", message.len());
    let (kept, note) = message.split_once("\n\n[Report truncated").expect("a truncation note");
    assert!(body.starts_with(kept) && kept.ends_with("ok"), "the kept part is the report's start, cut at a line end");
    assert!(note.contains(&format!("({} bytes)", body.len())), "{note}");
    assert!(note.contains(&format!("Full report: {location}")), "{note}");

    // Exactly what linkedin-core's single rule produces (the stdout notifier prints the same).
    let expected = report.for_delivery();
    assert_eq!((delivered_subject, message), (expected.subject.as_str(), expected.message.as_str()));
}

#[tokio::test]
async fn a_missing_topic_is_an_error_naming_sns_topic_arn() {
    let moto = Moto::start();
    let arn = "arn:aws:sns:us-east-1:123456789012:no-such-topic";
    let notifier = SnsNotifier::new(sns_client(&moto.sdk_config().await, arn), arn);
    let err = notifier.send(&Report::new("s", "b")).await.unwrap_err();
    assert!(matches!(err, NotifyError::TopicNotFound { .. }), "{err:?}");
    let text = err.to_string();
    assert!(text.contains(arn) && text.contains("check SNS_TOPIC_ARN"), "{text}");
    assert!(text.contains("does not exist"), "the service's own message is kept: {text}");
}

#[tokio::test]
async fn publishes_in_the_topics_region_whatever_the_default_region() {
    let moto = Moto::start();
    let subscriber = Subscriber::start();
    let arn = moto.topic_with_subscriber("eu-west-1", "reports", &subscriber).await;
    assert!(arn.starts_with("arn:aws:sns:eu-west-1:"), "{arn}");

    // The SDK's default region is us-east-1; there the topic does not exist.
    let default_region = SnsNotifier::new(moto.sns().await, &arn);
    let err = default_region.send(&Report::new("s", "b")).await.unwrap_err();
    assert!(matches!(err, NotifyError::TopicNotFound { .. }), "{err:?}");

    let notifier = SnsNotifier::new(sns_client(&moto.sdk_config().await, &arn), &arn);
    notifier.send(&Report::new("Weekly copy ideas", "3 new variants")).await.unwrap();
    let n = subscriber.next();
    assert_eq!((&n["Subject"], &n["Message"]), (&Value::from("Weekly copy ideas"), &Value::from("3 new variants")));
}

#[tokio::test]
async fn an_unreachable_endpoint_is_reported_as_such() {
    let dead = TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap(); // closed once dropped
    let conf = aws_sdk_sns::Config::builder()
        .behavior_version(aws_sdk_sns::config::BehaviorVersion::latest())
        .region(aws_sdk_sns::config::Region::new("us-east-1"))
        .credentials_provider(aws_sdk_sns::config::Credentials::new("test", "test", None, None, "test"))
        .retry_config(aws_sdk_sns::config::retry::RetryConfig::disabled())
        .endpoint_url(format!("http://{dead}"))
        .build();
    let arn = "arn:aws:sns:us-east-1:123456789012:reports";
    let err =
        SnsNotifier::new(aws_sdk_sns::Client::from_conf(conf), arn).send(&Report::new("s", "b")).await.unwrap_err();
    assert!(matches!(err, NotifyError::Unreachable { .. }), "{err:?}");
    assert!(err.to_string().contains("NAT gateway or an SNS interface endpoint"), "{err}");
}

#[tokio::test]
async fn without_a_topic_reports_go_to_stdout() {
    let notifier = linkedin_aws::notifier(&NotifyConfig::Stdout).await;
    assert_eq!(notifier.describe(), "stdout");
}
