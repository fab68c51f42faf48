//! What the generator produces: one ad-copy variation per angle, and the brief it is written from.

use serde::{Deserialize, Serialize};

/// The five angles the design asks for, one variation each.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Angle {
    ProblemSolution,
    BenefitFocused,
    SocialProof,
    Urgency,
    QuestionBased,
}

impl Angle {
    pub const ALL: [Angle; 5] =
        [Angle::ProblemSolution, Angle::BenefitFocused, Angle::SocialProof, Angle::Urgency, Angle::QuestionBased];

    pub fn as_str(self) -> &'static str {
        match self {
            Angle::ProblemSolution => "problem_solution",
            Angle::BenefitFocused => "benefit_focused",
            Angle::SocialProof => "social_proof",
            Angle::Urgency => "urgency",
            Angle::QuestionBased => "question_based",
        }
    }

    /// What the angle means, for the prompt and the offline generator.
    pub fn meaning(self) -> &'static str {
        match self {
            Angle::ProblemSolution => "name the reader's problem, then the product as the way out",
            Angle::BenefitFocused => "lead with the concrete outcome the reader gets",
            Angle::SocialProof => "lean on who already uses it and what they say (only facts from the brief)",
            Angle::Urgency => "a reason to act now (only deadlines or offers from the brief)",
            Angle::QuestionBased => "open with a question the target reader answers yes to",
        }
    }
}

/// One variation: the four fields a Sponsored Content creative shows.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Variation {
    pub angle: Angle,
    /// The post commentary above the media (LinkedIn: at most 600 characters, 150 shown).
    pub intro_text: String,
    /// At most 200 characters (70 shown on most placements).
    pub headline: String,
    /// At most 300 characters (100 shown).
    pub description: String,
    /// One of LinkedIn's call-to-action labels, e.g. `LEARN_MORE`.
    pub call_to_action: String,
}

/// A winning creative the brief is built from.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Winner {
    pub creative_id: u64,
    pub campaign_id: u64,
    pub impressions: u64,
    pub clicks: u64,
    /// Weighted: clicks / impressions over the window.
    pub ctr: f64,
    pub intro_text: String,
    pub headline: String,
    pub description: String,
    pub call_to_action: String,
    pub landing_page: Option<String>,
}

/// Everything a generator is given.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Brief {
    /// The best creatives by weighted CTR, best first.
    pub winners: Vec<Winner>,
    /// The winning patterns in plain sentences (lengths, numbers, questions, CTAs, recurring words).
    pub patterns: Vec<String>,
    /// Every creative's copy already running or tried (variations must not repeat one).
    pub existing: Vec<ExistingCopy>,
}

/// Copy already in the account.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ExistingCopy {
    pub intro_text: String,
    pub headline: String,
}
