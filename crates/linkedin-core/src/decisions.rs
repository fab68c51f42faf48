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

use chrono::NaiveDate;
use rust_decimal::Decimal;
use rust_decimal::prelude::{FromPrimitive, ToPrimitive};
use serde::{Deserialize, Serialize};

use crate::bid_features::BidContext;
use crate::ids::{CampaignId, CreativeId};
use crate::performance::Totals;
use crate::stats::{Beta, fit_prior, prob_best};

/// Which rule pauses creatives.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Policy {
    /// The seed's rules: pause when CTR < `min_ctr` after more than `min_sample_clicks` clicks, or when
    /// CPC > `max_cpc`; winner when CTR > `top_ctr`.
    Threshold,
    /// Beta-Binomial posteriors with an empirical-Bayes prior (see [`BayesParams`]).
    Bayesian,
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
    /// `MAX_DAILY_BUDGET`: budgets are only ever raised up to this; `None` = never raise a budget.
    pub max_daily_budget: Option<f64>,
}

#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Params {
    pub policy: Policy,
    pub thresholds: Thresholds,
    pub bayes: BayesParams,
    pub guardrails: Guardrails,
}

impl Default for Params {
    fn default() -> Self {
        Self {
            policy: Policy::Bayesian,
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
        }
    }
}

/// One live creative and its evidence.
#[derive(Debug, Clone, PartialEq)]
pub struct CreativeEvidence {
    pub id: CreativeId,
    /// ACTIVE on LinkedIn now.
    pub active: bool,
    /// Performance over the window (zero when it did not serve).
    pub totals: Totals,
    /// The last day the optimizer changed it, from the audit log.
    pub last_changed: Option<NaiveDate>,
    /// Set for a creative the optimizer paused whose pause window LinkedIn has finished restating:
    /// the pause is checked again and undone when the final numbers no longer support it.
    pub pause_review: Option<PauseReview>,
}

/// A pause to re-check ("revive"): the numbers the pause was decided on, as LinkedIn has restated
/// them since. The question is the pause's own: would the final numbers have paused it? Judging it
/// against today's creatives instead would be a different question, and flip-flops: once the weak
/// creatives are paused, the next-weakest always looks good against what is left.
#[derive(Debug, Clone, PartialEq)]
pub struct PauseReview {
    pub paused_on: NaiveDate,
    /// The creative's totals over the pause's decision window.
    pub restated: Totals,
    /// Those of the campaign's creatives that were active beside it then, over the same window.
    pub rivals: Vec<Totals>,
    /// The prior the pause was judged with (recovered from its logged posterior), so that the numbers,
    /// not a prior refitted on today's account, decide; `None`: today's.
    pub prior: Option<Beta>,
}

/// One live campaign and its creatives.
#[derive(Debug, Clone, PartialEq)]
pub struct CampaignEvidence {
    pub id: CampaignId,
    pub active: bool,
    pub is_cpm: bool,
    /// The bid (`unitCost`), USD.
    pub bid: Option<Decimal>,
    pub daily_budget: Option<Decimal>,
    /// Window totals (the creatives' sum) and the days it covers, for budget utilisation.
    pub totals: Totals,
    pub window_days: u32,
    /// The last day the optimizer changed the campaign (bid or budget), from the audit log.
    pub last_changed: Option<NaiveDate>,
    pub creatives: Vec<CreativeEvidence>,
    /// What the bid model needs; `None` without history.
    pub bid_context: Option<BidContext>,
    /// The bid model's predictions at [`bid_candidates`]; `None`: no model, the pacing heuristic.
    pub bid_predictions: Option<BidPredictions>,
}

/// Predicted clicks at candidate bids, from the bid optimizer model (native or endpoint). Computed
/// before [`decide`], which stays pure and synchronous.
#[derive(Debug, Clone, PartialEq)]
pub struct BidPredictions {
    /// Which model, for the reason text.
    pub model: String,
    /// (bid, predicted clicks), in [`bid_candidates`] order.
    pub points: Vec<(f64, f64)>,
}

/// Everything one run decides on.
#[derive(Debug, Clone, PartialEq)]
pub struct Evidence {
    pub as_of: NaiveDate,
    /// Why the data cannot be trusted today (stale or missing pull); every action is then skipped.
    pub stale: Option<String>,
    pub campaigns: Vec<CampaignEvidence>,
}

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

fn in_cooldown(last: Option<NaiveDate>, as_of: NaiveDate, days: u32) -> Option<String> {
    let last = last?;
    let since = (as_of - last).num_days();
    (since < days as i64).then(|| format!("cooldown: changed by the optimizer on {last}, {days}-day cooldown"))
}

fn usd(v: f64) -> Decimal {
    Decimal::from_f64(v).unwrap_or_default().round_dp(2)
}

fn f(d: Decimal) -> f64 {
    d.to_f64().unwrap_or(0.0)
}

