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
pub mod normal;
mod params;
mod policy;
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
pub use evidence::{BidPredictions, CampaignEvidence, CreativeEvidence, Evidence, PauseReview};
pub use params::{BayesParams, Guardrails, Params, Policy, Thresholds};
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
    /// Bayesian policy only.
    pub posterior: Option<Beta>,
    pub p_below_min_ctr: Option<f64>,
    pub p_best: Option<f64>,
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
    let mut out = Vec::new();
    for campaign in &evidence.campaigns {
        let mut decisions = policy::creative_decisions(campaign, evidence.as_of, params, prior);
        decisions.extend(budgets::campaign_decisions(campaign, evidence.as_of, params, &decisions));
        if let Some(why) = &evidence.stale {
            for d in decisions.iter_mut().filter(|d| d.skipped.is_none() && d.action.writes()) {
                d.skipped = Some(format!("stale data: {why}"));
            }
        }
        out.extend(decisions);
    }
    out
}
