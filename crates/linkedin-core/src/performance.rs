//! What the optimizer knows about performance: per-creative totals over a window and per-campaign days.
//!
//! Two real implementations sit behind [`PerformanceSource`]: the embedded one aggregates the processed
//! Parquet tables in the object store (`data_processor::performance::LocalPerformance`), the production
//! one runs `athena/queries/creative_window.sql` and `campaign_daily.sql` on Athena
//! (`linkedin_aws::athena::AthenaPerformance`). Both return the same rows for the same data; the
//! Python SQL tests hold the Athena views to the local aggregation.
//!
//! Ratios are always ratios of sums (clicks / impressions over the window), never averages of daily
//! ratios: a day with 10 impressions must not weigh as much as a day with 10,000.

use std::fmt;

use async_trait::async_trait;
use chrono::NaiveDate;
use rust_decimal::Decimal;
use rust_decimal::prelude::ToPrimitive;
use serde::{Deserialize, Serialize};

use crate::ids::{AccountId, CampaignId, CreativeId};

/// An inclusive range of metric days. `from <= to` by construction (deserialising checks it too).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "WindowFields")]
pub struct DateWindow {
    from: NaiveDate,
    to: NaiveDate,
}

#[derive(Deserialize)]
struct WindowFields {
    from: NaiveDate,
    to: NaiveDate,
}

impl TryFrom<WindowFields> for DateWindow {
    type Error = String;
    fn try_from(w: WindowFields) -> Result<Self, String> {
        DateWindow::new(w.from, w.to).map_err(|e| e.to_string())
    }
}

impl DateWindow {
    pub fn new(from: NaiveDate, to: NaiveDate) -> Result<Self, PerformanceError> {
        if from > to {
            return Err(PerformanceError::Window(format!("from {from} is after to {to}; swap them")));
        }
        Ok(Self { from, to })
    }

    /// The `days` days ending on `to` (inclusive): `last(d, 7)` is d-6 ..= d.
    pub fn last(to: NaiveDate, days: u32) -> Self {
        let from = to - chrono::TimeDelta::days(days.max(1) as i64 - 1);
        Self { from, to }
    }

    pub fn from(&self) -> NaiveDate {
        self.from
    }

    pub fn to(&self) -> NaiveDate {
        self.to
    }

    pub fn days(&self) -> impl Iterator<Item = NaiveDate> + use<> {
        let to = self.to;
        self.from.iter_days().take_while(move |d| *d <= to)
    }

    pub fn contains(&self, d: NaiveDate) -> bool {
        self.from <= d && d <= self.to
    }
}

impl fmt::Display for DateWindow {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}..={}", self.from, self.to)
    }
}

/// Counts that add up; every ratio is derived from them.
#[derive(Debug, Clone, Copy, PartialEq, Default, Serialize, Deserialize)]
pub struct Totals {
    pub impressions: u64,
    pub clicks: u64,
    pub landing_page_clicks: u64,
    pub cost_usd: Decimal,
    pub conversions: f64,
}

fn ratio(num: f64, den: f64) -> Option<f64> {
    (den > 0.0).then(|| num / den)
}

impl Totals {
    /// Adds `other`, saturating: the counts come from LinkedIn through the processed files, and an
    /// `i64::MAX` of impressions in two rows used to overflow (a panic in debug builds, a wrap to a
    /// small number in release), as did two costs near `Decimal::MAX` (a panic in every build).
    pub fn add(&mut self, other: &Totals) {
        self.impressions = self.impressions.saturating_add(other.impressions);
        self.clicks = self.clicks.saturating_add(other.clicks);
        self.landing_page_clicks = self.landing_page_clicks.saturating_add(other.landing_page_clicks);
        self.cost_usd = self.cost_usd.saturating_add(other.cost_usd);
        self.conversions += other.conversions;
    }

    pub fn cost(&self) -> f64 {
        self.cost_usd.to_f64().unwrap_or(f64::MAX)
    }