fn pct(v: Option<f64>) -> String {
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
        let mut decisions = creative_decisions(campaign, evidence.as_of, params, prior);
        decisions.extend(campaign_decisions(campaign, evidence.as_of, params, &decisions));
        if let Some(why) = &evidence.stale {
            for d in decisions.iter_mut().filter(|d| d.skipped.is_none() && d.action.writes()) {
                d.skipped = Some(format!("stale data: {why}"));
            }
        }
        out.extend(decisions);
    }
    out
}

/// The policy's verdict on one creative's totals. `p_best` is its probability of being the best of
/// `contenders` creatives (itself included) and `post` its posterior.
fn verdict(
    totals: &Totals,
    post: Beta,
    p_best: f64,
    contenders: usize,
    params: &Params,
) -> (Action, String, CreativeStats) {
    let t = &params.thresholds;
    let ctr = totals.ctr();
    let cpc = totals.cpc();
    let mut stats = CreativeStats {
        impressions: totals.impressions,
        clicks: totals.clicks,
        cost_usd: totals.cost_usd,
        ctr,
        cpc,
        posterior: None,
        p_below_min_ctr: None,
        p_best: None,
    };
    let (action, reason) = match params.policy {
        Policy::Threshold => {
            let ctr_v = ctr.unwrap_or(0.0);
            if totals.clicks > t.min_sample_clicks && ctr_v < t.min_ctr {
                (
                    Action::Pause,
                    format!("CTR {} below {} after {} clicks", pct(ctr), pct(Some(t.min_ctr)), totals.clicks),
                )
            } else if cpc.is_some_and(|v| v > t.max_cpc) {
                (Action::Pause, format!("CPC ${:.2} above ${:.2}", cpc.unwrap_or(0.0), t.max_cpc))
            } else if ctr_v > t.top_ctr {
                (Action::FlagWinner, format!("CTR {} above {}", pct(ctr), pct(Some(t.top_ctr))))
            } else {
                (Action::Keep, format!("CTR {} over {} impressions: no rule fires", pct(ctr), totals.impressions))
            }
        }
        Policy::Bayesian => {
            let b = &params.bayes;
            let below = post.cdf(t.min_ctr);
            stats.posterior = Some(post);
            stats.p_below_min_ctr = Some(below);
            stats.p_best = Some(p_best);
            // Both pause rules wait for `min_impressions`: before that, the prior speaks louder than the data.
            let contested = contenders > 1 && totals.impressions >= b.min_impressions;
            if contested && below >= b.pause_confidence && p_best < b.keep_if_best {
                (
                    Action::Pause,
                    format!(
                        "P(CTR < {}) = {below:.3} ≥ {} and P(best of campaign) = {p_best:.3}",
                        pct(Some(t.min_ctr)),
                        b.pause_confidence,
                    ),
                )
            } else if contested && p_best < b.prob_best_floor {
                (
                    Action::Pause,
                    format!(
                        "P(best of campaign) = {p_best:.4} < {} after {} impressions (CTR {}, posterior mean {})",
                        b.prob_best_floor,
                        totals.impressions,
                        pct(ctr),
                        pct(Some(post.mean()))
                    ),
                )
            } else if contested && p_best >= b.winner_prob_best {
                (Action::FlagWinner, format!("P(best of campaign) = {p_best:.3}, CTR {}", pct(ctr)))
            } else if 1.0 - post.cdf(t.top_ctr) >= b.pause_confidence {
                (Action::FlagWinner, format!("P(CTR > {}) ≥ {}", pct(Some(t.top_ctr)), b.pause_confidence))
            } else {
                (Action::Keep, format!("not enough evidence to act (P(best) = {p_best:.3}, CTR {})", pct(ctr)))
            }
        }
    };
    (action, reason, stats)
}

