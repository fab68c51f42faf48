//! The simulated ad market: the account's state and what LinkedIn delivers, hour by hour.
//!
//! Per simulated hour and ACTIVE campaign with serving creatives:
//! 1. **Opportunities**: `daily_opportunities × audience_share × weekday_volume × hourly share`.
//! 2. **Auction**: competing prices are log-normal around `median_cpc` (CPM campaigns:
//!    `median_cpc × base_ctr × 1000`). The campaign bids `bid × relevance`, where relevance is
//!    `(CTR of its rotation / base_ctr)^relevance_weight` (LinkedIn ranks by bid and engagement). It wins
//!    the share of opportunities priced below that, so volume grows with the bid with diminishing
//!    returns, and pays the expected competing price below it, divided by relevance: second-price-like,
//!    never more than the bid.
//! 3. **Rotation**: impressions won are split over the serving creatives, evenly (`ROUND_ROBIN`) or, for
//!    `OPTIMIZED`, in proportion to the fourth power of each creative's posterior mean CTR so far.
//! 4. **Draws**: clicks ~ Binomial(impressions, true CTR), conversions ~ Binomial(clicks, true CVR),
//!    spread over the following days by `conversion_lag`, so past days are restated as they arrive.
//! 5. **Budget**: when the hour would overspend the campaign's remaining daily budget, delivery is cut
//!    to fit: spend never exceeds the daily budget.
//!
//! Every draw comes from an RNG keyed by (seed, entity, day, hour), so an hour's outcome depends only
//! on the state in force during it, never on the order of API calls: a run is reproducible, and a
//! counterfactual run of the same scenario shares its luck (common random numbers).

use std::collections::BTreeMap;
use std::sync::Arc;

use chrono::{DateTime, Datelike, NaiveDate, TimeDelta, Timelike, Utc};
use linkedin_core::linkedin::little_text;
use linkedin_core::linkedin::posts::AdCopy;
use serde::Serialize;
use serde_json::{Value, json};

use crate::latent::{Truth, truth_for};
use crate::money::Micros;
use crate::sampling::{LogNormalPrices, binomial, multinomial, rng_for};
use crate::scenario::{CostType, Rotation, Scenario, goal_is_conversions};

/// Share of a day's opportunities in each UTC hour: quiet nights, a working-day plateau.
const HOURLY_WEIGHTS: [f64; 24] =
    [1., 1., 1., 1., 1., 2., 3., 5., 7., 8., 8., 8., 7., 7., 7., 7., 6., 5., 4., 3., 3., 2., 2., 1.];

/// Prior strength (impressions) of OPTIMIZED rotation's CTR estimate.
const ROTATION_PRIOR_IMPRESSIONS: f64 = 2000.0;
/// How sharply OPTIMIZED rotation favours its best estimate.
const ROTATION_EXPONENT: i32 = 4;

const STREAM_AUCTION: u64 = 0x61756374; // "auct"
const STREAM_DELIVERY: u64 = 0x64656c76; // "delv"

/// Post ids are creative ids shifted into LinkedIn's share-id range.
const POST_ID_BASE: u64 = 7_100_000_000_000_000_000;

pub fn hourly_share(hour: u32) -> f64 {
    let total: f64 = HOURLY_WEIGHTS.iter().sum();
    HOURLY_WEIGHTS[hour as usize % 24] / total
}

fn day_index(d: NaiveDate) -> u64 {
    d.num_days_from_ce() as u64
}

/// A campaign as the sandbox holds it.
#[derive(Debug, Clone, Serialize)]
pub struct Campaign {
    pub id: u64,
    pub name: String,
    pub status: String,
    pub objective: String,
    pub cost_type: CostType,
    pub bid: Micros,
    pub daily_budget: Micros,
    pub rotation: Rotation,
    pub audience_share: f64,
    pub created_at: DateTime<Utc>,
    pub last_modified_at: DateTime<Utc>,
    /// Bumped on every change (LinkedIn's `version.versionTag`).
    pub version: u64,
}

impl Campaign {
    pub fn urn(&self) -> String {
        format!("urn:li:sponsoredCampaign:{}", self.id)
    }
    pub fn optimizes_conversions(&self) -> bool {
        goal_is_conversions(&self.objective)
    }
}

/// A creative as the sandbox holds it, with its hidden truth.
#[derive(Debug, Clone, Serialize)]
pub struct Creative {
    pub id: u64,
    pub campaign: u64,
    pub name: Option<String>,
    pub intended_status: String,
    /// `urn:li:share:N`.
    pub post: String,
    pub created_at: DateTime<Utc>,
    pub last_modified_at: DateTime<Utc>,
    /// When review approves it (None while DRAFT: a draft is not reviewed).
    pub approved_at: Option<DateTime<Utc>>,
    pub truth: Truth,
    /// Made through the API (the copy generator), not from the scenario.
    pub created_via_api: bool,
}

