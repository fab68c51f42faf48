//! The brief: the top creatives by weighted CTR over the window, their copy from the collected
//! snapshots, and the patterns they share, measured with the same feature extraction the Creative
//! Scorer is trained on.

use std::collections::{BTreeMap, BTreeSet};

use linkedin_core::CreativeId;
use linkedin_core::features::CopyFeatures;
use linkedin_core::linkedin::posts::AdCopy;
use linkedin_core::performance::{CreativePerformance, DateWindow, PerformanceSource};
use linkedin_core::store::ObjectStore;

use crate::variation::{Brief, ExistingCopy, Winner};

/// How many winners the brief shows.
pub const TOP_N: usize = 10;

/// The winners' copy plus what the selection needs.
pub struct Study {
    pub brief: Brief,
    /// Every creative with its copy and totals (for the nearest-creatives heuristic score).
    pub known: Vec<(AdCopy, CreativePerformance)>,
    /// Snapshot lines that could not be read.
    pub problems: Vec<String>,
}

fn text(s: &Option<String>) -> String {
    s.as_deref().unwrap_or("").trim().to_string()
}

/// Reads the window's performance and the copy of every creative in it, and picks the winners:
/// at least `min_impressions`, highest weighted CTR first, at most [`TOP_N`].
pub async fn study(
    performance: &dyn PerformanceSource,
    store: &dyn ObjectStore,
    window: DateWindow,
    min_impressions: u64,
) -> Result<Study, String> {
    let rows = performance
        .creatives(window)
        .await
        .map_err(|e| format!("reading performance ({}): {e}", performance.describe()))?;
    let wanted: BTreeSet<CreativeId> = rows.iter().map(|r| r.creative_id).collect();
    let mut problems = Vec::new();
    let copies = data_processor::training::creative_scorer::latest_copies(store, &wanted, &mut problems).await?;
    let mut known: Vec<(AdCopy, CreativePerformance)> = rows
        .iter()
        .filter_map(|r| copies.get(&r.creative_id).map(|s| (s.copy.clone(), r.clone())))
        .filter(|(c, _)| c.intro_text.is_some() || c.headline.is_some())
        .collect();
    known.sort_by(|a, b| {
        let ctr = |p: &CreativePerformance| p.totals.ctr().unwrap_or(0.0);
        ctr(&b.1).total_cmp(&ctr(&a.1)).then(a.1.creative_id.cmp(&b.1.creative_id))
    });
    let winners: Vec<Winner> = known
        .iter()
        .filter(|(_, p)| p.totals.impressions >= min_impressions)
        .take(TOP_N)
        .map(|(c, p)| Winner {
            creative_id: p.creative_id.0,
            campaign_id: p.campaign_id.0,
            impressions: p.totals.impressions,
            clicks: p.totals.clicks,
            ctr: p.totals.ctr().unwrap_or(0.0),
            intro_text: text(&c.intro_text),
            headline: text(&c.headline),
            description: text(&c.description),
            call_to_action: c.call_to_action.clone().unwrap_or_else(|| "LEARN_MORE".into()),
            landing_page: c.landing_page.clone(),
        })
        .collect();
    let existing = copies
        .values()
        .map(|s| ExistingCopy { intro_text: text(&s.copy.intro_text), headline: text(&s.copy.headline) })
        .collect();
    let patterns = patterns(&winners);
    Ok(Study { brief: Brief { winners, patterns, existing }, known, problems })
}

fn copy_of(w: &Winner) -> AdCopy {
    AdCopy {
        intro_text: Some(w.intro_text.clone()),
        headline: Some(w.headline.clone()),
        description: Some(w.description.clone()),
        call_to_action: Some(w.call_to_action.clone()),
        landing_page: w.landing_page.clone(),
    }
}