    /// clicks / impressions.
    pub fn ctr(&self) -> Option<f64> {
        ratio(self.clicks as f64, self.impressions as f64)
    }

    /// cost / clicks.
    pub fn cpc(&self) -> Option<f64> {
        ratio(self.cost(), self.clicks as f64)
    }

    /// cost / conversions.
    pub fn cpa(&self) -> Option<f64> {
        ratio(self.cost(), self.conversions)
    }

    /// conversions / clicks.
    pub fn conversion_rate(&self) -> Option<f64> {
        ratio(self.conversions, self.clicks as f64)
    }
}

/// One creative over a window.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CreativePerformance {
    pub account_id: AccountId,
    pub campaign_id: CampaignId,
    pub creative_id: CreativeId,
    /// Days with a row (a served or reported day).
    pub days: u32,
    pub first_date: NaiveDate,
    pub last_date: NaiveDate,
    #[serde(flatten)]
    pub totals: Totals,
}

/// One campaign on one day, with the campaign's settings that day (its latest snapshot of the day).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CampaignDay {
    pub account_id: AccountId,
    pub campaign_id: CampaignId,
    pub date: NaiveDate,
    /// Creative rows that day.
    pub creatives: u32,
    #[serde(flatten)]
    pub totals: Totals,
    pub status: Option<String>,
    pub cost_type: Option<String>,
    /// The bid in force (the latest snapshot of the day).
    pub unit_cost: Option<Decimal>,
    pub daily_budget: Option<Decimal>,
}

impl CampaignDay {
    /// Spend / daily budget.
    pub fn budget_utilization(&self) -> Option<f64> {
        ratio(self.totals.cost(), self.daily_budget?.to_f64()?)
    }
}

/// The answer to one question, in id order.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct PerformanceData {
    pub creatives: Vec<CreativePerformance>,
    pub campaign_days: Vec<CampaignDay>,
}