impl Creative {
    pub fn urn(&self) -> String {
        format!("urn:li:sponsoredCreative:{}", self.id)
    }

    fn approved_by(&self, t: DateTime<Utc>) -> bool {
        self.approved_at.is_some_and(|a| a <= t)
    }

    /// LinkedIn's review status at `t`.
    pub fn review_status(&self, t: DateTime<Utc>) -> Option<&'static str> {
        match self.approved_at {
            None => None,
            Some(a) if a <= t => Some("APPROVED"),
            Some(_) => Some("PENDING"),
        }
    }
}

/// A post (the ad copy), stored as LinkedIn returns it.
#[derive(Debug, Clone, Serialize)]
pub struct Post {
    pub urn: String,
    pub json: Value,
    pub copy: AdCopy,
}

/// One creative's delivery on one day.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Cell {
    pub impressions: u64,
    pub clicks: u64,
    pub landing_page_clicks: u64,
    pub engagements: u64,
    pub cost: Micros,
    /// Conversions by days after the click day on which LinkedIn reports them.
    pub conversions_by_lag: Vec<u64>,
}

impl Cell {
    /// Conversions reported by `as_of` for a cell of day `day`.
    pub fn conversions_reported(&self, day: NaiveDate, as_of: NaiveDate) -> u64 {
        let visible = (as_of - day).num_days();
        if visible < 0 {
            return 0;
        }
        self.conversions_by_lag.iter().take(visible as usize + 1).sum()
    }

    pub fn conversions_eventual(&self) -> u64 {
        self.conversions_by_lag.iter().sum()
    }
}

/// A write the API applied, for the audit of what the system did.
#[derive(Debug, Clone, Serialize)]
pub struct Change {
    pub at: DateTime<Utc>,
    pub entity: String,
    pub field: String,
    pub before: Value,
    pub after: Value,
}

/// One field of a campaign patch (money with its currency code).
#[derive(Debug, Clone, PartialEq)]
pub enum CampaignChange {
    Status(String),
    Bid(Micros, String),
    DailyBudget(Micros, String),
    Name(String),
}

/// An amount must be in the account's currency and at least LinkedIn's floor.
fn check_amount(
    account: &crate::scenario::Account,
    field: &str,
    amount: Micros,
    currency: &str,
    floor: Micros,
) -> Result<(), Refusal> {
    if currency != account.currency {
        return Err(Refusal::Invalid(format!(
            "{field}.currencyCode '{currency}' does not match the account currency {}",
            account.currency
        )));
    }
    if amount < floor {
        return Err(Refusal::Invalid(format!("{field}.amount {amount} is below the minimum {floor} {currency}")));
    }
    Ok(())
}

/// Why the market refused a write (a 400 or 404 at the API).
#[derive(Debug, Clone, PartialEq)]
pub enum Refusal {
    NotFound(String),
    Invalid(String),
}

/// The price terms of one hour's auction for one campaign.
#[derive(Debug, Clone, Copy)]
pub struct AuctionTerms {
    pub opportunities: f64,
    pub win_rate: f64,
    /// Per click (CPC) or per thousand impressions (CPM).
    pub unit_price: Micros,
}

#[derive(Clone)]
pub struct Market {
    pub scenario: Arc<Scenario>,
    now: DateTime<Utc>,
    /// Start of the first hour not simulated yet.
    simulated_until: DateTime<Utc>,
    campaigns: BTreeMap<u64, Campaign>,
    creatives: BTreeMap<u64, Creative>,
    posts: BTreeMap<String, Post>,
    cells: BTreeMap<(u64, NaiveDate), Cell>,
    spend: BTreeMap<(u64, NaiveDate), Micros>,
    /// Campaign-days whose budget ran out: no more delivery that day (even if the budget is raised).
    exhausted: std::collections::BTreeSet<(u64, NaiveDate)>,
    next_creative_id: u64,
    next_post_id: u64,
    changes: Vec<Change>,
}

pub fn start_of(d: NaiveDate) -> DateTime<Utc> {
    d.and_hms_opt(0, 0, 0).expect("midnight exists").and_utc()
}

