//! Scenario files: the account, its campaigns and creatives, the market they compete in, the faults the
//! API injects. TOML; a few ship with the crate (`scenarios/*.toml`) and are addressed by name.
//!
//! Every number has a default drawn from LinkedIn's published ranges, so a scenario only states what
//! makes it different. [`Scenario::validate`] names the field and the fix for anything out of range.

use std::path::Path;

use chrono::NaiveDate;
use serde::Deserialize;

use crate::money::Micros;

/// The scenarios shipped in `crates/sandbox/scenarios/`, by name.
pub const SHIPPED: &[(&str, &str)] = &[
    ("b2b-saas", include_str!("../scenarios/b2b-saas.toml")),
    ("lead-gen", include_str!("../scenarios/lead-gen.toml")),
    ("smoke", include_str!("../scenarios/smoke.toml")),
];

#[derive(Debug, thiserror::Error)]
pub enum ScenarioError {
    #[error("cannot read scenario file {path}: {source}")]
    Read { path: String, source: std::io::Error },
    #[error("scenario {origin} is not valid TOML for a scenario: {message}")]
    Parse { origin: String, message: String },
    #[error("scenario {origin} is invalid:\n  - {}", problems.join("\n  - "))]
    Invalid { origin: String, problems: Vec<String> },
    #[error("'{0}': a generated market is generated:<seed>, with a whole number, e.g. generated:17")]
    GeneratedSeed(String),
    #[error("no scenario named '{0}': give a shipped name ({names}), generated:<seed> or a path to a .toml file", names = shipped_names())]
    Unknown(String),
}

