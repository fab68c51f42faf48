//! The offline generator: with no Anthropic key (the embedded default), five variations from fixed
//! templates over the winners' own copy and recurring words. Clearly labelled as such in the batch: it
//! is not written by a model, it exercises the whole path (scoring, review, publishing) and gives a
//! human a starting point. It only reuses the winners' words and numbers, so it invents no facts.

use std::collections::HashSet;

use async_trait::async_trait;

use crate::generator::{Generated, Generator};
use crate::validate::{DESCRIPTION_MAX, HEADLINE_MAX, INTRO_MAX, normalize_copy};
use crate::variation::{Angle, Brief, Variation, Winner};

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

/// One angle's copy from a topic word and two winners (`a` leads, `b` supports).
fn write(angle: Angle, topic: &str, a: &Winner, b: &Winner) -> (String, String) {
    match angle {
        Angle::ProblemSolution => (
            format!("Still fighting with {topic}? {}. {}", strip_end(&a.headline), first_sentence(&a.intro_text)),
            format!("{} without the struggle", capitalised(topic)),
        ),
        Angle::BenefitFocused => {
            (format!("{} {}.", first_sentence(&a.intro_text), strip_end(&b.headline)), format!("Get more from {topic}"))
        }
        Angle::SocialProof => (
            format!("See why teams like yours choose us for {topic}. {}", first_sentence(&b.intro_text)),
            format!("Why teams pick us for {topic}"),
        ),
        Angle::Urgency => (
            format!("Don't let {topic} wait another quarter. {} Start today.", first_sentence(&a.intro_text)),
            format!("{}: start today", capitalised(topic)),
        ),
        Angle::QuestionBased => (
            format!("What would better {topic} change for you? {}", first_sentence(&b.intro_text)),
            format!("Ready for better {topic}?"),
        ),
    }
}

#[async_trait]
impl Generator for OfflineGenerator {
    /// Each angle takes the first (topic, winners) combination whose intro and headline are new to
    /// the account and to the batch: once a variation is published it is existing copy, and next
    /// week's batch must not repeat it.
    async fn generate(&self, brief: &Brief) -> Result<Generated, String> {
        let best = brief.winners.first().ok_or("no winning creative to write from (none had enough impressions)")?;
        // The most shared words ("recurring words: pipeline (3), reporting (2), ...") name the topic.
        let mut topics: Vec<String> = brief
            .patterns
            .iter()
            .find_map(|p| p.strip_prefix("recurring words: "))
            .map(|list| list.split(", ").filter_map(|w| w.split(' ').next()).map(str::to_string).take(4).collect())
            .unwrap_or_default();
        topics.push(strip_end(&best.headline).to_lowercase());
        let w = &brief.winners;
        let pairs: Vec<(&Winner, &Winner)> = [(0, 1), (1, 2), (0, 2), (2, 0), (1, 0)]
            .iter()
            .filter_map(|&(i, j)| Some((w.get(i)?, w.get(j)?)))
            .collect();
        let pairs = if pairs.is_empty() { vec![(best, best)] } else { pairs };
        let description = if best.description.is_empty() { strip_end(&best.headline) } else { &best.description };
        let mut taken: HashSet<String> =
            brief.existing.iter().flat_map(|e| [normalize_copy(&e.intro_text), normalize_copy(&e.headline)]).collect();
        let mut variations = Vec::new();
        for angle in Angle::ALL {
            let candidates = topics.iter().flat_map(|t| pairs.iter().map(move |(a, b)| write(angle, t, a, b)));
            let fitted: Vec<(String, String)> =
                candidates.map(|(i, h)| (fit(&i, INTRO_MAX), fit(&h, HEADLINE_MAX))).collect();
            let new =
                |(i, h): &&(String, String)| !taken.contains(&normalize_copy(i)) && !taken.contains(&normalize_copy(h));
            // None new: the first, and validation says what repeats.
            let (intro, headline) = fitted.iter().find(new).unwrap_or(&fitted[0]).clone();
            taken.insert(normalize_copy(&intro));
            taken.insert(normalize_copy(&headline));
            variations.push(Variation {
                angle,
                intro_text: intro,
                headline,
                description: fit(description, DESCRIPTION_MAX),
                call_to_action: best.call_to_action.clone(),
            });
        }
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

        // Once a batch is published its copy is existing copy: the next batch writes around it.
        let mut next = brief.clone();
        next.existing.extend(
            g.variations
                .iter()
                .map(|v| ExistingCopy { intro_text: v.intro_text.clone(), headline: v.headline.clone() }),
        );
        let g2 = OfflineGenerator.generate(&next).await.unwrap();
        let problems = crate::validate::validate(&g2.variations, &next);
        assert!(problems.is_empty(), "{problems:?}");
        assert_ne!(g2.variations[4].headline, g.variations[4].headline);
        assert!(OfflineGenerator.generate(&Brief { winners: vec![], ..brief }).await.is_err());
    }

    #[test]
    fn fit_cuts_at_a_word() {
        assert_eq!(fit("one two three four", 12), "one two");
        assert_eq!(fit("  a   b ", 10), "a b");
    }
}
