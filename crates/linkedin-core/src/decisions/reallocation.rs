//! Budget reallocation across an account's conversion campaigns (the conversions policy).
//!
//! A budget-bound campaign turns one more dollar of daily budget into conversions at about its own
//! cost per conversion (same bid, same auctions, more of them), and loses them at that cost when a
//! dollar is taken away. So a dollar moved from a campaign that pays a lot per conversion to a
//! budget-bound one that pays little buys more conversions for the same account total.
//!
//! * **Recipients** are budget-bound (spent ≥ `bound_share` of the budget on at least 80 % of the
//!   window's normal weekdays): only they can spend more.
//! * **Donors** are budget-bound too (they give up conversions at their own cost), or spend well under
//!   their budget (their headroom over 1.25 × the most they spent on a normal day goes, at no cost).
//! * A pair moves only when the donor's cost per conversion is at least [`MIN_RATIO`] × the
//!   recipient's, and that is sure at 90 % (ln CPA normal, variance from the lag-adjusted conversions
//!   and the clicks behind them).
//! * Each side moves by at most `MAX_BUDGET_STEP_PERCENT` of its own budget, the same amount (in
//!   cents) up and down, so the account total is unchanged; a donor never goes under LinkedIn's
//!   $10 minimum daily budget, a recipient never over `MAX_DAILY_BUDGET` when one is set. Both must
//!   be out of cooldown, and each campaign takes part in one move per run.

use super::response::Quiet;
use super::{Action, CampaignEvidence, DayEvidence, Decision, Entity, Evidence, Goal, Params, f, in_cooldown, usd};

/// The donor's cost per conversion must be at least this multiple of the recipient's.
pub const MIN_RATIO: f64 = 1.2;
/// z for "sure at 90 %".
const Z_90: f64 = 1.2816;
/// LinkedIn's minimum daily budget (USD and most currencies' equivalent).
pub const MIN_DAILY_BUDGET: f64 = 10.0;

/// One campaign as reallocation sees it.
#[derive(Debug, Clone)]
struct Side<'a> {
    campaign: &'a CampaignEvidence,
    budget: f64,
    /// Normal weekdays of the window that spent the budget, of how many.
    bound_days: usize,
    days: usize,
    /// What it can give without losing conversions (an unbound campaign's headroom), if not bound.
    headroom: Option<f64>,
    cpa: f64,
    /// Variance of ln CPA.
    var: f64,
}

impl Side<'_> {
    fn bound(&self) -> bool {
        self.bound_days as f64 >= 0.8 * self.days as f64
    }

    fn describe(&self) -> String {
        format!(
            "campaign {} (≈${:.2} per conversion, the budget ran out on {} of the last {} weekdays)",
            self.campaign.id, self.cpa, self.bound_days, self.days
        )
    }
}

fn side<'a>(
    c: &'a CampaignEvidence,
    evidence: &Evidence,
    params: &Params,
    cvr: f64,
    completeness: f64,
    quiet: &Quiet,
) -> Option<Side<'a>> {
    if !c.active || c.goal != Goal::Conversions || c.totals.clicks == 0 || c.totals.cost() <= 0.0 {
        return None;
    }
    if in_cooldown(c.last_changed, evidence.as_of, params.guardrails.cooldown_days).is_some() {
        return None;
    }
    let budget = f(c.daily_budget?);
    let window = c.window_days.max(1) as i64;
    let recent: Vec<&DayEvidence> = c
        .history
        .iter()
        .filter(|d| !quiet.contains(d.date) && d.cost > 0.0)
        .filter(|d| (1..=window).contains(&(evidence.as_of - d.date).num_days()))
        .collect();
    if recent.len() < 4 || budget <= 0.0 {
        return None;
    }
    let share = params.conversions.bound_share;
    let bound_days = recent.iter().filter(|d| d.daily_budget.is_some_and(|b| b > 0.0 && d.cost >= share * b)).count();
    let most = recent.iter().map(|d| d.cost).fold(0.0, f64::max);
    let headroom = (budget - 1.25 * most).max(0.0);
    // Lag-adjusted conversions: the campaign's pooled CVR on its clicks (the estimate the bids use),
    // its uncertainty from the conversions seen so far, scaled to the window's completeness.
    let conversions = c.totals.clicks as f64 * cvr;
    let seen = c.totals.conversions / completeness.max(0.05);
    let var = 1.0 / (seen + 1.0) + 1.0 / (c.totals.clicks as f64 + 1.0);
    (conversions > 0.0).then(|| Side {
        campaign: c,
        budget,
        bound_days,
        days: recent.len(),
        headroom: (bound_days as f64 <= 0.2 * recent.len() as f64 && headroom > 0.0).then_some(headroom),
        cpa: c.totals.cost() / conversions,
        var,
    })
}

