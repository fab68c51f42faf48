//! `processed/training/bid_optimizer/`: one row per campaign and day it delivered.
//!
//! Each row holds the [`linkedin_core::bid_features`] (the bid in force, the budget, the calendar and
//! the previous seven days, all known when the bid is set), then the day's outcome, and the target.
//!
//! **Target: `clicks`, the day's clicks under that bid.** The bid acts on the auction: it decides how
//! many impressions the campaign wins and what it pays for them, while the daily budget caps the spend.
//! Bid too low and the budget goes unspent; bid too high and each click costs more, so the same budget
//! buys fewer clicks. The optimal bid is therefore the one with the most predicted clicks for the
//! campaign's budget; the optimizer scores candidate bids within its guardrails with this model and
//! keeps the best. Conversions are not the target: the conversion rate belongs to the creative and the
//! landing page, not the bid, they are sparse (a few a day), and LinkedIn restates them for about a
//! week. They are kept as outcome columns, with `conversions_final` = 1 once the day is outside that
//! restatement window.
//!
//! The bid in force on a day is the campaign's latest snapshot pulled that day (the state it ended the
//! day in; the optimizer changes bids once a day, in the morning). Days without a snapshot carrying a
//! bid are skipped and counted.

use std::collections::{BTreeMap, VecDeque};

use chrono::{NaiveDate, TimeDelta};
use linkedin_core::CampaignId;
use linkedin_core::bid_features::{BID_FEATURES, BidContext, BidFeatureManifest, TRAILING_DAYS, Trailing};
use linkedin_core::performance::{CampaignDay, Totals};
use linkedin_core::store::ObjectStore;
use rust_decimal::Decimal;
use rust_decimal::prelude::ToPrimitive;
use serde::Serialize;

use super::{Table, TrainingManifest, write_set};
use crate::parquet_table::Column;

pub const BID_OPTIMIZER_PREFIX: &str = "processed/training/bid_optimizer";

pub const BID_ID_COLUMNS: [&str; 2] = ["campaign_id", "date"];
pub const BID_OUTCOME_COLUMNS: [&str; 9] = [
    "impressions",
    "clicks",
    "spend",
    "conversions",
    "ctr",
    "cpc",
    "conversion_rate",
    "budget_utilization",
    "conversions_final",
];

pub const TARGET_DEFINITION: &str = "clicks = the campaign's clicks that day under the bid in force. The bid sets \
how many auctions the campaign wins and the price it pays; the daily budget caps spend, so the optimal bid is the \
one with the most predicted clicks for the budget (too low leaves budget unspent, too high buys fewer, dearer \
clicks). The optimizer scores candidate bids within its guardrails and keeps the best. Features are known \
before the day; the other outcome columns are the same day's and must not be used as features.";

#[derive(Debug, Clone, Default, Serialize)]
pub struct BidTrainingReport {
    pub rows: usize,
    pub campaigns: usize,
    /// Campaign-days with delivery but no snapshot carrying a bid that day.
    pub skipped_no_bid: usize,
    pub keys: Vec<String>,
}

/// A campaign's delivered days, newest last, for the trailing window.
#[derive(Default)]
struct History(VecDeque<(NaiveDate, Totals, f64)>);

impl History {
    /// The days strictly before `day` and at most [`TRAILING_DAYS`] back.
    fn trailing(&mut self, day: NaiveDate) -> Trailing {
        let oldest = day - TimeDelta::days(TRAILING_DAYS as i64);
        while self.0.front().is_some_and(|(d, _, _)| *d < oldest) {
            self.0.pop_front();
        }
        let mut t = Trailing::default();
        for (d, totals, budget) in &self.0 {
            if *d < day {
                t.days += 1;
                t.totals.add(totals);
                t.budget_sum += budget;
            }
        }
        t
    }
}

#[derive(Default)]
struct Rows {
    campaign: Vec<String>,
    date: Vec<String>,
    features: Vec<Vec<f64>>,
    outcome: [Vec<f64>; 9],
}

fn usd(d: Option<Decimal>) -> Option<f64> {
    d.and_then(|d| d.to_f64())
}

/// Builds and writes the bid-optimizer set from every processed campaign-day (`days`, sorted by campaign
/// then date, as the performance source returns them). `as_of` is the run's day: conversions of days
/// within `restatement_days` of it are provisional.
pub async fn write_bid_optimizer(
    store: &dyn ObjectStore,
    days: &[CampaignDay],
    as_of: NaiveDate,
    restatement_days: u32,
) -> Result<BidTrainingReport, String> {
    let mut report = BidTrainingReport::default();
    let mut history: BTreeMap<CampaignId, History> = BTreeMap::new();
    let mut rows = Rows::default();
    for d in days {
        let (day, totals) = (d.date, d.totals);
        let h = history.entry(d.campaign_id).or_default();
        let trailing = h.trailing(day);
        let budget = usd(d.daily_budget);
        h.0.push_back((day, totals, budget.unwrap_or(0.0)));
        let Some(bid) = usd(d.unit_cost) else {
            report.skipped_no_bid += 1;
            continue;
        };
        let ctx = BidContext {
            date: day,
            bid,
            daily_budget: budget,
            is_cpm: d.cost_type.as_deref() == Some("CPM"),
            active_creatives: d.creatives,
            trailing,
        };
        rows.campaign.push(d.campaign_id.to_string());
        rows.date.push(day.to_string());
        rows.features.push(ctx.features().values());
        let spend = totals.cost();
        let utilization = budget.filter(|b| *b > 0.0).map(|b| spend / b).unwrap_or(0.0);
        let mature = day + TimeDelta::days(restatement_days as i64) < as_of;
        let outcome = [
            totals.impressions as f64,
            totals.clicks as f64,
            spend,
            totals.conversions,
            totals.ctr().unwrap_or(0.0),
            totals.cpc().unwrap_or(0.0),
            totals.conversion_rate().unwrap_or(0.0),
            utilization,
            if mature { 1.0 } else { 0.0 },
        ];
        for (column, v) in rows.outcome.iter_mut().zip(outcome) {
            column.push(v);
        }
    }
    report.rows = rows.campaign.len();
    report.campaigns = history.len();

    let mut table = Table::default();
    table.push("campaign_id", Column::Text(rows.campaign));
    table.push("date", Column::Text(rows.date));
    for (k, f) in BID_FEATURES.iter().enumerate() {
        table.push(f.name, Column::Double(rows.features.iter().map(|v| v[k]).collect()));
    }
    for (name, values) in BID_OUTCOME_COLUMNS.iter().zip(rows.outcome) {
        match *name {
            "impressions" | "clicks" => table.push(name, Column::Int64(values.iter().map(|v| *v as i64).collect())),
            _ => table.push(name, Column::Double(values)),
        }
    }
    let manifest = TrainingManifest {
        features: BidFeatureManifest::current(),
        id_columns: BID_ID_COLUMNS.to_vec(),
        target: "clicks",
        weight: None,
        other_columns: BID_OUTCOME_COLUMNS.to_vec(),
        rows: report.rows,
        target_definition: TARGET_DEFINITION,
    };
    report.keys = write_set(store, BID_OPTIMIZER_PREFIX, "bid_optimizer", &table, &manifest).await?;
    Ok(report)
}