impl Market {
    /// The market at the scenario's start (00:00 UTC of its first day).
    pub fn new(scenario: Arc<Scenario>) -> Self {
        let start = start_of(scenario.start);
        let created = start - TimeDelta::days(30);
        let mut m = Self {
            now: start,
            simulated_until: start,
            campaigns: BTreeMap::new(),
            creatives: BTreeMap::new(),
            posts: BTreeMap::new(),
            cells: BTreeMap::new(),
            spend: BTreeMap::new(),
            exhausted: Default::default(),
            next_creative_id: scenario.max_creative_id() + 1,
            next_post_id: 1,
            changes: Vec::new(),
            scenario: scenario.clone(),
        };
        for c in &scenario.campaigns {
            m.campaigns.insert(
                c.id,
                Campaign {
                    id: c.id,
                    name: c.name.clone(),
                    status: c.status.clone(),
                    objective: c.objective.clone(),
                    cost_type: c.cost_type,
                    bid: c.bid,
                    daily_budget: c.daily_budget,
                    rotation: c.creative_selection,
                    audience_share: c.audience_share,
                    created_at: created,
                    last_modified_at: created,
                    version: 1,
                },
            );
            for cr in &c.creatives {
                let copy = AdCopy {
                    intro_text: Some(cr.intro.clone()),
                    headline: Some(cr.headline.clone()),
                    description: cr.description.clone(),
                    call_to_action: cr.cta.clone(),
                    landing_page: cr.landing_page.clone(),
                };
                let post = format!("urn:li:share:{}", POST_ID_BASE + cr.id);
                let json = post_json(&scenario, &post, &copy, created);
                m.posts.insert(post.clone(), Post { urn: post.clone(), json, copy: copy.clone() });
                let truth = Truth {
                    fatigue: cr.fatigue,
                    ..truth_for(&scenario.market, scenario.seed, cr.id, &copy, cr.true_ctr, cr.true_cvr)
                };
                m.creatives.insert(
                    cr.id,
                    Creative {
                        id: cr.id,
                        campaign: c.id,
                        name: cr.name.clone(),
                        intended_status: cr.status.clone(),
                        post,
                        created_at: created,
                        last_modified_at: created,
                        approved_at: (cr.status != "DRAFT").then_some(created),
                        truth,
                        created_via_api: false,
                    },
                );
            }
        }
        m
    }

    pub fn now(&self) -> DateTime<Utc> {
        self.now
    }

    pub fn today(&self) -> NaiveDate {
        self.now.date_naive()
    }

    pub fn campaigns(&self) -> impl Iterator<Item = &Campaign> {
        self.campaigns.values()
    }

    pub fn campaign(&self, id: u64) -> Option<&Campaign> {
        self.campaigns.get(&id)
    }

    pub fn creatives(&self) -> impl Iterator<Item = &Creative> {
        self.creatives.values()
    }

    pub fn creative(&self, id: u64) -> Option<&Creative> {
        self.creatives.get(&id)
    }

    pub fn post(&self, urn: &str) -> Option<&Post> {
        self.posts.get(urn)
    }

    pub fn cells(&self) -> &BTreeMap<(u64, NaiveDate), Cell> {
        &self.cells
    }

    pub fn changes(&self) -> &[Change] {
        &self.changes
    }

    pub fn spend_on(&self, campaign: u64, day: NaiveDate) -> Micros {
        self.spend.get(&(campaign, day)).copied().unwrap_or_default()
    }

    /// Moves the clock forward, simulating every whole hour that ends by `t`. The clock never goes back.
    pub fn advance_to(&mut self, t: DateTime<Utc>) -> Result<(), String> {
        if t < self.now {
            return Err(format!("the clock is at {} and cannot go back to {t}", self.now.to_rfc3339()));
        }
        while self.simulated_until + TimeDelta::hours(1) <= t {
            let hour = self.simulated_until;
            self.simulate_hour(hour);
            self.simulated_until = hour + TimeDelta::hours(1);
        }
        self.now = t;
        Ok(())
    }

    /// The creatives that can serve in the hour starting at `t`.
    fn serving(&self, campaign: u64, t: DateTime<Utc>) -> Vec<&Creative> {
        self.creatives
            .values()
            .filter(|c| c.campaign == campaign && c.intended_status == "ACTIVE" && c.approved_by(t))
            .collect()
    }

    /// Every impression a creative has had so far.
    pub fn impressions_so_far(&self, creative: u64) -> u64 {
        self.cells.range((creative, NaiveDate::MIN)..=(creative, NaiveDate::MAX)).map(|(_, c)| c.impressions).sum()
    }

    /// Rotation shares over `serving` (sums to 1).
    fn rotation_shares(&self, rotation: Rotation, serving: &[&Creative]) -> Vec<f64> {
        let n = serving.len() as f64;
        match rotation {
            Rotation::RoundRobin => vec![1.0 / n; serving.len()],
            Rotation::Optimized => {
                let base = self.scenario.market.base_ctr;
                let weights: Vec<f64> = serving
                    .iter()
                    .map(|c| {
                        let (impr, clicks) = self
                            .cells
                            .range((c.id, NaiveDate::MIN)..=(c.id, NaiveDate::MAX))
                            .fold((0.0, 0.0), |(i, k), (_, cell)| {
                                (i + cell.impressions as f64, k + cell.clicks as f64)
                            });
                        let mean = (clicks + base * ROTATION_PRIOR_IMPRESSIONS) / (impr + ROTATION_PRIOR_IMPRESSIONS);
                        mean.powi(ROTATION_EXPONENT)
                    })
                    .collect();
                let total: f64 = weights.iter().sum();
                weights.iter().map(|w| w / total).collect()
            }
        }
    }

