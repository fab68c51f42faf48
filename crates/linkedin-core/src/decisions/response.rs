//! The conversions policy's bids: learned from the campaign's own bid response, judged in the units
//! the campaign pays in, never on a weekend's volume.
//!
//! 1. **Normal days.** Weekdays whose account-wide volume over the history is under 75 % of the
//!    typical weekday's (on LinkedIn: the weekend) are left out of every judgement below, so low
//!    weekend volume is never read as a bid that loses auctions.
//! 2. **Budget-bound** (spent ≥ `bound_share` of the daily budget on at least 80 % of the window's
//!    normal days): the budget, not the bid, limits delivery, so a lower bid buys the same spend's
//!    clicks or impressions cheaper. The bid comes down by a quarter of `MAX_BID_STEP_PERCENT` (at
//!    least the dead band) until the budget stops binding: gently, because volume answers the bid
//!    steeply and a bid below that point loses more volume than its cheaper price gains (measured on
//!    the generated markets: full steps left a third of the budget unspent). This works on spend against budget only,
//!    so it holds for CPC and CPM bids alike (the pacing heuristic compared a CPC with a CPM bid).
//! 3. **Not bound** (on at most 20 % of normal days): a higher bid buys more volume at a higher price.
//!    The **bid response** is fitted on the history's normal, unbound days: ln volume and ln unit
//!    price (cost per click for CPC, per thousand impressions for CPM) against ln bid, by least
//!    squares. Elasticities β (volume) and δ (price) give the **marginal cost per conversion** of a
//!    higher bid, CPA × (1 + δ/β). The bid goes up a step while that stays within the cap
//!    (`TARGET_CPA`, the campaign's or the account's; without one, `MAX_MARGINAL_CPA_MULTIPLE` × the
//!    campaign's own average cost per conversion: the budget is the advertiser's, and within it more
//!    conversions are worth buying until the last ones cost that much more than the rest), and comes
//!    down half a step when it is over the cap by more than a quarter. When the bid has not moved enough in the history to tell (every bid within
//!    ±2 %), a **bid experiment** moves it by `BID_EXPERIMENT_PERCENT` (at least the dead band; up when the campaign's cost per
//!    conversion is within the cap, else down): the next judgement, after the cooldown, has two bid
//!    levels to learn from. Experiments say so in their reason (and so in the audit log).
//! 4. In between (bound on more than 20 % of normal days but under 80 %): the bid is about right; it is held.
//!
//! Campaigns bought for clicks or impressions follow the same rules with cost per click (or per
//! thousand impressions) in place of cost per conversion, and no target.
//!
//! Every step is then bounded like any bid ([`super::bids::bounded_bid`]): `MAX_BID_STEP_PERCENT`,
//! `MIN_BID`, `MAX_CPC`, the dead band and the cooldown.

use chrono::{Datelike, NaiveDate};

use super::bids::bounded_bid;
use super::{CampaignEvidence, DayEvidence, Decision, Evidence, Goal, Params, f};

/// A weekday is quiet when the account's mean volume on it is under this share of the median weekday's.
const QUIET_SHARE: f64 = 0.75;

/// The account's quiet weekdays, Monday first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Quiet(pub [bool; 7]);

impl Quiet {
    pub fn contains(&self, date: NaiveDate) -> bool {
        self.0[date.weekday().num_days_from_monday() as usize]
    }
}

/// Weekdays whose account-wide mean impressions over the history are under [`QUIET_SHARE`] of the
/// median weekday's. Weekdays with no data are not quiet.
pub fn quiet_weekdays(evidence: &Evidence) -> Quiet {
    let mut by_date: std::collections::BTreeMap<NaiveDate, f64> = Default::default();
    for c in &evidence.campaigns {
        for d in &c.history {
            *by_date.entry(d.date).or_default() += d.impressions as f64;
        }
    }
    let mut sums = [(0.0, 0u32); 7];
    for (date, impressions) in by_date {
        let w = date.weekday().num_days_from_monday() as usize;
        sums[w].0 += impressions;
        sums[w].1 += 1;
    }
    let means: Vec<Option<f64>> = sums.iter().map(|(s, n)| (*n > 0).then(|| s / *n as f64)).collect();
    let mut known: Vec<f64> = means.iter().flatten().copied().collect();
    if known.len() < 3 {
        return Quiet::default();
    }
    known.sort_by(f64::total_cmp);
    let median = known[known.len() / 2];
    Quiet(std::array::from_fn(|w| means[w].is_some_and(|m| m < QUIET_SHARE * median)))
}

