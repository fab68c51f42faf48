//! The demo's numbers: one row per policy, daily series, the progress line and the text table.

use std::collections::BTreeMap;

use chrono::NaiveDate;
use rust_decimal::Decimal;
use sandbox::GroundTruth;
use sandbox::counterfactual::Outcome;
use sandbox::market::Market;
use serde::Serialize;

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PolicyRow {
    pub policy: &'static str,
    pub spend: Decimal,
    pub impressions: u64,
    pub clicks: u64,
    /// All conversions the period's clicks produce (including those not reported yet).
    pub conversions: u64,
    pub ctr: Option<f64>,
    pub cpc: Option<f64>,
    pub cpa: Option<f64>,
    pub clicks_per_dollar: Option<f64>,
    pub conversions_per_dollar: Option<f64>,
    /// This row's conversions as a share of the oracle's.
    pub conversions_vs_oracle: Option<f64>,
    pub clicks_vs_oracle: Option<f64>,
}

fn row(policy: &'static str, o: &Outcome, oracle: &Outcome) -> PolicyRow {
    let spend = o.spend.as_f64();
    let per_dollar = |n: u64| (spend > 0.0).then(|| n as f64 / spend);
    let share = |a: u64, b: u64| (b > 0).then(|| a as f64 / b as f64);
    PolicyRow {
        policy,
        spend: o.spend.decimal(),
        impressions: o.impressions,
        clicks: o.clicks,
        conversions: o.conversions,
        ctr: o.ctr(),
        cpc: o.cpc(),
        cpa: o.cpa(),
        clicks_per_dollar: per_dollar(o.clicks),
        conversions_per_dollar: per_dollar(o.conversions),
        conversions_vs_oracle: share(o.conversions, oracle.conversions),
        clicks_vs_oracle: share(o.clicks, oracle.clicks),
    }
}

pub fn policy_rows(truth: &GroundTruth) -> Vec<PolicyRow> {
    let o = &truth.outcomes;
    vec![
        row("this system", &o.system, &o.oracle),
        row("no optimization", &o.no_optimization, &o.oracle),
        row("oracle", &o.oracle, &o.oracle),
    ]
}

/// One day of the three runs.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct DailyPoint {
    pub date: Option<NaiveDate>,
    pub system_spend: Decimal,
    pub baseline_spend: Decimal,
    pub oracle_spend: Decimal,
    pub system_clicks: u64,
    pub baseline_clicks: u64,
    pub oracle_clicks: u64,
    pub system_conversions: u64,
    pub baseline_conversions: u64,
    pub oracle_conversions: u64,
}

pub fn daily_points(system: &Market, baseline: &Market, oracle: &Market) -> Vec<DailyPoint> {
    let mut days: BTreeMap<NaiveDate, DailyPoint> = BTreeMap::new();
    let mut add = |m: &Market, which: u8| {
        for (&(_, date), cell) in m.cells() {
            let p = days.entry(date).or_insert_with(|| DailyPoint { date: Some(date), ..DailyPoint::default() });
            let (spend, clicks, conv) = match which {
                0 => (&mut p.system_spend, &mut p.system_clicks, &mut p.system_conversions),
                1 => (&mut p.baseline_spend, &mut p.baseline_clicks, &mut p.baseline_conversions),
                _ => (&mut p.oracle_spend, &mut p.oracle_clicks, &mut p.oracle_conversions),
            };
            *spend += cell.cost.decimal();
            *clicks += cell.clicks;
            *conv += cell.conversions_eventual();
        }
    };
    add(system, 0);
    add(baseline, 1);
    add(oracle, 2);
    days.into_values().collect()
}

