//! What the decisions are tuned by: the policy, its thresholds and the guardrails no policy can exceed.

use serde::{Deserialize, Serialize};

/// Which rule pauses creatives.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Policy {
    /// The seed's rules: pause when CTR < `min_ctr` after more than `min_sample_clicks` clicks, or when
    /// CPC > `max_cpc`; winner when CTR > `top_ctr`.
    Threshold,
    /// Beta-Binomial posteriors of CTR alone, with an empirical-Bayes prior (see [`BayesParams`]).
    Bayesian,
    /// The default: creatives judged on conversions per impression (CTR × CVR, lag-adjusted, with
    /// partially pooled priors), bids on the campaign's learned bid response (see [`ConversionParams`]).
    /// Campaigns whose objective is not conversions are judged as [`Policy::Bayesian`] judges them.
    Conversions,
}

impl Policy {
    pub fn name(self) -> &'static str {
        match self {
            Policy::Threshold => "threshold",
            Policy::Bayesian => "bayesian",
            Policy::Conversions => "conversions",
        }
    }
}

/// The design's thresholds, as fractions and dollars (the env vars hold percents).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Thresholds {
    /// `MIN_CTR_THRESHOLD` / 100: a CTR below this is poor.
    pub min_ctr: f64,
    /// `TOP_PERFORMER_THRESHOLD` / 100: a CTR above this is a winner.
    pub top_ctr: f64,
    /// `MAX_CPC`: the most a click may cost, USD; also the ceiling of a CPC bid.
    pub max_cpc: f64,
    /// `MIN_SAMPLE_SIZE`: clicks before the threshold policy judges a creative.
    pub min_sample_clicks: u64,
    /// `BID_CHANGE_THRESHOLD`: the dead band, USD. A bid change smaller than this is not made (it
    /// would only churn the auction's learning).
    pub bid_dead_band: f64,
}

#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct BayesParams {
    /// Pause when P(CTR < min_ctr) is at least this, and the creative is not a plausible best of its
    /// campaign (P(best) < `keep_if_best`). `PAUSE_CONFIDENCE`.
    pub pause_confidence: f64,
    /// Pause when P(best of campaign) falls below this, once the creative has `min_impressions`.
    /// `PROB_BEST_FLOOR`.
    pub prob_best_floor: f64,
    /// Never pause a creative at least this likely to be the campaign's best.
    pub keep_if_best: f64,
    /// Impressions before P(best) may pause a creative. `BAYES_MIN_IMPRESSIONS`.
    pub min_impressions: u64,
    /// A creative at least this likely to be its campaign's best is a winner.
    pub winner_prob_best: f64,
}

/// Limits no policy can exceed.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Guardrails {
    /// `MAX_PAUSES_PER_CAMPAIGN` per day (pauses already made today count).
    pub max_pauses_per_campaign: u32,
    /// `COOLDOWN_DAYS`: days after the optimizer changed an entity before it may change it again.
    pub cooldown_days: u32,
    /// `MAX_BID_STEP_PERCENT` / 100: largest relative bid change per run.
    pub max_bid_step: f64,
    /// `MIN_BID`: the lowest bid the optimizer sets, USD.
    pub min_bid: f64,
    /// `MAX_BUDGET_STEP_PERCENT` / 100: largest relative budget raise per run.
    pub max_budget_step: f64,
    /// `MAX_DAILY_BUDGET`: budgets are only ever raised up to this; `None` = a budget is raised only
    /// by a reallocation, which keeps the account's total (the winner scale-up needs a cap).
    pub max_daily_budget: Option<f64>,
}

/// The conversions policy's bids and budgets (its creative rules share [`BayesParams`]' P(best) floors).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct ConversionParams {
    /// `TARGET_CPA`: the most a marginal conversion may cost (account currency); `None`: no target,
    /// and a bid is raised while its marginal cost per conversion stays within
    /// `max_marginal_cpa_multiple` × the account's average.
    pub target_cpa: Option<f64>,
    /// `MAX_MARGINAL_CPA_MULTIPLE`: without a target, how much dearer than the account's average cost
    /// per conversion the conversions a higher bid buys may be.
    pub max_marginal_cpa_multiple: f64,
    /// `BID_EXPERIMENT_PERCENT` / 100: the step of a bid experiment, made when the history cannot tell
    /// how volume answers the bid.
    pub experiment_step: f64,
    /// A campaign-day counts as budget-bound when it spent at least this share of its daily budget.
    pub bound_share: f64,
    /// `CONVERSIONS_PROB_BEST_FLOOR`: pause a creative once P(best conversions per impression of its
    /// campaign) falls below this (and it has `BAYES_MIN_IMPRESSIONS`). Stricter than the bayesian
    /// policy's `PROB_BEST_FLOOR`: the rule is asked every day, and on the generated markets 0.05
    /// paused a campaign's truly best creative in a quarter of campaigns, 0.02 in 5 %, 0.01 in none.
    pub prob_best_floor: f64,
    /// `BUDGET_REALLOCATION`: move daily budget between budget-bound conversion campaigns, from dear
    /// conversions to cheap ones, keeping the account's total ([`super::reallocation`]).
    #[serde(default = "yes")]
    pub reallocate: bool,
}

fn yes() -> bool {
    true
}

#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Params {
    pub policy: Policy,
    pub thresholds: Thresholds,
    pub bayes: BayesParams,
    pub guardrails: Guardrails,
    #[serde(default = "ConversionParams::defaults")]
    pub conversions: ConversionParams,
}

impl ConversionParams {
    pub fn defaults() -> Self {
        Self {
            target_cpa: None,
            max_marginal_cpa_multiple: 2.0,
            experiment_step: 0.10,
            bound_share: 0.97,
            prob_best_floor: 0.01,
            reallocate: true,
        }
    }
}

impl Default for Params {
    fn default() -> Self {
        Self {
            policy: Policy::Conversions,
            thresholds: Thresholds {
                min_ctr: 0.01,
                top_ctr: 0.03,
                max_cpc: 8.0,
                min_sample_clicks: 100,
                bid_dead_band: 0.50,
            },
            bayes: BayesParams {
                pause_confidence: 0.95,
                prob_best_floor: 0.05,
                keep_if_best: 0.20,
                min_impressions: 2_000,
                winner_prob_best: 0.90,
            },
            guardrails: Guardrails {
                max_pauses_per_campaign: 1,
                cooldown_days: 3,
                max_bid_step: 0.20,
                min_bid: 2.0,
                max_budget_step: 0.20,
                max_daily_budget: None,
            },
            conversions: ConversionParams::defaults(),
        }
    }
}
