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

use std::collections::BTreeMap;

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
    /// `MAX_PAUSES_PER_CAMPAIGN` per run.
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
    pub last_bid_change: Option<NaiveDate>,
    pub last_budget_change: Option<NaiveDate>,
    pub creatives: Vec<CreativeEvidence>,
    /// What the bid model needs; `None` without history.
    pub bid_context: Option<BidContext>,
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

#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Action {
    Pause,
    /// Re-activate a paused creative (an undo).
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
}

impl Action {
    /// Whether taking it writes to LinkedIn.
    pub fn writes(&self) -> bool {
        matches!(self, Action::Pause | Action::Resume | Action::SetBid { .. } | Action::SetDailyBudget { .. })
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

/// Predicts a campaign-day's clicks from its bid features (the bid optimizer model).
pub trait ClickModel {
    fn predict_clicks(&self, ctx: &BidContext) -> f64;
    fn name(&self) -> String;
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
pub fn decide(evidence: &Evidence, params: &Params, model: Option<&dyn ClickModel>) -> Vec<Decision> {
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
        decisions.extend(campaign_decisions(campaign, evidence.as_of, params, model, &decisions));
        if let Some(why) = &evidence.stale {
            for d in decisions.iter_mut().filter(|d| d.skipped.is_none() && d.action.writes()) {
                d.skipped = Some(format!("stale data: {why}"));
            }
        }
        out.extend(decisions);
    }
    out
}

fn creative_decisions(campaign: &CampaignEvidence, as_of: NaiveDate, params: &Params, prior: Beta) -> Vec<Decision> {
    let t = &params.thresholds;
    let active: Vec<&CreativeEvidence> = campaign.creatives.iter().filter(|c| c.active).collect();
    let posteriors: Vec<Beta> = active.iter().map(|c| prior.posterior(c.totals.clicks, c.totals.impressions)).collect();
    let p_best = if active.len() > 1 { prob_best(&posteriors) } else { vec![1.0; active.len()] };

    let mut proposals: Vec<(Decision, f64)> = Vec::new();
    for (i, c) in active.iter().enumerate() {
        let ctr = c.totals.ctr();
        let cpc = c.totals.cpc();
        let mut stats = CreativeStats {
            impressions: c.totals.impressions,
            clicks: c.totals.clicks,
            cost_usd: c.totals.cost_usd,
            ctr,
            cpc,
            posterior: None,
            p_below_min_ctr: None,
            p_best: None,
        };
        let entity = Entity::Creative { id: c.id, campaign: campaign.id };
        let (action, reason) = match params.policy {
            Policy::Threshold => {
                let ctr_v = ctr.unwrap_or(0.0);
                if c.totals.clicks > t.min_sample_clicks && ctr_v < t.min_ctr {
                    (
                        Action::Pause,
                        format!("CTR {} below {} after {} clicks", pct(ctr), pct(Some(t.min_ctr)), c.totals.clicks),
                    )
                } else if cpc.is_some_and(|v| v > t.max_cpc) {
                    (Action::Pause, format!("CPC ${:.2} above ${:.2}", cpc.unwrap_or(0.0), t.max_cpc))
                } else if ctr_v > t.top_ctr {
                    (Action::FlagWinner, format!("CTR {} above {}", pct(ctr), pct(Some(t.top_ctr))))
                } else {
                    (Action::Keep, format!("CTR {} over {} impressions: no rule fires", pct(ctr), c.totals.impressions))
                }
            }
            Policy::Bayesian => {
                let b = &params.bayes;
                let post = posteriors[i];
                let below = post.cdf(t.min_ctr);
                stats.posterior = Some(post);
                stats.p_below_min_ctr = Some(below);
                stats.p_best = Some(p_best[i]);
                let contested = active.len() > 1;
                if contested && below >= b.pause_confidence && p_best[i] < b.keep_if_best {
                    (
                        Action::Pause,
                        format!(
                            "P(CTR < {}) = {below:.3} ≥ {} and P(best of campaign) = {:.3}",
                            pct(Some(t.min_ctr)),
                            b.pause_confidence,
                            p_best[i]
                        ),
                    )
                } else if contested && c.totals.impressions >= b.min_impressions && p_best[i] < b.prob_best_floor {
                    (
                        Action::Pause,
                        format!(
                            "P(best of campaign) = {:.4} < {} after {} impressions (CTR {}, posterior mean {})",
                            p_best[i],
                            b.prob_best_floor,
                            c.totals.impressions,
                            pct(ctr),
                            pct(Some(post.mean()))
                        ),
                    )
                } else if contested && c.totals.impressions >= b.min_impressions && p_best[i] >= b.winner_prob_best {
                    (Action::FlagWinner, format!("P(best of campaign) = {:.3}, CTR {}", p_best[i], pct(ctr)))
                } else if 1.0 - post.cdf(t.top_ctr) >= b.pause_confidence {
                    (Action::FlagWinner, format!("P(CTR > {}) ≥ {}", pct(Some(t.top_ctr)), b.pause_confidence))
                } else {
                    (Action::Keep, format!("not enough evidence to act (P(best) = {:.3}, CTR {})", p_best[i], pct(ctr)))
                }
            }
        };
        let skipped = if action == Action::Pause {
            in_cooldown(c.last_changed, as_of, params.guardrails.cooldown_days)
        } else {
            None
        };
        // Weakest first when the guardrails allow only some pauses.
        let rank = stats.p_best.unwrap_or_else(|| ctr.unwrap_or(0.0));
        proposals.push((Decision { entity, action, skipped, reason, stats: Some(stats) }, rank));
    }

    // Guardrails: keep one active creative; at most N pauses per campaign per run.
    let mut order: Vec<usize> = (0..proposals.len()).collect();
    order.sort_by(|a, b| proposals[*a].1.total_cmp(&proposals[*b].1));
    let mut remaining = active.len();
    let mut paused = 0u32;
    for i in order {
        let d = &mut proposals[i].0;
        if d.action != Action::Pause || d.skipped.is_some() {
            continue;
        }
        if remaining <= 1 {
            d.skipped = Some("guardrail: the last active creative of the campaign is never paused".into());
        } else if paused >= params.guardrails.max_pauses_per_campaign {
            d.skipped = Some(format!(
                "guardrail: at most {} pause(s) per campaign per run",
                params.guardrails.max_pauses_per_campaign
            ));
        } else {
            paused += 1;
            remaining -= 1;
        }
    }
    proposals.into_iter().map(|(d, _)| d).collect()
}

/// The bid a campaign should have: the model's best candidate, or the pacing heuristic.
fn bid_decision(
    campaign: &CampaignEvidence,
    as_of: NaiveDate,
    params: &Params,
    model: Option<&dyn ClickModel>,
) -> Option<Decision> {
    let t = &params.thresholds;
    let g = &params.guardrails;
    let bid = f(campaign.bid?);
    let entity = Entity::Campaign { id: campaign.id };
    let lo = (bid * (1.0 - g.max_bid_step)).max(g.min_bid);
    // A CPC bid never exceeds MAX_CPC; a CPM bid is per 1000 impressions and has no CPC ceiling.
    let ceiling = if campaign.is_cpm { f64::INFINITY } else { t.max_cpc };
    let hi = (bid * (1.0 + g.max_bid_step)).min(ceiling).max(lo);
    let (target, reason) = match (model, &campaign.bid_context) {
        (Some(m), Some(ctx)) => {
            let steps = 8;
            let mut best = (bid.clamp(lo, hi), m.predict_clicks(&ctx.with_bid(bid.clamp(lo, hi))));
            for k in 0..=steps {
                let candidate = lo + (hi - lo) * k as f64 / steps as f64;
                let clicks = m.predict_clicks(&ctx.with_bid(candidate));
                if clicks > best.1 + 1e-9 {
                    best = (candidate, clicks);
                }
            }
            (best.0, format!("{} predicts {:.1} clicks at ${:.2}", m.name(), best.1, best.0))
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
    let action = Action::SetBid { from: from_d, to: to_d };
    let change = (to - bid).abs();
    let skipped = if change < t.bid_dead_band {
        Some(format!("dead band: change ${change:.2} smaller than ${:.2}", t.bid_dead_band))
    } else {
        in_cooldown(campaign.last_bid_change, as_of, g.cooldown_days)
    };
    Some(Decision { entity, action, skipped, reason, stats: None })
}

fn campaign_decisions(
    campaign: &CampaignEvidence,
    as_of: NaiveDate,
    params: &Params,
    model: Option<&dyn ClickModel>,
    creative_decisions: &[Decision],
) -> Vec<Decision> {
    if !campaign.active || campaign.totals.impressions == 0 {
        return Vec::new();
    }
    let mut out: Vec<Decision> = bid_decision(campaign, as_of, params, model).into_iter().collect();
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
                skipped: in_cooldown(campaign.last_budget_change, as_of, params.guardrails.cooldown_days),
                reason: format!("a winning creative and {:.0}% of the budget spent: scale up", utilization * 100.0),
                stats: None,
            });
        }
    }
    out
}

/// Decisions grouped per campaign, for reports.
pub fn by_campaign(decisions: &[Decision]) -> BTreeMap<CampaignId, Vec<&Decision>> {
    let mut out: BTreeMap<CampaignId, Vec<&Decision>> = BTreeMap::new();
    for d in decisions {
        let id = match d.entity {
            Entity::Creative { campaign, .. } => campaign,
            Entity::Campaign { id } => id,
        };
        out.entry(id).or_default().push(d);
    }
    out
}