fn creative_decisions(campaign: &CampaignEvidence, as_of: NaiveDate, params: &Params, prior: Beta) -> Vec<Decision> {
    let active: Vec<&CreativeEvidence> = campaign.creatives.iter().filter(|c| c.active).collect();
    let posteriors: Vec<Beta> = active.iter().map(|c| prior.posterior(c.totals.clicks, c.totals.impressions)).collect();
    let p_best = if active.len() > 1 { prob_best(&posteriors) } else { vec![1.0; active.len()] };

    let mut proposals: Vec<(Decision, f64)> = Vec::new();
    for (i, c) in active.iter().enumerate() {
        let (action, reason, stats) = verdict(&c.totals, posteriors[i], p_best[i], active.len(), params);
        let entity = Entity::Creative { id: c.id, campaign: campaign.id };
        let skipped = if action == Action::Pause {
            in_cooldown(c.last_changed, as_of, params.guardrails.cooldown_days)
        } else {
            None
        };
        // Weakest first when the guardrails allow only some pauses.
        let rank = stats.p_best.unwrap_or_else(|| stats.ctr.unwrap_or(0.0));
        proposals.push((Decision { entity, action, skipped, reason, stats: Some(stats) }, rank));
    }

    // Guardrails: keep one active creative; at most N pauses per campaign per run.
    let mut order: Vec<usize> = (0..proposals.len()).collect();
    order.sort_by(|a, b| proposals[*a].1.total_cmp(&proposals[*b].1));
    let mut remaining = active.len();
    // Pauses already made today count against the cap, so a second run the same day adds none.
    let mut paused = campaign.creatives.iter().filter(|c| !c.active && c.last_changed == Some(as_of)).count() as u32;
    for i in order {
        let d = &mut proposals[i].0;
        if d.action != Action::Pause || d.skipped.is_some() {
            continue;
        }
        if remaining <= 1 {
            d.skipped = Some("guardrail: the last active creative of the campaign is never paused".into());
        } else if paused >= params.guardrails.max_pauses_per_campaign {
            d.skipped = Some(format!(
                "guardrail: at most {} pause(s) per campaign per day",
                params.guardrails.max_pauses_per_campaign
            ));
        } else {
            paused += 1;
            remaining -= 1;
        }
    }
    let mut out: Vec<Decision> = proposals.into_iter().map(|(d, _)| d).collect();
    out.extend(pause_reviews(campaign, as_of, params, prior));
    out
}

/// Revive: each pause under review is judged again by the current policy, on the restated numbers of
/// its own decision window. When the policy would no longer pause it, it is resumed, the strongest
/// first and one per campaign per day. A campaign with no active creative is left alone: someone
/// stopped it on purpose.
fn pause_reviews(campaign: &CampaignEvidence, as_of: NaiveDate, params: &Params, prior: Beta) -> Vec<Decision> {
    if !campaign.active || !campaign.creatives.iter().any(|c| c.active) {
        return Vec::new();
    }
    let mut reviews: Vec<(Decision, f64)> = Vec::new();
    for c in campaign.creatives.iter().filter(|c| !c.active) {
        let Some(review) = &c.pause_review else { continue };
        let prior = review.prior.unwrap_or(prior);
        let mut all = vec![prior.posterior(review.restated.clicks, review.restated.impressions)];
        all.extend(review.rivals.iter().map(|t| prior.posterior(t.clicks, t.impressions)));
        let p_best = if all.len() > 1 { prob_best(&all)[0] } else { 1.0 };
        let (verdict, why, stats) = verdict(&review.restated, all[0], p_best, all.len(), params);
        let (action, reason) = if verdict == Action::Pause {
            (
                Action::Keep,
                format!("stays paused (since {}): the restated numbers still support it: {why}", review.paused_on),
            )
        } else {
            (
                Action::Resume,
                format!("paused on {}, but the restated numbers no longer support it: {why}", review.paused_on),
            )
        };
        let skipped = if action == Action::Resume {
            in_cooldown(c.last_changed, as_of, params.guardrails.cooldown_days)
        } else {
            None
        };
        let rank = stats.p_best.unwrap_or_else(|| stats.ctr.unwrap_or(0.0));
        reviews.push((
            Decision {
                entity: Entity::Creative { id: c.id, campaign: campaign.id },
                action,
                skipped,
                reason,
                stats: Some(stats),
            },
            rank,
        ));
    }
    reviews.sort_by(|a, b| b.1.total_cmp(&a.1));
    let mut resumed = false;
    for (d, _) in &mut reviews {
        if d.action != Action::Resume || d.skipped.is_some() {
            continue;
        }
        if resumed {
            d.skipped = Some("guardrail: at most 1 revive per campaign per day, the strongest first".into());
        }
        resumed = true;
    }
    reviews.into_iter().map(|(d, _)| d).collect()
}

/// The current bid and the range one run may move it in: one step either way, never below MIN_BID
/// nor (for CPC) above MAX_CPC; a bid already outside those bounds moves toward them by at most one
/// step, never jumps (a CPM bid is per 1000 impressions and has no CPC ceiling).
fn bid_bounds(campaign: &CampaignEvidence, params: &Params) -> Option<(f64, f64, f64)> {
    let g = &params.guardrails;
    let bid = f(campaign.bid?);
    let ceiling = if campaign.is_cpm { f64::INFINITY } else { params.thresholds.max_cpc };
    let lo = (bid * (1.0 - g.max_bid_step)).max(g.min_bid.min(bid));
    let hi = (bid * (1.0 + g.max_bid_step)).min(ceiling.max(bid)).max(lo);
    Some((bid, lo, hi))
}

/// The bids a model scores for a campaign: the current one (within bounds) first, then 9 evenly
/// spaced across the allowed range. Empty without a bid.
pub fn bid_candidates(campaign: &CampaignEvidence, params: &Params) -> Vec<f64> {
    let Some((bid, lo, hi)) = bid_bounds(campaign, params) else { return Vec::new() };
    const STEPS: usize = 8;
    std::iter::once(bid.clamp(lo, hi)).chain((0..=STEPS).map(|k| lo + (hi - lo) * k as f64 / STEPS as f64)).collect()
}

