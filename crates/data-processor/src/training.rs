//! ML training sets, written next to the feature manifest.
//!
//! `processed/training/creative_scorer/`: one row per creative that has copy and impressions, with the
//! copy features ([`linkedin_core::features`], in manifest order), its totals and its **weighted** CTR
//! (sum of clicks / sum of impressions over every day, never an average of daily ratios), as
//! `creative_scorer.csv`, `creative_scorer.parquet` and `features.json`. The training script weights
//! rows by impressions.

use std::collections::{BTreeMap, BTreeSet};

use linkedin_core::features::{CopyFeatures, FEATURE_COUNT, FEATURES, FeatureManifest};
use linkedin_core::raw::{CreativeSnapshot, parse_ndjson};
use linkedin_core::store::ObjectStore;
use linkedin_core::{CreativeId, layout};
use serde::Serialize;

use crate::creative_daily::{self, DailyRow};
use crate::parquet_table::{self, Column};

pub const CREATIVE_SCORER_PREFIX: &str = "processed/training/creative_scorer";

/// Columns before and after the features.
pub const SCORER_ID_COLUMNS: [&str; 2] = ["creative_id", "campaign_id"];
pub const SCORER_TARGET_COLUMNS: [&str; 5] = ["days", "impressions", "clicks", "conversions", "ctr"];

/// The training set's manifest: the features, then what else is in the file and which column is the target.
#[derive(Debug, Clone, Serialize)]
pub struct TrainingManifest {
    #[serde(flatten)]
    pub features: FeatureManifest,
    pub id_columns: Vec<&'static str>,
    pub target: &'static str,
    pub weight: &'static str,
    pub other_columns: Vec<&'static str>,
    pub rows: usize,
}

#[derive(Debug, Clone, Default, Serialize)]
pub struct TrainingReport {
    pub creatives: usize,
    pub skipped_no_copy: usize,
    pub skipped_no_impressions: usize,
    pub keys: Vec<String>,
}

struct Totals {
    campaign: String,
    days: u32,
    impressions: i64,
    clicks: i64,
    conversions: f64,
}

/// Sums the processed daily rows per creative.
fn totals(rows: &[DailyRow]) -> BTreeMap<String, Totals> {
    let mut out: BTreeMap<String, Totals> = BTreeMap::new();
    for r in rows {
        let t = out.entry(r.creative_id.clone()).or_insert_with(|| Totals {
            campaign: r.campaign_id.clone(),
            days: 0,
            impressions: 0,
            clicks: 0,
            conversions: 0.0,
        });
        t.days += 1;
        t.impressions += r.impressions;
        t.clicks += r.clicks;
        t.conversions += r.conversions;
    }
    out
}