    /// The auction an hour offers a campaign whose rotation has this mean CTR.
    pub fn auction(&self, campaign: &Campaign, mean_ctr: f64, t: DateTime<Utc>) -> AuctionTerms {
        let m = &self.scenario.market;
        let wd = t.weekday().num_days_from_monday() as usize;
        let opportunities =
            m.daily_opportunities * campaign.audience_share * m.weekday_volume[wd] * hourly_share(t.hour());
        let relevance = (mean_ctr / m.base_ctr).max(1e-6).powf(m.relevance_weight);
        let median = match campaign.cost_type {
            CostType::Cpc => m.median_cpc,
            CostType::Cpm => m.median_cpc * m.base_ctr * 1000.0,
        };
        let prices = LogNormalPrices { median, sigma: m.price_spread };
        let effective = campaign.bid.as_f64() * relevance;
        let win_rate = prices.win_rate(effective);
        let price = (prices.expected_price_below(effective) / relevance).min(campaign.bid.as_f64());
        AuctionTerms { opportunities, win_rate, unit_price: Micros::from_f64(price).min(campaign.bid) }
    }

    fn simulate_hour(&mut self, t: DateTime<Utc>) {
        let day = t.date_naive();
        let ids: Vec<u64> = self.campaigns.keys().copied().collect();
        for id in ids {
            let campaign = self.campaigns[&id].clone();
            if campaign.status != "ACTIVE" {
                continue;
            }
            let serving: Vec<Creative> = self.serving(id, t).into_iter().cloned().collect();
            if serving.is_empty() {
                continue;
            }
            let remaining = Micros(campaign.daily_budget.0.saturating_sub(self.spend_on(id, day).0));
            if remaining.0 == 0 || self.exhausted.contains(&(id, day)) {
                continue;
            }
            let refs: Vec<&Creative> = serving.iter().collect();
            let shares = self.rotation_shares(campaign.rotation, &refs);
            // Each creative's CTR as worn by the impressions it has had so far (fatigue).
            let ctrs: Vec<f64> =
                serving.iter().map(|c| c.truth.ctr_after(self.impressions_so_far(c.id) as f64)).collect();
            let mean_ctr: f64 = ctrs.iter().zip(&shares).map(|(c, s)| c * s).sum();
            let terms = self.auction(&campaign, mean_ctr, t);

            let mut rng = rng_for(self.scenario.seed, &[id, day_index(day), t.hour() as u64, STREAM_AUCTION]);
            let won = binomial(&mut rng, terms.opportunities.round() as u64, terms.win_rate);
            let split = multinomial(&mut rng, won, &shares);

            let mut draws: Vec<(u64, u64, Micros)> = Vec::with_capacity(serving.len());
            for ((c, &impressions), &ctr) in serving.iter().zip(&split).zip(&ctrs) {
                let mut r = rng_for(self.scenario.seed, &[c.id, day_index(day), t.hour() as u64, STREAM_DELIVERY]);
                let clicks = binomial(&mut r, impressions, ctr);
                draws.push((impressions, clicks, cost_of(campaign.cost_type, terms.unit_price, impressions, clicks)));
            }
            let total: u64 = draws.iter().map(|d| d.2.0).sum();
            if total > remaining.0 {
                // The budget runs out during this hour: delivery covers the share `f` of it, then
                // stops for the rest of the day. Clicks are thinned binomially (unbiased), then
                // trimmed if the draw would still overspend.
                let f = remaining.0 as f64 / total as f64;
                let mut thin = rng_for(self.scenario.seed, &[id, day_index(day), t.hour() as u64, STREAM_AUCTION, 1]);
                for d in &mut draws {
                    let (impressions, clicks) = (d.0, d.1);
                    d.0 = match campaign.cost_type {
                        CostType::Cpc => (impressions as f64 * f).round() as u64,
                        CostType::Cpm => (impressions as f64 * f).floor() as u64,
                    };
                    let keep = if impressions == 0 { 0.0 } else { d.0 as f64 / impressions as f64 };
                    d.1 = binomial(&mut thin, clicks, keep).min(d.0);
                    d.2 = cost_of(campaign.cost_type, terms.unit_price, d.0, d.1);
                }
                while draws.iter().map(|d| d.2.0).sum::<u64>() > remaining.0 {
                    let Some(d) = draws.iter_mut().filter(|d| d.1 > 0).max_by_key(|d| d.1) else { break };
                    d.1 -= 1;
                    d.2 = cost_of(campaign.cost_type, terms.unit_price, d.0, d.1);
                }
                self.exhausted.insert((id, day));
            }

            let m = &self.scenario.market;
            let lag = m.conversion_lag.clone();
            for (c, (impressions, clicks, cost)) in serving.iter().zip(draws) {
                if impressions == 0 && cost.0 == 0 {
                    continue;
                }
                // A second stream for the post-click draws, so cutting clicks does not shift them.
                let mut r = rng_for(self.scenario.seed, &[c.id, day_index(day), t.hour() as u64, STREAM_DELIVERY, 1]);
                let conversions = binomial(&mut r, clicks, c.truth.cvr);
                let by_lag = multinomial(&mut r, conversions, &lag);
                let lp = binomial(&mut r, clicks, m.landing_page_click_share);
                let social = binomial(&mut r, impressions, m.social_action_rate);
                let cell = self
                    .cells
                    .entry((c.id, day))
                    .or_insert_with(|| Cell { conversions_by_lag: vec![0; lag.len()], ..Cell::default() });
                cell.impressions += impressions;
                cell.clicks += clicks;
                cell.landing_page_clicks += lp;
                cell.engagements += clicks + social;
                cell.cost = Micros(cell.cost.0 + cost.0);
                for (slot, n) in cell.conversions_by_lag.iter_mut().zip(by_lag) {
                    *slot += n;
                }
                let spent = self.spend.entry((id, day)).or_default();
                *spent = Micros(spent.0 + cost.0);
            }
        }
    }