/// The bid a campaign should have: the model's best candidate, or the pacing heuristic.
fn bid_decision(campaign: &CampaignEvidence, as_of: NaiveDate, params: &Params) -> Option<Decision> {
    let t = &params.thresholds;
    let g = &params.guardrails;
    let (bid, lo, hi) = bid_bounds(campaign, params)?;
    let entity = Entity::Campaign { id: campaign.id };
    let (target, reason) = match &campaign.bid_predictions {
        Some(p) if !p.points.is_empty() => {
            // The first point is the current bid: another must beat it to move.
            let mut best = p.points[0];
            for &(candidate, clicks) in &p.points[1..] {
                if clicks > best.1 + 1e-9 {
                    best = (candidate, clicks);
                }
            }
            (best.0, format!("{} predicts {:.1} clicks at ${:.2}", p.model, best.1, best.0))
        }
        _ => {
            let spend = campaign.totals.cost();
            let budget = campaign.daily_budget.map(f).filter(|b| *b > 0.0);
            let utilization = budget.map(|b| spend / (b * campaign.window_days.max(1) as f64));
            match (utilization, campaign.totals.cpc()) {
                // Under-delivering: the bid loses auctions the budget could pay for.
                (Some(u), _) if u < 0.80 => (
                    bid * (1.0 + g.max_bid_step),
                    format!("budget {:.0}% spent: raise the bid to win more auctions", u * 100.0),
                ),
                // Budget-limited and paying well under the bid: a lower bid buys the same budget's clicks cheaper.
                (Some(u), Some(cpc)) if u >= 0.95 && bid - cpc > t.bid_dead_band => (
                    (cpc + t.bid_dead_band).max(bid * (1.0 - g.max_bid_step)),
                    format!("budget {:.0}% spent at CPC ${cpc:.2} under the ${bid:.2} bid: lower it", u * 100.0),
                ),
                _ => (bid, "pacing is on target".to_string()),
            }
        }
    };
    let to = target.clamp(lo, hi);
    let to_d = usd(to);
    let from_d = campaign.bid?.round_dp(2);
    if to_d == from_d {
        return None; // nothing to change, nothing to report
    }
    let action = Action::SetBid { from: from_d, to: to_d };
    let change = (to - bid).abs();
    let skipped = if change < t.bid_dead_band {
        Some(format!("dead band: change ${change:.2} smaller than ${:.2}", t.bid_dead_band))
    } else {
        in_cooldown(campaign.last_changed, as_of, g.cooldown_days)
    };
    Some(Decision { entity, action, skipped, reason, stats: None })
}

