//! The optimizer's decisions: pure functions from evidence to actions, no I/O.
//!
//! [`decide`] takes one day's [`Evidence`] (each live campaign with its creatives, their weighted
//! performance over the window and when the optimizer last touched them) and the [`Params`], and
//! returns one [`Decision`] per creative and campaign: the action, whether it is taken or skipped and
//! why, and the numbers behind it. The optimizer job applies the taken ones and logs all of them.
//!
//! Two policies decide which creatives to pause ([`Policy`]): `threshold`, the seed design's rules as
//! written (the baseline), and `bayesian` (the default), which asks how sure we are rather than
//! comparing a noisy ratio with a line. Guardrails apply to both and are enforced here, last, so no
//! policy can bypass them: a campaign keeps at least one active creative, at most
//! `max_pauses_per_campaign` pauses per run, a cooldown per entity, no action on stale data, and bids and
//! budgets move by bounded steps within bounds.

mod bids;
mod budgets;
mod evidence;
mod guardrails;
pub mod lag;
pub mod normal;
mod params;
mod policy;
mod reallocation;
pub mod response;
pub mod stats;
#[cfg(test)]
mod tests;
pub mod value;

use chrono::NaiveDate;
use rust_decimal::Decimal;
use rust_decimal::prelude::{FromPrimitive, ToPrimitive};
use serde::{Deserialize, Serialize};

use crate::ids::{CampaignId, CreativeId};

pub use bids::bid_candidates;
pub use evidence::{
    BidPredictions, CampaignEvidence, CreativeEvidence, DayEvidence, Evidence, Goal, HISTORY_DAYS, PauseReview,
};
pub use lag::{LagCurve, LagSums};
pub use params::{BayesParams, ConversionParams, Guardrails, Params, Policy, Thresholds};
use stats::{Beta, fit_prior};

/// What a decision is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Entity {
    Creative { id: CreativeId, campaign: CampaignId },
    Campaign { id: CampaignId },
}

