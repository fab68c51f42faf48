//! The optimizer's configuration: the design's thresholds (same names and defaults), the policy, the
//! guardrails, dry-run, and where performance comes from and the report goes.

use std::collections::BTreeMap;

use linkedin_core::CampaignId;
use linkedin_core::config::{
    AthenaConfig, ConfigError, ConfigErrors, Env, LinkedInConfig, ModelEndpoints, Reader, StorageConfig, campaign_ids,
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
    /// The newest successful collection of each judged campaign must be at most this old, else nothing
    /// is written.
    pub freshness_hours: u32,
    /// `LOOKBACK_DAYS`: days LinkedIn restates (the collector re-pulls them). A pause is reviewed once
    /// its window is this old, so on final numbers.
    pub restatement_days: u32,
    /// `GUARDRAILS_UNSAFE_OVERRIDE=true`: guardrail variables may go past their safe bounds
    /// ([`GUARDRAIL_BOUNDS`]); the report then names each one that does ([`Settings::unsafe_guardrails`]).
    pub unsafe_override: bool,
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
            unsafe_override: false,
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

/// One guardrail variable's bounds: `safe` is what it may be without `GUARDRAILS_UNSAFE_OVERRIDE`,
/// `hard` what it may be at all.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct GuardrailBound {
    pub var: &'static str,
    pub default: f64,
    pub safe: (f64, f64),
    pub hard: (f64, f64),
}

/// The guardrails' bounds. Safe: at most 5 pauses per campaign per day, a cooldown of at least a day
/// (0 lets the optimizer change the same entity every run), bid and budget steps of at most 50 % per
/// run, data at most 48 hours old. README's configuration table documents the same numbers.
pub const GUARDRAIL_BOUNDS: [GuardrailBound; 5] = [
    GuardrailBound { var: "MAX_PAUSES_PER_CAMPAIGN", default: 1.0, safe: (0.0, 5.0), hard: (0.0, 100.0) },
    GuardrailBound { var: "COOLDOWN_DAYS", default: 3.0, safe: (1.0, 90.0), hard: (0.0, 90.0) },
    GuardrailBound { var: "MAX_BID_STEP_PERCENT", default: 20.0, safe: (0.0, 50.0), hard: (0.0, 100.0) },
    GuardrailBound { var: "MAX_BUDGET_STEP_PERCENT", default: 20.0, safe: (0.0, 50.0), hard: (0.0, 100.0) },
    GuardrailBound { var: "FRESHNESS_HOURS", default: 30.0, safe: (1.0, 48.0), hard: (1.0, 720.0) },
];

fn bound(var: &str) -> GuardrailBound {
    *GUARDRAIL_BOUNDS.iter().find(|b| b.var == var).expect("a listed guardrail")
}