/// The reallocation moves for the account: a pair of budget decisions per move (donor down,
/// recipient up by the same amount). `cvrs` and `completeness` are per campaign of `evidence`;
/// campaigns that already have a budget decision in `taken` are left out.
pub(super) fn reallocate(
    evidence: &Evidence,
    params: &Params,
    cvrs: &[f64],
    completeness: &[f64],
    quiet: &Quiet,
    taken: &[Decision],
) -> Vec<Decision> {
    if !params.conversions.reallocate {
        return Vec::new();
    }
    let has_budget_decision = |c: &CampaignEvidence| {
        taken
            .iter()
            .any(|d| d.entity == Entity::Campaign { id: c.id } && matches!(d.action, Action::SetDailyBudget { .. }))
    };
    let sides: Vec<Side> = evidence
        .campaigns
        .iter()
        .zip(cvrs.iter().zip(completeness))
        .filter(|(c, _)| !has_budget_decision(c))
        .filter_map(|(c, (cvr, w))| side(c, evidence, params, *cvr, *w, quiet))
        .collect();
    let mut recipients: Vec<&Side> = sides.iter().filter(|s| s.bound()).collect();
    recipients.sort_by(|a, b| a.cpa.total_cmp(&b.cpa));
    let mut donors: Vec<&Side> = sides.iter().filter(|s| s.bound() || s.headroom.is_some()).collect();
    donors.sort_by(|a, b| b.cpa.total_cmp(&a.cpa));
    let step = params.guardrails.max_budget_step;
    let mut used = std::collections::BTreeSet::new();
    let mut out = Vec::new();
    for d in donors {
        for r in &recipients {
            if used.contains(&d.campaign.id) || used.contains(&r.campaign.id) || d.campaign.id == r.campaign.id {
                continue;
            }
            let z = (d.cpa.ln() - r.cpa.ln()) / (d.var + r.var).sqrt();
            if d.cpa < MIN_RATIO * r.cpa || z < Z_90 {
                continue;
            }
            let give = match d.headroom {
                Some(h) => h.min(step * d.budget),
                None => step * d.budget,
            }
            .min(d.budget - MIN_DAILY_BUDGET);
            let room = params.guardrails.max_daily_budget.map_or(f64::INFINITY, |m| (m - r.budget).max(0.0));
            let amount = usd(give.min(step * r.budget).min(room));
            if f(amount) < 1.0 {
                continue; // under a dollar a day: not worth a change and a cooldown
            }
            let gain = f(amount) / r.cpa - if d.headroom.is_some() { 0.0 } else { f(amount) / d.cpa };
            let why = format!(
                "budget reallocation: ${amount}/day from {} to {}, the account's total unchanged; ≈{gain:.2} more conversions a day",
                d.describe(),
                r.describe()
            );
            let from_d = d.campaign.daily_budget.expect("a side has a budget").round_dp(2);
            let from_r = r.campaign.daily_budget.expect("a side has a budget").round_dp(2);
            out.push(Decision {
                entity: Entity::Campaign { id: d.campaign.id },
                action: Action::SetDailyBudget { from: from_d, to: from_d - amount },
                skipped: None,
                reason: why.clone(),
                stats: None,
            });
            out.push(Decision {
                entity: Entity::Campaign { id: r.campaign.id },
                action: Action::SetDailyBudget { from: from_r, to: from_r + amount },
                skipped: None,
                reason: why,
                stats: None,
            });
            used.insert(d.campaign.id);
            used.insert(r.campaign.id);
            break;
        }
    }
    out
}