/// `[#######.............] day  7/28  Sun 2026-10-11  ok    spend $412.50`
pub fn progress_line(done: u32, total: u32, day: NaiveDate, ok: bool, spend_micros: u64) -> String {
    const WIDTH: u32 = 20;
    let filled = (done * WIDTH).div_ceil(total.max(1)).min(WIDTH);
    format!(
        "[{}{}] day {done:>3}/{total}  {}  {:<6} spend ${:.2}",
        "#".repeat(filled as usize),
        ".".repeat((WIDTH - filled) as usize),
        day.format("%a %Y-%m-%d"),
        if ok { "ok" } else { "FAILED" },
        spend_micros as f64 / 1e6
    )
}

fn opt(v: Option<f64>, f: impl Fn(f64) -> String) -> String {
    v.map(f).unwrap_or_else(|| "-".into())
}

/// The policy table as fixed-width text.
pub fn table(rows: &[PolicyRow]) -> String {
    let mut out = format!(
        "{:<16} {:>12} {:>11} {:>8} {:>7} {:>7} {:>8} {:>8} {:>9} {:>8} {:>10} {:>10}\n",
        "policy",
        "spend",
        "impressions",
        "clicks",
        "conv.",
        "CTR",
        "CPC",
        "CPA",
        "clicks/$",
        "conv./$",
        "clicks/or.",
        "conv./or."
    );
    for r in rows {
        out.push_str(&format!(
            "{:<16} {:>12} {:>11} {:>8} {:>7} {:>7} {:>8} {:>8} {:>9} {:>8} {:>10} {:>10}\n",
            r.policy,
            format!("${:.2}", r.spend),
            r.impressions,
            r.clicks,
            r.conversions,
            opt(r.ctr, |v| format!("{:.2}%", v * 100.0)),
            opt(r.cpc, |v| format!("${v:.2}")),
            opt(r.cpa, |v| format!("${v:.2}")),
            opt(r.clicks_per_dollar, |v| format!("{v:.3}")),
            opt(r.conversions_per_dollar, |v| format!("{v:.4}")),
            opt(r.clicks_vs_oracle, |v| format!("{:.0}%", v * 100.0)),
            opt(r.conversions_vs_oracle, |v| format!("{:.0}%", v * 100.0)),
        ));
    }
    out
}

/// What `linkedin-ads demo` prints at the end.
pub fn text(report: &crate::DemoReport) -> String {
    let mut out = format!(
        "\nScenario '{}', seed {}, {} days from {}\n\n{}\n",
        report.scenario,
        report.seed,
        report.days,
        report.start,
        table(&report.policies)
    );
    let r = &report.reconciliation;
    out.push_str(&format!(
        "Collected data vs ground truth: {} ({} creative-days; {} impressions, {} clicks, ${} spend, {} conversions reported)\n",
        if r.matches() { "match" } else { "MISMATCH" },
        r.creative_days_collected,
        r.collected.impressions,
        r.collected.clicks,
        r.collected.spend,
        r.collected.conversions_reported
    ));
    for e in &r.examples {
        out.push_str(&format!("  {e}\n"));
    }
    out.push_str(&format!(
        "Jobs: {} runs, {} failed; API: {} calls, {} retries ({} throttled, {} server errors), {} token refreshes\n",
        report.job_runs,
        report.failed_runs.len(),
        report.api.api_calls,
        report.api.retries,
        report.api.throttled,
        report.api.server_errors,
        report.token_refreshes
    ));
    for f in &report.failed_runs {
        out.push_str(&format!("  {} at {}: {}\n", f.job.name(), f.at, f.summary));
    }
    out.push_str(&format!("Actions written to LinkedIn: {}\n", report.actions.len()));
    out.push_str(&format!("Report: {}\n", report.html_report.display()));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_progress_bar_fills_with_the_days() {
        let d = NaiveDate::from_ymd_opt(2026, 10, 11).unwrap();
        assert_eq!(
            progress_line(7, 28, d, true, 412_500_000),
            "[#####...............] day   7/28  Sun 2026-10-11  ok     spend $412.50"
        );
        assert!(progress_line(28, 28, d, false, 0).starts_with("[####################] day  28/28"));
    }
}