const STOP_WORDS: &[&str] = &[
    "the", "and", "for", "you", "your", "with", "that", "this", "are", "our", "from", "into", "more", "than", "what",
    "how", "who", "all", "can", "get", "its", "it's", "not", "was", "will", "out", "now", "any", "has", "have",
];

/// The winners' shared traits, as sentences a writer (or a model) can use.
pub fn patterns(winners: &[Winner]) -> Vec<String> {
    if winners.is_empty() {
        return Vec::new();
    }
    let n = winners.len() as f64;
    let features: Vec<CopyFeatures> = winners.iter().map(|w| CopyFeatures::extract(&copy_of(w))).collect();
    let mean = |f: fn(&CopyFeatures) -> f64| features.iter().map(f).sum::<f64>() / n;
    let share =
        |f: fn(&CopyFeatures) -> f64| (features.iter().filter(|x| f(x) > 0.0).count() as f64 / n * 100.0).round();
    let mut out = vec![
        format!(
            "intro text about {:.0} characters ({:.0} words in all), headline about {:.0} characters",
            mean(|f| f.intro_chars),
            mean(|f| f.word_count),
            mean(|f| f.headline_chars)
        ),
        format!("{:.0}% use a number, {:.0}% ask a question", share(|f| f.has_numbers), share(|f| f.has_question)),
        format!("{:.0}% address the reader as 'you'", share(|f| f.second_person_count)),
    ];
    let mut ctas: BTreeMap<&str, usize> = BTreeMap::new();
    for w in winners {
        *ctas.entry(w.call_to_action.as_str()).or_default() += 1;
    }
    if let Some((cta, count)) = ctas.iter().max_by_key(|(c, n)| (**n, std::cmp::Reverse(**c))) {
        out.push(format!("most common call to action: {cta} ({count} of {})", winners.len()));
    }
    // Words in at least two winners (each winner counted once), most shared first.
    let mut words: BTreeMap<String, usize> = BTreeMap::new();
    for w in winners {
        let all = format!("{} {} {}", w.intro_text, w.headline, w.description).to_lowercase();
        let unique: BTreeSet<String> = all
            .split(|c: char| !c.is_alphanumeric() && c != '\'')
            .filter(|t| t.len() >= 3 && !STOP_WORDS.contains(t) && !t.chars().any(|c| c.is_ascii_digit()))
            .map(str::to_string)
            .collect();
        for t in unique {
            *words.entry(t).or_default() += 1;
        }
    }
    let mut shared: Vec<(String, usize)> = words.into_iter().filter(|(_, n)| *n >= 2).collect();
    shared.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
    if !shared.is_empty() {
        let list: Vec<String> = shared.iter().take(8).map(|(w, n)| format!("{w} ({n})")).collect();
        out.push(format!("recurring words: {}", list.join(", ")));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn winner(intro: &str, headline: &str, cta: &str) -> Winner {
        Winner {
            creative_id: 1,
            campaign_id: 2,
            impressions: 5000,
            clicks: 50,
            ctr: 0.01,
            intro_text: intro.into(),
            headline: headline.into(),
            description: String::new(),
            call_to_action: cta.into(),
            landing_page: None,
        }
    }

    #[test]
    fn patterns_describe_what_the_winners_share() {
        let p = patterns(&[
            winner("Cut reporting time by 40%. Your pipeline, automated.", "Automated reporting", "LEARN_MORE"),
            winner("Is your pipeline leaking leads?", "Pipeline analytics for you", "REQUEST_DEMO"),
            winner("See the pipeline your team misses", "Pipeline clarity", "REQUEST_DEMO"),
        ]);
        assert!(p[1].starts_with("33% use a number, 33% ask a question"), "{p:?}");
        assert!(p.iter().any(|s| s == "most common call to action: REQUEST_DEMO (2 of 3)"), "{p:?}");
        assert!(p.iter().any(|s| s.starts_with("recurring words: pipeline (3)")), "{p:?}");
        assert!(patterns(&[]).is_empty());
    }
}