/// A guardrail value: within the hard bounds always, within the safe ones unless `unsafe_override`.
/// `whole`: an integer variable.
fn guardrail(r: &mut Reader<'_>, var: &'static str, whole: bool, unsafe_override: bool) -> f64 {
    let b = bound(var);
    let fmt = |v: f64| if whole { format!("{v:.0}") } else { format!("{v}") };
    let kind = if whole { "a whole number" } else { "a number" };
    let expected = format!("expected {kind} from {} to {} (default {})", fmt(b.hard.0), fmt(b.hard.1), fmt(b.default));
    let value = r.parsed(var, b.default, &expected, |s| {
        let v = if whole { s.parse::<u64>().ok().map(|n| n as f64) } else { s.trim().parse::<f64>().ok() };
        v.filter(|v| (b.hard.0..=b.hard.1).contains(v))
    });
    if !(b.safe.0..=b.safe.1).contains(&value) && !unsafe_override {
        r.push(ConfigError::Invalid {
            var,
            value: format!("'{}'", fmt(value)),
            expected: format!(
                "past the guardrail's safe bounds ({} to {}); set GUARDRAILS_UNSAFE_OVERRIDE=true to allow up to {} to {}",
                fmt(b.safe.0),
                fmt(b.safe.1),
                fmt(b.hard.0),
                fmt(b.hard.1)
            ),
        });
        return b.default;
    }
    value
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
        let unsafe_override = r.flag("GUARDRAILS_UNSAFE_OVERRIDE", false);
        p.guardrails.max_pauses_per_campaign = guardrail(r, "MAX_PAUSES_PER_CAMPAIGN", true, unsafe_override) as u32;
        p.guardrails.cooldown_days = guardrail(r, "COOLDOWN_DAYS", true, unsafe_override) as u32;
        p.guardrails.max_bid_step = guardrail(r, "MAX_BID_STEP_PERCENT", false, unsafe_override) / 100.0;
        p.guardrails.min_bid = float(r, "MIN_BID", 2.0, 0.01..=10_000.0);
        p.guardrails.max_budget_step = guardrail(r, "MAX_BUDGET_STEP_PERCENT", false, unsafe_override) / 100.0;
        p.guardrails.max_daily_budget =
            r.text("MAX_DAILY_BUDGET").map(|_| float(r, "MAX_DAILY_BUDGET", 0.0, 1.0..=10_000_000.0));
        p.conversions.target_cpa = r.text("TARGET_CPA").map(|_| float(r, "TARGET_CPA", 0.0, 0.01..=1_000_000.0));
        p.conversions.max_marginal_cpa_multiple = float(r, "MAX_MARGINAL_CPA_MULTIPLE", 2.0, 1.0..=10.0);
        p.conversions.experiment_step = float(r, "BID_EXPERIMENT_PERCENT", 10.0, 1.0..=25.0) / 100.0;
        p.conversions.prob_best_floor = float(r, "CONVERSIONS_PROB_BEST_FLOOR", 0.01, 0.0..=0.5);
        p.conversions.reallocate = r.flag("BUDGET_REALLOCATION", true);
        let target_cpa_by_campaign = r.parsed(
            "TARGET_CPA_BY_CAMPAIGN",
            BTreeMap::new(),
            "expected campaign=amount pairs separated by commas, e.g. 123456=40,234567=55.50",
            parse_targets,
        );
        let s = Self {
            params: p,
            target_cpa_by_campaign,
            dry_run: r.flag("DRY_RUN", false),
            window_days: r.number("DECISION_WINDOW_DAYS", 7, 1..=90) as u32,
            freshness_hours: guardrail(r, "FRESHNESS_HOURS", true, unsafe_override) as u32,
            restatement_days: r.number("LOOKBACK_DAYS", 7, 0..=90) as u32,
            unsafe_override,
        };
        for g in s.unsafe_guardrails() {
            tracing::warn!(guardrail = %g, "GUARDRAILS_UNSAFE_OVERRIDE=true: a guardrail is past its safe bound");
        }
        s
    }

    /// With `GUARDRAILS_UNSAFE_OVERRIDE`, each guardrail past its safe bound, as `VAR=value (safe a-b)`;
    /// empty without the override (the configuration refuses such values then).
    pub fn unsafe_guardrails(&self) -> Vec<String> {
        if !self.unsafe_override {
            return Vec::new();
        }
        let g = &self.params.guardrails;
        let values = [
            g.max_pauses_per_campaign as f64,
            g.cooldown_days as f64,
            g.max_bid_step * 100.0,
            g.max_budget_step * 100.0,
            self.freshness_hours as f64,
        ];
        GUARDRAIL_BOUNDS
            .iter()
            .zip(values)
            .filter(|(b, v)| !(b.safe.0 - 1e-9..=b.safe.1 + 1e-9).contains(v))
            .map(|(b, v)| format!("{}={} (safe {}-{})", b.var, (v * 1e6).round() / 1e6, b.safe.0, b.safe.1))
            .collect()
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
        assert_eq!(
            s.params.guardrails.max_daily_budget, None,
            "no cap by default: only a reallocation raises a budget"
        );
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
    fn guardrails_past_their_safe_bounds_need_the_override() {
        for (var, value) in [
            ("COOLDOWN_DAYS", "0"),
            ("MAX_BID_STEP_PERCENT", "100"),
            ("MAX_BUDGET_STEP_PERCENT", "51"),
            ("MAX_PAUSES_PER_CAMPAIGN", "100"),
            ("FRESHNESS_HOURS", "72"),
        ] {
            let err = read(&[(var, value)]).unwrap_err().to_string();
            assert!(
                err.contains(&format!("{var}='{value}' is not valid: past the guardrail's safe bounds"))
                    && err.contains("GUARDRAILS_UNSAFE_OVERRIDE=true"),
                "{err}"
            );
            let s = read(&[(var, value), ("GUARDRAILS_UNSAFE_OVERRIDE", "true")]).unwrap();
            let unsafe_ = s.unsafe_guardrails();
            assert_eq!(unsafe_.len(), 1, "{unsafe_:?}");
            assert!(unsafe_[0].starts_with(&format!("{var}={value} (safe ")), "{unsafe_:?}");
        }
        let s = read(&[("COOLDOWN_DAYS", "0"), ("GUARDRAILS_UNSAFE_OVERRIDE", "true")]).unwrap();
        assert_eq!(s.params.guardrails.cooldown_days, 0);
        // The hard limits hold even with the override.
        let err = read(&[("MAX_PAUSES_PER_CAMPAIGN", "101"), ("GUARDRAILS_UNSAFE_OVERRIDE", "true")])
            .unwrap_err()
            .to_string();
        assert!(err.contains("MAX_PAUSES_PER_CAMPAIGN='101' is not valid: expected a whole number from 0 to 100"));
        // Within the safe bounds the override changes nothing and the report names nothing.
        let s = read(&[("MAX_BID_STEP_PERCENT", "50"), ("COOLDOWN_DAYS", "1"), ("GUARDRAILS_UNSAFE_OVERRIDE", "1")])
            .unwrap();
        assert!(s.unsafe_guardrails().is_empty());
        assert!((s.params.guardrails.max_bid_step - 0.5).abs() < 1e-12);
        let err = read(&[("GUARDRAILS_UNSAFE_OVERRIDE", "")]).unwrap_err().to_string();
        assert!(err.contains("GUARDRAILS_UNSAFE_OVERRIDE='' (blank)"), "{err}");
    }

    #[test]
    fn a_blank_dry_run_is_an_error_not_live() {
        let err = read(&[("DRY_RUN", "")]).unwrap_err().to_string();
        assert!(err.contains("DRY_RUN='' (blank) is not valid"), "{err}");
        let err = read(&[("DRY_RUN", "maybe")]).unwrap_err().to_string();
        assert!(err.contains("DRY_RUN='maybe' is not valid"), "{err}");
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
