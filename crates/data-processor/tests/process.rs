//! The processor over a local store: latest pull wins, bad data is skipped with its reason, the
//! Parquet reads back with the agreed schema, and a re-run writes the same partition again.

use std::sync::Arc;

use bytes::Bytes;
use chrono::{DateTime, NaiveDate, Utc};
use data_processor::Processor;
use data_processor::creative_daily::COLUMNS;
use linkedin_core::RunClock;
use linkedin_core::metrics::{EmfWriter, SharedBuffer};
use linkedin_core::store::{LocalStore, ObjectStore};
use parquet::file::reader::{FileReader, SerializedFileReader};
use parquet::record::Field;
use serde_json::{Value, json};

fn record(pulled_at: &str, run: &str, creative: u64, clicks: u64, cost: &str) -> Value {
    json!({
        "pulled_at": pulled_at, "run_id": run, "account_id": "508720451", "campaign_id": "600100",
        "creative_id": creative.to_string(), "date": "2026-10-05", "impressions": 1000, "clicks": clicks,
        "landing_page_clicks": clicks, "cost_usd": cost, "cost_local": cost, "conversions": 1.0,
        "external_website_conversions": 1.0, "post_click_conversions": 1.0, "post_view_conversions": 0.0,
        "one_click_leads": 0.0, "total_engagements": clicks, "video_views": 0, "approximate_member_reach": 700
    })
}

fn ndjson(rows: &[Value]) -> Vec<u8> {
    rows.iter().map(|r| format!("{r}\n")).collect::<String>().into_bytes()
}

#[tokio::test]
async fn latest_pull_wins_bad_rows_are_reported_and_reruns_are_idempotent() {
    let dir = tempfile::tempdir().unwrap();
    let store = Arc::new(LocalStore::new(dir.path()));
    let day = "raw/analytics/dt=2026-10-05";
    let early =
        ndjson(&[record("2026-10-05T06:00:00Z", "a", 1, 3, "9.50"), record("2026-10-05T06:00:00Z", "a", 2, 1, "4")]);
    let mut late = ndjson(&[
        record("2026-10-06T00:00:00Z", "b", 1, 5, "20.123456789"),
        record("2026-10-06T00:00:00Z", "b", 3, 0, "-3"),
    ]);
    late.extend_from_slice(b"{not json\n");
    store.put(&format!("{day}/a.ndjson"), early, "application/x-ndjson").await.unwrap();
    store.put(&format!("{day}/b.ndjson"), late, "application/x-ndjson").await.unwrap();

    let buffer = SharedBuffer::default();
    let p = Processor { store: store.clone(), metrics: Arc::new(EmfWriter::new(buffer.clone())), window_days: 1 };
    let now: DateTime<Utc> = "2026-10-06T06:30:00Z".parse().unwrap();
    let as_of = NaiveDate::from_ymd_opt(2026, 10, 6).unwrap();
    let report = p.run(RunClock { as_of, now }).await;
    assert!(report.succeeded(), "{report:?}");
    let d = &report.days[0];
    assert_eq!((d.raw_objects, d.raw_rows, d.bad_lines, d.rejected, d.rows_written), (2, 4, 1, 1, 2));
    assert_eq!(report.days[1].raw_objects, 0, "no pull of the 6th yet: nothing written");
    assert!(report.problems.iter().any(|p| p.contains("b.ndjson line 3")), "{:?}", report.problems);
    assert!(report.problems.iter().any(|p| p.contains("creative 3") && p.contains("negative cost_usd -3")));
    assert!(buffer.text().contains("\"RowsWritten\":2"));

    let key = "processed/creative_daily/dt=2026-10-05/creative_daily.parquet";
    let bytes = store.get(key).await.unwrap().unwrap();
    let reader = SerializedFileReader::new(Bytes::from(bytes.clone())).unwrap();
    let names: Vec<String> =
        reader.metadata().file_metadata().schema_descr().columns().iter().map(|c| c.name().to_string()).collect();
    assert_eq!(names, COLUMNS);
    let rows: Vec<_> = reader.get_row_iter(None).unwrap().map(|r| r.unwrap()).collect();
    assert_eq!(rows.len(), 2);
    let fields: Vec<(String, Field)> = rows[0].get_column_iter().map(|(n, f)| (n.clone(), f.clone())).collect();
    let get = |n: &str| fields.iter().find(|(k, _)| k == n).unwrap().1.to_string();
    assert_eq!(get("creative_id"), "\"1\"");
    assert_eq!(get("clicks"), "5", "the later pull wins, never a sum");
    assert_eq!(get("cost_usd"), "20.123457", "decimal(18,6), rounded");
    assert_eq!(get("date"), "2026-10-05");
    assert_eq!(get("run_id"), "\"b\"");

    let again = p.run(RunClock { as_of, now }).await;
    assert!(again.succeeded());
    assert_eq!(store.get(key).await.unwrap().unwrap(), bytes, "a re-run rewrites the same partition, byte for byte");
    assert_eq!(store.list("processed/creative_daily/").await.unwrap().len(), 1);
}

