//! What a collector run did, for the caller, the run log and the metrics.

use chrono::{DateTime, NaiveDate, Utc};
use linkedin_core::CampaignId;
use linkedin_core::layout::RunId;
use linkedin_core::linkedin::analytics::CreativeDay;
use linkedin_core::linkedin::{ApiError, ClientStats};
use linkedin_core::metrics::{MetricSet, Unit};
use rust_decimal::Decimal;
use rust_decimal::prelude::ToPrimitive;
use serde::Serialize;

/// Something that could not be collected, and why.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Failure {
    /// What was lost: `campaign 123`, `post urn:li:share:9`, `store raw/...`.
    pub scope: String,
    pub error: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct CollectReport {
    pub job: &'static str,
    pub run_id: RunId,
    pub as_of: NaiveDate,
    pub pulled_at: DateTime<Utc>,
    pub window_start: NaiveDate,
    pub window_end: NaiveDate,
    pub campaigns: usize,
    pub creatives: usize,
    pub posts: usize,
    pub analytics_rows: usize,
    pub impressions: u64,
    pub clicks: u64,
    #[serde(with = "linkedin_core::money::decimal_str")]
    pub cost_usd: Decimal,
    pub conversions: f64,
    pub objects_written: Vec<String>,
    pub api: ClientStats,
    pub token_refreshes: u32,
    /// Refreshed tokens that could not be saved to the secret (a run failure; `TokenSaveFailures`).
    pub token_save_failures: u32,
    pub refresh_token_days_left: Option<i64>,
    pub failures: Vec<Failure>,
    pub warnings: Vec<String>,
    /// Set when the run stopped early (daily limit, authentication, sunset API version).
    pub aborted: Option<String>,
    /// The campaigns whose state, creatives and analytics this run read and saved completely: the
    /// optimizer's freshness check counts a run for a campaign only when it is listed here (empty for
    /// an aborted run, or when saving the raw data failed).
    pub collected_campaigns: Vec<CampaignId>,
}

impl CollectReport {
    /// Adds one pulled row to the run's totals, saturating: the numbers are LinkedIn's, and two rows
    /// costing `Decimal::MAX` used to panic the run after its data was saved, before its report was.
    pub fn count(&mut self, d: &CreativeDay) {
        self.impressions = self.impressions.saturating_add(d.impressions);
        self.clicks = self.clicks.saturating_add(d.clicks);
        self.cost_usd = self.cost_usd.saturating_add(d.cost_usd);
        self.conversions += d.conversions();
    }

    pub fn new(run_id: RunId, as_of: NaiveDate, pulled_at: DateTime<Utc>, window: (NaiveDate, NaiveDate)) -> Self {
        Self {
            job: "collector",
            run_id,
            as_of,
            pulled_at,
            window_start: window.0,
            window_end: window.1,
            campaigns: 0,
            creatives: 0,
            posts: 0,
            analytics_rows: 0,
            impressions: 0,
            clicks: 0,
            cost_usd: Decimal::ZERO,
            conversions: 0.0,
            objects_written: Vec::new(),
            api: ClientStats::default(),
            token_refreshes: 0,
            token_save_failures: 0,
            refresh_token_days_left: None,
            failures: Vec::new(),
            warnings: Vec::new(),
            aborted: None,
            collected_campaigns: Vec::new(),
        }
    }

    /// Records an API failure. An error that every further call would hit too aborts the run once;
    /// the calls it then short-circuits are not reported again.
    pub(crate) fn record_api_failure(&mut self, scope: &str, e: ApiError) {
        if e.is_fatal_for_run() {
            if self.aborted.is_none() {
                tracing::error!(scope, error = %e, "stopping the run");
                self.aborted = Some(format!("{scope}: {e}"));
            }
        } else {
            tracing::warn!(scope, error = %e, "collection failed for this scope");
            self.failures.push(Failure { scope: scope.to_string(), error: e.to_string() });
        }
    }

    /// Whether everything asked for was collected and saved.
    pub fn succeeded(&self) -> bool {
        self.failures.is_empty() && self.aborted.is_none()
    }

    /// One line for logs and the CLI.
    pub fn summary(&self) -> String {
        let status = match (&self.aborted, self.failures.len()) {
            (Some(why), _) => format!("ABORTED: {why}"),
            (None, 0) => "ok".to_string(),
            (None, n) => format!("{n} failure(s)"),
        };
        format!(
            "collector run {} for {} ({}..={}): {} campaigns, {} creatives, {} analytics rows, {} impressions, {} clicks, ${} spend, {} objects written, {} API calls ({} retries): {status}",
            self.run_id,
            self.as_of,
            self.window_start,
            self.window_end,
            self.campaigns,
            self.creatives,
            self.analytics_rows,
            self.impressions,
            self.clicks,
            self.cost_usd.round_dp(2),
            self.objects_written.len(),
            self.api.api_calls,
            self.api.retries,
        )
    }

    /// The run's metrics (namespace `LinkedInAds`, dimension `Job=collector`).
    pub fn metrics(&self) -> MetricSet {
        let mut m = MetricSet::new(self.pulled_at, self.job);
        m.count("Runs", 1.0)
            .count("Campaigns", self.campaigns as f64)
            .count("Creatives", self.creatives as f64)
            .count("AnalyticsRows", self.analytics_rows as f64)
            .count("Impressions", self.impressions as f64)
            .count("Clicks", self.clicks as f64)
            .value("CostUsd", self.cost_usd.to_f64().unwrap_or(0.0), Unit::None)
            .value("Conversions", self.conversions, Unit::None)
            .count("ObjectsWritten", self.objects_written.len() as f64)
            .count("ApiCalls", self.api.api_calls as f64)
            .count("Retries", self.api.retries as f64)
            .count("Throttled", self.api.throttled as f64)
            .count("Failures", self.failures.len() as f64)
            .count("Aborted", if self.aborted.is_some() { 1.0 } else { 0.0 })
            .count("TokenRefreshes", self.token_refreshes as f64)
            .count("TokenSaveFailures", self.token_save_failures as f64)
            .property("RunId", self.run_id.to_string())
            .property("AsOf", self.as_of.to_string());
        if let Some(days) = self.refresh_token_days_left {
            m.value("RefreshTokenDaysLeft", days as f64, Unit::None);
        }
        m
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counting_rows_saturates() {
        // Found by `demo::fuzz` (linkedin.analytics): two rows costing Decimal::MAX panicked the run
        // after its raw data was saved.
        let day: NaiveDate = "2026-11-23".parse().unwrap();
        let now = day.and_hms_opt(6, 0, 0).unwrap().and_utc();
        let mut report = CollectReport::new(RunId::new(now), day, now, (day, day));
        let row: CreativeDay = serde_json::from_value(serde_json::json!({
            "creative": 1, "date": "2026-11-22", "impressions": u64::MAX, "clicks": 1, "landing_page_clicks": 0,
            "cost_usd": "79228162514264337593543950335", "cost_local": "0", "external_website_conversions": 0.0,
            "post_click_conversions": 0.0, "post_view_conversions": 0.0, "one_click_leads": 0.0,
            "total_engagements": 0, "video_views": 0, "approximate_member_reach": null, "other": {}
        }))
        .unwrap();
        report.count(&row);
        report.count(&row);
        assert_eq!((report.impressions, report.clicks, report.cost_usd), (u64::MAX, 2, Decimal::MAX));
        let _ = report.summary();
    }
}
