//! The offline generator: with no Anthropic key (the embedded default), five variations from fixed
//! templates over the winners' own copy and recurring words. Clearly labelled as such in the batch: it
//! is not written by a model, it exercises the whole path (scoring, review, publishing) and gives a
//! human a starting point. It only reuses the winners' words and numbers, so it invents no facts.

use async_trait::async_trait;

use crate::generator::{Generated, Generator};
use crate::validate::{DESCRIPTION_MAX, HEADLINE_MAX, INTRO_MAX};
use crate::variation::{Angle, Brief, Variation};

pub struct OfflineGenerator;

/// Cuts `s` to at most `max` characters, at a word boundary when one is near.
fn fit(s: &str, max: usize) -> String {
    let s = s.split_whitespace().collect::<Vec<_>>().join(" ");
    if s.chars().count() <= max {
        return s;
    }
    let cut: String = s.chars().take(max).collect();
    match cut.rfind(' ') {
        Some(i) if i > max / 2 => cut[..i].trim_end_matches([',', ';', ':', '-']).to_string(),
        _ => cut,
    }
}

/// The first sentence of `s` (up to and including its end mark).
fn first_sentence(s: &str) -> &str {
    s.find(['.', '!', '?']).map(|i| &s[..=i]).unwrap_or(s).trim()
}

fn capitalised(s: &str) -> String {
    let mut c = s.chars();
    c.next().map(|f| f.to_uppercase().collect::<String>() + c.as_str()).unwrap_or_default()
}

fn strip_end(s: &str) -> &str {
    s.trim().trim_end_matches(['.', '!', '?'])
}

#[async_trait]
impl Generator for OfflineGenerator {
    async fn generate(&self, brief: &Brief) -> Result<Generated, String> {
        let best = brief.winners.first().ok_or("no winning creative to write from (none had enough impressions)")?;
        let second = brief.winners.get(1).unwrap_or(best);
        // The most shared word ("recurring words: pipeline (3), ...") names the topic.
        let topic = brief
            .patterns
            .iter()
            .find_map(|p| p.strip_prefix("recurring words: "))
            .and_then(|list| list.split(' ').next())
            .map(str::to_string)
            .unwrap_or_else(|| strip_end(&best.headline).to_lowercase());
        let description = if best.description.is_empty() { strip_end(&best.headline) } else { &best.description };
        let cta = best.call_to_action.clone();
        let make = |angle, intro: String, headline: String| Variation {
            angle,
            intro_text: fit(&intro, INTRO_MAX),
            headline: fit(&headline, HEADLINE_MAX),
            description: fit(description, DESCRIPTION_MAX),
            call_to_action: cta.clone(),
        };
        let variations = vec![
            make(
                Angle::ProblemSolution,
                format!(
                    "Still fighting with {topic}? {}. {}",
                    strip_end(&best.headline),
                    first_sentence(&best.intro_text)
                ),
                format!("{} without the struggle", capitalised(&topic)),
            ),
            make(
                Angle::BenefitFocused,
                format!("{} {}.", first_sentence(&best.intro_text), strip_end(&second.headline)),
                format!("Get more from {topic}"),
            ),
            make(
                Angle::SocialProof,
                format!("See why teams like yours choose us for {topic}. {}", first_sentence(&second.intro_text)),
                format!("Why teams pick us for {topic}"),
            ),
            make(
                Angle::Urgency,
                format!("Don't let {topic} wait another quarter. {} Start today.", first_sentence(&best.intro_text)),
                format!("{}: start today", capitalised(&topic)),
            ),
            make(
                Angle::QuestionBased,
                format!("What would better {topic} change for you? {}", first_sentence(&second.intro_text)),
                format!("Ready for better {topic}?"),
            ),
        ];
        Ok(Generated { variations, calls: 0, usage: None, cost_usd: None, repaired: false })
    }

    fn describe(&self) -> String {
        "offline templates (no ANTHROPIC_API_KEY: not written by a model)".into()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::variation::{ExistingCopy, Winner};

    fn winner(id: u64, intro: &str, headline: &str) -> Winner {
        Winner {
            creative_id: id,
            campaign_id: 7,
            impressions: 9000,
            clicks: 90,
            ctr: 0.01,
            intro_text: intro.into(),
            headline: headline.into(),
            description: "Reporting in minutes".into(),
            call_to_action: "REQUEST_DEMO".into(),
            landing_page: None,
        }
    }

    #[tokio::test]
    async fn five_valid_variations_from_the_winners_words() {
        let brief = Brief {
            winners: vec![
                winner(1, "Cut reporting time by 40%. Your pipeline, automated.", "Automated pipeline reporting"),
                winner(2, "Is your pipeline leaking leads? Find out.", "Pipeline analytics"),
            ],
            patterns: vec!["recurring words: pipeline (2), reporting (2)".into()],
            existing: vec![ExistingCopy { intro_text: "x".into(), headline: "Automated pipeline reporting".into() }],
        };
        let g = OfflineGenerator.generate(&brief).await.unwrap();
        let angles: Vec<Angle> = g.variations.iter().map(|v| v.angle).collect();
        assert_eq!(angles, Angle::ALL);
        assert_eq!(g.variations[4].headline, "Ready for better pipeline?");
        let problems = crate::validate::validate(&g.variations, &brief);
        assert!(problems.is_empty(), "{problems:?}");
        assert!(OfflineGenerator.generate(&Brief { winners: vec![], ..brief }).await.is_err());
    }

    #[test]
    fn fit_cuts_at_a_word() {
        assert_eq!(fit("one two three four", 12), "one two");
        assert_eq!(fit("  a   b ", 10), "a b");
    }
}