    fn record(&mut self, entity: String, field: &str, before: Value, after: Value) {
        self.changes.push(Change { at: self.now, entity, field: field.into(), before, after });
    }

    /// Applies every change of a campaign patch, or none: each is checked against the campaign before
    /// any is applied (a patch is atomic, as LinkedIn's).
    pub fn patch_campaign(&mut self, id: u64, changes: &[CampaignChange]) -> Result<(), Refusal> {
        let c = self.campaigns.get(&id).ok_or_else(|| Refusal::NotFound(format!("campaign {id} does not exist")))?;
        for change in changes {
            self.check_campaign_change(c, change)?;
        }
        let now = self.now;
        for change in changes {
            let c = self.campaigns.get_mut(&id).expect("checked above");
            let (field, before, after) = match change {
                CampaignChange::Status(s) => ("status", json!(std::mem::replace(&mut c.status, s.clone())), json!(s)),
                CampaignChange::Bid(amount, cur) => {
                    ("unitCost", money_json(std::mem::replace(&mut c.bid, *amount), cur), money_json(*amount, cur))
                }
                CampaignChange::DailyBudget(amount, cur) => (
                    "dailyBudget",
                    money_json(std::mem::replace(&mut c.daily_budget, *amount), cur),
                    money_json(*amount, cur),
                ),
                CampaignChange::Name(n) => ("name", json!(std::mem::replace(&mut c.name, n.clone())), json!(n)),
            };
            c.last_modified_at = now;
            c.version += 1;
            let urn = c.urn();
            self.record(urn, field, before, after);
        }
        Ok(())
    }

    fn check_campaign_change(&self, c: &Campaign, change: &CampaignChange) -> Result<(), Refusal> {
        let account = &self.scenario.account;
        match change {
            CampaignChange::Status(status) => {
                const ALLOWED: [&str; 5] = ["ACTIVE", "PAUSED", "ARCHIVED", "CANCELED", "PENDING_DELETION"];
                if !ALLOWED.contains(&status.as_str()) {
                    return Err(Refusal::Invalid(format!(
                        "status '{status}' cannot be set: use one of {}",
                        ALLOWED.join(", ")
                    )));
                }
                if c.status == "CANCELED" || c.status == "ARCHIVED" && status == "ACTIVE" {
                    return Err(Refusal::Invalid(format!("a {} campaign cannot become {status}", c.status)));
                }
                Ok(())
            }
            CampaignChange::Bid(amount, cur) => check_amount(account, "unitCost", *amount, cur, account.min_bid),
            CampaignChange::DailyBudget(amount, cur) => {
                check_amount(account, "dailyBudget", *amount, cur, account.min_daily_budget)
            }
            CampaignChange::Name(_) => Ok(()),
        }
    }

    pub fn set_campaign_status(&mut self, id: u64, status: &str) -> Result<(), Refusal> {
        self.patch_campaign(id, &[CampaignChange::Status(status.to_string())])
    }

    /// `unitCost`: the bid.
    pub fn set_bid(&mut self, id: u64, bid: Micros, currency: &str) -> Result<(), Refusal> {
        self.patch_campaign(id, &[CampaignChange::Bid(bid, currency.to_string())])
    }

