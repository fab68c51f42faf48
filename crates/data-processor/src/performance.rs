//! The embedded [`PerformanceSource`]: aggregates `processed/creative_daily` in the object store.
//!
//! It reads one day's partition at a time and folds it into per-creative and per-campaign totals, so
//! memory follows the number of creatives, not the length of the window. Within a partition the rows
//! are de-duplicated again (latest pull wins per creative and day): the processor writes one file per
//! partition, but a stray copy must not double count, exactly as the Athena views guard against it.
//!
//! An unreadable partition is an error that names the key and the fix, never a silent gap: the
//! optimizer would otherwise pause a creative on half its evidence.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

use async_trait::async_trait;
use chrono::NaiveDate;
use linkedin_core::layout;
use linkedin_core::performance::{
    CampaignDay, CreativePerformance, DateWindow, PerformanceData, PerformanceError, PerformanceSource, Totals,
};
use linkedin_core::raw::{CampaignSnapshot, parse_ndjson};
use linkedin_core::store::ObjectStore;
use linkedin_core::{AccountId, CampaignId, CreativeId};

use crate::creative_daily::{self, DailyRow};

pub const CREATIVE_DAILY: &str = "processed/creative_daily";

const REBUILD: &str = "re-build the partition from the raw pulls with `linkedin-ads process --as-of <that day>`";

pub struct LocalPerformance {
    store: Arc<dyn ObjectStore>,
    /// `Some` in lenient mode: unreadable files are skipped and listed here instead of failing.
    skipped: Option<Mutex<Vec<String>>>,
}

impl LocalPerformance {
    /// Fails on an unreadable partition: what the optimizer uses.
    pub fn new(store: Arc<dyn ObjectStore>) -> Self {
        Self { store, skipped: None }
    }

    /// Skips an unreadable file and remembers why ([`Self::skipped`]): what the training sets use,
    /// where a missing day costs some rows but must not stop the run.
    pub fn lenient(store: Arc<dyn ObjectStore>) -> Self {
        Self { store, skipped: Some(Mutex::new(Vec::new())) }
    }

    /// What lenient mode skipped, each with its key and reason.
    pub fn skipped(&self) -> Vec<String> {
        self.skipped.as_ref().map(|s| s.lock().expect("not poisoned").clone()).unwrap_or_default()
    }

    /// One day's rows ([`day_rows`]), honouring the mode.
    pub async fn day(&self, day: NaiveDate) -> Result<Vec<DailyRow>, PerformanceError> {
        day_rows(self.store.as_ref(), day, self.skipped.as_ref()).await
    }
}

fn store_err(e: impl std::fmt::Display) -> PerformanceError {
    PerformanceError::Store(e.to_string())
}

/// One day's processed rows, de-duplicated per creative (latest pull wins). Rows whose `date` is not
/// the partition's day are ignored: the processor never writes them. With `skipped`, an unreadable
/// file is recorded there and skipped; without, it is an error.
async fn day_rows(
    store: &dyn ObjectStore,
    day: NaiveDate,
    skipped: Option<&Mutex<Vec<String>>>,
) -> Result<Vec<DailyRow>, PerformanceError> {
    let mut latest: BTreeMap<String, DailyRow> = BTreeMap::new();
    for meta in store.list(&layout::partition(CREATIVE_DAILY, day)).await.map_err(store_err)? {
        if !meta.key.ends_with(".parquet") {
            continue;
        }
        let Some(bytes) = store.get(&meta.key).await.map_err(store_err)? else { continue };
        let rows = match creative_daily::read(bytes) {
            Ok(rows) => rows,
            Err(reason) => {
                let e = PerformanceError::Unreadable { key: meta.key.clone(), reason, fix: REBUILD };
                match skipped {
                    Some(list) => {
                        list.lock().expect("not poisoned").push(format!("{e}; skipped"));
                        continue;
                    }
                    None => return Err(e),
                }
            }
        };
        for r in rows.into_iter().filter(|r| r.date == day) {
            if latest.get(&r.creative_id).is_none_or(|old| r.newer_than(old)) {
                latest.insert(r.creative_id.clone(), r);
            }
        }
    }
    Ok(latest.into_values().collect())
}

