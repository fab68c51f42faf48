//! The local performance source and the bid-optimizer training set over processed partitions
//! written with the processor's own Parquet writer.

use std::sync::Arc;

use chrono::NaiveDate;
use data_processor::creative_daily;
use data_processor::performance::LocalPerformance;
use data_processor::training::{history, write_bid_optimizer};
use linkedin_core::bid_features::BID_FEATURES;
use linkedin_core::performance::{DateWindow, PerformanceError, PerformanceSource};
use linkedin_core::raw::AnalyticsRecord;
use linkedin_core::store::{LocalStore, ObjectStore};
use linkedin_core::{CampaignId, CreativeId};
use rust_decimal::Decimal;
use serde_json::{Value, json};

fn d(s: &str) -> NaiveDate {
    s.parse().unwrap()
}

#[allow(clippy::too_many_arguments)]
fn row(
    date: &str,
    pulled_at: &str,
    campaign: u64,
    creative: u64,
    impressions: u64,
    clicks: u64,
    cost: &str,
    conv: f64,
) -> AnalyticsRecord {
    serde_json::from_value(json!({
        "pulled_at": pulled_at, "run_id": format!("run-{pulled_at}"), "account_id": "508720451",
        "campaign_id": campaign.to_string(), "creative_id": creative.to_string(), "date": date,
        "impressions": impressions, "clicks": clicks, "landing_page_clicks": clicks, "cost_usd": cost,
        "cost_local": cost, "conversions": conv, "external_website_conversions": conv,
        "post_click_conversions": conv, "post_view_conversions": 0.0, "one_click_leads": 0.0,
        "total_engagements": clicks, "video_views": 0, "approximate_member_reach": null
    }))
    .unwrap()
}

async fn put_partition(store: &dyn ObjectStore, day: &str, file: &str, rows: &[AnalyticsRecord]) {
    let refs: Vec<&AnalyticsRecord> = rows.iter().collect();
    let key = format!("processed/creative_daily/dt={day}/{file}");
    store.put(&key, creative_daily::to_parquet(&refs).unwrap(), "application/vnd.apache.parquet").await.unwrap();
}

fn snapshot(pulled_at: &str, campaign: u64, bid: Option<&str>, budget: &str) -> Value {
    json!({"pulled_at": pulled_at, "run_id": format!("run-{pulled_at}"), "account_id": "508720451",
        "campaign_id": campaign.to_string(), "name": "c", "status": "ACTIVE", "cost_type": "CPC",
        "unit_cost": bid, "daily_budget": budget, "currency": "USD", "objective_type": "WEBSITE_CONVERSION",
        "optimization_target_type": "NONE", "creative_selection": "ROUND_ROBIN"})
}

async fn put_snapshots(store: &dyn ObjectStore, day: &str, rows: &[Value]) {
    let body: String = rows.iter().map(|r| format!("{r}\n")).collect();
    let key = format!("raw/campaigns/dt={day}/{}.ndjson", fastrand::u32(..));
    store.put(&key, body.into_bytes(), "application/x-ndjson").await.unwrap();
}

