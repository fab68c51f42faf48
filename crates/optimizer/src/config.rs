//! The optimizer's configuration: the design's thresholds (same names and defaults), the policy, the
//! guardrails, dry-run, and where performance comes from and the report goes.

use std::collections::BTreeMap;

use linkedin_core::CampaignId;
use linkedin_core::config::{
    AthenaConfig, ConfigErrors, Env, LinkedInConfig, ModelEndpoints, Reader, StorageConfig, campaign_ids,
};
use linkedin_core::decisions::{Params, Policy};
use linkedin_core::notify::NotifyConfig;

#[derive(Debug, Clone)]
pub struct OptimizerConfig {
    pub storage: StorageConfig,
    pub linkedin: LinkedInConfig,
    pub campaign_ids: Vec<CampaignId>,
    pub athena: Option<AthenaConfig>,
    pub notify: NotifyConfig,
    pub models: ModelEndpoints,
    pub settings: Settings,
}

/// What the run decides with (everything but the backends).
#[derive(Debug, Clone, PartialEq)]
pub struct Settings {
    pub params: Params,
    /// `TARGET_CPA_BY_CAMPAIGN`: campaigns whose target cost per conversion is not the account's.
    pub target_cpa_by_campaign: BTreeMap<CampaignId, f64>,
    pub dry_run: bool,
    /// Days of performance each decision looks at (ending yesterday).
    pub window_days: u32,
    /// The newest collector run must be at most this old, else nothing is written.
    pub freshness_hours: u32,
    /// `LOOKBACK_DAYS`: days LinkedIn restates (the collector re-pulls them). A pause is reviewed once
    /// its window is this old, so on final numbers.
    pub restatement_days: u32,
}

impl Default for Settings {
    fn default() -> Self {
        Self {
            params: Params::default(),
            target_cpa_by_campaign: BTreeMap::new(),
            dry_run: false,
            window_days: 7,
            freshness_hours: 30,
            restatement_days: 7,
        }
    }
}

/// `123=40,456=55.5`: campaign ids and positive amounts.
fn parse_targets(s: &str) -> Option<BTreeMap<CampaignId, f64>> {
    let mut out = BTreeMap::new();
    for pair in s.split(',').map(str::trim).filter(|p| !p.is_empty()) {
        let (id, amount) = pair.split_once('=')?;
        let id: u64 = id.trim().parse().ok()?;
        let amount: f64 = amount.trim().parse().ok().filter(|v: &f64| v.is_finite() && *v > 0.0)?;
        out.insert(CampaignId(id), amount);
    }
    Some(out)
}

/// A float within `range`, e.g. a percent.
fn float(r: &mut Reader<'_>, var: &'static str, default: f64, range: std::ops::RangeInclusive<f64>) -> f64 {
    let expected = format!("expected a number from {} to {} (default {default})", range.start(), range.end());
    r.parsed(var, default, &expected, |s| s.trim().parse::<f64>().ok().filter(|v| range.contains(v)))
}

impl Settings {
    pub fn read(r: &mut Reader<'_>) -> Self {
        let d = Params::default();
        let mut p = d;
        p.policy = r.parsed("DECISION_POLICY", d.policy, "expected conversions, bayesian or threshold", |s| {
            match s.trim().to_ascii_lowercase().as_str() {
                "conversions" => Some(Policy::Conversions),
                "bayesian" => Some(Policy::Bayesian),
                "threshold" => Some(Policy::Threshold),
                _ => None,
            }
        });
        p.thresholds.min_ctr = float(r, "MIN_CTR_THRESHOLD", 1.0, 0.0..=100.0) / 100.0;
        p.thresholds.top_ctr = float(r, "TOP_PERFORMER_THRESHOLD", 3.0, 0.0..=100.0) / 100.0;
        p.thresholds.max_cpc = float(r, "MAX_CPC", 8.0, 0.01..=10_000.0);
        p.thresholds.min_sample_clicks = r.number("MIN_SAMPLE_SIZE", 100, 0..=10_000_000);
        p.thresholds.bid_dead_band = float(r, "BID_CHANGE_THRESHOLD", 0.50, 0.0..=1_000.0);
        p.bayes.pause_confidence = float(r, "PAUSE_CONFIDENCE", 0.95, 0.5..=0.9999);
        p.bayes.prob_best_floor = float(r, "PROB_BEST_FLOOR", 0.05, 0.0..=0.5);
        p.bayes.min_impressions = r.number("BAYES_MIN_IMPRESSIONS", 2_000, 0..=100_000_000);
        p.guardrails.max_pauses_per_campaign = r.number("MAX_PAUSES_PER_CAMPAIGN", 1, 0..=100) as u32;
        p.guardrails.cooldown_days = r.number("COOLDOWN_DAYS", 3, 0..=90) as u32;
        p.guardrails.max_bid_step = float(r, "MAX_BID_STEP_PERCENT", 20.0, 0.0..=100.0) / 100.0;
        p.guardrails.min_bid = float(r, "MIN_BID", 2.0, 0.01..=10_000.0);
        p.guardrails.max_budget_step = float(r, "MAX_BUDGET_STEP_PERCENT", 20.0, 0.0..=100.0) / 100.0;
        p.guardrails.max_daily_budget =
            r.text("MAX_DAILY_BUDGET").map(|_| float(r, "MAX_DAILY_BUDGET", 0.0, 1.0..=10_000_000.0));
        p.conversions.target_cpa = r.text("TARGET_CPA").map(|_| float(r, "TARGET_CPA", 0.0, 0.01..=1_000_000.0));
        p.conversions.max_marginal_cpa_multiple = float(r, "MAX_MARGINAL_CPA_MULTIPLE", 2.0, 1.0..=10.0);
        p.conversions.experiment_step = float(r, "BID_EXPERIMENT_PERCENT", 10.0, 1.0..=25.0) / 100.0;
        p.conversions.prob_best_floor = float(r, "CONVERSIONS_PROB_BEST_FLOOR", 0.01, 0.0..=0.5);
        let target_cpa_by_campaign = r.parsed(
            "TARGET_CPA_BY_CAMPAIGN",
            BTreeMap::new(),
            "expected campaign=amount pairs separated by commas, e.g. 123456=40,234567=55.50",
            parse_targets,
        );
        Self {
            params: p,
            target_cpa_by_campaign,
            dry_run: r.flag("DRY_RUN", false),
            window_days: r.number("DECISION_WINDOW_DAYS", 7, 1..=90) as u32,
            freshness_hours: r.number("FRESHNESS_HOURS", 30, 1..=720) as u32,
            restatement_days: r.number("LOOKBACK_DAYS", 7, 0..=90) as u32,
        }
    }
}

