//! Campaign decisions: the bid, and the daily budget of a budget-limited campaign with a winner.

use chrono::NaiveDate;

use super::bids::bid_decision;
use super::{Action, CampaignEvidence, Decision, Entity, Params, f, in_cooldown, usd};

pub(super) fn campaign_decisions(
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
