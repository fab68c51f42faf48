//! Which creatives run: the threshold, bayesian and conversions policies' verdicts, and the revive
//! review of earlier pauses.
//!
//! The conversions policy judges a creative of a conversion campaign on conversions per impression
//! (CTR × CVR, [`super::value`]): its CTR posterior borrows strength from the account's creatives, its
//! CVR posterior from its campaign's (and the campaign's from the account), and its recent clicks count
//! toward the CVR only as far as their conversions can have been reported ([`super::lag`]). While a
//! creative has few conversions its CVR posterior is close to its campaign's, so the ranking is
//! carried by CTR, the leading indicator; as conversions accrue they take over. A campaign bought for
//! clicks or impressions is judged on CTR, as the bayesian policy judges it.

use chrono::NaiveDate;

use crate::performance::Totals;

use super::guardrails::cap_pauses;
use super::stats::{Beta, prob_best};
use super::value::{LnValue, prob_best_normal};
use super::{
    Action, CampaignEvidence, CreativeEvidence, CreativeStats, Decision, Entity, Params, Policy, in_cooldown, pct,
};

/// How one campaign's creatives are judged: the priors, and how complete their conversions are.
#[derive(Debug, Clone, Copy)]
pub(super) struct Judge {
    pub ctr_prior: Beta,
    pub cvr_prior: Beta,
    /// The share of the window's eventual conversions reported by now (click-weighted over its days).
    pub completeness: f64,
    /// How the creatives are compared.
    pub on: JudgeOn,
}

/// What a campaign's creatives are compared on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum JudgeOn {
    /// Conversions per impression: the conversions policy on a conversion campaign. While its
    /// creatives have few conversions their CVR posteriors are their campaign's prior, whose spread
    /// ([`super::value::PRIOR_ALPHA`]) keeps CTR, the leading indicator, from pausing a creative on a
    /// CTR gap a better CVR could make up.
    Value,
    /// P(best CTR) only: the conversions policy on campaigns bought for clicks or impressions.
    LeadingCtr,
    /// The threshold or bayesian policy's own CTR rules.
    Ctr,
}

/// A prediction is trusted only within LinkedIn's plausible CTRs: 0.05 %-5 %.
const MIN_PREDICTED_CTR: f64 = 0.0005;
const MAX_PREDICTED_CTR: f64 = 0.05;

impl Judge {
    /// A creative's CTR prior: the account's, centred on the Creative Scorer's prediction for its copy
    /// when there is one (same strength: the model moves where a new creative starts, not how much
    /// its own impressions count).
    fn ctr_prior_for(&self, predicted: Option<f64>) -> Beta {
        match predicted.filter(|p| p.is_finite()) {
            Some(p) => {
                let strength = self.ctr_prior.alpha + self.ctr_prior.beta;
                let mean = p.clamp(MIN_PREDICTED_CTR, MAX_PREDICTED_CTR);
                Beta { alpha: mean * strength, beta: (1.0 - mean) * strength }
            }
            None => self.ctr_prior,
        }
    }

    /// Verdicts on creatives competing with each other (the first `totals` are judged; all compete).
    /// `predicted`: each one's Creative Scorer CTR, if any (empty: none).
    fn verdicts(
        &self,
        totals: &[&Totals],
        predicted: &[Option<f64>],
        params: &Params,
    ) -> Vec<(Action, String, CreativeStats)> {
        let n = totals.len();
        let prior = |i: usize| self.ctr_prior_for(predicted.get(i).copied().flatten());
        if self.on != JudgeOn::Value {
            let posts: Vec<Beta> =
                totals.iter().enumerate().map(|(i, t)| prior(i).posterior(t.clicks, t.impressions)).collect();
            let p_best = if n > 1 { prob_best(&posts) } else { vec![1.0; n] };
            let leading = self.on == JudgeOn::LeadingCtr;
            return totals
                .iter()
                .zip(posts)
                .zip(p_best)
                .map(
                    |((t, post), p)| {
                        if leading { verdict_leading(t, post, p, n, params) } else { verdict(t, post, p, n, params) }
                    },
                )
                .collect();
        }
        let posts: Vec<(Beta, Beta)> = totals
            .iter()
            .enumerate()
            .map(|(i, t)| {
                let ctr = prior(i).posterior(t.clicks, t.impressions);
                // Right-censored conversions: the clicks count as far as their conversions can show.
                let exposure = t.clicks as f64 * self.completeness.clamp(0.02, 1.0);
                let conv = t.conversions.max(0.0).min(exposure);
                let cvr = Beta { alpha: self.cvr_prior.alpha + conv, beta: self.cvr_prior.beta + exposure - conv };
                (ctr, cvr)
            })
            .collect();
        let values: Vec<LnValue> = posts.iter().map(|(a, b)| LnValue::of(*a, *b)).collect();
        let p_best = if n > 1 { prob_best_normal(&values) } else { vec![1.0; n] };
        (0..n).map(|i| verdict_value(totals[i], posts[i], values[i], p_best[i], n, params)).collect()
    }
}

/// The numbers of a creative ranked by P(best), before the policy adds its own.
fn ranked_stats(totals: &Totals, post: Beta, p_best: f64) -> CreativeStats {
    CreativeStats {
        impressions: totals.impressions,
        clicks: totals.clicks,
        cost_usd: totals.cost_usd,
        ctr: totals.ctr(),
        cpc: totals.cpc(),
        posterior: Some(post),
        p_below_min_ctr: None,
        p_best: Some(p_best),
        conversions: Some(totals.conversions),
        cvr_posterior: None,
        value: None,
    }
}

