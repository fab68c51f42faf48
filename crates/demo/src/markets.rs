//! Policies judged on generated markets ([`sandbox::generator`]): the whole pipeline runs on each
//! market once per policy, and each run is scored against no optimization and the oracle of the same
//! market (same seed, same luck).
//!
//! Per market and policy:
//! * **conversions per dollar** as a share of the oracle's;
//! * **conversions** as a share of the oracle's (winning per dollar by not spending does not count);
//! * **wrong pauses**: campaigns whose truly best creative (the oracle's pick: the most expected
//!   conversions at its best bid) was paused at any time in the run, over all campaigns;
//! * **worse than no optimization**: fewer conversions than the untouched market (same budgets), or
//!   fewer conversions per dollar without at least 5 % more conversions. Spending more of the same
//!   budgets to buy more conversions at a higher cost is what the budget is for; spending more for
//!   nothing, or less for fewer, is worse.
//!
//! `cargo bench -p demo --bench policies` prints the table over 100 markets; `tests/e2e.rs` runs 10
//! and asserts the floor.

use std::collections::BTreeSet;
use std::path::Path;

use linkedin_core::decisions::Policy;

use crate::{DemoError, DemoOptions, DemoReport};

/// What a row of the table is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Contender {
    /// The scenario untouched.
    NoOptimization,
    /// The pipeline with this policy.
    Policy(Policy),
    Oracle,
}

impl Contender {
    pub fn label(self) -> &'static str {
        match self {
            Contender::NoOptimization => "no optimization",
            Contender::Policy(Policy::Threshold) => "threshold",
            Contender::Policy(Policy::Bayesian) => "bayesian (CTR)",
            Contender::Policy(Policy::Conversions) => "conversions (default)",
            Contender::Oracle => "oracle",
        }
    }
}

/// One contender on one market.
#[derive(Debug, Clone, PartialEq)]
pub struct MarketScore {
    pub seed: u64,
    pub contender: Contender,
    pub spend: f64,
    pub conversions: u64,
    /// Conversions per dollar / the oracle's.
    pub per_dollar_vs_oracle: f64,
    /// Conversions / the oracle's.
    pub conversions_vs_oracle: f64,
    pub campaigns: usize,
    /// Campaigns whose oracle creative was paused at some point.
    pub wrong_pauses: usize,
    pub worse_than_none: bool,
}

fn per_dollar(conversions: u64, spend: f64) -> f64 {
    if spend > 0.0 { conversions as f64 / spend } else { 0.0 }
}

/// Scores one run's report: the system's row, and the no-optimization and oracle rows it carries.
fn scores(seed: u64, policy: Policy, report: &DemoReport) -> [MarketScore; 3] {
    let [system, none, oracle] = [&report.policies[0], &report.policies[1], &report.policies[2]];
    let spend = |r: &crate::summary::PolicyRow| rust_decimal::prelude::ToPrimitive::to_f64(&r.spend).unwrap_or(0.0);
    let oracle_pd = per_dollar(oracle.conversions, spend(oracle));
    let none_pd = per_dollar(none.conversions, spend(none));
    let share = |a: f64, b: f64| if b > 0.0 { a / b } else { 1.0 };
    let paused: BTreeSet<&str> = report
        .actions
        .iter()
        .filter(|c| c.field == "intendedStatus" && c.after == "PAUSED")
        .map(|c| c.entity.as_str())
        .collect();
    let campaigns = report.oracle.len();
    let wrong = report
        .oracle
        .iter()
        .filter(|o| paused.contains(format!("urn:li:sponsoredCreative:{}", o.creative).as_str()))
        .count();
    let score = |contender, row: &crate::summary::PolicyRow, wrong_pauses| {
        let pd = per_dollar(row.conversions, spend(row));
        MarketScore {
            seed,
            contender,
            spend: spend(row),
            conversions: row.conversions,
            per_dollar_vs_oracle: share(pd, oracle_pd),
            conversions_vs_oracle: share(row.conversions as f64, oracle.conversions as f64),
            campaigns,
            wrong_pauses,
            worse_than_none: row.conversions < none.conversions
                || (pd < none_pd && (row.conversions as f64) < none.conversions as f64 * 1.05),
        }
    };
    [
        score(Contender::Policy(policy), system, wrong),
        score(Contender::NoOptimization, none, 0),
        score(Contender::Oracle, oracle, 0),
    ]
}