fn campaign_decisions(
    campaign: &CampaignEvidence,
    as_of: NaiveDate,
    params: &Params,
    creative_decisions: &[Decision],
) -> Vec<Decision> {
    if !campaign.active || campaign.totals.impressions == 0 {
        return Vec::new();
    }
    let mut out: Vec<Decision> = bid_decision(campaign, as_of, params).into_iter().collect();
    // Scale a campaign with a winner whose budget is the limit, up to MAX_DAILY_BUDGET.
    let has_winner = creative_decisions.iter().any(|d| d.action == Action::FlagWinner);
    if let (true, Some(budget), Some(max)) = (has_winner, campaign.daily_budget, params.guardrails.max_daily_budget) {
        let b = f(budget);
        let utilization = campaign.totals.cost() / (b * campaign.window_days.max(1) as f64);
        let cpc_ok = campaign.totals.cpc().is_none_or(|c| c <= params.thresholds.max_cpc);
        if utilization >= 0.95 && cpc_ok && b < max {
            let to = usd((b * (1.0 + params.guardrails.max_budget_step)).min(max));
            out.push(Decision {
                entity: Entity::Campaign { id: campaign.id },
                action: Action::SetDailyBudget { from: budget.round_dp(2), to },
                skipped: in_cooldown(campaign.last_changed, as_of, params.guardrails.cooldown_days),
                reason: format!("a winning creative and {:.0}% of the budget spent: scale up", utilization * 100.0),
                stats: None,
            });
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    fn totals(impressions: u64, clicks: u64, cost: f64) -> Totals {
        Totals { impressions, clicks, cost_usd: usd(cost), ..Totals::default() }
    }

    fn creative(id: u64, impressions: u64, clicks: u64) -> CreativeEvidence {
        CreativeEvidence {
            id: CreativeId(id),
            active: true,
            totals: totals(impressions, clicks, clicks as f64 * 4.0),
            last_changed: None,
            pause_review: None,
        }
    }

    fn campaign(creatives: Vec<CreativeEvidence>) -> CampaignEvidence {
        let mut t = Totals::default();
        for c in &creatives {
            t.add(&c.totals);
        }
        CampaignEvidence {
            id: CampaignId(600),
            active: true,
            is_cpm: false,
            bid: Some(Decimal::from(5)),
            daily_budget: Some(Decimal::from(1000)),
            totals: t,
            window_days: 7,
            last_changed: None,
            creatives,
            bid_context: None,
            bid_predictions: None,
        }
    }

    fn run(campaigns: Vec<CampaignEvidence>, params: &Params) -> Vec<Decision> {
        decide(&Evidence { as_of: day("2026-11-23"), stale: None, campaigns }, params)
    }

    fn of(ds: &[Decision], id: u64) -> &Decision {
        ds.iter().find(|d| matches!(d.entity, Entity::Creative { id: c, .. } if c.0 == id)).unwrap()
    }

    fn threshold() -> Params {
        Params { policy: Policy::Threshold, ..Params::default() }
    }

    #[test]
    fn threshold_policy_is_the_seeds_rules() {
        let p = threshold();
        let ds =
            run(vec![campaign(vec![creative(1, 20_000, 101), creative(2, 20_000, 100), creative(3, 1000, 40)])], &p);
        assert_eq!(of(&ds, 1).action, Action::Pause, "0.5% after 101 clicks (more than MIN_SAMPLE_SIZE)");
        assert_eq!(of(&ds, 2).action, Action::Keep, "100 clicks is not more than 100");
        assert_eq!(of(&ds, 3).action, Action::FlagWinner, "4% > 3%");
        let mut c = creative(4, 100, 1);
        c.totals.cost_usd = usd(9.0);
        let ds = run(vec![campaign(vec![c, creative(5, 1000, 40)])], &p);
        assert_eq!(of(&ds, 4).action, Action::Pause, "CPC $9 > $8, as written (no sample size)");
    }

    #[test]
    fn bayesian_pauses_a_creative_that_is_confidently_not_the_best_and_waits_on_thin_data() {
        let p = Params::default();
        let ds = run(vec![campaign(vec![creative(1, 30_000, 240), creative(2, 30_000, 90), creative(3, 800, 2)])], &p);
        let loser = of(&ds, 2);
        assert_eq!(loser.action, Action::Pause, "{loser:?}");
        assert!(loser.skipped.is_none());
        assert!(loser.stats.unwrap().p_best.unwrap() < 0.05);
        assert_eq!(of(&ds, 3).action, Action::Keep, "800 impressions are too few to judge: {:?}", of(&ds, 3));
        assert_eq!(of(&ds, 1).action, Action::FlagWinner);
        // The threshold rule would pause the 0.8% leader too (after 240 clicks): the bayesian one keeps it.
        assert_eq!(
            of(&run(vec![campaign(vec![creative(1, 30_000, 240), creative(2, 30_000, 90)])], &threshold()), 1).action,
            Action::Pause
        );
    }

    #[test]
    fn the_last_active_creative_is_never_paused_and_pauses_are_capped_weakest_first() {
        let mut p = threshold();
        let ds = run(vec![campaign(vec![creative(1, 50_000, 150)])], &p);
        assert_eq!(of(&ds, 1).action, Action::Pause);
        assert!(of(&ds, 1).skipped.as_deref().unwrap().contains("last active creative"));

        let ds =
            run(vec![campaign(vec![creative(1, 50_000, 150), creative(2, 50_000, 120), creative(3, 50_000, 200)])], &p);
        let taken: Vec<u64> = ds
            .iter()
            .filter(|d| d.is_write() && d.action == Action::Pause)
            .filter_map(|d| match d.entity {
                Entity::Creative { id, .. } => Some(id.0),
                _ => None,
            })
            .collect();
        assert_eq!(taken, vec![2], "one pause per run, the weakest");
        assert!(of(&ds, 1).skipped.as_deref().unwrap().contains("at most 1 pause"));
        // A creative the optimizer paused earlier today uses up today's pause.
        let mut earlier = creative(4, 50_000, 100);
        earlier.active = false;
        earlier.last_changed = Some(day("2026-11-23"));
        let ds = run(vec![campaign(vec![creative(1, 50_000, 150), creative(2, 50_000, 120), earlier])], &p);
        assert_eq!(ds.iter().filter(|d| d.is_write()).filter(|d| d.action == Action::Pause).count(), 0);
        p.guardrails.max_pauses_per_campaign = 5;
        let ds =
            run(vec![campaign(vec![creative(1, 50_000, 150), creative(2, 50_000, 120), creative(3, 50_000, 200)])], &p);
        assert_eq!(ds.iter().filter(|d| d.is_write() && d.action == Action::Pause).count(), 2, "all but the last");
    }

    #[test]
    fn cooldown_and_stale_data_hold_writes_back() {
        let p = threshold();
        let mut c = creative(1, 50_000, 150);
        c.last_changed = Some(day("2026-11-21"));
        let ds = run(vec![campaign(vec![c, creative(2, 5000, 200)])], &p);
        assert!(of(&ds, 1).skipped.as_deref().unwrap().starts_with("cooldown"), "{:?}", of(&ds, 1));
        let evidence = Evidence {
            as_of: day("2026-11-23"),
            stale: Some("the newest pull is 3 days old".into()),
            campaigns: vec![campaign(vec![creative(1, 50_000, 150), creative(2, 5000, 200)])],
        };
        let ds = decide(&evidence, &p);
        assert!(ds.iter().all(|d| !d.is_write()), "{ds:?}");
        assert!(of(&ds, 1).skipped.as_deref().unwrap().contains("stale data"));
    }

    /// Paused on 11-14 with these restated numbers, beside two creatives at about 0.5%.
    fn paused(id: u64, impressions: u64, clicks: u64) -> CreativeEvidence {
        CreativeEvidence {
            active: false,
            last_changed: Some(day("2026-11-14")),
            pause_review: Some(PauseReview {
                paused_on: day("2026-11-14"),
                restated: totals(impressions, clicks, clicks as f64 * 4.0),
                rivals: vec![totals(30_000, 150, 600.0), totals(30_000, 140, 560.0)],
                prior: None,
            }),
            ..creative(id, 0, 0)
        }
    }

    #[test]
    fn revive_resumes_a_pause_the_restated_numbers_no_longer_support() {
        let p = Params::default();
        // Today's creatives are poor: the review ignores them (it re-asks the pause's own question).
        let actives = || vec![creative(1, 30_000, 30), creative(2, 30_000, 20)];
        // Restated at 0.2% against its rivals at about 0.5%: still confidently not the best.
        let ds = run(vec![campaign([actives(), vec![paused(3, 30_000, 60)]].concat())], &p);
        assert_eq!(of(&ds, 3).action, Action::Keep, "{:?}", of(&ds, 3));
        assert!(of(&ds, 3).reason.starts_with("stays paused (since 2026-11-14)"), "{}", of(&ds, 3).reason);
        // The prior the pause was judged with is used, not today's: under a very strong one the rivals
        // are indistinguishable, so this pause would not have been made.
        let mut strong = paused(3, 30_000, 60);
        strong.pause_review.as_mut().unwrap().prior = Beta::new(20_000.0, 980_000.0);
        assert_eq!(of(&run(vec![campaign([actives(), vec![strong]].concat())], &p), 3).action, Action::Resume);
        // Restated at 0.67%: it was the likeliest best after all.
        let ds = run(vec![campaign([actives(), vec![paused(3, 30_000, 200)]].concat())], &p);
        let d = of(&ds, 3);
        assert_eq!(d.action, Action::Resume, "{d:?}");
        assert!(d.is_write() && d.reason.contains("no longer support"), "{d:?}");
        assert!(d.stats.unwrap().p_best.unwrap() > 0.9, "the evidence is logged: {d:?}");
        // Two strong ones: the stronger is resumed, the other waits a day.
        let ds = run(vec![campaign([actives(), vec![paused(3, 30_000, 200), paused(4, 30_000, 230)]].concat())], &p);
        assert!(of(&ds, 4).is_write() && of(&ds, 4).action == Action::Resume);
        assert!(of(&ds, 3).skipped.as_deref().unwrap().contains("at most 1 revive"), "{:?}", of(&ds, 3));
        // Threshold policy: the seed's rule on the restated numbers (101 clicks at 0.5% still fires; 40 do not).
        let t = threshold();
        assert_eq!(
            of(&run(vec![campaign([actives(), vec![paused(3, 20_000, 101)]].concat())], &t), 3).action,
            Action::Keep
        );
        assert_eq!(
            of(&run(vec![campaign([actives(), vec![paused(3, 5_000, 40)]].concat())], &t), 3).action,
            Action::Resume
        );
        // A paused creative without a review (the user paused it, or too recent) is never touched.
        let mut manual = paused(3, 30_000, 200);
        manual.pause_review = None;
        let ds = run(vec![campaign([actives(), vec![manual]].concat())], &p);
        assert!(ds.iter().all(|d| !matches!(d.entity, Entity::Creative { id, .. } if id.0 == 3)));
        // A campaign whose creatives are all paused was stopped on purpose: nothing is revived.
        let ds = run(vec![campaign(vec![paused(3, 30_000, 200)])], &p);
        assert!(ds.iter().all(|d| d.action != Action::Resume), "{ds:?}");
        let mut stopped = campaign([actives(), vec![paused(3, 30_000, 200)]].concat());
        stopped.active = false;
        assert!(run(vec![stopped], &p).iter().all(|d| d.action != Action::Resume));
        // Stale data holds a revive back like any write.
        let stale = Evidence {
            as_of: day("2026-11-23"),
            stale: Some("no pull".into()),
            campaigns: vec![campaign([actives(), vec![paused(3, 30_000, 200)]].concat())],
        };
        assert!(of(&decide(&stale, &p), 3).skipped.as_deref().unwrap().starts_with("stale data"));
    }

    fn bid_of(ds: &[Decision]) -> &Decision {
        ds.iter().find(|d| matches!(d.action, Action::SetBid { .. })).unwrap()
    }

    #[test]
    fn the_bid_heuristic_follows_pacing_within_its_step_and_dead_band() {
        let p = Params::default();
        // $280 spent of 7 × $1000: under-delivering, raise by the 20% step.
        let ds = run(vec![campaign(vec![creative(1, 10_000, 70)])], &p);
        assert_eq!(bid_of(&ds).action, Action::SetBid { from: Decimal::from(5), to: Decimal::from(6) });
        assert!(bid_of(&ds).is_write());
        // Budget-limited at CPC $4 under a $5 bid: lower toward CPC + dead band, i.e. $4.50; but a $0.50 move is
        // not smaller than the dead band, so it is made.
        let mut c = campaign(vec![creative(1, 10_000, 70)]);
        c.daily_budget = Some(Decimal::from(40));
        let ds = run(vec![c.clone()], &p);
        assert_eq!(bid_of(&ds).action, Action::SetBid { from: Decimal::from(5), to: usd(4.5) });
        // With a wider dead band the same move is held back.
        let mut wide = p;
        wide.thresholds.bid_dead_band = 0.75;
        let ds = run(vec![c], &wide);
        assert!(bid_of(&ds).skipped.as_deref().unwrap().starts_with("dead band"));
        // A CPC bid never goes over MAX_CPC.
        let mut near = campaign(vec![creative(1, 10_000, 70)]);
        near.bid = Some(usd(7.5));
        let ds = run(vec![near], &p);
        assert_eq!(bid_of(&ds).action, Action::SetBid { from: usd(7.5), to: usd(8.0) });
    }

    #[test]
    fn a_bid_model_picks_the_best_candidate_inside_the_step() {
        let p = Params::default();
        let c = campaign(vec![creative(1, 10_000, 70)]);
        let candidates = bid_candidates(&c, &p);
        assert_eq!(candidates.len(), 10);
        assert_eq!((candidates[0], candidates[1], candidates[9]), (5.0, 4.0, 6.0), "current first, then ±20%");
        // A model whose predicted clicks peak at `m`.
        let ev = |m: f64| {
            let mut c = c.clone();
            let points = candidates.iter().map(|b| (*b, 100.0 - (b - m).powi(2))).collect();
            c.bid_predictions = Some(BidPredictions { model: "peak".into(), points });
            decide(&Evidence { as_of: day("2026-11-23"), stale: None, campaigns: vec![c] }, &p)
        };
        assert_eq!(
            bid_of(&ev(4.0)).action,
            Action::SetBid { from: Decimal::from(5), to: usd(4.0) },
            "the peak, inside ±20%"
        );
        assert!(bid_of(&ev(4.0)).reason.starts_with("peak predicts 100.0 clicks at $4.00"));
        assert_eq!(bid_of(&ev(1.0)).action, Action::SetBid { from: Decimal::from(5), to: usd(4.0) }, "capped at -20%");
        assert!(bid_of(&ev(5.3)).skipped.as_deref().unwrap().starts_with("dead band"), "$5.25 is within the dead band");
        assert!(
            ev(5.1).iter().all(|d| !matches!(d.action, Action::SetBid { .. })),
            "the current bid is best: no decision"
        );
        // A prediction outside the range (a bad endpoint answer) is still clamped to the step.
        let mut wild = c.clone();
        wild.bid_predictions = Some(BidPredictions { model: "wild".into(), points: vec![(5.0, 1.0), (50.0, 1e9)] });
        let ds = decide(&Evidence { as_of: day("2026-11-23"), stale: None, campaigns: vec![wild] }, &p);
        assert_eq!(bid_of(&ds).action, Action::SetBid { from: Decimal::from(5), to: usd(6.0) });
    }

    #[test]
    fn budgets_grow_only_for_budget_limited_winners_and_only_with_a_cap() {
        let winner = || {
            let mut c = campaign(vec![creative(1, 5_000, 200)]);
            c.daily_budget = Some(Decimal::from(100));
            c.totals.cost_usd = usd(700.0);
            c
        };
        let budget = |ds: &[Decision]| ds.iter().find(|d| matches!(d.action, Action::SetDailyBudget { .. })).cloned();
        let mut p = threshold();
        assert!(budget(&run(vec![winner()], &p)).is_none(), "no MAX_DAILY_BUDGET: never raised");
        p.guardrails.max_daily_budget = Some(110.0);
        let d = budget(&run(vec![winner()], &p)).unwrap();
        assert_eq!(d.action, Action::SetDailyBudget { from: Decimal::from(100), to: usd(110.0) }, "+20% capped at 110");
    }

    /// No sequence of inputs pauses the last creative, pauses more than allowed, or moves a bid or a
    /// budget past its caps.
    #[test]
    fn property_guardrails_hold_for_random_evidence() {
        let mut rng = fastrand::Rng::with_seed(7);
        for round in 0..1_000 {
            let mut p = Params::default();
            if rng.bool() {
                p.policy = Policy::Threshold;
            }
            p.guardrails.max_pauses_per_campaign = rng.u32(0..4);
            p.guardrails.max_bid_step = rng.f64() * 0.5;
            p.guardrails.max_daily_budget = rng.bool().then(|| 50.0 + rng.f64() * 500.0);
            p.thresholds.bid_dead_band = rng.f64();
            let mut campaigns = Vec::new();
            for k in 0..rng.usize(1..4) {
                let creatives: Vec<CreativeEvidence> = (0..rng.u64(1..7))
                    .map(|i| {
                        let impressions = rng.u64(0..100_000);
                        let mut c = creative(
                            k as u64 * 100 + i,
                            impressions,
                            rng.u64(0..=impressions / 20 + 1).min(impressions),
                        );
                        c.active = rng.u8(0..5) > 0;
                        c.totals.cost_usd = usd(rng.f64() * 2000.0);
                        if !c.active && rng.bool() {
                            let impressions = rng.u64(0..100_000);
                            c.pause_review = Some(PauseReview {
                                paused_on: day("2026-11-10"),
                                restated: totals(
                                    impressions,
                                    rng.u64(0..=impressions / 20 + 1).min(impressions),
                                    100.0,
                                ),
                                rivals: (0..rng.usize(0..3)).map(|_| totals(20_000, rng.u64(0..200), 300.0)).collect(),
                                prior: rng
                                    .bool()
                                    .then(|| Beta::new(1.0 + rng.f64() * 50.0, 500.0 + rng.f64() * 5000.0).unwrap()),
                            });
                        }
                        c
                    })
                    .collect();
                let mut c = campaign(creatives);
                c.id = CampaignId(k as u64);
                c.bid = Some(usd(0.5 + rng.f64() * 30.0));
                c.is_cpm = rng.bool();
                c.daily_budget = rng.bool().then(|| usd(10.0 + rng.f64() * 1000.0));
                if rng.bool() {
                    let points = bid_candidates(&c, &p)
                        .into_iter()
                        .map(|b| (b * (0.5 + rng.f64()), rng.f64() * 100.0))
                        .collect();
                    c.bid_predictions = Some(BidPredictions { model: "random".into(), points });
                }
                campaigns.push(c);
            }
            let ds = decide(&Evidence { as_of: day("2026-11-23"), stale: None, campaigns: campaigns.clone() }, &p);
            for c in &campaigns {
                let active = c.creatives.iter().filter(|x| x.active).count();
                let paused = ds
                    .iter()
                    .filter(|d| d.is_write() && d.action == Action::Pause)
                    .filter(|d| matches!(d.entity, Entity::Creative { campaign, .. } if campaign == c.id))
                    .count();
                assert!(paused < active.max(1), "round {round}: {paused} of {active} active paused");
                assert!(paused <= p.guardrails.max_pauses_per_campaign as usize, "round {round}");
                let resumed: Vec<&Decision> = ds
                    .iter()
                    .filter(|d| d.is_write() && d.action == Action::Resume)
                    .filter(|d| matches!(d.entity, Entity::Creative { campaign, .. } if campaign == c.id))
                    .collect();
                assert!(resumed.len() <= 1, "round {round}: {} revives", resumed.len());
                for d in resumed {
                    let Entity::Creative { id, .. } = d.entity else { unreachable!() };
                    let r = c.creatives.iter().find(|x| x.id == id).unwrap();
                    assert!(!r.active && r.pause_review.is_some() && active > 0, "round {round}: {d:?}");
                }
            }
            for d in ds.iter().filter(|d| d.is_write()) {
                let Entity::Campaign { id } = d.entity else { continue };
                let c = campaigns.iter().find(|c| c.id == id).unwrap();
                let cent = 0.005 + 1e-9;
                match d.action {
                    Action::SetBid { from, to } => {
                        let (from, to) = (f(from), f(to));
                        let step = p.guardrails.max_bid_step * from;
                        assert!((to - from).abs() <= step + cent, "round {round}: {from} -> {to}, step {step}");
                        if !c.is_cpm && to > from {
                            assert!(to <= p.thresholds.max_cpc + cent, "round {round}: raised past MAX_CPC to {to}");
                        }
                        assert!(to >= p.guardrails.min_bid.min(from) - cent, "round {round}: {to} under MIN_BID");
                        if !c.is_cpm && from > p.thresholds.max_cpc {
                            assert!(to <= from + cent, "round {round}: a bid over MAX_CPC only comes down");
                        }
                    }
                    Action::SetDailyBudget { from, to } => {
                        let (from, to) = (f(from), f(to));
                        assert!(
                            to <= p.guardrails.max_daily_budget.unwrap() + cent
                                && to <= from * (1.0 + p.guardrails.max_budget_step) + cent
                        );
                    }
                    _ => {}
                }
            }
        }
    }
}