fn ids(r: &DailyRow, key: &str) -> Result<(AccountId, CampaignId, CreativeId), PerformanceError> {
    let bad = |what: &str, e: linkedin_core::ids::IdParseError| PerformanceError::Unreadable {
        key: key.to_string(),
        reason: format!("{what}: {e}"),
        fix: "re-build the partition from the raw pulls with `linkedin-ads process --as-of <that day>`",
    };
    Ok((
        r.account_id.parse().map_err(|e| bad("account_id", e))?,
        r.campaign_id.parse().map_err(|e| bad("campaign_id", e))?,
        r.creative_id.parse().map_err(|e| bad("creative_id", e))?,
    ))
}

/// The latest snapshot of each campaign pulled on `day` (the settings in force at the end of it).
/// Unparseable lines are skipped with a warning: settings are context, the totals do not depend on them.
pub async fn campaign_settings(
    store: &dyn ObjectStore,
    day: NaiveDate,
) -> Result<BTreeMap<CampaignId, CampaignSnapshot>, PerformanceError> {
    let mut latest: BTreeMap<CampaignId, CampaignSnapshot> = BTreeMap::new();
    for meta in store.list(&layout::partition(layout::RAW_CAMPAIGNS, day)).await.map_err(store_err)? {
        let Some(bytes) = store.get(&meta.key).await.map_err(store_err)? else { continue };
        let (rows, errors) = parse_ndjson::<CampaignSnapshot>(&bytes);
        for e in errors {
            tracing::warn!(key = %meta.key, line = e.line, "skipping a campaign snapshot line: {}", e.message);
        }
        for s in rows {
            if latest.get(&s.campaign_id).is_none_or(|old| s.newer_than(old)) {
                latest.insert(s.campaign_id, s);
            }
        }
    }
    Ok(latest)
}

impl LocalPerformance {
    /// One pass over the window's partitions, building what is asked for: `load` needs both, and
    /// reading every partition once for each would double the I/O.
    async fn fold(&self, window: DateWindow, creatives: bool, days: bool) -> Result<PerformanceData, PerformanceError> {
        let mut by_creative: BTreeMap<CreativeId, CreativePerformance> = BTreeMap::new();
        let mut by_day: BTreeMap<(CampaignId, NaiveDate), CampaignDay> = BTreeMap::new();
        for day in window.days() {
            let key = layout::partition(CREATIVE_DAILY, day);
            let rows = self.day(day).await?;
            if rows.is_empty() {
                continue;
            }
            let settings = if days { campaign_settings(self.store.as_ref(), day).await? } else { BTreeMap::new() };
            for r in rows {
                let (account_id, campaign_id, creative_id) = ids(&r, &key)?;
                let totals = r.totals();
                if creatives {
                    let c = by_creative.entry(creative_id).or_insert_with(|| CreativePerformance {
                        account_id,
                        campaign_id,
                        creative_id,
                        days: 0,
                        first_date: day,
                        last_date: day,
                        totals: Totals::default(),
                    });
                    c.days += 1;
                    c.last_date = day;
                    c.totals.add(&totals);
                }
                if days {
                    let d = by_day.entry((campaign_id, day)).or_insert_with(|| {
                        let s = settings.get(&campaign_id);
                        CampaignDay {
                            account_id,
                            campaign_id,
                            date: day,
                            creatives: 0,
                            totals: Totals::default(),
                            status: s.map(|s| s.status.as_str().to_string()),
                            cost_type: s.and_then(|s| s.cost_type.clone()),
                            unit_cost: s.and_then(|s| s.unit_cost),
                            daily_budget: s.and_then(|s| s.daily_budget),
                        }
                    });
                    d.creatives += 1;
                    d.totals.add(&totals);
                }
            }
        }
        Ok(PerformanceData {
            creatives: by_creative.into_values().collect(),
            campaign_days: by_day.into_values().collect(),
        })
    }
}

#[async_trait]
impl PerformanceSource for LocalPerformance {
    async fn creatives(&self, window: DateWindow) -> Result<Vec<CreativePerformance>, PerformanceError> {
        Ok(self.fold(window, true, false).await?.creatives)
    }

    async fn campaign_days(&self, window: DateWindow) -> Result<Vec<CampaignDay>, PerformanceError> {
        Ok(self.fold(window, false, true).await?.campaign_days)
    }

    async fn load(&self, window: DateWindow) -> Result<PerformanceData, PerformanceError> {
        self.fold(window, true, true).await
    }

    fn describe(&self) -> String {
        format!("local aggregation of {}/{CREATIVE_DAILY}", self.store.describe())
    }
}