/// The conversions policy's rule on P(best of campaign) of `of` (the quantity compared): pause below
/// `floor` once contested (a rival, `BAYES_MIN_IMPRESSIONS`), a winner from `winner_prob_best`.
/// `keep` names P(best) in the keep reason; `numbers` are the evidence.
fn p_best_rule(
    (of, keep): (&str, &str),
    floor: f64,
    p_best: f64,
    contenders: usize,
    totals: &Totals,
    params: &Params,
    numbers: &str,
) -> (Action, String) {
    let b = &params.bayes;
    let contested = contenders > 1 && totals.impressions >= b.min_impressions;
    if contested && p_best < floor {
        (
            Action::Pause,
            format!(
                "P(best {of} of campaign) = {p_best:.4} < {floor} after {} impressions: {numbers}",
                totals.impressions
            ),
        )
    } else if contested && p_best >= b.winner_prob_best {
        (Action::FlagWinner, format!("P(best {of} of campaign) = {p_best:.3}: {numbers}"))
    } else {
        (Action::Keep, format!("not enough evidence to act ({keep} = {p_best:.3}): {numbers}"))
    }
}

/// The conversions policy's verdict while clicks lead: P(best CTR of the campaign), with no CTR line.
fn verdict_leading(
    totals: &Totals,
    post: Beta,
    p_best: f64,
    contenders: usize,
    params: &Params,
) -> (Action, String, CreativeStats) {
    let stats = ranked_stats(totals, post, p_best);
    let numbers = format!(
        "CTR {} (posterior mean {}), {:.1} conversions reported",
        pct(stats.ctr),
        pct(Some(post.mean())),
        totals.conversions
    );
    let floor = params.bayes.prob_best_floor;
    let (action, reason) = p_best_rule(("CTR", "P(best CTR)"), floor, p_best, contenders, totals, params, &numbers);
    (action, reason, stats)
}

/// The conversions policy's verdict: P(best conversions per impression of the campaign).
fn verdict_value(
    totals: &Totals,
    (ctr_post, cvr_post): (Beta, Beta),
    value: LnValue,
    p_best: f64,
    contenders: usize,
    params: &Params,
) -> (Action, String, CreativeStats) {
    let stats =
        CreativeStats { cvr_posterior: Some(cvr_post), value: Some(value), ..ranked_stats(totals, ctr_post, p_best) };
    let (lo, hi) = value.interval(0.9);
    let per_k = |v: f64| v * 1000.0;
    let numbers = format!(
        "{:.2} conversions per 1,000 impressions (90% interval {:.2}-{:.2}; CTR {}, CVR {} with {:.1} conversions reported)",
        per_k(value.median()),
        per_k(lo),
        per_k(hi),
        pct(stats.ctr),
        pct(Some(cvr_post.mean())),
        totals.conversions
    );
    let floor = params.conversions.prob_best_floor;
    let (action, reason) =
        p_best_rule(("conversions per impression", "P(best)"), floor, p_best, contenders, totals, params, &numbers);
    (action, reason, stats)
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
        conversions: None,
        cvr_posterior: None,
        value: None,
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
        // A conversions-policy campaign bought for clicks or impressions is judged on CTR like this.
        Policy::Bayesian | Policy::Conversions => {
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

pub(super) fn creative_decisions(
    campaign: &CampaignEvidence,
    as_of: NaiveDate,
    params: &Params,
    judge: &Judge,
) -> Vec<Decision> {
    let active: Vec<&CreativeEvidence> = campaign.creatives.iter().filter(|c| c.active).collect();
    let totals: Vec<&Totals> = active.iter().map(|c| &c.totals).collect();
    let predicted: Vec<Option<f64>> = active.iter().map(|c| c.predicted_ctr).collect();
    let verdicts = judge.verdicts(&totals, &predicted, params);

    let mut proposals: Vec<(Decision, f64)> = Vec::new();
    for (c, (action, reason, stats)) in active.iter().zip(verdicts) {
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

    cap_pauses(campaign, as_of, params, &mut proposals, active.len());
    let mut out: Vec<Decision> = proposals.into_iter().map(|(d, _)| d).collect();
    out.extend(pause_reviews(campaign, as_of, params, judge));
    out
}

/// Revive: each pause under review is judged again by the current policy, on the restated numbers of
/// its own decision window. When the policy would no longer pause it, it is resumed, the strongest
/// first and one per campaign per day. A campaign with no active creative is left alone: someone
/// stopped it on purpose.
fn pause_reviews(campaign: &CampaignEvidence, as_of: NaiveDate, params: &Params, judge: &Judge) -> Vec<Decision> {
    if !campaign.active || !campaign.creatives.iter().any(|c| c.active) {
        return Vec::new();
    }
    let mut reviews: Vec<(Decision, f64)> = Vec::new();
    for c in campaign.creatives.iter().filter(|c| !c.active) {
        let Some(review) = &c.pause_review else { continue };
        // The pause's own prior, and final numbers: its window is past the restatement period.
        let judge = Judge { ctr_prior: review.prior.unwrap_or(judge.ctr_prior), completeness: 1.0, ..*judge };
        let all: Vec<&Totals> = std::iter::once(&review.restated).chain(&review.rivals).collect();
        let (verdict, why, stats) = judge.verdicts(&all, &[], params).swap_remove(0);
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