    pub fn set_daily_budget(&mut self, id: u64, budget: Micros, currency: &str) -> Result<(), Refusal> {
        self.patch_campaign(id, &[CampaignChange::DailyBudget(budget, currency.to_string())])
    }

    pub fn set_creative_status(&mut self, id: u64, status: &str) -> Result<(), Refusal> {
        const ALLOWED: [&str; 5] = ["ACTIVE", "PAUSED", "ARCHIVED", "CANCELED", "PENDING_DELETION"];
        if !ALLOWED.contains(&status) {
            return Err(Refusal::Invalid(format!(
                "intendedStatus '{status}' cannot be set: use one of {}",
                ALLOWED.join(", ")
            )));
        }
        let now = self.now;
        let review_hours = self.scenario.market.review_hours;
        let c =
            self.creatives.get_mut(&id).ok_or_else(|| Refusal::NotFound(format!("creative {id} does not exist")))?;
        if matches!(c.intended_status.as_str(), "CANCELED" | "PENDING_DELETION" | "REMOVED") {
            return Err(Refusal::Invalid(format!("a {} creative cannot be changed", c.intended_status)));
        }
        let before = std::mem::replace(&mut c.intended_status, status.to_string());
        if c.approved_at.is_none() && status == "ACTIVE" {
            // A draft going live is reviewed first.
            c.approved_at = Some(now + TimeDelta::hours(review_hours as i64));
        }
        c.last_modified_at = now;
        let urn = c.urn();
        self.record(urn, "intendedStatus", json!(before), json!(status));
        Ok(())
    }

    pub fn set_creative_name(&mut self, id: u64, name: &str) -> Result<(), Refusal> {
        let now = self.now;
        let c =
            self.creatives.get_mut(&id).ok_or_else(|| Refusal::NotFound(format!("creative {id} does not exist")))?;
        let before = c.name.replace(name.to_string());
        c.last_modified_at = now;
        let urn = c.urn();
        self.record(urn, "name", json!(before), json!(name));
        Ok(())
    }

    /// Stores a new post (already validated at the API) and returns its URN.
    pub fn create_post(&mut self, mut json: Value, copy: AdCopy) -> String {
        let urn = format!("urn:li:share:{}", POST_ID_BASE + 500_000_000 + self.next_post_id);
        self.next_post_id += 1;
        let ms = self.now.timestamp_millis();
        if let Some(obj) = json.as_object_mut() {
            obj.insert("id".into(), json!(urn));
            obj.insert("createdAt".into(), json!(ms));
            obj.insert("lastModifiedAt".into(), json!(ms));
            obj.insert("publishedAt".into(), json!(ms));
        }
        self.posts.insert(urn.clone(), Post { urn: urn.clone(), json, copy });
        self.record(urn.clone(), "created", Value::Null, json!("post"));
        urn
    }

    /// A new creative over an existing post. It serves once review approves it.
    pub fn create_creative(
        &mut self,
        campaign: u64,
        post: &str,
        status: &str,
        name: Option<String>,
    ) -> Result<u64, Refusal> {
        if !self.campaigns.contains_key(&campaign) {
            return Err(Refusal::Invalid(format!(
                "campaign urn:li:sponsoredCampaign:{campaign} does not exist in this account"
            )));
        }
        let copy =
            self.posts.get(post).map(|p| p.copy.clone()).ok_or_else(|| {
                Refusal::Invalid(format!("content.reference {post} is not a post of this organization"))
            })?;
        if !matches!(status, "ACTIVE" | "PAUSED" | "DRAFT") {
            return Err(Refusal::Invalid(format!(
                "intendedStatus '{status}': a new creative is ACTIVE, PAUSED or DRAFT"
            )));
        }
        if self.creatives.values().filter(|c| c.campaign == campaign).count() >= 100 {
            return Err(Refusal::Invalid(format!("campaign {campaign} already has 100 creatives, LinkedIn's limit")));
        }
        let id = self.next_creative_id;
        self.next_creative_id += 1;
        let s = &self.scenario;
        let truth = truth_for(&s.market, s.seed, id, &copy, None, None);
        let review = TimeDelta::hours(s.market.review_hours as i64);
        self.creatives.insert(
            id,
            Creative {
                id,
                campaign,
                name,
                intended_status: status.to_string(),
                post: post.to_string(),
                created_at: self.now,
                last_modified_at: self.now,
                approved_at: (status != "DRAFT").then_some(self.now + review),
                truth,
                created_via_api: true,
            },
        );
        self.record(format!("urn:li:sponsoredCreative:{id}"), "created", Value::Null, json!(status));
        Ok(id)
    }
}

fn cost_of(cost_type: CostType, unit: Micros, impressions: u64, clicks: u64) -> Micros {
    match cost_type {
        CostType::Cpc => Micros(unit.0 * clicks),
        CostType::Cpm => Micros(unit.0 * impressions / 1000),
    }
}

