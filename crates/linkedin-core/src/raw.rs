//! The raw records the collector writes: newline-delimited JSON, one object per line (Athena's
//! JSON SerDe reads one object per line; pretty-printed JSON breaks it).
//!
//! **De-duplication rule (every reader applies it):** several pulls cover the same day (four a day,
//! each re-reading the last `LOOKBACK_DAYS`), so a (creative, day) appears many times. The row with the
//! greatest `pulled_at` wins; ties break on the greater `run_id`. Never sum across pulls.
//!
//! Ids are decimal strings; money is a decimal string (exact; Athena casts to DECIMAL).

use chrono::{DateTime, NaiveDate, Utc};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize, de::DeserializeOwned};

use crate::ids::{AccountId, CampaignId, CreativeId};
use crate::layout::RunId;
use crate::linkedin::analytics::CreativeDay;
use crate::linkedin::campaigns::{Campaign, CampaignStatus};
use crate::linkedin::creatives::{Creative, CreativeStatus};
use crate::linkedin::posts::AdCopy;
use crate::money::{decimal_str, decimal_str_opt};

/// The winning rows under the de-duplication rule, one per (creative, day), fed one record at a time
/// so a reader can stream pull after pull; memory grows with distinct creative-days, not with pulls.
#[derive(Debug, Clone, Default)]
pub struct LatestPulls {
    rows: std::collections::BTreeMap<(CreativeId, NaiveDate), AnalyticsRecord>,
}

impl LatestPulls {
    /// Keeps `r` if it is the newest pull of its (creative, day) seen so far.
    pub fn offer(&mut self, r: AnalyticsRecord) {
        use std::collections::btree_map::Entry;
        match self.rows.entry((r.creative_id, r.date)) {
            Entry::Vacant(v) => {
                v.insert(r);
            }
            Entry::Occupied(mut o) => {
                if r.newer_than(o.get()) {
                    o.insert(r);
                }
            }
        }
    }

    pub fn len(&self) -> usize {
        self.rows.len()
    }

    pub fn is_empty(&self) -> bool {
        self.rows.is_empty()
    }

    pub fn rows(&self) -> impl Iterator<Item = &AnalyticsRecord> {
        self.rows.values()
    }

    pub fn get(&self, creative: CreativeId, date: NaiveDate) -> Option<&AnalyticsRecord> {
        self.rows.get(&(creative, date))
    }
}

/// One creative's metrics for one day, as of one pull. `raw/analytics/dt=<date>/`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AnalyticsRecord {
    pub pulled_at: DateTime<Utc>,
    pub run_id: RunId,
    pub account_id: AccountId,
    pub campaign_id: CampaignId,
    pub creative_id: CreativeId,
    pub date: NaiveDate,
    pub impressions: u64,
    pub clicks: u64,
    pub landing_page_clicks: u64,
    #[serde(with = "decimal_str")]
    pub cost_usd: Decimal,
    #[serde(with = "decimal_str")]
    pub cost_local: Decimal,
    /// `external_website_conversions + one_click_leads` (see [`CreativeDay::conversions`]).
    pub conversions: f64,
    pub external_website_conversions: f64,
    pub post_click_conversions: f64,
    pub post_view_conversions: f64,
    pub one_click_leads: f64,
    pub total_engagements: u64,
    pub video_views: u64,
    pub approximate_member_reach: Option<u64>,
}

impl AnalyticsRecord {
    pub fn from_day(
        d: &CreativeDay,
        account: AccountId,
        campaign: CampaignId,
        pulled_at: DateTime<Utc>,
        run: &RunId,
    ) -> Self {
        Self {
            pulled_at,
            run_id: run.clone(),
            account_id: account,
            campaign_id: campaign,
            creative_id: d.creative,
            date: d.date,
            impressions: d.impressions,
            clicks: d.clicks,
            landing_page_clicks: d.landing_page_clicks,
            cost_usd: d.cost_usd,
            cost_local: d.cost_local,
            conversions: d.conversions(),
            external_website_conversions: d.external_website_conversions,
            post_click_conversions: d.post_click_conversions,
            post_view_conversions: d.post_view_conversions,
            one_click_leads: d.one_click_leads,
            total_engagements: d.total_engagements,
            video_views: d.video_views,
            approximate_member_reach: d.approximate_member_reach,
        }
    }

