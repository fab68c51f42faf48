//! One processing run.

use std::sync::Arc;

use std::collections::BTreeMap;

use chrono::{DateTime, NaiveDate, TimeDelta, Utc};
use linkedin_core::decisions::LagSums;
use linkedin_core::decisions::lag::Restatement;
use linkedin_core::layout::{self, RunId};
use linkedin_core::metrics::{MetricSet, MetricsSink};
use linkedin_core::raw::{AnalyticsRecord, LatestPulls, parse_ndjson};
use linkedin_core::store::ObjectStore;
use linkedin_core::{CreativeId, RunClock};
use serde::Serialize;

use crate::creative_daily;

/// Where a day's table goes.
pub fn creative_daily_key(day: NaiveDate) -> String {
    format!("{}creative_daily.parquet", layout::partition("processed/creative_daily", day))
}

/// What happened to one day.
#[derive(Debug, Clone, Default, Serialize)]
pub struct DayResult {
    pub date: Option<NaiveDate>,
    pub raw_objects: usize,
    pub raw_rows: usize,
    pub bad_lines: usize,
    pub rejected: usize,
    pub rows_written: usize,
    pub key: Option<String>,
    /// Creative-days of this day seen at every pull age up to the final one, summed into
    /// `processed/conversion_lag/` (none until the day is `window_days - 1` days old).
    pub lag_creative_days: u32,
}

#[derive(Debug, Clone, Serialize)]
pub struct ProcessReport {
    pub job: &'static str,
    pub run_id: RunId,
    pub as_of: NaiveDate,
    pub started_at: DateTime<Utc>,
    pub days: Vec<DayResult>,
    /// Skipped lines, rejected rows and unreadable objects, each with its key and reason.
    pub problems: Vec<String>,
    /// What could not be done at all (an object store error): the run failed.
    pub failures: Vec<String>,
    pub creative_scorer: Option<crate::training::TrainingReport>,
    pub bid_optimizer: Option<crate::training::BidTrainingReport>,
}

impl ProcessReport {
    pub fn succeeded(&self) -> bool {
        self.failures.is_empty()
    }

    pub fn summary(&self) -> String {
        let rows: usize = self.days.iter().map(|d| d.rows_written).sum();
        format!(
            "data-processor {}: {} days, {rows} creative-day rows written, {} problems, {} failures",
            self.as_of,
            self.days.len(),
            self.problems.len(),
            self.failures.len()
        )
    }
}

/// Problems listed in full at most (counts stay exact).
const LISTED: usize = 50;

pub struct Processor {
    pub store: Arc<dyn ObjectStore>,
    pub metrics: Arc<dyn MetricsSink>,
    /// Days before the run's day to re-build (the collector's look-back plus one).
    pub window_days: u32,
}

impl Processor {
    pub async fn run(&self, clock: RunClock) -> ProcessReport {
        let mut report = ProcessReport {
            job: "data-processor",
            run_id: RunId::new(clock.now),
            as_of: clock.as_of,
            started_at: clock.now,
            days: Vec::new(),
            problems: Vec::new(),
            failures: Vec::new(),
            creative_scorer: None,
            bid_optimizer: None,
        };
        let start = clock.as_of - TimeDelta::days(self.window_days as i64);
        for day in start.iter_days().take_while(|d| *d <= clock.as_of) {
            match self.day(day, clock.as_of, &mut report.problems).await {
                Ok(result) => report.days.push(result),
                Err(e) => report.failures.push(format!("{day}: {e}")),
            }
        }
        // Both training sets come from one pass over the processed history.
        match crate::training::history(self.store.clone(), &mut report.problems).await {
            Ok(history) => {
                let store = self.store.as_ref();
                match crate::training::write_creative_scorer(store, &history.creatives, &mut report.problems).await {
                    Ok(t) => report.creative_scorer = Some(t),
                    Err(e) => report.failures.push(format!("creative scorer training set: {e}")),
                }
                // Conversions of the days the collector still re-pulls are provisional.
                let restatement = self.window_days.saturating_sub(1);
                match crate::training::write_bid_optimizer(store, &history.campaign_days, clock.as_of, restatement)
                    .await
                {
                    Ok(t) => report.bid_optimizer = Some(t),
                    Err(e) => report.failures.push(format!("bid optimizer training set: {e}")),
                }
            }
            Err(e) => report.failures.push(format!("training sets: {e}")),
        }
        if report.problems.len() > LISTED {
            let more = report.problems.len() - LISTED;
            report.problems.truncate(LISTED);
            report.problems.push(format!("... and {more} more"));
        }
        let mut m = MetricSet::new(clock.now, "data-processor");
        m.count("Runs", 1.0)
            .count("Days", report.days.len() as f64)
            .count("RowsWritten", report.days.iter().map(|d| d.rows_written).sum::<usize>() as f64)
            .count("BadLines", report.days.iter().map(|d| d.bad_lines).sum::<usize>() as f64)
            .count("RejectedRows", report.days.iter().map(|d| d.rejected).sum::<usize>() as f64)
            .count("TrainingCreatives", report.creative_scorer.as_ref().map(|t| t.creatives).unwrap_or(0) as f64)
            .count("TrainingCampaignDays", report.bid_optimizer.as_ref().map(|t| t.rows).unwrap_or(0) as f64)
            .count("Failures", report.failures.len() as f64);
        self.metrics.emit(&m);
        report
    }

