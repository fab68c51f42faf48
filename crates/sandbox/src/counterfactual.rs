//! Counterfactual runs of a scenario: no optimization at all, and the oracle.
//!
//! The **oracle** knows every creative's true rates and the auction. For each ACTIVE campaign it picks,
//! once, the single creative and the bid that maximise the campaign's goal (conversions for
//! WEBSITE_CONVERSION and LEAD_GENERATION, clicks otherwise) in expectation over the period, under the
//! campaign's own daily budget (the budget is the advertiser's decision, not the optimizer's). Then the
//! market runs with that choice and the same random streams as every other run. Any policy's result can
//! then be stated as a share of the oracle's.
//!
//! "No optimization" is the scenario exactly as written, untouched for the whole period.

use std::sync::Arc;

use chrono::{DateTime, NaiveDate, TimeDelta, Utc};
use serde::Serialize;

use crate::latent::Truth;
use crate::market::{Campaign, Cell, Market, start_of};
use crate::money::Micros;
use crate::scenario::{CostType, Scenario};

/// Bids the oracle tries per campaign (log-spaced).
const BID_GRID: usize = 48;

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct OracleChoice {
    pub campaign: u64,
    pub creative: u64,
    pub bid: Micros,
    /// Expected goal (conversions or clicks) over the period with this choice.
    pub expected_goal: f64,
    pub goal: &'static str,
}

/// Delivery totals of a run.
#[derive(Debug, Clone, Copy, Default, Serialize, PartialEq)]
pub struct Outcome {
    pub spend: Micros,
    pub impressions: u64,
    pub clicks: u64,
    /// Every conversion the period's clicks produce, including those LinkedIn has not reported yet.
    pub conversions: u64,
    /// What LinkedIn reports by the end of the period.
    pub conversions_reported: u64,
}

impl Outcome {
    /// Adds one creative-day of delivery, as reported by `today`.
    pub fn add(&mut self, cell: &Cell, day: NaiveDate, today: NaiveDate) {
        self.spend = Micros(self.spend.0 + cell.cost.0);
        self.impressions += cell.impressions;
        self.clicks += cell.clicks;
        self.conversions += cell.conversions_eventual();
        self.conversions_reported += cell.conversions_reported(day, today);
    }

    /// Everything a market delivered so far.
    pub fn of(market: &Market) -> Self {
        let today = market.today();
        let mut o = Outcome::default();
        for (&(_, day), cell) in market.cells() {
            o.add(cell, day, today);
        }
        o
    }

    pub fn ctr(&self) -> Option<f64> {
        (self.impressions > 0).then(|| self.clicks as f64 / self.impressions as f64)
    }

    pub fn cpc(&self) -> Option<f64> {
        (self.clicks > 0).then(|| self.spend.as_f64() / self.clicks as f64)
    }

    pub fn cpa(&self) -> Option<f64> {
        (self.conversions > 0).then(|| self.spend.as_f64() / self.conversions as f64)
    }
}

/// The scenario untouched until `until`.
pub fn run_baseline(scenario: &Arc<Scenario>, until: DateTime<Utc>) -> Market {
    let mut m = Market::new(scenario.clone());
    m.advance_to(until).expect("until is after the start");
    m
}