impl Entity {
    /// The campaign the entity is or belongs to.
    pub fn campaign(&self) -> CampaignId {
        match *self {
            Entity::Creative { campaign, .. } => campaign,
            Entity::Campaign { id } => id,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Action {
    Pause,
    /// Re-activate a paused creative (a revive, or an undo).
    Resume,
    /// A creative the policy would keep running: no change.
    Keep,
    /// A top performer: reported, and input to the copy generator. No write.
    FlagWinner,
    SetBid {
        from: Decimal,
        to: Decimal,
    },
    SetDailyBudget {
        from: Decimal,
        to: Decimal,
    },
    /// A new creative in the campaign (the entity), from an approved copy variation: `copy approve`
    /// or `AUTO_PUBLISH`, never `decide`. The audit line's `published` says what and which creative;
    /// its before/after are the new creative's status (none → its intended status).
    Publish,
}

impl Action {
    /// Whether taking it writes to LinkedIn.
    pub fn writes(&self) -> bool {
        matches!(
            self,
            Action::Pause | Action::Resume | Action::SetBid { .. } | Action::SetDailyBudget { .. } | Action::Publish
        )
    }
}

/// The numbers behind a creative decision.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct CreativeStats {
    pub impressions: u64,
    pub clicks: u64,
    pub cost_usd: Decimal,
    pub ctr: Option<f64>,
    pub cpc: Option<f64>,
    /// Bayesian and conversions policies: the CTR posterior.
    pub posterior: Option<Beta>,
    pub p_below_min_ctr: Option<f64>,
    /// P(best of its campaign), on CTR or (conversions policy) on conversions per impression.
    pub p_best: Option<f64>,
    /// Conversions policy: the conversions reported so far, the lag-adjusted CVR posterior and ln of
    /// conversions per impression.
    #[serde(default)]
    pub conversions: Option<f64>,
    #[serde(default)]
    pub cvr_posterior: Option<Beta>,
    #[serde(default)]
    pub value: Option<value::LnValue>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Decision {
    pub entity: Entity,
    pub action: Action,
    /// `None` when the action is to be taken; else why not (a guardrail, stale data, the dead band).
    pub skipped: Option<String>,
    pub reason: String,
    pub stats: Option<CreativeStats>,
}

impl Decision {
    /// A write that is to be made.
    pub fn is_write(&self) -> bool {
        self.skipped.is_none() && self.action.writes()
    }
}

pub(crate) fn in_cooldown(last: Option<NaiveDate>, as_of: NaiveDate, days: u32) -> Option<String> {
    let last = last?;
    let since = (as_of - last).num_days();
    (since < days as i64).then(|| format!("cooldown: changed by the optimizer on {last}, {days}-day cooldown"))
}

pub(crate) fn usd(v: f64) -> Decimal {
    Decimal::from_f64(v).unwrap_or_default().round_dp(2)
}

pub(crate) fn f(d: Decimal) -> f64 {
    d.to_f64().unwrap_or(0.0)
}

pub(crate) fn pct(v: Option<f64>) -> String {
    v.map(|v| format!("{:.2}%", v * 100.0)).unwrap_or_else(|| "n/a".into())
}

/// Decides on every campaign and creative of `evidence`.
pub fn decide(evidence: &Evidence, params: &Params) -> Vec<Decision> {
    // The prior comes from the whole account: a campaign with two creatives says little about spread.
    let observations: Vec<(u64, u64)> = evidence
        .campaigns
        .iter()
        .flat_map(|c| c.creatives.iter())
        .filter(|c| c.totals.impressions > 0)
        .map(|c| (c.totals.clicks, c.totals.impressions))
        .collect();
    let prior = fit_prior(&observations);
    let completeness: Vec<f64> =
        evidence.campaigns.iter().map(|c| window_completeness(c, evidence.as_of, &evidence.lag)).collect();
    // CVRs pool within each conversion campaign, and the campaigns within the account.
    let pooled: Vec<Vec<(f64, f64)>> = evidence
        .campaigns
        .iter()
        .zip(&completeness)
        .filter(|(c, _)| c.goal == Goal::Conversions)
        .map(|(c, w)| c.creatives.iter().map(|cr| (cr.totals.conversions, cr.totals.clicks as f64 * w)).collect())
        .collect();
    let mut fitted = value::cvr_priors(&pooled).into_iter();
    let cvr_priors: Vec<Option<Beta>> =
        evidence.campaigns.iter().map(|c| if c.goal == Goal::Conversions { fitted.next() } else { None }).collect();
    let cvrs: Vec<f64> = cvr_priors.iter().map(|p| p.map_or(value::DEFAULT_CVR, |p| p.mean())).collect();
    let moves = match params.policy {
        Policy::Conversions => Some((cvrs.clone(), completeness.clone())),
        Policy::Threshold | Policy::Bayesian => None,
    };
    let quiet = response::quiet_weekdays(evidence);
    let account = budgets::AccountContext { quiet: &quiet };
    let mut out = Vec::new();
    let quiet_days = quiet;
    for (((campaign, w), cvr_prior), cvr) in evidence.campaigns.iter().zip(completeness).zip(cvr_priors).zip(cvrs) {
        let on = match params.policy {
            Policy::Conversions if campaign.goal == Goal::Conversions => policy::JudgeOn::Value,
            Policy::Conversions => policy::JudgeOn::LeadingCtr,
            Policy::Threshold | Policy::Bayesian => policy::JudgeOn::Ctr,
        };
        let judge = policy::Judge {
            ctr_prior: prior,
            cvr_prior: cvr_prior.unwrap_or(Beta { alpha: 5.0, beta: 95.0 }),
            completeness: w,
            on,
        };
        let mut decisions = policy::creative_decisions(campaign, evidence.as_of, params, &judge);
        decisions.extend(budgets::campaign_decisions(campaign, evidence, params, &decisions, cvr, &account));
        out.extend(decisions);
    }
    if let Some((cvrs, completeness)) = moves {
        let moved = reallocation::reallocate(evidence, params, &cvrs, &completeness, &quiet_days, &out);
        out.extend(moved);
    }
    if let Some(why) = &evidence.stale {
        for d in out.iter_mut().filter(|d| d.skipped.is_none() && d.action.writes()) {
            d.skipped = Some(format!("stale data: {why}"));
        }
    }
    out
}

/// The share of the decision window's eventual conversions reported by `as_of`: each window day's
/// completeness by its age, weighted by the day's clicks (uniform over the window without history).
fn window_completeness(campaign: &CampaignEvidence, as_of: NaiveDate, lag: &LagCurve) -> f64 {
    let window_days = campaign.window_days.max(1) as i64;
    let days: Vec<&DayEvidence> =
        campaign.history.iter().filter(|d| (1..=window_days).contains(&(as_of - d.date).num_days())).collect();
    let clicks: f64 = days.iter().map(|d| d.clicks as f64).sum();
    if clicks > 0.0 {
        days.iter().map(|d| d.clicks as f64 * lag.completeness((as_of - d.date).num_days())).sum::<f64>() / clicks
    } else {
        (1..=window_days).map(|age| lag.completeness(age)).sum::<f64>() / window_days as f64
    }
}