fn shipped_names() -> String {
    SHIPPED.iter().map(|(n, _)| *n).collect::<Vec<_>>().join(", ")
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Scenario {
    pub name: String,
    #[serde(default)]
    pub description: String,
    /// Seeds every draw: the same scenario and seed give the same market, byte for byte.
    #[serde(default = "defaults::seed")]
    pub seed: u64,
    /// The first simulated day (00:00 UTC).
    pub start: NaiveDate,
    /// Days a demo runs by default.
    #[serde(default = "defaults::days")]
    pub days: u32,
    pub account: Account,
    #[serde(default)]
    pub market: MarketParams,
    #[serde(default)]
    pub faults: FaultParams,
    #[serde(default)]
    pub oauth: OAuthParams,
    pub campaigns: Vec<CampaignSpec>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Account {
    pub id: u64,
    #[serde(default = "defaults::account_name")]
    pub name: String,
    #[serde(default = "defaults::currency")]
    pub currency: String,
    /// The company page that authors the ads' posts.
    #[serde(default = "defaults::organization")]
    pub organization: u64,
    /// LinkedIn's floor for a CPC/CPM bid (USD), checked on every bid update.
    #[serde(default = "defaults::min_bid")]
    pub min_bid: Micros,
    /// LinkedIn's floor for a daily budget (USD 10).
    #[serde(default = "defaults::min_daily_budget")]
    pub min_daily_budget: Micros,
}

/// The simulated market. See the README's "The sandbox market" for the model these feed.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct MarketParams {
    /// Impression opportunities per day for a campaign whose `audience_share` is 1, on an average weekday.
    pub daily_opportunities: f64,
    /// CTR of a plain creative (LinkedIn sponsored content: about 0.4–0.6 %).
    pub base_ctr: f64,
    /// Standard deviation of the creative-level noise on log CTR (what copy features do not explain).
    pub ctr_noise: f64,
    /// Conversions per click of a plain creative.
    pub base_cvr: f64,
    /// Standard deviation of the creative-level noise on log CVR.
    pub cvr_noise: f64,
    /// Median competing price per click (USD); competing CPMs are `median_cpc × base_ctr × 1000`.
    pub median_cpc: f64,
    /// Log-normal sigma of competing prices: how much more volume a higher bid buys.
    pub price_spread: f64,
    /// How much an engaging creative lowers the price it pays (LinkedIn ranks by bid × relevance).
    pub relevance_weight: f64,
    /// Volume multipliers, Monday first.
    pub weekday_volume: [f64; 7],
    /// Share of a day's conversions reported on that day, the next, and so on: later days restate.
    pub conversion_lag: Vec<f64>,
    /// Share of clicks that are landing-page clicks.
    pub landing_page_click_share: f64,
    /// Social actions (likes, comments, shares) per impression, counted in totalEngagements.
    pub social_action_rate: f64,
    /// Hours a new creative spends in review before it can serve.
    pub review_hours: u32,
    /// Average impressions per member per day, for approximateMemberReach.
    pub frequency: f64,
}

impl Default for MarketParams {
    fn default() -> Self {
        Self {
            daily_opportunities: 40_000.0,
            base_ctr: 0.0045,
            ctr_noise: 0.25,
            base_cvr: 0.05,
            cvr_noise: 0.3,
            median_cpc: 6.0,
            price_spread: 0.5,
            relevance_weight: 0.5,
            weekday_volume: [1.12, 1.18, 1.18, 1.12, 0.95, 0.45, 0.40],
            conversion_lag: vec![0.55, 0.2, 0.1, 0.06, 0.04, 0.03, 0.02],
            landing_page_click_share: 0.88,
            social_action_rate: 0.0012,
            review_hours: 6,
            frequency: 1.35,
        }
    }
}

/// Faults the API injects, each a probability per request (seeded: a run is reproducible).
#[derive(Debug, Clone, Deserialize, serde::Serialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct FaultParams {
    /// 429 "Resource level throttle limit ... reached" (short-lived; retry).
    pub throttle: f64,
    /// 429 for the adAnalytics data-volume limit (45M metric values per 5 minutes; wait it out).
    pub data_volume: f64,
    /// 429 "... DAY limit ..." for the request's resource: sticks until midnight UTC.
    pub daily_limit: f64,
    /// 500/502/503/504.
    pub server_error: f64,
    /// A slow answer (`slow_ms`), otherwise correct.
    pub slow: f64,
    pub slow_ms: u64,
    /// The connection is closed before any answer.
    pub drop: f64,
    /// At most this many faults in a row for the same request, so a client that retries gets through
    /// (the run stays reproducible); raise it to test giving up.
    pub max_consecutive: u32,
    /// `Retry-After` seconds on 429/503 answers; none when unset (LinkedIn does not document it).
    pub retry_after_seconds: Option<u64>,
    /// Access tokens stop working this many simulated hours after they were issued, whatever their
    /// `expires_in` said (LinkedIn can revoke a token at any time): exercises refresh-on-401.
    pub token_revoke_hours: Option<u32>,
    /// A crash-test fault on one write: see [`WriteFault`].
    pub write_fault: Option<WriteFault>,
    /// Hold the answer to the n-th API request (1-based, from when the faults were set) for an hour,
    /// after applying it if it is a write: a run killed at a random point, as the soak does.
    pub hang_at_request: Option<u32>,
}

/// A fault on the `nth` write (1-based: every state-changing POST counts, from when the fault was set)
/// that strikes *after* the sandbox applied the change, so the client cannot know whether it was:
/// the crash tests' "LinkedIn did it but the answer never came".
#[derive(Debug, Clone, Copy, Deserialize, serde::Serialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct WriteFault {
    pub nth: u32,
    pub kind: WriteFaultKind,
}

#[derive(Debug, Clone, Copy, Deserialize, serde::Serialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum WriteFaultKind {
    /// Apply the write, then close the connection without an answer.
    DropAfterApply,
    /// Apply the write, then hold the connection for an hour without answering (a hung call: the
    /// caller's timeout, or the Lambda's, ends it).
    HangAfterApply,
    /// Apply the write and answer; meanwhile a person sets `campaign`'s bid (micros, the account's
    /// currency) in Campaign Manager: a later write of the same run must not overwrite it.
    PersonSetsBid { campaign: u64, bid_micros: u64 },
}