/// Volume and price elasticities to the bid, from days at different bids.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Response {
    /// d ln volume / d ln bid.
    pub volume: f64,
    /// d ln unit price / d ln bid.
    pub price: f64,
    pub days: usize,
}

impl Response {
    /// The marginal cost of a unit of volume, as a multiple of the average cost: 1 + δ/β.
    pub fn marginal_multiple(&self) -> f64 {
        1.0 + self.price / self.volume
    }
}

fn slope(points: &[(f64, f64)]) -> Option<f64> {
    let n = points.len() as f64;
    let (mx, my) = (points.iter().map(|p| p.0).sum::<f64>() / n, points.iter().map(|p| p.1).sum::<f64>() / n);
    let sxx: f64 = points.iter().map(|p| (p.0 - mx).powi(2)).sum();
    let sxy: f64 = points.iter().map(|p| (p.0 - mx) * (p.1 - my)).sum();
    (sxx > 0.0).then(|| sxy / sxx)
}

/// The response fitted on `days` (normal, unbound, served, with a bid), or `None` when the bids
/// there do not differ by more than ±2 % or there are fewer than four such days.
pub fn fit_response(days: &[&DayEvidence], cpm: bool) -> Option<Response> {
    let mut vol = Vec::new();
    let mut price = Vec::new();
    for d in days {
        let Some(bid) = d.bid.filter(|b| *b > 0.0) else { continue };
        let units = if cpm { d.impressions as f64 / 1000.0 } else { d.clicks as f64 };
        if d.impressions == 0 || units <= 0.0 || d.cost <= 0.0 {
            continue;
        }
        vol.push((bid.ln(), (d.impressions as f64).ln()));
        price.push((bid.ln(), (d.cost / units).ln()));
    }
    let (lo, hi) = vol.iter().fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), p| (lo.min(p.0), hi.max(p.0)));
    if vol.len() < 4 || hi - lo < 0.04 {
        return None;
    }
    // Volume never falls with the bid, and a price cannot rise faster than twice the bid: outside
    // those, the days are noise and the clamp keeps a decision from following it far.
    Some(Response { volume: slope(&vol)?.clamp(0.05, 10.0), price: slope(&price)?.clamp(0.0, 2.0), days: vol.len() })
}

/// What the campaign's goal costs on average over its window, lag-adjusted: per conversion (with
/// `cvr` the campaign's CVR estimate), per click, or per thousand impressions.
fn unit_cost(c: &CampaignEvidence, cvr: f64) -> Option<f64> {
    let cost = c.totals.cost();
    let units = match c.goal {
        Goal::Conversions => c.totals.clicks as f64 * cvr,
        Goal::Clicks => c.totals.clicks as f64,
        Goal::Impressions => c.totals.impressions as f64 / 1000.0,
    };
    (units > 0.0 && cost > 0.0).then(|| cost / units)
}

fn goal_unit(goal: Goal) -> &'static str {
    match goal {
        Goal::Conversions => "conversion",
        Goal::Clicks => "click",
        Goal::Impressions => "thousand impressions",
    }
}

