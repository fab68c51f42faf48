//! Bid features: what the bid optimizer's model sees about one campaign on one day.
//!
//! Computed here and nowhere else: the data processor writes them into
//! `processed/training/bid_optimizer/` (one row per campaign and day, columns in [`BID_FEATURES`]
//! order), and the optimizer calls [`BidContext::features`] for each candidate bid it scores.
//!
//! Only what is known when the bid is set goes in: the bid and budget themselves, the calendar, and
//! the campaign's **previous** seven days (never the day being predicted, which would leak the
//! target). The day's own clicks, spend and conversions are outcome columns, not features.

use chrono::{Datelike, NaiveDate};
use serde::Serialize;

use crate::features::{FeatureKind, ManifestEntry};
use crate::performance::Totals;

/// Bumped whenever a bid feature is added, removed, renamed, reordered or redefined.
pub const BID_FEATURE_SET_VERSION: u32 = 1;

/// Days of history the trailing features cover.
pub const TRAILING_DAYS: u32 = 7;

/// The campaign's previous [`TRAILING_DAYS`] days (the day itself excluded).
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize)]
pub struct Trailing {
    /// Days in the window with any delivery.
    pub days: u32,
    pub totals: Totals,
    /// Sum of the daily budgets of those days (for utilisation); 0 when unknown.
    pub budget_sum: f64,
}

/// Everything the features are computed from.
#[derive(Debug, Clone, PartialEq)]
pub struct BidContext {
    pub date: NaiveDate,
    /// The bid in force (USD): the campaign's `unitCost`.
    pub bid: f64,
    pub daily_budget: Option<f64>,
    /// `CPM` campaigns bid per thousand impressions, others per click.
    pub is_cpm: bool,
    /// Creatives the campaign served that day (its rotation's width).
    pub active_creatives: u32,
    pub trailing: Trailing,
}

pub struct BidFeatureSpec {
    pub name: &'static str,
    pub kind: FeatureKind,
    pub description: &'static str,
}

macro_rules! bid_features {
    ($($name:ident: $kind:ident, $desc:literal;)+) => {
        /// The feature columns, in order.
        pub const BID_FEATURES: &[BidFeatureSpec] = &[
            $(BidFeatureSpec { name: stringify!($name), kind: FeatureKind::$kind, description: $desc },)+
        ];
        /// One value per feature, same names and order as [`BID_FEATURES`].
        #[derive(Debug, Clone, Copy, PartialEq, Default, Serialize)]
        pub struct BidFeatures { $(pub $name: f64,)+ }
        impl BidFeatures {
            pub fn values(&self) -> Vec<f64> { vec![$(self.$name,)+] }
        }
    };
}

bid_features! {
    bid: Ratio, "the bid in force, USD (per click, or per 1000 impressions when is_cpm)";
    daily_budget: Ratio, "the daily budget, USD; 0 when none is set";
    has_daily_budget: Flag, "1 when a daily budget is set";
    bid_budget_ratio: Ratio, "bid / daily budget: how many winning clicks the budget buys; 0 without a budget";
    is_cpm: Flag, "1 for CPM bidding, 0 for CPC";
    active_creatives: Count, "creatives the campaign served that day";
    dow_sin: Ratio, "sin(2 pi weekday / 7), Monday = 0: B2B audiences browse on weekdays";
    dow_cos: Ratio, "cos(2 pi weekday / 7)";
    dom_sin: Ratio, "sin(2 pi (day of month - 1) / days in month): month-end budget pressure";
    dom_cos: Ratio, "cos(2 pi (day of month - 1) / days in month)";
    trailing_days: Count, "days with delivery in the previous 7 days (0 = no history: the trailing ratios are 0)";
    trailing_impressions: Count, "impressions in the previous 7 days";
    trailing_ctr: Ratio, "clicks / impressions over the previous 7 days (weighted)";
    trailing_cpc: Ratio, "spend / clicks over the previous 7 days, USD";
    trailing_cvr: Ratio, "conversions / clicks over the previous 7 days";
    trailing_spend: Ratio, "spend over the previous 7 days, USD";
    trailing_budget_utilization: Ratio, "spend / sum of daily budgets over the previous 7 days";
    bid_x_trailing_ctr: Ratio, "bid * trailing_ctr: a CPC bid's expected value per impression in the auction";
    bid_over_trailing_cpc: Ratio, "bid / trailing_cpc: headroom of the bid over the price recently paid";
}

fn or_zero(v: Option<f64>) -> f64 {
    v.filter(|v| v.is_finite()).unwrap_or(0.0)
}

impl BidContext {
    /// The same context with another bid: how the optimizer scores candidates.
    pub fn with_bid(&self, bid: f64) -> Self {
        Self { bid, ..self.clone() }
    }