/// How long a [`WriteFaultKind::HangAfterApply`] holds the answer back (real time).
pub const HANG_MS: u64 = 3_600_000;

impl Default for FaultParams {
    fn default() -> Self {
        Self {
            throttle: 0.0,
            data_volume: 0.0,
            daily_limit: 0.0,
            server_error: 0.0,
            slow: 0.0,
            slow_ms: 0,
            drop: 0.0,
            max_consecutive: 2,
            retry_after_seconds: None,
            token_revoke_hours: None,
            write_fault: None,
            hang_at_request: None,
        }
    }
}

/// The app's OAuth credentials as the sandbox knows them.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct OAuthParams {
    pub client_id: String,
    pub client_secret: String,
    pub refresh_token: String,
    /// A token valid from the start, for clients configured with `LINKEDIN_ACCESS_TOKEN`.
    pub access_token: String,
    /// Access-token lifetime (LinkedIn: 60 days).
    pub access_token_ttl_hours: u32,
    /// Days the refresh token has left at the start (LinkedIn: 365 from consent, never extended).
    pub refresh_token_days_left: u32,
}

impl Default for OAuthParams {
    fn default() -> Self {
        Self {
            client_id: "sandbox-client".into(),
            client_secret: "sandbox-client-secret".into(),
            refresh_token: "sandbox-refresh-token".into(),
            access_token: "sandbox-access-token".into(),
            access_token_ttl_hours: 60 * 24,
            refresh_token_days_left: 300,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, serde::Serialize)]
pub enum CostType {
    #[serde(rename = "CPC")]
    Cpc,
    #[serde(rename = "CPM")]
    Cpm,
}

impl CostType {
    pub fn as_str(self) -> &'static str {
        match self {
            CostType::Cpc => "CPC",
            CostType::Cpm => "CPM",
        }
    }
}

/// How a campaign spreads impressions over its serving creatives (`creativeSelection`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, serde::Serialize)]
pub enum Rotation {
    /// Even rotation.
    #[serde(rename = "ROUND_ROBIN")]
    RoundRobin,
    /// LinkedIn's default: favours the creatives that have performed best so far.
    #[serde(rename = "OPTIMIZED")]
    Optimized,
}

impl Rotation {
    pub fn as_str(self) -> &'static str {
        match self {
            Rotation::RoundRobin => "ROUND_ROBIN",
            Rotation::Optimized => "OPTIMIZED",
        }
    }
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CampaignSpec {
    pub id: u64,
    pub name: String,
    #[serde(default = "defaults::active")]
    pub status: String,
    /// WEBSITE_VISIT, WEBSITE_CONVERSION, LEAD_GENERATION, BRAND_AWARENESS, ENGAGEMENT, ...
    pub objective: String,
    #[serde(default = "defaults::cost_type")]
    pub cost_type: CostType,
    pub bid: Micros,
    pub daily_budget: Micros,
    #[serde(default = "defaults::rotation")]
    pub creative_selection: Rotation,
    /// This campaign's audience as a share of `market.daily_opportunities`.
    #[serde(default = "defaults::one")]
    pub audience_share: f64,
    pub creatives: Vec<CreativeSpec>,
}

impl CampaignSpec {
    /// Whether the campaign is judged on conversions (else on clicks).
    pub fn optimizes_conversions(&self) -> bool {
        goal_is_conversions(&self.objective)
    }
}

