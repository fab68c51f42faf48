//! The optimizer job as it runs in production: data in S3 and the report through SNS (both on a
//! local moto server), LinkedIn on the local sandbox. What lands in the bucket and what an SNS
//! subscriber receives are read back and checked.

mod common;

use std::sync::Arc;

use common::{eager, optimizer, world_in, writes};
use linkedin_aws::backends::sns_client;
use linkedin_aws::s3::S3Store;
use linkedin_aws::sns::SnsNotifier;
use linkedin_core::decisions::Action;
use linkedin_core::raw::parse_ndjson;
use linkedin_core::store::ObjectStore;
use optimizer::audit::{AuditLine, Outcome};
use test_support::{Moto, SnsSubscriber};

async fn s3_world(moto: &Moto) -> common::World {
    let bucket = moto.bucket("ads-data").await;
    let store: Arc<dyn ObjectStore> = Arc::new(S3Store::new(moto.s3().await, &bucket));
    world_in(4, store).await
}

async fn sns(moto: &Moto, subscriber: &SnsSubscriber) -> Arc<SnsNotifier> {
    let arn = moto.topic_with_subscriber("us-east-1", "linkedin-ads-reports", subscriber).await;
    Arc::new(SnsNotifier::new(sns_client(&moto.sdk_config().await, &arn), &arn))
}

#[tokio::test]
async fn a_run_on_s3_logs_every_decision_saves_the_report_and_publishes_it() {
    let moto = Moto::start();
    let w = s3_world(&moto).await;
    let clock = w.at(4, 0);
    // An earlier run's log with a broken line: skipped with a warning, not fatal, nothing lost.
    let earlier =
        format!("logs/optimizer_actions/dt={}/20261001T080000Z-0000aa.jsonl", clock.as_of.pred_opt().unwrap());
    w.store.put(&earlier, b"{\"run_id\": truncated\n".to_vec(), "application/x-ndjson").await.unwrap();
    let subscriber = SnsSubscriber::start();
    let (mut o, _) = optimizer(&w, eager(false));
    o.notifier = sns(&moto, &subscriber).await;

    let report = o.run(clock).await;
    assert!(report.succeeded(), "{:?}", report.failures);
    assert_eq!(report.counts.paused, 1, "{:?}", report.counts);

    // The audit log in S3: one line per decision, as logged.
    let key = report.audit_key.clone().unwrap();
    assert!(key.starts_with(&format!("logs/optimizer_actions/dt={}/{}", clock.as_of, report.run_id)), "{key}");
    let (lines, errors) = parse_ndjson::<AuditLine>(&w.store.get(&key).await.unwrap().unwrap());
    assert!(errors.is_empty(), "{errors:?}");
    assert_eq!(lines, report.lines);
    let applied = lines.iter().filter(|l| l.outcome == Outcome::Applied).count();
    assert_eq!(writes(&w).len(), applied, "one LinkedIn write per applied line");
    assert!(lines.iter().any(|l| l.action == Action::Pause && l.outcome == Outcome::Applied && !l.dry_run));
    assert!(w.store.get(&earlier).await.unwrap().is_some(), "the broken log is left as it was");

    // The report in S3, and the same text through SNS with a link to it.
    let report_key = report.report_key.clone().unwrap();
    let text = String::from_utf8(w.store.get(&report_key).await.unwrap().unwrap()).unwrap();
    assert!(
        text.contains("Changes (") && text.contains(&format!("linkedin-ads undo --run {}", report.run_id)),
        "{text}"
    );
    let n = subscriber.next();
    let subject = n["Subject"].as_str().unwrap();
    assert_eq!(
        subject,
        format!(
            "LinkedIn Ads {}: 1 paused, {} bid, 0 budget changes, 0 winners",
            clock.as_of, report.counts.bid_changes
        )
    );
    let message = n["Message"].as_str().unwrap();
    assert!(message.starts_with(&text), "the body is the saved report");
    assert!(message.contains(&format!("with its numbers: s3://ads-data/{key}")), "{message}");
    assert_eq!(report.delivered_to.as_deref(), n["MessageId"].as_str());
    subscriber.assert_nothing_more();
}

#[tokio::test]
async fn an_unreadable_partition_in_s3_stops_every_write_and_the_report_says_why() {
    let moto = Moto::start();
    let w = s3_world(&moto).await;
    let clock = w.at(4, 0);
    let broken =
        format!("processed/creative_daily/dt={}/creative_daily.parquet", clock.as_of - chrono::TimeDelta::days(2));
    w.store.put(&broken, b"PAR1 not really".to_vec(), "application/octet-stream").await.unwrap();
    let subscriber = SnsSubscriber::start();
    let (mut o, _) = optimizer(&w, eager(false));
    o.notifier = sns(&moto, &subscriber).await;

    let report = o.run(clock).await;
    assert!(!report.succeeded());
    assert!(writes(&w).is_empty(), "{:?}", writes(&w));
    assert!(report.failures[0].contains(&broken), "{:?}", report.failures);
    let n = subscriber.next();
    let message = n["Message"].as_str().unwrap();
    assert!(message.contains("FAILED") && message.contains(&broken), "{message}");
    // The run is still logged (with no decision) so the day has a record.
    assert!(w.store.get(report.audit_key.as_deref().unwrap()).await.unwrap().is_some());
}
