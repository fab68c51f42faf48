//! What one run decides on: each live campaign with its creatives and their numbers.

use chrono::NaiveDate;
use rust_decimal::Decimal;

use crate::bid_features::BidContext;
use crate::ids::{CampaignId, CreativeId};
use crate::performance::Totals;

use super::lag::LagCurve;
use super::stats::Beta;

/// One live creative and its evidence.
#[derive(Debug, Clone, PartialEq)]
pub struct CreativeEvidence {
    pub id: CreativeId,
    /// ACTIVE on LinkedIn now.
    pub active: bool,
    /// ACTIVE, approved by LinkedIn's review and not held: it delivers. The last-creative guard
    /// counts these, not merely ACTIVE ones (a rejected or held creative serves nothing).
    pub serving: bool,
    /// Performance over the window (zero when it did not serve).
    pub totals: Totals,
    /// The last day the optimizer changed it, from the audit log.
    pub last_changed: Option<NaiveDate>,
    /// Set for a creative the optimizer paused whose pause window LinkedIn has finished restating:
    /// the pause is checked again and undone when the final numbers no longer support it.
    pub pause_review: Option<PauseReview>,
    /// The Creative Scorer's CTR for the creative's copy, when a model exists: the centre of its CTR
    /// prior (with the account prior's strength), so a new creative starts from what its copy
    /// predicts rather than from the account's average. Its own impressions soon outweigh it.
    pub predicted_ctr: Option<f64>,
}

/// A pause to re-check ("revive"): the numbers the pause was decided on, as LinkedIn has restated
/// them since. The question is the pause's own: would the final numbers have paused it? Judging it
/// against today's creatives instead would be a different question, and flip-flops: once the weak
/// creatives are paused, the next-weakest always looks good against what is left.
#[derive(Debug, Clone, PartialEq)]
pub struct PauseReview {
    pub paused_on: NaiveDate,
    /// The creative's totals over the pause's decision window.
    pub restated: Totals,
    /// Those of the campaign's creatives that were active beside it then, over the same window.
    pub rivals: Vec<Totals>,
    /// The prior the pause was judged with (recovered from its logged posterior), so that the numbers,
    /// not a prior refitted on today's account, decide; `None`: today's.
    pub prior: Option<Beta>,
}

/// One live campaign and its creatives.
#[derive(Debug, Clone, PartialEq)]
pub struct CampaignEvidence {
    pub id: CampaignId,
    pub active: bool,
    pub is_cpm: bool,
    /// The bid (`unitCost`), USD.
    pub bid: Option<Decimal>,
    pub daily_budget: Option<Decimal>,
    /// Window totals (the creatives' sum) and the days it covers, for budget utilisation.
    pub totals: Totals,
    pub window_days: u32,
    /// The last day the optimizer changed the campaign (bid or budget), from the audit log.
    pub last_changed: Option<NaiveDate>,
    pub creatives: Vec<CreativeEvidence>,
    /// What the bid model needs; `None` without history.
    pub bid_context: Option<BidContext>,
    /// The bid model's predictions at [`bid_candidates`]; `None`: no model, the pacing heuristic.
    pub bid_predictions: Option<BidPredictions>,
    /// What the campaign is bought for (from its objective).
    pub goal: Goal,
    /// This campaign's `TARGET_CPA` override.
    pub target_cpa: Option<f64>,
    /// The campaign's days before today, oldest first, up to [`HISTORY_DAYS`]: what the bid response
    /// is learned from.
    pub history: Vec<DayEvidence>,
}

/// Days of campaign history the bid response is learned from.
pub const HISTORY_DAYS: u32 = 28;

/// What a campaign is judged on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Goal {
    /// Website conversions or leads (objectives WEBSITE_CONVERSION, LEAD_GENERATION).
    #[default]
    Conversions,
    /// Clicks (website visits, engagement, and any objective without a conversion goal).
    Clicks,
    /// Impressions (brand awareness, video views: reach is what is bought).
    Impressions,
}

impl Goal {
    /// The goal of a LinkedIn `objectiveType`; unknown or missing objectives are judged on clicks.
    pub fn of_objective(objective: Option<&str>) -> Self {
        match objective {
            Some("WEBSITE_CONVERSION" | "LEAD_GENERATION" | "JOB_APPLICANT") => Goal::Conversions,
            Some("BRAND_AWARENESS" | "VIDEO_VIEW") => Goal::Impressions,
            _ => Goal::Clicks,
        }
    }
}

/// One campaign-day: what it delivered and under which bid and budget.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct DayEvidence {
    pub date: NaiveDate,
    pub impressions: u64,
    pub clicks: u64,
    pub cost: f64,
    /// As reported so far (recent days are still incomplete).
    pub conversions: f64,
    pub bid: Option<f64>,
    pub daily_budget: Option<f64>,
}

/// Predicted clicks at candidate bids, from the bid optimizer model (native or endpoint). Computed
/// before [`decide`], which stays pure and synchronous.
#[derive(Debug, Clone, PartialEq)]
pub struct BidPredictions {
    /// Which model, for the reason text.
    pub model: String,
    /// (bid, predicted clicks), in [`bid_candidates`] order.
    pub points: Vec<(f64, f64)>,
}

/// Everything one run decides on.
#[derive(Debug, Clone, PartialEq)]
pub struct Evidence {
    pub as_of: NaiveDate,
    /// Why the data cannot be trusted today (stale or missing pull); every action is then skipped.
    pub stale: Option<String>,
    pub campaigns: Vec<CampaignEvidence>,
    /// How complete a day's reported conversions are by its age (estimated or the prior).
    pub lag: LagCurve,
}
