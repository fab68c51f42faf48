//! Peak memory and time of a full data-processor run as the raw history grows.
//!
//! `cargo bench -p data-processor --bench process_memory` generates raw pulls for 1,000 creatives in
//! 10 campaigns over 100, 300 and 1,000 days (100k, 300k and 1M creative-day rows, two overlapping
//! pulls of each day, so twice as many raw lines), runs the processor over the whole history (every
//! `creative_daily` partition, both training sets), and prints the peak resident memory of each run.
//! Each size runs in its own child process so the peaks do not mix. The numbers are in the README.
//!
//! `BENCH_SIZES=100,1000` picks other day counts; `BENCH_CREATIVES` another width.

use std::io::Write;
use std::path::Path;
use std::process::Command;
use std::sync::Arc;
use std::time::Instant;

use chrono::{NaiveDate, TimeDelta};
use data_processor::Processor;
use linkedin_core::RunClock;
use linkedin_core::metrics::{EmfWriter, SharedBuffer};
use linkedin_core::store::LocalStore;

const CAMPAIGNS: u64 = 10;

fn creatives() -> u64 {
    std::env::var("BENCH_CREATIVES").ok().and_then(|s| s.parse().ok()).unwrap_or(1000)
}

fn start() -> NaiveDate {
    NaiveDate::from_ymd_opt(2023, 1, 1).expect("date")
}

/// Peak resident set size of this process, in MiB (Linux `VmHWM`).
fn peak_rss_mib() -> f64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find(|l| l.starts_with("VmHWM:"))
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|kb| kb.parse::<f64>().ok())
        .map(|kb| kb / 1024.0)
        .unwrap_or(f64::NAN)
}

/// Writes the raw pulls day by day, straight to files (nothing is held in memory).
fn generate(dir: &Path, days: u32) -> std::io::Result<u64> {
    let n = creatives();
    let mut lines = 0;
    for i in 0..days {
        let day = start() + TimeDelta::days(i as i64);
        let folder = dir.join(format!("raw/analytics/dt={day}"));
        std::fs::create_dir_all(&folder)?;
        // Two pulls of each day: the early one is superseded by the later one.
        for (run, pulled, scale) in [("a", "06:00:00", 1), ("b", "18:00:00", 2)] {
            let mut f = std::io::BufWriter::new(std::fs::File::create(folder.join(format!("{day}{run}.ndjson")))?);
            for c in 0..n {
                let impressions = 100 + (c * 7 + i as u64) % 900;
                let clicks = (impressions * scale) / 200;
                writeln!(
                    f,
                    r#"{{"pulled_at":"{day}T{pulled}Z","run_id":"{run}","account_id":"1","campaign_id":"{}","creative_id":"{}","date":"{day}","impressions":{impressions},"clicks":{clicks},"landing_page_clicks":{clicks},"cost_usd":"{}.25","cost_local":"0","conversions":0.5,"external_website_conversions":0.5,"post_click_conversions":0.5,"post_view_conversions":0.0,"one_click_leads":0.0,"total_engagements":{clicks},"video_views":0,"approximate_member_reach":null}}"#,
                    600 + c % CAMPAIGNS,
                    900_000 + c,
                    clicks * 4,
                )?;
                lines += 1;
            }
        }
        let snapshots = dir.join(format!("raw/campaigns/dt={day}"));
        std::fs::create_dir_all(&snapshots)?;
        let mut f = std::fs::File::create(snapshots.join("a.ndjson"))?;
        for c in 0..CAMPAIGNS {
            writeln!(
                f,
                r#"{{"pulled_at":"{day}T06:00:00Z","run_id":"a","account_id":"1","campaign_id":"{}","name":"c","status":"ACTIVE","cost_type":"CPC","unit_cost":"6.5","daily_budget":"500","currency":"USD","objective_type":"WEBSITE_VISIT","optimization_target_type":"NONE","creative_selection":"ROUND_ROBIN"}}"#,
                600 + c
            )?;
        }
    }
    let folder = dir.join(format!("raw/creatives/dt={}", start()));
    std::fs::create_dir_all(&folder)?;
    let mut f = std::io::BufWriter::new(std::fs::File::create(folder.join("a.ndjson"))?);
    for c in 0..n {
        writeln!(
            f,
            r#"{{"pulled_at":"{}T06:00:00Z","run_id":"a","account_id":"1","campaign_id":"{}","creative_id":"{}","name":null,"intended_status":"ACTIVE","is_serving":true,"review_status":"APPROVED","post_urn":null,"created_at":null,"intro_text":"Cut reporting time by {}% with automated dashboards. Book a demo today!","headline":"Reports in an hour","description":null,"call_to_action":"REQUEST_DEMO","landing_page":"https://example.com/?utm_source=linkedin","copy_error":null}}"#,
            start(),
            600 + c % CAMPAIGNS,
            900_000 + c,
            c % 90
        )?;
    }
    Ok(lines)
}

/// One size, in this (child) process.
fn run_one(days: u32) {
    let dir = tempfile::tempdir().expect("temp dir");
    let t = Instant::now();
    let lines = generate(dir.path(), days).expect("generate raw pulls");
    let generated = t.elapsed();
    let before = peak_rss_mib();

    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("runtime");
    let processor = Processor {
        store: Arc::new(LocalStore::new(dir.path())),
        metrics: Arc::new(EmfWriter::new(SharedBuffer::default())),
        window_days: days - 1,
    };
    let as_of = start() + TimeDelta::days(days as i64 - 1);
    let t = Instant::now();
    let report = runtime.block_on(processor.run(RunClock { as_of, now: chrono::Utc::now() }));
    let elapsed = t.elapsed();
    assert!(report.succeeded(), "{:?}", report.failures);
    let rows: usize = report.days.iter().map(|d| d.rows_written).sum();
    let bid_rows = report.bid_optimizer.as_ref().map(|b| b.rows).unwrap_or(0);
    println!(
        "{days:>5} days | {rows:>9} creative-day rows | {lines:>9} raw lines | processed in {:>6.1} s | peak RSS {:>6.1} MiB (before processing {:.1} MiB) | {bid_rows} bid rows | generated in {:.1} s",
        elapsed.as_secs_f64(),
        peak_rss_mib(),
        before,
        generated.as_secs_f64()
    );
}

fn main() {
    if let Ok(days) = std::env::var("BENCH_CHILD_DAYS") {
        run_one(days.parse().expect("BENCH_CHILD_DAYS"));
        return;
    }
    let sizes: Vec<u32> = std::env::var("BENCH_SIZES")
        .unwrap_or_else(|_| "100,300,1000".into())
        .split(',')
        .filter_map(|s| s.trim().parse().ok())
        .collect();
    println!("data-processor memory: {} creatives in {CAMPAIGNS} campaigns, 2 pulls per day", creatives());
    let exe = std::env::current_exe().expect("own path");
    for days in sizes {
        // `cargo bench` passes `--bench`; the child needs no arguments.
        let status = Command::new(&exe).env("BENCH_CHILD_DAYS", days.to_string()).status().expect("run child");
        assert!(status.success(), "the {days}-day run failed");
    }
}
