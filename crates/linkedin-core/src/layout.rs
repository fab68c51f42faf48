//! The object-store layout, in one place. Every job builds its keys here.
//!
//! Hive-style `dt=YYYY-MM-DD` partitions let Athena prune by date. Raw analytics are partitioned by the
//! **metric day** (not the pull day): one pull writes one object per day it covers, so every pull of a
//! given day sits in that day's folder, and "latest pull wins" needs only that folder. Snapshots
//! (campaigns, creatives) are partitioned by the run's day.

use chrono::{DateTime, NaiveDate, Utc};

pub const RAW_ANALYTICS: &str = "raw/analytics";
pub const RAW_CAMPAIGNS: &str = "raw/campaigns";
pub const RAW_CREATIVES: &str = "raw/creatives";
pub const COLLECTOR_RUNS: &str = "logs/collector_runs";
/// Per metric day, conversions by pull age (`decisions::LagSums`): the account's reporting lag.
pub const CONVERSION_LAG: &str = "processed/conversion_lag";

/// `<prefix>/dt=YYYY-MM-DD/`.
pub fn partition(prefix: &str, dt: NaiveDate) -> String {
    format!("{prefix}/dt={}/", dt.format("%Y-%m-%d"))
}

/// The date of a `.../dt=YYYY-MM-DD/...` key.
pub fn partition_date(key: &str) -> Option<NaiveDate> {
    let start = key.find("dt=")? + 3;
    key.get(start..start + 10)?.parse().ok()
}

/// A run's identity: the pull time, sortable, plus a random suffix so two runs in the same second
/// never overwrite each other. `20261123T060003Z-3f9a1c`.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, serde::Serialize, serde::Deserialize)]
#[serde(transparent)]
pub struct RunId(pub String);

impl RunId {
    pub fn new(at: DateTime<Utc>) -> Self {
        Self(format!("{}-{:06x}", at.format("%Y%m%dT%H%M%SZ"), fastrand::u32(..0x100_0000)))
    }
}

impl std::fmt::Display for RunId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// One pull's rows for one metric day: `raw/analytics/dt=<day>/<run id>.ndjson`. The run id begins
/// with the pull time, so keys sort in pull order.
pub fn raw_analytics_key(day: NaiveDate, run: &RunId) -> String {
    format!("{}{run}.ndjson", partition(RAW_ANALYTICS, day))
}

pub fn raw_campaigns_key(run_day: NaiveDate, run: &RunId) -> String {
    format!("{}{run}.ndjson", partition(RAW_CAMPAIGNS, run_day))
}

pub fn raw_creatives_key(run_day: NaiveDate, run: &RunId) -> String {
    format!("{}{run}.ndjson", partition(RAW_CREATIVES, run_day))
}

/// The collector's run report.
pub fn collector_run_key(run_day: NaiveDate, run: &RunId) -> String {
    format!("{}{run}.json", partition(COLLECTOR_RUNS, run_day))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_hive_partitioned_and_sort_by_pull_time() {
        let day: NaiveDate = "2026-11-20".parse().unwrap();
        let early = RunId::new("2026-11-23T00:00:05Z".parse().unwrap());
        let late = RunId::new("2026-11-23T18:00:01Z".parse().unwrap());
        let a = raw_analytics_key(day, &early);
        assert!(a.starts_with("raw/analytics/dt=2026-11-20/20261123T000005Z-"), "{a}");
        assert!(a.ends_with(".ndjson"));
        assert!(a < raw_analytics_key(day, &late));
        assert_eq!(partition_date(&a), Some(day));
        assert_eq!(partition_date("raw/analytics/x.ndjson"), None);
        assert!(collector_run_key(day, &early).starts_with("logs/collector_runs/dt=2026-11-20/"));
    }
}