#[tokio::test]
async fn local_source_sums_latest_rows_weights_ratios_and_takes_the_days_last_settings() {
    let dir = tempfile::tempdir().unwrap();
    let store: Arc<dyn ObjectStore> = Arc::new(LocalStore::new(dir.path()));
    put_partition(
        store.as_ref(),
        "2026-11-19",
        "creative_daily.parquet",
        &[row("2026-11-19", "2026-11-20T00:00:00Z", 600, 1, 100, 10, "20", 1.0)],
    )
    .await;
    put_partition(
        store.as_ref(),
        "2026-11-20",
        "creative_daily.parquet",
        &[
            row("2026-11-20", "2026-11-21T06:00:00Z", 600, 1, 9900, 10, "30", 0.0),
            row("2026-11-20", "2026-11-21T06:00:00Z", 600, 2, 500, 5, "10.5", 0.0),
        ],
    )
    .await;
    // A stale copy in the same partition (an older pull): must not double count.
    put_partition(
        store.as_ref(),
        "2026-11-20",
        "stale-copy.parquet",
        &[row("2026-11-20", "2026-11-20T12:00:00Z", 600, 1, 4000, 4, "12", 0.0)],
    )
    .await;
    // Outside the window.
    put_partition(
        store.as_ref(),
        "2026-11-21",
        "creative_daily.parquet",
        &[row("2026-11-21", "2026-11-22T00:00:00Z", 600, 1, 7, 7, "7", 7.0)],
    )
    .await;
    put_snapshots(store.as_ref(), "2026-11-20", &[snapshot("2026-11-20T00:00:00Z", 600, Some("5"), "100")]).await;
    put_snapshots(store.as_ref(), "2026-11-20", &[snapshot("2026-11-20T18:00:00Z", 600, Some("7.25"), "150")]).await;

    let source = LocalPerformance::new(store.clone());
    let window = DateWindow::new(d("2026-11-19"), d("2026-11-20")).unwrap();
    let data = source.load(window).await.unwrap();

    assert_eq!(data.creatives.len(), 2);
    let c = &data.creatives[0];
    assert_eq!(
        (c.creative_id, c.days, c.first_date, c.last_date),
        (CreativeId(1), 2, d("2026-11-19"), d("2026-11-20"))
    );
    assert_eq!((c.totals.impressions, c.totals.clicks), (10_000, 20), "the newer pull of the 20th, once");
    assert_eq!(c.totals.ctr(), Some(0.002), "20 / 10000, not the mean of 10% and 0.1%");
    assert_eq!(c.totals.cost_usd, Decimal::from(50));

    assert_eq!(data.campaign_days.len(), 2);
    let (d19, d20) = (&data.campaign_days[0], &data.campaign_days[1]);
    assert_eq!(
        (d19.campaign_id, d19.date, d19.unit_cost),
        (CampaignId(600), d("2026-11-19"), None),
        "no snapshot that day"
    );
    assert_eq!((d20.creatives, d20.totals.impressions, d20.totals.clicks), (2, 10_400, 15));
    assert_eq!(
        (d20.unit_cost, d20.daily_budget),
        (Some(Decimal::new(725, 2)), Some(Decimal::from(150))),
        "the day's last snapshot"
    );
    assert_eq!(d20.budget_utilization(), Some(40.5 / 150.0));
}

#[tokio::test]
async fn an_unreadable_partition_fails_the_strict_source_and_is_listed_by_the_lenient_one() {
    let dir = tempfile::tempdir().unwrap();
    let store: Arc<dyn ObjectStore> = Arc::new(LocalStore::new(dir.path()));
    put_partition(
        store.as_ref(),
        "2026-11-19",
        "creative_daily.parquet",
        &[row("2026-11-19", "2026-11-20T00:00:00Z", 600, 1, 100, 1, "1", 0.0)],
    )
    .await;
    let broken = "processed/creative_daily/dt=2026-11-20/creative_daily.parquet";
    store.put(broken, b"PAR1 but not really".to_vec(), "application/vnd.apache.parquet").await.unwrap();
    let window = DateWindow::new(d("2026-11-19"), d("2026-11-20")).unwrap();

    let err = LocalPerformance::new(store.clone()).creatives(window).await.unwrap_err();
    assert!(matches!(err, PerformanceError::Unreadable { .. }), "{err:?}");
    let msg = err.to_string();
    assert!(msg.contains(broken) && msg.contains("linkedin-ads process --as-of"), "{msg}");

    let lenient = LocalPerformance::lenient(store.clone());
    let rows = lenient.creatives(window).await.unwrap();
    assert_eq!(rows[0].totals.impressions, 100, "the readable day still counts");
    let skipped = lenient.skipped();
    assert_eq!(skipped.len(), 1);
    assert!(skipped[0].contains(broken) && skipped[0].ends_with("; skipped"), "{skipped:?}");
}

#[tokio::test]
async fn a_date_outside_the_calendar_is_an_error_naming_the_file_not_a_panic() {
    use data_processor::parquet_table::{self, Column};
    let dir = tempfile::tempdir().unwrap();
    let store: Arc<dyn ObjectStore> = Arc::new(LocalStore::new(dir.path()));
    let text = |v: &str| Column::Text(vec![v.to_string()]);
    let columns = vec![
        Column::Int32(vec![i32::MAX]),
        text("508720451"),
        text("600"),
        text("1"),
        Column::Int64(vec![100]),
        Column::Int64(vec![1]),
        Column::Int64(vec![1]),
        Column::Int64(vec![1_000_000]),
        Column::Double(vec![0.0]),
        Column::Int64(vec![1]),
        Column::Int64(vec![0]),
        text("run"),
    ];
    let broken = "processed/creative_daily/dt=2026-11-20/creative_daily.parquet";
    let bytes = parquet_table::write(creative_daily::SCHEMA, &columns).unwrap();
    store.put(broken, bytes, "application/vnd.apache.parquet").await.unwrap();
    let window = DateWindow::new(d("2026-11-19"), d("2026-11-20")).unwrap();
    let err = LocalPerformance::new(store.clone()).creatives(window).await.unwrap_err().to_string();
    assert!(err.contains(broken) && err.contains("outside the calendar"), "{err}");
    let lenient = LocalPerformance::lenient(store.clone());
    assert!(lenient.creatives(window).await.unwrap().is_empty());
    assert!(lenient.skipped()[0].contains(broken));
}