pub fn money_json(amount: Micros, currency: &str) -> Value {
    json!({ "amount": amount.api_string(), "currencyCode": currency })
}

/// A scenario creative's post, in the Posts API shape (an article ad, dark post).
fn post_json(s: &Scenario, urn: &str, copy: &AdCopy, at: DateTime<Utc>) -> Value {
    let ms = at.timestamp_millis();
    let mut article = serde_json::Map::new();
    if let Some(l) = &copy.landing_page {
        article.insert("source".into(), json!(l));
    }
    if let Some(h) = &copy.headline {
        article.insert("title".into(), json!(h));
    }
    if let Some(d) = &copy.description {
        article.insert("description".into(), json!(d));
    }
    let mut post = json!({
        "id": urn,
        "author": format!("urn:li:organization:{}", s.account.organization),
        "commentary": little_text::escape(copy.intro_text.as_deref().unwrap_or_default()),
        "visibility": "PUBLIC",
        "distribution": { "feedDistribution": "NONE", "targetEntities": [], "thirdPartyDistributionChannels": [] },
        "content": { "article": article },
        "lifecycleState": "PUBLISHED",
        "isReshareDisabledByAuthor": false,
        "adContext": {
            "dscAdAccount": format!("urn:li:sponsoredAccount:{}", s.account.id),
            "dscStatus": "ACTIVE",
            "isDsc": true
        },
        "createdAt": ms,
        "lastModifiedAt": ms,
        "publishedAt": ms
    });
    if let Some(cta) = &copy.call_to_action {
        post["contentCallToActionLabel"] = json!(cta);
    }
    if let Some(l) = &copy.landing_page {
        post["contentLandingPage"] = json!(l);
    }
    post
}

#[cfg(test)]
mod tests {
    use super::*;

    fn smoke() -> Arc<Scenario> {
        Arc::new(Scenario::load("smoke").unwrap())
    }

    fn at(m: &Market, days: i64, hours: i64) -> DateTime<Utc> {
        start_of(m.scenario.start) + TimeDelta::days(days) + TimeDelta::hours(hours)
    }

    fn totals(m: &Market, creative: u64) -> (u64, u64, u64) {
        m.cells()
            .range((creative, NaiveDate::MIN)..=(creative, NaiveDate::MAX))
            .fold((0, 0, 0), |(i, c, v), (_, cell)| {
                (i + cell.impressions, c + cell.clicks, v + cell.conversions_eventual())
            })
    }

    #[test]
    fn spend_never_exceeds_the_daily_budget_and_a_tight_budget_binds() {
        let mut s = (*smoke()).clone();
        s.campaigns[0].daily_budget = Micros(15_000_000);
        s.campaigns[0].bid = Micros(20_000_000);
        let mut m = Market::new(Arc::new(s));
        let end = at(&m, 7, 0);
        m.advance_to(end).unwrap();
        for d in 0..7 {
            let day = m.scenario.start + TimeDelta::days(d);
            let spent = m.spend_on(600100, day);
            assert!(spent <= Micros(15_000_000), "day {day}: {spent}");
            assert!(spent >= Micros(13_000_000), "a high bid should nearly exhaust the budget on {day}: {spent}");
        }
    }

    #[test]
    fn clicks_follow_the_true_ctr_within_binomial_tolerance() {
        let mut m = Market::new(smoke());
        let end = at(&m, 7, 0);
        m.advance_to(end).unwrap();
        for id in [900100u64, 900101, 900102] {
            let ctr = m.creative(id).unwrap().truth.ctr;
            let (impr, clicks, _) = totals(&m, id);
            assert!(impr > 10_000, "{id}: {impr} impressions");
            let expected = impr as f64 * ctr;
            let sd = (impr as f64 * ctr * (1.0 - ctr)).sqrt();
            assert!(
                ((clicks as f64) - expected).abs() < 4.0 * sd,
                "{id}: {clicks} clicks, expected {expected:.0} ± {sd:.0}"
            );
        }
    }

    #[test]
    fn late_conversions_restate_past_days() {
        let mut m = Market::new(smoke());
        let day0 = m.scenario.start;
        m.advance_to(at(&m, 3, 0)).unwrap();
        let first_days: Vec<(NaiveDate, Cell)> = m
            .cells()
            .iter()
            .filter(|((_, d), _)| *d < day0 + TimeDelta::days(3))
            .map(|((_, d), c)| (*d, c.clone()))
            .collect();
        let reported =
            |as_of: NaiveDate| -> u64 { first_days.iter().map(|(d, c)| c.conversions_reported(*d, as_of)).sum() };
        let eventual: u64 = first_days.iter().map(|(_, c)| c.conversions_eventual()).sum();
        let (now, week_later) = (reported(day0 + TimeDelta::days(2)), reported(day0 + TimeDelta::days(9)));
        assert!(now > 0 && week_later > now, "{now} reported by day 2, {week_later} a week later");
        assert_eq!(week_later, eventual, "everything has arrived after the lag window");
        assert_eq!(reported(day0 - TimeDelta::days(1)), 0);
    }

