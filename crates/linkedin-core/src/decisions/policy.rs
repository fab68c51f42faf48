//! Which creatives run: the threshold and bayesian policies' verdicts, and the revive review of
//! earlier pauses.

use chrono::NaiveDate;

use crate::performance::Totals;

use super::guardrails::cap_pauses;
use super::stats::{Beta, prob_best};
use super::{
    Action, CampaignEvidence, CreativeEvidence, CreativeStats, Decision, Entity, Params, Policy, in_cooldown, pct,
};

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

pub(super) fn creative_decisions(
    campaign: &CampaignEvidence,
    as_of: NaiveDate,
    params: &Params,
    prior: Beta,
) -> Vec<Decision> {
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

    cap_pauses(campaign, as_of, params, &mut proposals, active.len());
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
