//! `processed/training/creative_scorer/`: one row per creative that has copy and impressions, with the
//! copy features ([`linkedin_core::features`], in manifest order), its totals and its **weighted** CTR
//! (sum of clicks / sum of impressions over every day, never an average of daily ratios), as
//! `creative_scorer.csv`, `creative_scorer.parquet` and `features.json`. The training script weights
//! rows by impressions.

use std::collections::{BTreeMap, BTreeSet};

use linkedin_core::features::{CopyFeatures, FEATURE_COUNT, FEATURES, FeatureManifest};
use linkedin_core::performance::CreativePerformance;
use linkedin_core::raw::{CreativeSnapshot, parse_ndjson};
use linkedin_core::store::ObjectStore;
use linkedin_core::{CreativeId, layout};
use serde::Serialize;

use super::{Table, TrainingManifest, write_set};
use crate::parquet_table::Column;

pub const CREATIVE_SCORER_PREFIX: &str = "processed/training/creative_scorer";

/// Columns before and after the features.
pub const SCORER_ID_COLUMNS: [&str; 2] = ["creative_id", "campaign_id"];
pub const SCORER_TARGET_COLUMNS: [&str; 5] = ["days", "impressions", "clicks", "conversions", "ctr"];

#[derive(Debug, Clone, Default, Serialize)]
pub struct TrainingReport {
    pub creatives: usize,
    pub skipped_no_copy: usize,
    pub skipped_no_impressions: usize,
    pub keys: Vec<String>,
}

/// The latest snapshot of each `wanted` creative's copy. Snapshot keys sort by pull time
/// (`dt=<day>/<run id>`, the run id starting with the pull time), so they are read newest first and
/// reading stops once every wanted creative is found: the cost follows how recently the creatives were
/// seen, not the length of the history.
pub async fn latest_copies(
    store: &dyn ObjectStore,
    wanted: &BTreeSet<CreativeId>,
    problems: &mut Vec<String>,
) -> Result<BTreeMap<CreativeId, CreativeSnapshot>, String> {
    let mut latest: BTreeMap<CreativeId, CreativeSnapshot> = BTreeMap::new();
    let mut keys = store.list(&format!("{}/", layout::RAW_CREATIVES)).await.map_err(|e| e.to_string())?;
    keys.reverse();
    for meta in keys {
        if wanted.iter().all(|id| latest.contains_key(id)) {
            break;
        }
        let Some(bytes) = store.get(&meta.key).await.map_err(|e| e.to_string())? else { continue };
        let (rows, errors) = parse_ndjson::<CreativeSnapshot>(&bytes);
        for e in errors {
            problems.push(format!("{} line {}: {}; skipped", meta.key, e.line, e.message));
        }
        for s in rows.into_iter().filter(|s| wanted.contains(&s.creative_id)) {
            if latest.get(&s.creative_id).is_none_or(|old| s.newer_than(old)) {
                latest.insert(s.creative_id, s);
            }
        }
    }
    Ok(latest)
}

/// What `ctr` means in this set.
pub const TARGET_DEFINITION: &str = "ctr = sum(clicks) / sum(impressions) over every processed day of the creative \
(a weighted CTR); weight rows by impressions, since a CTR from 200 impressions is far noisier than one from 20,000";

/// Builds and writes the creative-scorer set from every creative's totals over the processed history.
pub async fn write_creative_scorer(
    store: &dyn ObjectStore,
    totals: &[CreativePerformance],
    problems: &mut Vec<String>,
) -> Result<TrainingReport, String> {
    let wanted: BTreeSet<CreativeId> = totals.iter().map(|c| c.creative_id).collect();
    let copies = latest_copies(store, &wanted, problems).await?;
    let mut report = TrainingReport::default();

    let mut ids = Vec::new();
    let mut campaigns = Vec::new();
    let mut features: Vec<[f64; FEATURE_COUNT]> = Vec::new();
    let (mut n_days, mut impressions, mut clicks, mut conversions, mut ctr) =
        (Vec::new(), Vec::new(), Vec::new(), Vec::new(), Vec::new());
    for c in totals {
        let Some(snapshot) = copies.get(&c.creative_id).filter(|s| s.copy_error.is_none()) else {
            report.skipped_no_copy += 1;
            continue;
        };
        let Some(weighted_ctr) = c.totals.ctr() else {
            report.skipped_no_impressions += 1;
            continue;
        };
        ids.push(c.creative_id.to_string());
        campaigns.push(c.campaign_id.to_string());
        features.push(CopyFeatures::extract(&snapshot.copy).values());
        n_days.push(c.days as i64);
        impressions.push(c.totals.impressions as i64);
        clicks.push(c.totals.clicks as i64);
        conversions.push(c.totals.conversions);
        ctr.push(weighted_ctr);
    }
    report.creatives = ids.len();

    let mut table = Table::default();
    table.push("creative_id", Column::Text(ids));
    table.push("campaign_id", Column::Text(campaigns));
    for (k, f) in FEATURES.iter().enumerate() {
        table.push(f.name, Column::Double(features.iter().map(|v| v[k]).collect()));
    }
    table.push("days", Column::Int64(n_days));
    table.push("impressions", Column::Int64(impressions));
    table.push("clicks", Column::Int64(clicks));
    table.push("conversions", Column::Double(conversions));
    table.push("ctr", Column::Double(ctr));

    let manifest = TrainingManifest {
        features: FeatureManifest::current(),
        id_columns: SCORER_ID_COLUMNS.to_vec(),
        target: "ctr",
        weight: Some("impressions"),
        other_columns: SCORER_TARGET_COLUMNS.to_vec(),
        rows: report.creatives,
        target_definition: TARGET_DEFINITION,
    };
    report.keys = write_set(store, CREATIVE_SCORER_PREFIX, "creative_scorer", &table, &manifest).await?;
    Ok(report)
}