#[tokio::test]
async fn bid_training_rows_use_only_the_past_for_features_and_the_days_bid() {
    let dir = tempfile::tempdir().unwrap();
    let store: Arc<dyn ObjectStore> = Arc::new(LocalStore::new(dir.path()));
    let days = [("2026-11-16", 1000, 10, "40"), ("2026-11-17", 3000, 20, "90"), ("2026-11-18", 500, 5, "25")];
    for (day, impressions, clicks, cost) in days {
        put_partition(
            store.as_ref(),
            day,
            "creative_daily.parquet",
            &[row(day, &format!("{day}T23:00:00Z"), 600, 1, impressions, clicks, cost, 1.0)],
        )
        .await;
    }
    put_snapshots(store.as_ref(), "2026-11-16", &[snapshot("2026-11-16T06:00:00Z", 600, Some("5"), "100")]).await;
    put_snapshots(
        store.as_ref(),
        "2026-11-17",
        &[
            snapshot("2026-11-17T00:00:00Z", 600, Some("5"), "100"),
            snapshot("2026-11-17T12:00:00Z", 600, Some("8"), "100"),
        ],
    )
    .await;
    // No snapshot with a bid on the 18th: the row is skipped and counted.
    put_snapshots(store.as_ref(), "2026-11-18", &[snapshot("2026-11-18T06:00:00Z", 600, None, "100")]).await;

    let mut problems = Vec::new();
    let history = history(store.clone(), &mut problems).await.unwrap();
    let report = write_bid_optimizer(store.as_ref(), &history.campaign_days, d("2026-11-24"), 7).await.unwrap();
    assert_eq!((report.rows, report.campaigns, report.skipped_no_bid), (2, 1, 1));
    assert!(problems.is_empty(), "{problems:?}");

    let csv =
        String::from_utf8(store.get("processed/training/bid_optimizer/bid_optimizer.csv").await.unwrap().unwrap())
            .unwrap();
    let mut lines = csv.lines();
    let header: Vec<&str> = lines.next().unwrap().split(',').collect();
    let features: Vec<&str> = BID_FEATURES.iter().map(|f| f.name).collect();
    assert_eq!(header[..2], ["campaign_id", "date"]);
    assert_eq!(header[2..2 + features.len()], features[..], "features in manifest order");
    assert_eq!(header.last(), Some(&"conversions_final"));
    let rows: Vec<Vec<&str>> = lines.map(|l| l.split(',').collect()).collect();
    let col = |r: &Vec<&str>, name: &str| r[header.iter().position(|h| *h == name).unwrap()].to_string();

    let first = &rows[0];
    assert_eq!(
        (col(first, "date").as_str(), col(first, "trailing_days").as_str()),
        ("2026-11-16", "0"),
        "no history yet"
    );
    let second = &rows[1];
    assert_eq!(col(second, "bid"), "8", "the day's latest snapshot");
    assert_eq!(col(second, "trailing_impressions"), "1000", "only the day before, never the day itself");
    assert_eq!(col(second, "trailing_cpc"), "4");
    assert_eq!(col(second, "bid_over_trailing_cpc"), "2");
    assert_eq!(
        (col(second, "clicks").as_str(), col(second, "spend").as_str()),
        ("20", "90"),
        "the target and outcome are the day's"
    );
    assert_eq!(col(second, "budget_utilization"), "0.9");
    assert_eq!(col(second, "conversions_final"), "0", "the collector still re-pulls the 17th on the 24th: provisional");
    assert_eq!(col(first, "conversions_final"), "1");

    let manifest: Value =
        serde_json::from_slice(&store.get("processed/training/bid_optimizer/features.json").await.unwrap().unwrap())
            .unwrap();
    assert_eq!(manifest["target"], "clicks");
    assert_eq!(manifest["version"], 1);
    assert_eq!(manifest["features"].as_array().unwrap().len(), features.len());
    assert_eq!(manifest["rows"], 2);
}