#[tokio::test]
async fn the_lambda_handler_runs_on_the_schedule_day_and_fails_loudly_on_a_bad_as_of() {
    use data_processor::{ProcessorConfig, handle};
    use linkedin_core::config::StorageConfig;
    let dir = tempfile::tempdir().unwrap();
    let cfg = ProcessorConfig { storage: StorageConfig::Local { data_dir: dir.path().to_path_buf() }, window_days: 2 };
    let processor = Processor::from_config(&cfg).await;
    let event = |detail: Value| {
        let payload = serde_json::from_value(json!({
            "version": "0", "id": "e1", "detail-type": "Scheduled Event", "source": "aws.events",
            "account": "123456789012", "time": "2026-10-06T06:00:00Z", "region": "us-east-1",
            "resources": [], "detail": detail
        }))
        .unwrap();
        lambda_runtime::LambdaEvent::new(payload, lambda_runtime::Context::default())
    };
    let report = handle(&processor, event(json!({}))).await.unwrap();
    assert_eq!(report.as_of.to_string(), "2026-10-06");
    assert_eq!(report.days.len(), 3, "the day and the two before it");
    let err = handle(&processor, event(json!({"as_of": "monday"}))).await.unwrap_err().to_string();
    assert!(err.contains("detail.as_of = 'monday' is not a date"), "{err}");
}

fn day_record(date: &str, creative: u64, impressions: u64, clicks: u64) -> Value {
    let mut r = record(&format!("{date}T18:00:00Z"), "r", creative, clicks, "1.5");
    r["date"] = json!(date);
    r["impressions"] = json!(impressions);
    r
}

#[tokio::test]
async fn the_creative_scorer_set_weights_ctr_by_impressions_and_follows_the_manifest() {
    let dir = tempfile::tempdir().unwrap();
    let store = Arc::new(LocalStore::new(dir.path()));
    // Creative 1: 10/100 then 1/900 → weighted 11/1000 = 0.011 (the mean of daily ratios would be 0.0506).
    for (date, rows) in [
        ("2026-10-05", vec![day_record("2026-10-05", 1, 100, 10), day_record("2026-10-05", 2, 500, 2)]),
        ("2026-10-06", vec![day_record("2026-10-06", 1, 900, 1)]),
    ] {
        store.put(&format!("raw/analytics/dt={date}/r.ndjson"), ndjson(&rows), "application/x-ndjson").await.unwrap();
    }
    let snapshot = |creative: u64, headline: &str, error: Option<&str>| {
        json!({"pulled_at": "2026-10-06T18:00:00Z", "run_id": "r", "account_id": "508720451", "campaign_id": "600100",
               "creative_id": creative.to_string(), "name": null, "intended_status": "ACTIVE", "is_serving": true,
               "review_status": "APPROVED", "post_urn": "urn:li:share:1", "created_at": null,
               "intro_text": "Are your reports late?", "headline": headline, "description": null,
               "call_to_action": "LEARN_MORE", "landing_page": null, "copy_error": error})
    };
    let snapshots =
        ndjson(&[snapshot(1, "Cut reporting time by 80%", None), snapshot(2, "", Some("the post was not read"))]);
    store.put("raw/creatives/dt=2026-10-06/r.ndjson", snapshots, "application/x-ndjson").await.unwrap();
    // An older copy of creative 1 (no number in the headline), and an older broken object: the newest
    // snapshot wins, and reading stops before the history that is no longer needed.
    let mut old = snapshot(1, "Reports made simple", None);
    old["pulled_at"] = json!("2026-10-05T18:00:00Z");
    let mut old2 = old.clone();
    old2["creative_id"] = json!("2");
    store.put("raw/creatives/dt=2026-10-05/q.ndjson", ndjson(&[old, old2]), "application/x-ndjson").await.unwrap();
    store.put("raw/creatives/dt=2026-10-04/p.ndjson", b"{broken\n".to_vec(), "application/x-ndjson").await.unwrap();

    let p =
        Processor { store: store.clone(), metrics: Arc::new(EmfWriter::new(SharedBuffer::default())), window_days: 1 };
    let now: DateTime<Utc> = "2026-10-07T06:30:00Z".parse().unwrap();
    let report = p.run(RunClock { as_of: NaiveDate::from_ymd_opt(2026, 10, 6).unwrap(), now }).await;
    assert!(report.succeeded(), "{report:?}");
    let t = report.creative_scorer.unwrap();
    assert_eq!((t.creatives, t.skipped_no_copy), (1, 1), "creative 2's latest snapshot has no copy");
    assert!(!report.problems.iter().any(|p| p.contains("dt=2026-10-04")), "{:?}", report.problems);

    let csv =
        String::from_utf8(store.get("processed/training/creative_scorer/creative_scorer.csv").await.unwrap().unwrap())
            .unwrap();
    let lines: Vec<&str> = csv.lines().collect();
    assert_eq!(lines.len(), 2);
    let header: Vec<&str> = lines[0].split(',').collect();
    let row: Vec<&str> = lines[1].split(',').collect();
    let col = |name: &str| row[header.iter().position(|h| *h == name).unwrap()];
    assert_eq!((col("creative_id"), col("impressions"), col("clicks"), col("days")), ("1", "1000", "11", "2"));
    assert_eq!(col("ctr"), "0.011", "sum of clicks / sum of impressions");
    assert_eq!(col("headline_has_number"), "1");
    assert_eq!(col("intro_has_question"), "1");

    let manifest: Value =
        serde_json::from_slice(&store.get("processed/training/creative_scorer/features.json").await.unwrap().unwrap())
            .unwrap();
    let names: Vec<&str> =
        manifest["features"].as_array().unwrap().iter().map(|f| f["name"].as_str().unwrap()).collect();
    assert_eq!(&header[2..2 + names.len()], names.as_slice(), "the CSV's feature columns are the manifest's, in order");
    assert_eq!((manifest["target"].as_str(), manifest["weight"].as_str()), (Some("ctr"), Some("impressions")));

    let parquet = store.get("processed/training/creative_scorer/creative_scorer.parquet").await.unwrap().unwrap();
    let reader = SerializedFileReader::new(Bytes::from(parquet)).unwrap();
    assert_eq!(reader.metadata().file_metadata().schema_descr().num_columns(), header.len());
    assert_eq!(reader.metadata().file_metadata().num_rows(), 1);
}