/// The conversions policy's bid decision for one campaign. `cvr`: its CVR estimate (the pooled
/// prior's mean); `quiet`: the account's quiet weekdays.
pub(super) fn bid_decision(
    campaign: &CampaignEvidence,
    evidence: &Evidence,
    params: &Params,
    cvr: f64,
    quiet: &Quiet,
) -> Option<Decision> {
    let bid = f(campaign.bid?);
    let p = &params.conversions;
    let step = params.guardrails.max_bid_step;
    let as_of = evidence.as_of;
    let normal: Vec<&DayEvidence> =
        campaign.history.iter().filter(|d| !quiet.contains(d.date) && d.cost > 0.0).collect();
    let bound = |d: &DayEvidence| d.daily_budget.is_some_and(|b| b > 0.0 && d.cost >= p.bound_share * b);
    let window = campaign.window_days.max(1) as i64;
    let recent: Vec<&DayEvidence> =
        normal.iter().copied().filter(|d| (1..=window).contains(&(as_of - d.date).num_days())).collect();
    if recent.len() < 2 {
        return None;
    }
    let bound_days = recent.iter().filter(|d| bound(d)).count();
    let share = bound_days as f64 / recent.len() as f64;
    let days = format!("{bound_days} of the last {} weekdays", recent.len());
    if share >= 0.8 {
        // Gently: volume answers the bid steeply, and a bid under the point where the budget binds
        // loses more than the cheaper price gains. At least the dead band, else a small bid never moves.
        let s = (step / 4.0).max((params.thresholds.bid_dead_band + 0.01) / bid);
        return bounded_bid(
            campaign,
            as_of,
            params,
            bid * (1.0 - s),
            format!(
                "the budget ran out on {days}: a bid {:.0}% lower buys the same budget's {}s cheaper",
                s * 100.0,
                if campaign.is_cpm { "impression" } else { "click" }
            ),
        );
    }
    if share > 0.2 {
        return None; // bound on some days, not most: about right
    }
    let unit = goal_unit(campaign.goal);
    let own = unit_cost(campaign, cvr)?;
    let target = if campaign.goal == Goal::Conversions { campaign.target_cpa.or(p.target_cpa) } else { None };
    let (cap, cap_why) = match target {
        Some(t) => (t, format!("the target ${t:.2}")),
        None => {
            let cap = own * p.max_marginal_cpa_multiple;
            (cap, format!("{}× the campaign's average", p.max_marginal_cpa_multiple))
        }
    };
    let unbound: Vec<&DayEvidence> = normal.iter().copied().filter(|d| !bound(d)).collect();
    match fit_response(&unbound, campaign.is_cpm) {
        Some(r) => {
            let marginal = own * r.marginal_multiple();
            let numbers = format!(
                "volume elasticity {:.2}, price elasticity {:.2} over {} days: the {unit}s a higher bid buys cost ${marginal:.2} each (average ${own:.2}), against a cap of ${cap:.2} ({cap_why})",
                r.volume, r.price, r.days
            );
            if marginal <= cap {
                bounded_bid(
                    campaign,
                    as_of,
                    params,
                    bid * (1.0 + step),
                    format!("the budget did not bind on {days} and {numbers}: raise"),
                )
            } else if marginal > cap * 1.25 {
                bounded_bid(
                    campaign,
                    as_of,
                    params,
                    bid * (1.0 - step / 2.0),
                    format!("{numbers}: the last {unit}s cost too much, lower"),
                )
            } else {
                None
            }
        }
        None => {
            let up = own <= cap;
            // At least the dead band, or a small bid could never be experimented on.
            let s = p.experiment_step.max((params.thresholds.bid_dead_band + 0.01) / bid);
            bounded_bid(
                campaign,
                as_of,
                params,
                bid * if up { 1.0 + s } else { 1.0 - s },
                format!(
                    "bid experiment: the budget did not bind on {days}, and the bid has not moved enough to learn how volume answers it; {} {:.0}% (average ${own:.2} per {unit}, cap ${cap:.2}: {cap_why})",
                    if up { "+" } else { "-" },
                    s * 100.0
                ),
            )
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(date: &str, bid: f64, impressions: u64, clicks: u64, cost: f64) -> DayEvidence {
        DayEvidence {
            date: date.parse().unwrap(),
            impressions,
            clicks,
            cost,
            conversions: 0.0,
            bid: Some(bid),
            daily_budget: Some(1000.0),
        }
    }

    #[test]
    fn the_response_recovers_known_elasticities() {
        // volume ∝ bid^1.5, CPC ∝ bid^0.5.
        let days: Vec<DayEvidence> = [4.0, 4.4, 4.0, 4.4, 4.8, 4.8]
            .iter()
            .enumerate()
            .map(|(i, b): (usize, &f64)| {
                let impr = 1_000_000.0 * (b / 4.0f64).powf(1.5);
                let clicks = impr * 0.005;
                let cpc = 3.0 * (b / 4.0f64).powf(0.5);
                day(&format!("2026-11-{:02}", 2 + i), *b, impr as u64, clicks as u64, clicks * cpc)
            })
            .collect();
        let refs: Vec<&DayEvidence> = days.iter().collect();
        let r = fit_response(&refs, false).unwrap();
        assert!((r.volume - 1.5).abs() < 0.05, "{r:?}");
        assert!((r.price - 0.5).abs() < 0.05, "{r:?}");
        assert!((r.marginal_multiple() - 4.0 / 3.0).abs() < 0.05);
        // One bid throughout: nothing to learn from.
        let flat: Vec<DayEvidence> =
            (0..6).map(|i| day(&format!("2026-11-{:02}", 2 + i), 4.0, 1000, 5, 15.0)).collect();
        assert!(fit_response(&flat.iter().collect::<Vec<_>>(), false).is_none());
    }
}