/// The latest snapshot of each `wanted` creative's copy. Snapshot keys sort by pull time
/// (`dt=<day>/<run id>`, the run id starting with the pull time), so they are read newest first and
/// reading stops once every wanted creative is found: the cost follows how recently the creatives were
/// seen, not the length of the history.
async fn latest_copies(
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

fn csv_field(s: &str) -> String {
    if s.contains([',', '"', '\n']) { format!("\"{}\"", s.replace('"', "\"\"")) } else { s.to_string() }
}

/// Builds and writes the creative-scorer set from every processed partition.
pub async fn write_creative_scorer(
    store: &dyn ObjectStore,
    problems: &mut Vec<String>,
) -> Result<TrainingReport, String> {
    let mut daily = Vec::new();
    for meta in store.list("processed/creative_daily/").await.map_err(|e| e.to_string())? {
        let Some(bytes) = store.get(&meta.key).await.map_err(|e| e.to_string())? else { continue };
        match creative_daily::read(bytes) {
            Ok(rows) => daily.extend(rows),
            Err(e) => problems.push(format!("{}: {e}; skipped", meta.key)),
        }
    }
    let totals = totals(&daily);
    let wanted: BTreeSet<CreativeId> = totals.keys().filter_map(|id| id.parse().ok().map(CreativeId)).collect();
    let copies = latest_copies(store, &wanted, problems).await?;
    let mut report = TrainingReport::default();

    let mut ids: Vec<String> = Vec::new();
    let mut campaigns: Vec<String> = Vec::new();
    let mut features: Vec<[f64; FEATURE_COUNT]> = Vec::new();
    let mut targets: Vec<(i64, i64, i64, f64, f64)> = Vec::new();
    for (creative, t) in totals {
        let snapshot = creative.parse().ok().map(CreativeId).and_then(|id| copies.get(&id));
        let Some(snapshot) = snapshot.filter(|s| s.copy_error.is_none()) else {
            report.skipped_no_copy += 1;
            continue;
        };
        if t.impressions <= 0 {
            report.skipped_no_impressions += 1;
            continue;
        }
        ids.push(creative);
        campaigns.push(t.campaign.clone());
        features.push(CopyFeatures::extract(&snapshot.copy).values());
        let ctr = t.clicks as f64 / t.impressions as f64;
        targets.push((t.days as i64, t.impressions, t.clicks, t.conversions, ctr));
    }
    report.creatives = ids.len();

    // CSV
    let mut header: Vec<&str> = SCORER_ID_COLUMNS.to_vec();
    header.extend(FEATURES.iter().map(|f| f.name));
    header.extend(SCORER_TARGET_COLUMNS);
    let mut csv = header.join(",") + "\n";
    for i in 0..ids.len() {
        let mut cells = vec![csv_field(&ids[i]), csv_field(&campaigns[i])];
        cells.extend(features[i].iter().map(|v| v.to_string()));
        let (days, impressions, clicks, conversions, ctr) = targets[i];
        cells.extend([
            days.to_string(),
            impressions.to_string(),
            clicks.to_string(),
            conversions.to_string(),
            ctr.to_string(),
        ]);
        csv.push_str(&cells.join(","));
        csv.push('\n');
    }

    // Parquet
    let mut schema = String::from(
        "message creative_scorer {\n  REQUIRED BYTE_ARRAY creative_id (UTF8);\n  REQUIRED BYTE_ARRAY campaign_id (UTF8);\n",
    );
    for f in FEATURES.iter() {
        schema.push_str(&format!("  REQUIRED DOUBLE {};\n", f.name));
    }
    schema.push_str("  REQUIRED INT64 days;\n  REQUIRED INT64 impressions;\n  REQUIRED INT64 clicks;\n  REQUIRED DOUBLE conversions;\n  REQUIRED DOUBLE ctr;\n}");
    let mut columns = vec![Column::Text(ids.clone()), Column::Text(campaigns)];
    for k in 0..FEATURE_COUNT {
        columns.push(Column::Double(features.iter().map(|f| f[k]).collect()));
    }
    columns.push(Column::Int64(targets.iter().map(|t| t.0).collect()));
    columns.push(Column::Int64(targets.iter().map(|t| t.1).collect()));
    columns.push(Column::Int64(targets.iter().map(|t| t.2).collect()));
    columns.push(Column::Double(targets.iter().map(|t| t.3).collect()));
    columns.push(Column::Double(targets.iter().map(|t| t.4).collect()));
    let parquet = parquet_table::write(&schema, &columns).map_err(|e| format!("writing Parquet: {e}"))?;

    let manifest = TrainingManifest {
        features: FeatureManifest::current(),
        id_columns: SCORER_ID_COLUMNS.to_vec(),
        target: "ctr",
        weight: "impressions",
        other_columns: SCORER_TARGET_COLUMNS.to_vec(),
        rows: ids.len(),
    };
    for (name, bytes, ct) in [
        ("creative_scorer.csv", csv.into_bytes(), "text/csv"),
        ("creative_scorer.parquet", parquet, "application/vnd.apache.parquet"),
        ("features.json", serde_json::to_vec_pretty(&manifest).expect("serialises"), "application/json"),
    ] {
        let key = format!("{CREATIVE_SCORER_PREFIX}/{name}");
        store.put(&key, bytes, ct).await.map_err(|e| e.to_string())?;
        report.keys.push(key);
    }
    Ok(report)
}