impl OptimizerConfig {
    pub fn from_env(env: &Env) -> Result<Self, ConfigErrors> {
        let mut r = Reader::new(env);
        let storage = StorageConfig::read(&mut r);
        let linkedin = LinkedInConfig::read(&mut r);
        let campaign_ids = campaign_ids(&mut r);
        let athena = AthenaConfig::read(&mut r);
        let notify = NotifyConfig::read(&mut r);
        let models = ModelEndpoints::read(&mut r);
        let settings = Settings::read(&mut r);
        r.finish(|| Self {
            storage: storage.expect("no error means storage was read"),
            linkedin: linkedin.expect("no error means linkedin was read"),
            campaign_ids,
            athena,
            notify,
            models,
            settings,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(pairs: &[(&str, &str)]) -> Result<Settings, ConfigErrors> {
        let env = Env::from_pairs(pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())));
        let mut r = Reader::new(&env);
        let s = Settings::read(&mut r);
        r.finish(|| s)
    }

    #[test]
    fn the_designs_names_and_defaults() {
        let s = read(&[]).unwrap();
        let t = s.params.thresholds;
        assert_eq!(
            (t.min_ctr, t.top_ctr, t.max_cpc, t.min_sample_clicks, t.bid_dead_band),
            (0.01, 0.03, 8.0, 100, 0.5)
        );
        assert_eq!(s.params.policy, Policy::Conversions);
        assert_eq!(s.params.conversions.target_cpa, None);
        assert!(!s.dry_run);
        assert_eq!(s.params.guardrails.max_daily_budget, None, "budgets are never raised unless a cap is set");
        let s = read(&[
            ("MIN_CTR_THRESHOLD", "0.4"),
            ("DECISION_POLICY", "Threshold"),
            ("DRY_RUN", "true"),
            ("MAX_DAILY_BUDGET", "250"),
        ])
        .unwrap();
        assert!((s.params.thresholds.min_ctr - 0.004).abs() < 1e-12, "percent in, fraction inside");
        assert_eq!(
            (s.params.policy, s.dry_run, s.params.guardrails.max_daily_budget),
            (Policy::Threshold, true, Some(250.0))
        );
    }

    #[test]
    fn targets_are_account_wide_with_campaign_overrides() {
        let s = read(&[("TARGET_CPA", "45"), ("TARGET_CPA_BY_CAMPAIGN", "123=40, 456=55.5")]).unwrap();
        assert_eq!(s.params.conversions.target_cpa, Some(45.0));
        assert_eq!(s.target_cpa_by_campaign.get(&CampaignId(456)), Some(&55.5));
        let err = read(&[("TARGET_CPA_BY_CAMPAIGN", "123:40")]).unwrap_err().to_string();
        assert!(err.contains("TARGET_CPA_BY_CAMPAIGN") && err.contains("campaign=amount"), "{err}");
        let err = read(&[("BID_EXPERIMENT_PERCENT", "40")]).unwrap_err().to_string();
        assert!(err.contains("BID_EXPERIMENT_PERCENT"), "{err}");
    }

    #[test]
    fn every_bad_value_is_named() {
        let err = read(&[("DECISION_POLICY", "greedy"), ("MIN_CTR_THRESHOLD", "1%"), ("MAX_BID_STEP_PERCENT", "150")])
            .unwrap_err()
            .to_string();
        for needle in [
            "DECISION_POLICY",
            "'greedy'",
            "bayesian or threshold",
            "MIN_CTR_THRESHOLD",
            "'1%'",
            "MAX_BID_STEP_PERCENT",
        ] {
            assert!(err.contains(needle), "{needle} in {err}");
        }
    }
}