pub fn goal_is_conversions(objective: &str) -> bool {
    matches!(objective, "WEBSITE_CONVERSION" | "LEAD_GENERATION")
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CreativeSpec {
    pub id: u64,
    #[serde(default)]
    pub name: Option<String>,
    #[serde(default = "defaults::active")]
    pub status: String,
    pub intro: String,
    pub headline: String,
    #[serde(default)]
    pub description: Option<String>,
    #[serde(default)]
    pub cta: Option<String>,
    #[serde(default)]
    pub landing_page: Option<String>,
    /// Pins the true CTR instead of deriving it from the copy (for tests).
    #[serde(default)]
    pub true_ctr: Option<f64>,
    /// Pins the true conversion rate.
    #[serde(default)]
    pub true_cvr: Option<f64>,
    /// The creative wears out: its CTR falls as its audience sees it more often.
    #[serde(default)]
    pub fatigue: Option<Fatigue>,
}

/// Creative fatigue: after `n` impressions of the creative its CTR is
/// `true CTR × (1 − depth × n / (n + half_life_impressions))`, so it loses half of `depth` after
/// `half_life_impressions` and tends to `1 − depth` of its fresh CTR.
#[derive(Debug, Clone, Copy, PartialEq, Deserialize, serde::Serialize)]
#[serde(deny_unknown_fields)]
pub struct Fatigue {
    pub depth: f64,
    pub half_life_impressions: f64,
}

impl Fatigue {
    /// The CTR multiplier after `impressions` impressions.
    pub fn factor(&self, impressions: f64) -> f64 {
        1.0 - self.depth * impressions / (impressions + self.half_life_impressions)
    }
}

mod defaults {
    use super::*;

    pub fn seed() -> u64 {
        42
    }
    pub fn days() -> u32 {
        28
    }
    pub fn account_name() -> String {
        "Sandbox Account".into()
    }
    pub fn currency() -> String {
        "USD".into()
    }
    pub fn organization() -> u64 {
        64265083
    }
    pub fn min_bid() -> Micros {
        Micros(2_000_000)
    }
    pub fn min_daily_budget() -> Micros {
        Micros(10_000_000)
    }
    pub fn active() -> String {
        "ACTIVE".into()
    }
    pub fn cost_type() -> CostType {
        CostType::Cpc
    }
    pub fn rotation() -> Rotation {
        Rotation::RoundRobin
    }
    pub fn one() -> f64 {
        1.0
    }
}

impl Scenario {
    /// A shipped scenario by name, or a file by path.
    pub fn load(name_or_path: &str) -> Result<Self, ScenarioError> {
        if let Some((_, text)) = SHIPPED.iter().find(|(n, _)| *n == name_or_path) {
            return Self::parse(text, &format!("'{name_or_path}'"));
        }
        if let Some(seed) = name_or_path.strip_prefix(crate::generator::PREFIX) {
            let seed: u64 = seed.parse().map_err(|_| ScenarioError::GeneratedSeed(name_or_path.to_string()))?;
            return Self::parse(&crate::generator::generate(seed), name_or_path);
        }
        let path = Path::new(name_or_path);
        if path.extension().is_some() || path.exists() {
            let text = std::fs::read_to_string(path)
                .map_err(|source| ScenarioError::Read { path: path.display().to_string(), source })?;
            return Self::parse(&text, &path.display().to_string());
        }
        Err(ScenarioError::Unknown(name_or_path.to_string()))
    }

    /// Parses and validates a scenario's TOML.
    pub fn parse(text: &str, origin: &str) -> Result<Self, ScenarioError> {
        let s: Scenario =
            toml::from_str(text).map_err(|e| ScenarioError::Parse { origin: origin.into(), message: e.to_string() })?;
        let problems = s.validate();
        if problems.is_empty() { Ok(s) } else { Err(ScenarioError::Invalid { origin: origin.into(), problems }) }
    }

    /// Every problem, each naming its field.
    pub fn validate(&self) -> Vec<String> {
        let mut p = Vec::new();
        let m = &self.market;
        let rate = |p: &mut Vec<String>, name: &str, v: f64, max: f64| {
            if !(v.is_finite() && v >= 0.0 && v <= max) {
                p.push(format!("{name} = {v}: must be between 0 and {max}"));
            }
        };
        rate(&mut p, "market.base_ctr", m.base_ctr, 0.5);
        rate(&mut p, "market.base_cvr", m.base_cvr, 1.0);
        rate(&mut p, "market.ctr_noise", m.ctr_noise, 3.0);
        rate(&mut p, "market.cvr_noise", m.cvr_noise, 3.0);
        rate(&mut p, "market.landing_page_click_share", m.landing_page_click_share, 1.0);
        rate(&mut p, "market.social_action_rate", m.social_action_rate, 1.0);
        rate(&mut p, "market.relevance_weight", m.relevance_weight, 3.0);
        if !(m.daily_opportunities.is_finite() && m.daily_opportunities > 0.0 && m.daily_opportunities < 1e9) {
            p.push(format!("market.daily_opportunities = {}: must be positive and below 1e9", m.daily_opportunities));
        }
        if !(m.median_cpc.is_finite() && m.median_cpc > 0.0) {
            p.push(format!("market.median_cpc = {}: must be a positive price in USD", m.median_cpc));
        }
        if !(m.price_spread.is_finite() && m.price_spread > 0.01 && m.price_spread < 3.0) {
            p.push(format!("market.price_spread = {}: must be between 0.01 and 3", m.price_spread));
        }
        if !(m.frequency.is_finite() && m.frequency >= 1.0) {
            p.push(format!("market.frequency = {}: must be at least 1", m.frequency));
        }
        if m.weekday_volume.iter().any(|v| !(v.is_finite() && *v >= 0.0)) {
            p.push("market.weekday_volume: seven non-negative numbers, Monday first".into());
        }
        let lag_sum: f64 = m.conversion_lag.iter().sum();
        if m.conversion_lag.is_empty()
            || m.conversion_lag.len() > 60
            || m.conversion_lag.iter().any(|v| !(v.is_finite() && *v >= 0.0))
            || (lag_sum - 1.0).abs() > 1e-6
        {
            p.push(format!(
                "market.conversion_lag: 1 to 60 non-negative shares summing to 1 (these sum to {lag_sum:.4})"
            ));
        }
        let f = &self.faults;
        for (name, v) in [
            ("throttle", f.throttle),
            ("data_volume", f.data_volume),
            ("daily_limit", f.daily_limit),
            ("server_error", f.server_error),
            ("slow", f.slow),
            ("drop", f.drop),
        ] {
            rate(&mut p, &format!("faults.{name}"), v, 1.0);
        }
        if f.throttle + f.data_volume + f.daily_limit + f.server_error + f.drop > 1.0 {
            p.push("faults: throttle + data_volume + daily_limit + server_error + drop must not exceed 1".into());
        }
        if self.oauth.access_token_ttl_hours == 0 {
            p.push("oauth.access_token_ttl_hours must be positive".into());
        }
        if self.account.currency.len() != 3 {
            p.push(format!("account.currency = '{}': an ISO 4217 code such as USD", self.account.currency));
        }
        if self.campaigns.is_empty() {
            p.push("campaigns: at least one [[campaigns]] table".into());
        }
        let mut campaign_ids = std::collections::BTreeSet::new();
        let mut creative_ids = std::collections::BTreeSet::new();
        for (i, c) in self.campaigns.iter().enumerate() {
            let at = format!("campaigns[{i}] (id {})", c.id);
            if c.id == 0 || !campaign_ids.insert(c.id) {
                p.push(format!("{at}: id must be a positive number, unique among campaigns"));
            }
            if !matches!(c.status.as_str(), "ACTIVE" | "PAUSED" | "DRAFT" | "ARCHIVED") {
                p.push(format!("{at}.status = '{}': ACTIVE, PAUSED, DRAFT or ARCHIVED", c.status));
            }
            if c.bid < self.account.min_bid {
                p.push(format!("{at}.bid = {}: below the account's minimum bid {}", c.bid, self.account.min_bid));
            }
            if c.daily_budget < self.account.min_daily_budget {
                p.push(format!(
                    "{at}.daily_budget = {}: below the minimum daily budget {}",
                    c.daily_budget, self.account.min_daily_budget
                ));
            }
            if !(c.audience_share.is_finite() && c.audience_share > 0.0 && c.audience_share <= 10.0) {
                p.push(format!("{at}.audience_share = {}: must be in (0, 10]", c.audience_share));
            }
            if c.creatives.is_empty() || c.creatives.len() > 100 {
                p.push(format!("{at}: 1 to 100 creatives (LinkedIn's limit per campaign)"));
            }
            for (j, cr) in c.creatives.iter().enumerate() {
                let at = format!("{at}.creatives[{j}] (id {})", cr.id);
                if cr.id == 0 || !creative_ids.insert(cr.id) {
                    p.push(format!("{at}: id must be a positive number, unique among creatives"));
                }
                if !matches!(cr.status.as_str(), "ACTIVE" | "PAUSED" | "DRAFT" | "ARCHIVED") {
                    p.push(format!("{at}.status = '{}': ACTIVE, PAUSED, DRAFT or ARCHIVED", cr.status));
                }
                if cr.intro.trim().is_empty() || cr.headline.trim().is_empty() {
                    p.push(format!("{at}: intro and headline must not be empty"));
                }
                if let Some(f) = cr.fatigue
                    && !(f.depth.is_finite()
                        && (0.0..1.0).contains(&f.depth)
                        && f.half_life_impressions.is_finite()
                        && f.half_life_impressions > 0.0)
                {
                    p.push(format!(
                        "{at}.fatigue = {{ depth = {}, half_life_impressions = {} }}: depth in [0, 1), a positive half-life",
                        f.depth, f.half_life_impressions
                    ));
                }
                for (name, v) in [("true_ctr", cr.true_ctr), ("true_cvr", cr.true_cvr)] {
                    if let Some(v) = v
                        && !(v.is_finite() && v > 0.0 && v < 1.0)
                    {
                        p.push(format!("{at}.{name} = {v}: a rate strictly between 0 and 1"));
                    }
                }
            }
        }
        p
    }

    /// The largest creative id in the scenario; creatives made through the API get ids above it.
    pub fn max_creative_id(&self) -> u64 {
        self.campaigns.iter().flat_map(|c| c.creatives.iter().map(|cr| cr.id)).max().unwrap_or(0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_shipped_scenario_loads() {
        for (name, _) in SHIPPED {
            let s = Scenario::load(name).unwrap_or_else(|e| panic!("{name}: {e}"));
            assert_eq!(&s.name, name);
        }
    }

    #[test]
    fn problems_name_the_field() {
        let text = r#"
            name = "bad"
            start = "2026-09-07"
            [account]
            id = 1
            [market]
            base_ctr = 0.9
            conversion_lag = [0.5, 0.2]
            [[campaigns]]
            id = 10
            name = "c"
            objective = "WEBSITE_VISIT"
            bid = "1.00"
            daily_budget = "100"
            [[campaigns.creatives]]
            id = 20
            intro = "x"
            headline = ""
        "#;
        let err = Scenario::parse(text, "test").unwrap_err().to_string();
        assert!(err.contains("market.base_ctr = 0.9"), "{err}");
        assert!(err.contains("market.conversion_lag"), "{err}");
        assert!(err.contains("campaigns[0] (id 10).bid = 1.00: below the account's minimum bid 2.00"), "{err}");
        assert!(err.contains("intro and headline must not be empty"), "{err}");
    }

    #[test]
    fn unknown_keys_are_refused() {
        let text = "name = \"x\"\nstart = \"2026-09-07\"\nbudget = 5\ncampaigns = []\n[account]\nid = 1\n";
        let err = Scenario::parse(text, "test").unwrap_err().to_string();
        assert!(err.contains("unknown field `budget`"), "{err}");
    }

    #[test]
    fn unknown_names_list_the_shipped_ones() {
        let err = Scenario::load("nope").unwrap_err().to_string();
        assert!(err.contains("b2b-saas") && err.contains("smoke"), "{err}");
    }
}