    async fn day(&self, day: NaiveDate, as_of: NaiveDate, problems: &mut Vec<String>) -> Result<DayResult, String> {
        let mut result = DayResult { date: Some(day), ..DayResult::default() };
        let prefix = layout::partition(layout::RAW_ANALYTICS, day);
        let objects = self.store.list(&prefix).await.map_err(|e| e.to_string())?;
        let mut latest = LatestPulls::default();
        // Per creative, the newest pull at each age (days between the day and the pull): how the
        // day's conversions arrived, for the account's lag curve.
        let mut by_age: BTreeMap<CreativeId, BTreeMap<i64, (DateTime<Utc>, f64)>> = BTreeMap::new();
        for meta in objects {
            let bytes = match self.store.get(&meta.key).await {
                Ok(Some(b)) => b,
                Ok(None) => continue,
                Err(e) => return Err(e.to_string()),
            };
            result.raw_objects += 1;
            let (rows, errors) = parse_ndjson::<AnalyticsRecord>(&bytes);
            result.raw_rows += rows.len();
            result.bad_lines += errors.len();
            for e in errors {
                problems.push(format!("{} line {}: {}; skipped", meta.key, e.line, e.message));
            }
            for r in rows {
                if r.date != day {
                    problems.push(format!("{}: a row for {} in the {day} partition; skipped", meta.key, r.date));
                    continue;
                }
                let age = (r.pulled_at.date_naive() - day).num_days();
                let slot = by_age.entry(r.creative_id).or_default().entry(age).or_insert((r.pulled_at, r.conversions));
                if r.pulled_at > slot.0 {
                    *slot = (r.pulled_at, r.conversions);
                }
                latest.offer(r);
            }
        }
        if result.raw_objects == 0 {
            return Ok(result);
        }
        let mut accepted = Vec::with_capacity(latest.len());
        for r in latest.rows() {
            match creative_daily::reject_reason(r) {
                None => accepted.push(r),
                Some(why) => {
                    result.rejected += 1;
                    problems.push(format!("creative {} on {day} (run {}): {why}; rejected", r.creative_id, r.run_id));
                }
            }
        }
        let bytes = creative_daily::to_parquet(&accepted).map_err(|e| format!("writing Parquet: {e}"))?;
        let key = creative_daily_key(day);
        self.store.put(&key, bytes, "application/vnd.apache.parquet").await.map_err(|e| e.to_string())?;
        result.rows_written = accepted.len();
        result.key = Some(key);
        // The final age is the oldest the collector re-pulls; a day past it has all its pulls.
        let final_age = self.window_days.saturating_sub(1) as usize;
        if (as_of - day).num_days() > final_age as i64 && final_age > 0 {
            let restatements: Vec<Restatement> = by_age
                .values()
                .map(|ages| Restatement { by_age: (0..=final_age as i64).map(|a| ages.get(&a).map(|v| v.1)).collect() })
                .collect();
            let sums = LagSums::of(&restatements, final_age);
            if sums.creative_days > 0 {
                let key = format!("{}lag.json", layout::partition(layout::CONVERSION_LAG, day));
                let body = serde_json::to_vec(&sums).map_err(|e| e.to_string())?;
                self.store.put(&key, body, "application/json").await.map_err(|e| e.to_string())?;
                result.lag_creative_days = sums.creative_days;
            }
        }
        Ok(result)
    }
}
