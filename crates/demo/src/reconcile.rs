//! Did the data land, and is it right? The collected raw analytics, de-duplicated by the collector's
//! rule, compared creative-day by creative-day with the sandbox's ground truth.

use linkedin_core::raw::{AnalyticsRecord, LatestPulls, parse_ndjson};
use linkedin_core::store::{ObjectStore, StoreError};
use linkedin_core::{CreativeId, layout};
use rust_decimal::Decimal;
use sandbox::GroundTruth;
use serde::Serialize;

/// Mismatches listed in full at most (the count is always exact).
const LISTED: usize = 20;

#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Totals {
    pub impressions: u64,
    pub clicks: u64,
    pub spend: Decimal,
    /// Conversions LinkedIn reported by the last pull.
    pub conversions_reported: f64,
}

#[derive(Debug, Clone, Serialize)]
pub struct Reconciliation {
    pub raw_objects: usize,
    pub raw_rows: usize,
    pub bad_lines: usize,
    pub creative_days_truth: usize,
    pub creative_days_collected: usize,
    pub mismatches: usize,
    pub examples: Vec<String>,
    pub collected: Totals,
    pub truth: Totals,
}

impl Reconciliation {
    pub fn matches(&self) -> bool {
        self.mismatches == 0 && self.bad_lines == 0 && self.creative_days_truth == self.creative_days_collected
    }
}

/// Reads every raw analytics object and keeps the latest pull per creative and day.
pub async fn latest_pulls(store: &dyn ObjectStore) -> Result<(LatestPulls, usize, usize, usize), StoreError> {
    let mut latest = LatestPulls::default();
    let (mut objects, mut rows, mut bad) = (0, 0, 0);
    for meta in store.list(&format!("{}/", layout::RAW_ANALYTICS)).await? {
        let Some(bytes) = store.get(&meta.key).await? else { continue };
        let (records, errors) = parse_ndjson::<AnalyticsRecord>(&bytes);
        objects += 1;
        rows += records.len();
        bad += errors.len();
        for r in records {
            latest.offer(r);
        }
    }
    Ok((latest, objects, rows, bad))
}

pub async fn reconcile(store: &dyn ObjectStore, truth: &GroundTruth) -> Result<Reconciliation, StoreError> {
    let (latest, raw_objects, raw_rows, bad_lines) = latest_pulls(store).await?;
    let mut r = Reconciliation {
        raw_objects,
        raw_rows,
        bad_lines,
        creative_days_truth: 0,
        creative_days_collected: latest.len(),
        mismatches: 0,
        examples: Vec::new(),
        collected: Totals::default(),
        truth: Totals::default(),
    };
    for row in latest.rows() {
        r.collected.impressions += row.impressions;
        r.collected.clicks += row.clicks;
        r.collected.spend += row.cost_usd;
        r.collected.conversions_reported += row.conversions;
    }
    for day in &truth.daily {
        let t = &day.delivered;
        // LinkedIn has no row for a day without activity; neither does the truth's comparison.
        if t.impressions == 0 && t.spend.0 == 0 && t.conversions_reported == 0 {
            continue;
        }
        r.creative_days_truth += 1;
        r.truth.impressions += t.impressions;
        r.truth.clicks += t.clicks;
        r.truth.spend += t.spend.decimal();
        r.truth.conversions_reported += t.conversions_reported as f64;
        let problem = match latest.get(CreativeId(day.creative), day.date) {
            None => Some("not collected".to_string()),
            Some(c) if c.impressions != t.impressions || c.clicks != t.clicks || c.cost_usd != t.spend.decimal() => {
                Some(format!(
                    "collected {} impressions, {} clicks, {} USD; truth {}, {}, {}",
                    c.impressions, c.clicks, c.cost_usd, t.impressions, t.clicks, t.spend
                ))
            }
            Some(c) if c.conversions != t.conversions_reported as f64 => Some(format!(
                "collected {} conversions; LinkedIn reported {} by the last pull",
                c.conversions, t.conversions_reported
            )),
            Some(_) => None,
        };
        if let Some(p) = problem {
            r.mismatches += 1;
            if r.examples.len() < LISTED {
                r.examples.push(format!("creative {} on {}: {p}", day.creative, day.date));
            }
        }
    }
    Ok(r)
}