/// Runs the pipeline with `policy` on generated market `seed` for `days` days in a folder under `tmp`,
/// and scores it with the market's no-optimization and oracle runs.
pub async fn run_market(
    seed: u64,
    policy: Policy,
    settings: &optimizer::Settings,
    days: u32,
    tmp: &Path,
) -> Result<[MarketScore; 3], DemoError> {
    let opts = DemoOptions {
        scenario: format!("{}{seed}", sandbox::generator::PREFIX),
        days: Some(days),
        seed: None,
        data_dir: tmp.join(format!("market-{seed}-{policy:?}")),
        progress: false,
        policy: Some(policy),
        settings: Some(settings.clone()),
        models: None,
        // Published variations would be new creatives the oracle does not know: judge the decisions alone.
        publish_copy: false,
        soak: None,
    };
    let report = crate::run(&opts).await?;
    // Not `succeeded()`: with more than LOOKBACK_DAYS of conversion lag the store lacks the latest
    // conversions by design (the collector re-pulls LOOKBACK_DAYS), so the reconciliation differs.
    if !report.failed_runs.is_empty() {
        return Err(DemoError::Failed(format!(
            "market {seed} with {policy:?}: {}",
            report.failed_runs.iter().map(|r| r.summary.clone()).collect::<Vec<_>>().join("; ")
        )));
    }
    let _ = std::fs::remove_dir_all(&opts.data_dir);
    Ok(scores(seed, policy, &report))
}

/// Mean, 10th percentile and worst of a sample (lower is worse).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Spread {
    pub mean: f64,
    pub p10: f64,
    pub worst: f64,
}

impl Spread {
    pub fn of(values: &[f64]) -> Self {
        let mut v: Vec<f64> = values.to_vec();
        v.sort_by(f64::total_cmp);
        let mean = v.iter().sum::<f64>() / v.len().max(1) as f64;
        // The nearest-rank 10th percentile.
        let p10 = v.get(((v.len() as f64 * 0.1).ceil() as usize).saturating_sub(1)).copied().unwrap_or(f64::NAN);
        Self { mean, p10, worst: v.first().copied().unwrap_or(f64::NAN) }
    }
}

/// One contender over all markets.
#[derive(Debug, Clone, PartialEq)]
pub struct Summary {
    pub contender: Contender,
    pub markets: usize,
    pub per_dollar: Spread,
    pub conversions: Spread,
    /// Wrong pauses over all campaigns of all markets.
    pub wrong_pause_rate: f64,
    pub worse_than_none: f64,
}

pub fn summarise(contender: Contender, scores: &[MarketScore]) -> Summary {
    let mine: Vec<&MarketScore> = scores.iter().filter(|s| s.contender == contender).collect();
    let campaigns: usize = mine.iter().map(|s| s.campaigns).sum();
    let wrong: usize = mine.iter().map(|s| s.wrong_pauses).sum();
    Summary {
        contender,
        markets: mine.len(),
        per_dollar: Spread::of(&mine.iter().map(|s| s.per_dollar_vs_oracle).collect::<Vec<_>>()),
        conversions: Spread::of(&mine.iter().map(|s| s.conversions_vs_oracle).collect::<Vec<_>>()),
        wrong_pause_rate: if campaigns > 0 { wrong as f64 / campaigns as f64 } else { 0.0 },
        worse_than_none: mine.iter().filter(|s| s.worse_than_none).count() as f64 / mine.len().max(1) as f64,
    }
}

/// The Markdown table of the README.
pub fn table(summaries: &[Summary]) -> String {
    let mut out = String::from(
        "| policy | conv./$ vs oracle: mean | p10 | worst | conversions vs oracle: mean | p10 | worst | wrong-pause rate | worse than none |\n|---|---|---|---|---|---|---|---|---|\n",
    );
    let pct = |v: f64| format!("{:.0}%", v * 100.0);
    for s in summaries {
        out.push_str(&format!(
            "| {} | {} | {} | {} | {} | {} | {} | {:.1}% | {:.0}% |\n",
            s.contender.label(),
            pct(s.per_dollar.mean),
            pct(s.per_dollar.p10),
            pct(s.per_dollar.worst),
            pct(s.conversions.mean),
            pct(s.conversions.p10),
            pct(s.conversions.worst),
            s.wrong_pause_rate * 100.0,
            s.worse_than_none * 100.0
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spreads_use_the_nearest_rank() {
        let v: Vec<f64> = (1..=20).map(f64::from).collect();
        let s = Spread::of(&v);
        assert_eq!((s.mean, s.p10, s.worst), (10.5, 2.0, 1.0));
        assert_eq!(Spread::of(&[3.0]).p10, 3.0);
    }
}