#[derive(Debug, thiserror::Error)]
pub enum PerformanceError {
    #[error("date window: {0}")]
    Window(String),
    #[error("reading {key}: {reason}. Fix: {fix}")]
    Unreadable { key: String, reason: String, fix: &'static str },
    #[error("object store: {0}")]
    Store(String),
    #[error("Athena query {query} ({execution_id}) {state}: {reason}")]
    QueryFailed { query: &'static str, execution_id: String, state: String, reason: String },
    #[error(
        "Athena query {query} ({execution_id}) did not finish within {waited_secs} s; raise ATHENA_TIMEOUT_SECONDS or check the workgroup's queue"
    )]
    QueryTimeout { query: &'static str, execution_id: String, waited_secs: u64 },
    #[error("Athena: {0}")]
    Athena(String),
    #[error("{query} row {row}, column {column}: {reason}")]
    BadRow { query: &'static str, row: usize, column: String, reason: String },
}

/// Where the optimizer reads performance from.
#[async_trait]
pub trait PerformanceSource: Send + Sync {
    /// Per-creative totals over `window` (creatives with at least one row), sorted by creative id.
    async fn creatives(&self, window: DateWindow) -> Result<Vec<CreativePerformance>, PerformanceError>;
    /// Per-campaign days in `window`, sorted by campaign id then date.
    async fn campaign_days(&self, window: DateWindow) -> Result<Vec<CampaignDay>, PerformanceError>;
    /// `local (folder)` or `athena (database)`, for reports.
    fn describe(&self) -> String;

    async fn load(&self, window: DateWindow) -> Result<PerformanceData, PerformanceError> {
        Ok(PerformanceData {
            creatives: self.creatives(window).await?,
            campaign_days: self.campaign_days(window).await?,
        })
    }
}

/// The JSON the CLI prints (and the SQL tests compare): the rows with their derived ratios.
pub fn to_json(window: DateWindow, source: &str, data: &PerformanceData) -> serde_json::Value {
    use serde_json::json;
    let ratios =
        |t: &Totals| json!({"ctr": t.ctr(), "cpc": t.cpc(), "cpa": t.cpa(), "conversion_rate": t.conversion_rate()});
    let merge = |mut a: serde_json::Value, b: serde_json::Value| {
        if let (Some(a), serde_json::Value::Object(b)) = (a.as_object_mut(), b) {
            a.extend(b);
        }
        a
    };
    let creatives: Vec<_> =
        data.creatives.iter().map(|c| merge(serde_json::to_value(c).expect("serialises"), ratios(&c.totals))).collect();
    let days: Vec<_> = data
        .campaign_days
        .iter()
        .map(|d| {
            let extra = merge(ratios(&d.totals), json!({"budget_utilization": d.budget_utilization()}));
            merge(serde_json::to_value(d).expect("serialises"), extra)
        })
        .collect();
    json!({"from": window.from, "to": window.to, "source": source, "creatives": creatives, "campaign_days": days})
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn totals_saturate_instead_of_overflowing() {
        // Found by `demo::fuzz` (parquet.creative_daily): two rows of i64::MAX impressions overflowed.
        let big = Totals {
            impressions: u64::MAX,
            clicks: u64::MAX - 1,
            landing_page_clicks: 1,
            cost_usd: Decimal::MAX,
            conversions: 1.0,
        };
        let mut t = big;
        t.add(&big);
        assert_eq!((t.impressions, t.clicks, t.cost_usd), (u64::MAX, u64::MAX, Decimal::MAX));
        t.add(&Totals { cost_usd: Decimal::MIN, ..Totals::default() });
        assert_eq!(t.cost_usd, Decimal::ZERO);
    }

    fn d(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    #[test]
    fn windows_are_inclusive_and_ordered() {
        let w = DateWindow::last(d("2026-11-23"), 7);
        assert_eq!((w.from(), w.to()), (d("2026-11-17"), d("2026-11-23")));
        assert_eq!(w.days().count(), 7);
        assert!(w.contains(d("2026-11-17")) && !w.contains(d("2026-11-24")));
        let err = DateWindow::new(d("2026-11-24"), d("2026-11-23")).unwrap_err().to_string();
        assert!(err.contains("from 2026-11-24 is after to 2026-11-23"), "{err}");
    }

    #[test]
    fn ratios_come_from_sums_and_zero_denominators_are_none() {
        let mut t = Totals { impressions: 10, clicks: 1, cost_usd: Decimal::new(500, 2), ..Totals::default() };
        t.add(&Totals { impressions: 9990, clicks: 9, cost_usd: Decimal::new(4500, 2), ..Totals::default() });
        assert_eq!(t.ctr(), Some(0.001), "weighted: 10 / 10000, not the mean of 0.1 and 0.0009");
        assert_eq!(t.cpc(), Some(5.0));
        assert_eq!(t.cpa(), None, "no conversions: no CPA rather than infinity");
        assert_eq!(t.conversion_rate(), Some(0.0));
        assert_eq!(Totals::default().ctr(), None);
    }

    #[test]
    fn json_has_the_ratios_and_string_money() {
        let day = CampaignDay {
            account_id: AccountId(1),
            campaign_id: CampaignId(2),
            date: d("2026-11-20"),
            creatives: 3,
            totals: Totals { impressions: 100, clicks: 4, cost_usd: Decimal::new(6000, 2), ..Totals::default() },
            status: Some("ACTIVE".into()),
            cost_type: Some("CPC".into()),
            unit_cost: Some(Decimal::new(15, 0)),
            daily_budget: Some(Decimal::new(120, 0)),
        };
        let data = PerformanceData { creatives: vec![], campaign_days: vec![day] };
        let v = to_json(DateWindow::last(d("2026-11-20"), 1), "local", &data);
        let row = &v["campaign_days"][0];
        assert_eq!(row["campaign_id"], "2");
        assert_eq!(row["cost_usd"], "60.00");
        assert_eq!(row["ctr"], 0.04);
        assert_eq!(row["budget_utilization"], 0.5);
        assert_eq!(row["cpa"], serde_json::Value::Null);
        assert_eq!(v["from"], "2026-11-20");
    }
}