/// The oracle's choices for the period from the start to `until`.
pub fn oracle_choices(scenario: &Arc<Scenario>, until: DateTime<Utc>) -> Vec<OracleChoice> {
    let market = Market::new(scenario.clone());
    let start = start_of(scenario.start);
    let hours = (until - start).num_hours().max(0);
    let mut out = Vec::new();
    for campaign in market.campaigns().filter(|c| c.status == "ACTIVE") {
        let candidates: Vec<_> = market
            .creatives()
            .filter(|c| c.campaign == campaign.id && matches!(c.intended_status.as_str(), "ACTIVE" | "PAUSED"))
            .collect();
        let floor = scenario.account.min_bid.as_f64();
        let median = match campaign.cost_type {
            CostType::Cpc => scenario.market.median_cpc,
            CostType::Cpm => scenario.market.median_cpc * scenario.market.base_ctr * 1000.0,
        };
        let ceiling = (median * 4.0).max(campaign.bid.as_f64() * 2.0).max(floor * 1.5);
        let conversions = campaign.optimizes_conversions();
        let mut best: Option<(f64, Micros, OracleChoice)> = None;
        for creative in &candidates {
            for i in 0..BID_GRID {
                let bid = floor * (ceiling / floor).powf(i as f64 / (BID_GRID - 1) as f64);
                let bid = Micros::from_f64((bid * 100.0).round() / 100.0).max(scenario.account.min_bid);
                let trial = Campaign { bid, ..campaign.clone() };
                let (goal, spend) = expected(&market, &trial, &creative.truth, start, hours, conversions);
                let better = match &best {
                    None => true,
                    Some((g, s, _)) => goal > *g + 1e-9 || ((goal - *g).abs() <= 1e-9 && spend < s.as_f64()),
                };
                if better {
                    let choice = OracleChoice {
                        campaign: campaign.id,
                        creative: creative.id,
                        bid,
                        expected_goal: goal,
                        goal: if conversions { "conversions" } else { "clicks" },
                    };
                    best = Some((goal, Micros::from_f64(spend), choice));
                }
            }
        }
        if let Some((_, _, c)) = best {
            out.push(c);
        }
    }
    out
}

/// Expected goal and spend of one creative at one bid, hour by hour, under the daily budget.
fn expected(
    market: &Market,
    campaign: &Campaign,
    truth: &Truth,
    start: DateTime<Utc>,
    hours: i64,
    conversions: bool,
) -> (f64, f64) {
    let budget = campaign.daily_budget.as_f64();
    let (mut goal, mut spend, mut spent_today, mut seen) = (0.0, 0.0, 0.0, 0.0);
    let mut day = start.date_naive();
    for h in 0..hours {
        let t = start + TimeDelta::hours(h);
        if t.date_naive() != day {
            day = t.date_naive();
            spent_today = 0.0;
        }
        let remaining = budget - spent_today;
        if remaining <= 0.0 {
            continue;
        }
        // A fatiguing creative's CTR falls with the impressions it has had (in expectation).
        let ctr = truth.ctr_after(seen);
        let terms = market.auction(campaign, ctr, t);
        let mut impressions = terms.opportunities * terms.win_rate;
        let mut clicks = impressions * ctr;
        let mut cost = match campaign.cost_type {
            CostType::Cpc => clicks * terms.unit_price.as_f64(),
            CostType::Cpm => impressions * terms.unit_price.as_f64() / 1000.0,
        };
        if cost > remaining {
            // The budget runs out during this hour: the share that fits is bought.
            clicks *= remaining / cost;
            impressions *= remaining / cost;
            cost = remaining;
        }
        spent_today += cost;
        spend += cost;
        seen += impressions;
        goal += if conversions { clicks * truth.cvr } else { clicks };
    }
    (goal, spend)
}

/// The market under the oracle's choices until `until`.
pub fn run_oracle(scenario: &Arc<Scenario>, choices: &[OracleChoice], until: DateTime<Utc>) -> Market {
    let mut m = Market::new(scenario.clone());
    let currency = scenario.account.currency.clone();
    for choice in choices {
        let ids: Vec<u64> = m.creatives().filter(|c| c.campaign == choice.campaign).map(|c| c.id).collect();
        for id in ids {
            let status = if id == choice.creative { "ACTIVE" } else { "PAUSED" };
            if m.creative(id).is_some_and(|c| c.intended_status != status) {
                m.set_creative_status(id, status).expect("scenario creatives can be paused and resumed");
            }
        }
        m.set_bid(choice.campaign, choice.bid, &currency).expect("grid bids respect the floor");
    }
    m.advance_to(until).expect("until is after the start");
    m
}