    #[test]
    fn a_paused_creative_gets_nothing_from_the_next_hour() {
        let mut m = Market::new(smoke());
        m.advance_to(at(&m, 1, 8)).unwrap();
        m.set_creative_status(900102, "PAUSED").unwrap();
        let before = totals(&m, 900102);
        m.advance_to(at(&m, 4, 0)).unwrap();
        assert_eq!(totals(&m, 900102), before, "no delivery after the pause");
        assert!(totals(&m, 900100).0 > 0);
        m.set_campaign_status(600100, "PAUSED").unwrap();
        let all: u64 = m.cells().values().map(|c| c.impressions).sum();
        m.advance_to(at(&m, 5, 0)).unwrap();
        assert_eq!(m.cells().values().map(|c| c.impressions).sum::<u64>(), all, "a paused campaign delivers nothing");
    }

    #[test]
    fn higher_bids_win_more_with_diminishing_returns_and_pay_at_most_the_bid() {
        let m = Market::new(smoke());
        let c = m.campaign(600100).unwrap().clone();
        let t = at(&m, 0, 10);
        let terms = |bid: u64| m.auction(&Campaign { bid: Micros(bid * 1_000_000), ..c.clone() }, 0.0045, t);
        let (a, b, cc) = (terms(4), terms(8), terms(12));
        assert!(a.win_rate < b.win_rate && b.win_rate < cc.win_rate);
        assert!(b.win_rate - a.win_rate > cc.win_rate - b.win_rate, "diminishing returns");
        for (bid, x) in [(4, a), (8, b), (12, cc)] {
            assert!(x.unit_price <= Micros(bid * 1_000_000));
        }
    }

    #[test]
    fn a_run_is_reproducible_and_a_new_creative_serves_after_review() {
        let run = || {
            let mut m = Market::new(smoke());
            m.advance_to(at(&m, 2, 0)).unwrap();
            let copy = AdCopy {
                intro_text: Some("Fresh copy?".into()),
                headline: Some("New 3x faster".into()),
                ..AdCopy::default()
            };
            let post = m.create_post(json!({}), copy);
            let id = m.create_creative(600100, &post, "ACTIVE", None).unwrap();
            m.advance_to(at(&m, 2, 5)).unwrap();
            assert_eq!(totals(&m, id).0, 0, "still in review");
            m.advance_to(at(&m, 4, 0)).unwrap();
            assert!(totals(&m, id).0 > 0, "serves once approved");
            m.cells().clone()
        };
        assert_eq!(run(), run());
    }

    #[test]
    fn optimized_rotation_shifts_impressions_to_the_best_creative() {
        let mut s = (*smoke()).clone();
        s.campaigns[0].creative_selection = Rotation::Optimized;
        s.campaigns[0].daily_budget = Micros(2_000_000_000);
        let mut m = Market::new(Arc::new(s));
        m.advance_to(at(&m, 7, 0)).unwrap();
        let (best, worst) = (totals(&m, 900100).0, totals(&m, 900102).0);
        assert!(best > 2 * worst, "OPTIMIZED favours the 0.75% creative over the 0.22% one: {best} vs {worst}");
        let mut even = Market::new(smoke());
        even.advance_to(at(&even, 7, 0)).unwrap();
        let (a, b) = (totals(&even, 900100).0 as f64, totals(&even, 900102).0 as f64);
        assert!((a / b - 1.0).abs() < 0.1, "ROUND_ROBIN splits evenly: {a} vs {b}");
    }

    #[test]
    fn a_campaign_patch_applies_whole_or_not_at_all() {
        let mut m = Market::new(smoke());
        let usd = || "USD".to_string();
        let bad = [CampaignChange::Name("renamed".into()), CampaignChange::Bid(Micros(1_000_000), usd())];
        assert!(matches!(m.patch_campaign(600100, &bad), Err(Refusal::Invalid(e)) if e.contains("below the minimum")));
        let c = m.campaign(600100).unwrap();
        assert_eq!((c.name.as_str(), c.bid, c.version), ("Smoke - Website conversions", Micros(6_500_000), 1));
        assert!(m.changes().is_empty());
        let good = [CampaignChange::Name("renamed".into()), CampaignChange::Bid(Micros(7_000_000), usd())];
        m.patch_campaign(600100, &good).unwrap();
        let c = m.campaign(600100).unwrap();
        assert_eq!((c.name.as_str(), c.bid, c.version), ("renamed", Micros(7_000_000), 3));
        assert_eq!(m.changes().len(), 2);
    }
}