    /// The de-duplication order: later pull wins, then later run id.
    pub fn newer_than(&self, other: &Self) -> bool {
        (self.pulled_at, &self.run_id) > (other.pulled_at, &other.run_id)
    }
}

/// A campaign's state at a pull. `raw/campaigns/dt=<run day>/`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CampaignSnapshot {
    pub pulled_at: DateTime<Utc>,
    pub run_id: RunId,
    pub account_id: AccountId,
    pub campaign_id: CampaignId,
    pub name: Option<String>,
    pub status: CampaignStatus,
    pub cost_type: Option<String>,
    #[serde(with = "decimal_str_opt", default)]
    pub unit_cost: Option<Decimal>,
    #[serde(with = "decimal_str_opt", default)]
    pub daily_budget: Option<Decimal>,
    pub currency: Option<String>,
    pub objective_type: Option<String>,
    pub optimization_target_type: Option<String>,
    pub creative_selection: Option<String>,
}

impl CampaignSnapshot {
    /// The same order as [`AnalyticsRecord::newer_than`]: later pull wins, then later run id.
    pub fn newer_than(&self, other: &Self) -> bool {
        (self.pulled_at, &self.run_id) > (other.pulled_at, &other.run_id)
    }

    pub fn from_campaign(c: &Campaign, account: AccountId, pulled_at: DateTime<Utc>, run: &RunId) -> Self {
        Self {
            pulled_at,
            run_id: run.clone(),
            account_id: account,
            campaign_id: c.id,
            name: c.name.clone(),
            status: c.status.clone(),
            cost_type: c.cost_type.clone(),
            unit_cost: c.unit_cost.as_ref().map(|m| m.amount),
            daily_budget: c.daily_budget.as_ref().map(|m| m.amount),
            currency: c.unit_cost.as_ref().or(c.daily_budget.as_ref()).map(|m| m.currency_code.clone()),
            objective_type: c.objective_type.clone(),
            optimization_target_type: c.optimization_target_type.clone(),
            creative_selection: c.creative_selection.clone(),
        }
    }
}

/// A creative and its copy at a pull. `raw/creatives/dt=<run day>/`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CreativeSnapshot {
    pub pulled_at: DateTime<Utc>,
    pub run_id: RunId,
    pub account_id: AccountId,
    pub campaign_id: CampaignId,
    pub creative_id: CreativeId,
    pub name: Option<String>,
    pub intended_status: CreativeStatus,
    pub is_serving: Option<bool>,
    pub review_status: Option<String>,
    pub post_urn: Option<String>,
    pub created_at: Option<DateTime<Utc>>,
    /// The copy, flattened: `intro_text`, `headline`, `description`, `call_to_action`, `landing_page`.
    #[serde(flatten)]
    pub copy: AdCopy,
    /// Why the copy is missing, when it is (e.g. the post could not be read).
    pub copy_error: Option<String>,
}

impl CreativeSnapshot {
    /// The same order as [`AnalyticsRecord::newer_than`]: later pull wins, then later run id.
    pub fn newer_than(&self, other: &Self) -> bool {
        (self.pulled_at, &self.run_id) > (other.pulled_at, &other.run_id)
    }

    pub fn from_creative(
        c: &Creative,
        account: AccountId,
        copy: Result<AdCopy, String>,
        pulled_at: DateTime<Utc>,
        run: &RunId,
    ) -> Self {
        let (copy, copy_error) = match copy {
            Ok(c) => (c, None),
            Err(e) => (AdCopy::default(), Some(e)),
        };
        Self {
            pulled_at,
            run_id: run.clone(),
            account_id: account,
            campaign_id: c.campaign,
            creative_id: c.id,
            name: c.name.clone(),
            intended_status: c.intended_status.clone(),
            is_serving: c.is_serving,
            review_status: c.review.as_ref().and_then(|r| r.status.clone()),
            post_urn: c.content.as_ref().and_then(|x| x.reference.as_ref()).map(|u| u.0.clone()),
            created_at: c.created_at.and_then(DateTime::from_timestamp_millis),
            copy,
            copy_error,
        }
    }
}

/// Serialises rows as NDJSON: one compact object per line, each line ending in `\n`.
pub fn to_ndjson<T: Serialize>(rows: &[T]) -> Vec<u8> {
    let mut out = Vec::new();
    for r in rows {
        serde_json::to_writer(&mut out, r).expect("records serialise");
        out.push(b'\n');
    }
    out
}

