//! Campaign decisions: the bid, and the daily budget of a budget-limited campaign with a winner.

use super::bids::bid_decision;
use super::response::{self, Quiet};
use super::{Action, CampaignEvidence, Decision, Entity, Evidence, Params, Policy, f, in_cooldown, usd};

/// What the campaign decisions need from the whole account.
pub(super) struct AccountContext<'a> {
    pub quiet: &'a Quiet,
}

pub(super) fn campaign_decisions(
    campaign: &CampaignEvidence,
    evidence: &Evidence,
    params: &Params,
    creative_decisions: &[Decision],
    cvr: f64,
    account: &AccountContext,
) -> Vec<Decision> {
    if !campaign.active || campaign.totals.impressions == 0 {
        return Vec::new();
    }
    let as_of = evidence.as_of;
    let bid = match params.policy {
        Policy::Conversions => response::bid_decision(campaign, evidence, params, cvr, account.quiet),
        Policy::Threshold | Policy::Bayesian => bid_decision(campaign, as_of, params),
    };
    let mut out: Vec<Decision> = bid.into_iter().collect();
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
