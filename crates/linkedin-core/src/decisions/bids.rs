//! Bids: the model's best candidate or the pacing heuristic, within one step and the bounds.

use chrono::NaiveDate;

use super::{Action, CampaignEvidence, Decision, Entity, Params, f, in_cooldown, usd};

/// The current bid and the range one run may move it in: one step either way, never below MIN_BID
/// nor (for CPC) above MAX_CPC; a bid already outside those bounds moves toward them by at most one
/// step, never jumps (a CPM bid is per 1000 impressions and has no CPC ceiling).
pub(super) fn bid_bounds(campaign: &CampaignEvidence, params: &Params) -> Option<(f64, f64, f64)> {
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
pub(super) fn bid_decision(campaign: &CampaignEvidence, as_of: NaiveDate, params: &Params) -> Option<Decision> {
    let t = &params.thresholds;
    let g = &params.guardrails;
    let (bid, _, _) = bid_bounds(campaign, params)?;
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
    bounded_bid(campaign, as_of, params, target, reason)
}

/// The decision to move a campaign's bid toward `target`: within one step and the bounds, not at all
/// when that changes nothing, held back by the dead band and the cooldown.
pub(super) fn bounded_bid(
    campaign: &CampaignEvidence,
    as_of: NaiveDate,
    params: &Params,
    target: f64,
    reason: String,
) -> Option<Decision> {
    let (bid, lo, hi) = bid_bounds(campaign, params)?;
    let t = &params.thresholds;
    let entity = Entity::Campaign { id: campaign.id };
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
        in_cooldown(campaign.last_changed, as_of, params.guardrails.cooldown_days)
    };
    Some(Decision { entity, action, skipped, reason, stats: None })
}