/// A line that could not be read.
#[derive(Debug, Clone, PartialEq)]
pub struct LineError {
    pub line: usize,
    pub message: String,
}

/// Reads NDJSON, keeping every good line and reporting every bad one (blank lines are skipped).
pub fn parse_ndjson<T: DeserializeOwned>(bytes: &[u8]) -> (Vec<T>, Vec<LineError>) {
    let mut rows = Vec::new();
    let mut errors = Vec::new();
    for (i, line) in bytes.split(|b| *b == b'\n').enumerate() {
        if line.iter().all(u8::is_ascii_whitespace) {
            continue;
        }
        match serde_json::from_slice::<T>(line) {
            Ok(r) => rows.push(r),
            Err(e) => errors.push(LineError { line: i + 1, message: e.to_string() }),
        }
    }
    (rows, errors)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record(pulled: &str, run: &str, clicks: u64) -> AnalyticsRecord {
        AnalyticsRecord {
            pulled_at: pulled.parse().unwrap(),
            run_id: RunId(run.into()),
            account_id: AccountId(1),
            campaign_id: CampaignId(2),
            creative_id: CreativeId(3),
            date: "2026-11-20".parse().unwrap(),
            impressions: 100,
            clicks,
            landing_page_clicks: 0,
            cost_usd: "1.50".parse().unwrap(),
            cost_local: "1.50".parse().unwrap(),
            conversions: 0.0,
            external_website_conversions: 0.0,
            post_click_conversions: 0.0,
            post_view_conversions: 0.0,
            one_click_leads: 0.0,
            total_engagements: 0,
            video_views: 0,
            approximate_member_reach: None,
        }
    }

    #[test]
    fn ndjson_is_one_compact_object_per_line() {
        let rows = vec![record("2026-11-23T06:00:00Z", "a", 1), record("2026-11-23T12:00:00Z", "b", 2)];
        let bytes = to_ndjson(&rows);
        let text = String::from_utf8(bytes.clone()).unwrap();
        assert_eq!(text.lines().count(), 2);
        assert!(text.ends_with('\n'));
        assert!(text.starts_with(r#"{"pulled_at":"2026-11-23T06:00:00Z","run_id":"a","account_id":"1","campaign_id":"2","creative_id":"3","date":"2026-11-20","impressions":100,"clicks":1,"#), "{text}");
        assert!(text.contains(r#""cost_usd":"1.50""#));
        let (back, errs) = parse_ndjson::<AnalyticsRecord>(&bytes);
        assert_eq!(back, rows);
        assert!(errs.is_empty());
    }

    #[test]
    fn bad_lines_are_reported_and_good_ones_kept() {
        let mut bytes = to_ndjson(&[record("2026-11-23T06:00:00Z", "a", 1)]);
        bytes.extend_from_slice(b"{not json\n\n");
        bytes.extend_from_slice(&to_ndjson(&[record("2026-11-23T07:00:00Z", "b", 2)]));
        let (rows, errs) = parse_ndjson::<AnalyticsRecord>(&bytes);
        assert_eq!(rows.len(), 2);
        assert_eq!(errs.len(), 1);
        assert_eq!(errs[0].line, 2);
    }

    #[test]
    fn latest_pull_wins_then_run_id() {
        let a = record("2026-11-23T06:00:00Z", "a", 1);
        let b = record("2026-11-23T12:00:00Z", "b", 2);
        let c = record("2026-11-23T12:00:00Z", "c", 3);
        assert!(b.newer_than(&a) && !a.newer_than(&b));
        assert!(c.newer_than(&b));
    }

    #[test]
    fn latest_pulls_keep_one_row_per_creative_day_whatever_the_order() {
        let rows = [
            record("2026-11-23T12:00:00Z", "b", 2),
            record("2026-11-23T06:00:00Z", "a", 1),
            record("2026-11-23T12:00:00Z", "c", 3),
            record("2026-11-23T00:00:00Z", "z", 9),
        ];
        for order in [[0, 1, 2, 3], [3, 2, 1, 0], [1, 3, 0, 2]] {
            let mut latest = LatestPulls::default();
            for i in order {
                latest.offer(rows[i].clone());
            }
            assert_eq!(latest.len(), 1);
            assert_eq!(latest.rows().next().unwrap().clicks, 3, "12:00 run c wins, never a sum");
        }
    }
}