    pub fn features(&self) -> BidFeatures {
        use std::f64::consts::TAU;
        let dow = self.date.weekday().num_days_from_monday() as f64;
        let days_in_month = {
            let (y, m) = (self.date.year(), self.date.month());
            let next =
                if m == 12 { NaiveDate::from_ymd_opt(y + 1, 1, 1) } else { NaiveDate::from_ymd_opt(y, m + 1, 1) };
            next.map(|n| n.pred_opt().map(|d| d.day()).unwrap_or(30)).unwrap_or(30) as f64
        };
        let dom = (self.date.day() - 1) as f64;
        let t = &self.trailing;
        let budget = or_zero(self.daily_budget);
        let trailing_ctr = or_zero(t.totals.ctr());
        let trailing_cpc = or_zero(t.totals.cpc());
        BidFeatures {
            bid: self.bid,
            daily_budget: budget,
            has_daily_budget: if budget > 0.0 { 1.0 } else { 0.0 },
            bid_budget_ratio: if budget > 0.0 { self.bid / budget } else { 0.0 },
            is_cpm: if self.is_cpm { 1.0 } else { 0.0 },
            active_creatives: self.active_creatives as f64,
            dow_sin: (TAU * dow / 7.0).sin(),
            dow_cos: (TAU * dow / 7.0).cos(),
            dom_sin: (TAU * dom / days_in_month).sin(),
            dom_cos: (TAU * dom / days_in_month).cos(),
            trailing_days: t.days as f64,
            trailing_impressions: t.totals.impressions as f64,
            trailing_ctr,
            trailing_cpc,
            trailing_cvr: or_zero(t.totals.conversion_rate()),
            trailing_spend: t.totals.cost(),
            trailing_budget_utilization: if t.budget_sum > 0.0 { t.totals.cost() / t.budget_sum } else { 0.0 },
            bid_x_trailing_ctr: self.bid * trailing_ctr,
            bid_over_trailing_cpc: if trailing_cpc > 0.0 { self.bid / trailing_cpc } else { 0.0 },
        }
    }
}

/// `features.json` for the bid set: the same shape as the copy features' manifest.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct BidFeatureManifest {
    pub version: u32,
    pub features: Vec<ManifestEntry>,
}

impl BidFeatureManifest {
    pub fn current() -> Self {
        let features = BID_FEATURES.iter().map(|f| ManifestEntry::new(f.name, f.kind, f.description)).collect();
        Self { version: BID_FEATURE_SET_VERSION, features }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rust_decimal::Decimal;

    fn ctx(date: &str) -> BidContext {
        BidContext {
            date: date.parse().unwrap(),
            bid: 6.0,
            daily_budget: Some(120.0),
            is_cpm: false,
            active_creatives: 3,
            trailing: Trailing {
                days: 7,
                totals: Totals {
                    impressions: 20_000,
                    clicks: 80,
                    cost_usd: Decimal::new(400, 0),
                    conversions: 4.0,
                    ..Totals::default()
                },
                budget_sum: 840.0,
            },
        }
    }

    #[test]
    fn the_struct_and_the_column_list_agree_and_the_version_is_pinned() {
        let names: Vec<&str> = BID_FEATURES.iter().map(|f| f.name).collect();
        assert_eq!(names.len(), ctx("2026-11-23").features().values().len());
        assert_eq!(
            (BID_FEATURE_SET_VERSION, names.len(), names[0], names[18]),
            (1, 19, "bid", "bid_over_trailing_cpc"),
            "changing the bid features means bumping BID_FEATURE_SET_VERSION"
        );
    }

    #[test]
    fn values_follow_their_definitions() {
        let f = ctx("2026-11-23").features(); // a Monday, the 23rd of a 30-day month
        assert_eq!(f.bid_budget_ratio, 0.05);
        assert_eq!((f.dow_sin, f.dow_cos), (0.0, 1.0), "Monday is weekday 0");
        let angle = std::f64::consts::TAU * 22.0 / 30.0;
        assert!((f.dom_sin - angle.sin()).abs() < 1e-12 && (f.dom_cos - angle.cos()).abs() < 1e-12);
        assert_eq!(f.trailing_ctr, 0.004);
        assert_eq!(f.trailing_cpc, 5.0);
        assert_eq!(f.trailing_cvr, 0.05);
        assert!((f.trailing_budget_utilization - 400.0 / 840.0).abs() < 1e-12);
        assert_eq!(f.bid_over_trailing_cpc, 1.2);
        assert!((f.bid_x_trailing_ctr - 0.024).abs() < 1e-12);
        // Only the bid-dependent features move with the bid.
        let g = ctx("2026-11-23").with_bid(12.0).features();
        assert_eq!((g.bid, g.bid_over_trailing_cpc, g.trailing_ctr), (12.0, 2.4, f.trailing_ctr));
    }

    #[test]
    fn no_history_and_no_budget_give_zeros_never_nan() {
        let mut c = ctx("2026-12-31");
        c.trailing = Trailing::default();
        c.daily_budget = None;
        let f = c.features();
        assert!(f.values().iter().all(|v| v.is_finite()), "{f:?}");
        assert_eq!(
            (f.has_daily_budget, f.bid_budget_ratio, f.trailing_ctr, f.bid_over_trailing_cpc),
            (0.0, 0.0, 0.0, 0.0)
        );
        let last = std::f64::consts::TAU * 30.0 / 31.0;
        assert!((f.dom_sin - last.sin()).abs() < 1e-12, "December has 31 days");
    }
}
