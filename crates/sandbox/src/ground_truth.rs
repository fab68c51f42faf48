//! What really happened, for `GET /_sandbox/truth`, the demo's summary and the end-to-end tests:
//! every creative's latent rates and delivery, per day, and the outcome of this run next to the two
//! counterfactuals (no optimization, oracle) over the same period.

use chrono::{DateTime, NaiveDate, Utc};
use serde::Serialize;

use crate::counterfactual::{OracleChoice, Outcome, oracle_choices, run_baseline, run_oracle};
use crate::market::Market;
use crate::service::Service;

#[derive(Debug, Clone, Serialize)]
pub struct CreativeTruth {
    pub id: u64,
    pub campaign: u64,
    pub intended_status: String,
    pub created_via_api: bool,
    pub true_ctr: f64,
    pub true_cvr: f64,
    /// The copy's part of ln CTR (what the Creative Scorer can learn).
    pub copy_effect: f64,
    #[serde(flatten)]
    pub delivered: Outcome,
}

#[derive(Debug, Clone, Serialize)]
pub struct DayTruth {
    pub date: NaiveDate,
    pub campaign: u64,
    pub creative: u64,
    #[serde(flatten)]
    pub delivered: Outcome,
}

#[derive(Debug, Clone, Serialize)]
pub struct Outcomes {
    /// This run: whatever the clients did through the API.
    pub system: Outcome,
    pub no_optimization: Outcome,
    pub oracle: Outcome,
}

#[derive(Debug, Clone, Serialize)]
pub struct GroundTruth {
    pub scenario: String,
    pub seed: u64,
    pub start: NaiveDate,
    pub now: DateTime<Utc>,
    pub creatives: Vec<CreativeTruth>,
    pub daily: Vec<DayTruth>,
    pub outcomes: Outcomes,
    pub oracle: Vec<OracleChoice>,
}

impl GroundTruth {
    pub fn compute(service: &Service) -> Self {
        Self::of(&service.market)
    }

    /// The truth of `market`, running both counterfactuals over the same period.
    pub fn of(market: &Market) -> Self {
        let runs = Counterfactuals::run(market);
        Self::with(market, &runs)
    }

    /// The truth of `market` next to counterfactuals already run (the demo also charts them).
    pub fn with(market: &Market, runs: &Counterfactuals) -> Self {
        let s = &market.scenario;
        let now = market.now();
        let today = market.today();
        let creatives = market
            .creatives()
            .map(|c| {
                let mut delivered = Outcome::default();
                for (&(_, day), cell) in market.cells().range((c.id, NaiveDate::MIN)..=(c.id, NaiveDate::MAX)) {
                    delivered.add(cell, day, today);
                }
                CreativeTruth {
                    id: c.id,
                    campaign: c.campaign,
                    intended_status: c.intended_status.clone(),
                    created_via_api: c.created_via_api,
                    true_ctr: c.truth.ctr,
                    true_cvr: c.truth.cvr,
                    copy_effect: c.truth.copy_effect,
                    delivered,
                }
            })
            .collect();
        let mut daily: Vec<DayTruth> = market
            .cells()
            .iter()
            .map(|(&(creative, date), cell)| {
                let mut delivered = Outcome::default();
                delivered.add(cell, date, today);
                DayTruth {
                    date,
                    campaign: market.creative(creative).map(|c| c.campaign).unwrap_or_default(),
                    creative,
                    delivered,
                }
            })
            .collect();
        daily.sort_by_key(|d| (d.date, d.campaign, d.creative));
        GroundTruth {
            scenario: s.name.clone(),
            seed: s.seed,
            start: s.start,
            now,
            creatives,
            daily,
            outcomes: Outcomes {
                system: Outcome::of(market),
                no_optimization: Outcome::of(&runs.baseline),
                oracle: Outcome::of(&runs.oracle),
            },
            oracle: runs.choices.clone(),
        }
    }
}

/// The scenario run without optimization and under the oracle, up to a market's clock.
pub struct Counterfactuals {
    pub baseline: Market,
    pub oracle: Market,
    pub choices: Vec<OracleChoice>,
}

impl Counterfactuals {
    pub fn run(market: &Market) -> Self {
        let (s, now) = (&market.scenario, market.now());
        let choices = oracle_choices(s, now);
        Self { baseline: run_baseline(s, now), oracle: run_oracle(s, &choices, now), choices }
    }
}
