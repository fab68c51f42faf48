//! Scoring the variations: the Creative Scorer's predicted CTR (native model or endpoint) from the
//! same copy features it was trained on; with no model yet, the nearest-creatives heuristic: the
//! weighted CTR of the [`K`] account creatives whose copy features are closest (each feature scaled by
//! its spread), which needs no training and says "copy like this has done about this well here".

use linkedin_core::features::{CopyFeatures, FEATURE_COUNT};
use linkedin_core::linkedin::posts::AdCopy;
use linkedin_core::model::Predictor;
use linkedin_core::performance::CreativePerformance;
use serde::{Deserialize, Serialize};

use crate::variation::Variation;

/// Neighbours the heuristic averages over.
pub const K: usize = 5;

/// A variation with its score, as saved in the batch.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Scored {
    #[serde(flatten)]
    pub variation: Variation,
    /// Predicted CTR (a fraction); `None` when nothing could score it.
    pub predicted_ctr: Option<f64>,
    pub features: CopyFeatures,
}

pub fn features_of(v: &Variation) -> CopyFeatures {
    CopyFeatures::extract(&AdCopy {
        intro_text: Some(v.intro_text.clone()),
        headline: Some(v.headline.clone()),
        description: Some(v.description.clone()),
        call_to_action: Some(v.call_to_action.clone()),
        landing_page: None,
    })
}

/// Weighted CTR of the `K` known creatives nearest to `x`; `None` without any known impressions.
pub fn nearest_ctr(x: &[f64; FEATURE_COUNT], known: &[([f64; FEATURE_COUNT], u64, u64)]) -> Option<f64> {
    let known: Vec<_> = known.iter().filter(|(_, imp, _)| *imp > 0).collect();
    if known.is_empty() {
        return None;
    }
    let n = known.len() as f64;
    let spread: Vec<f64> = (0..FEATURE_COUNT)
        .map(|j| {
            let mean = known.iter().map(|k| k.0[j]).sum::<f64>() / n;
            let var = known.iter().map(|k| (k.0[j] - mean).powi(2)).sum::<f64>() / n;
            if var > 0.0 { var.sqrt() } else { 1.0 }
        })
        .collect();
    let mut by_distance: Vec<(f64, u64, u64)> = known
        .iter()
        .map(|(f, imp, clicks)| {
            let d: f64 = (0..FEATURE_COUNT).map(|j| ((f[j] - x[j]) / spread[j]).powi(2)).sum();
            (d, *imp, *clicks)
        })
        .collect();
    by_distance.sort_by(|a, b| a.0.total_cmp(&b.0));
    let (imp, clicks) = by_distance.iter().take(K).fold((0u64, 0u64), |(i, c), (_, imp, cl)| (i + imp, c + cl));
    Some(clicks as f64 / imp as f64)
}

/// Scores every variation with `model`, or the heuristic when it has no model; returns the scores, what
/// scored them, and a problem to report when the model failed (the heuristic is used then).
pub async fn score(
    variations: Vec<Variation>,
    model: &dyn Predictor,
    known: &[(AdCopy, CreativePerformance)],
) -> (Vec<Scored>, String, Option<String>) {
    let features: Vec<CopyFeatures> = variations.iter().map(features_of).collect();
    let rows: Vec<Vec<f64>> = features.iter().map(|f| f.values().to_vec()).collect();
    let (predicted, scorer, problem) = match model.predict(&rows).await {
        Ok(Some(p)) if p.len() == rows.len() => (p.into_iter().map(Some).collect(), model.describe(), None),
        other => {
            let problem = match other {
                Ok(None) => None,
                Ok(Some(p)) => {
                    Some(format!("{}: {} predictions for {} variations", model.describe(), p.len(), rows.len()))
                }
                Err(e) => Some(e.to_string()),
            };
            let known: Vec<_> = known
                .iter()
                .map(|(c, p)| (CopyFeatures::extract(c).values(), p.totals.impressions, p.totals.clicks))
                .collect();
            let p: Vec<Option<f64>> = features.iter().map(|f| nearest_ctr(&f.values(), &known)).collect();
            (p, format!("heuristic: weighted CTR of the {K} account creatives with the nearest copy features"), problem)
        }
    };
    let mut scored: Vec<Scored> = variations
        .into_iter()
        .zip(features)
        .zip(predicted)
        .map(|((variation, features), predicted_ctr)| Scored { variation, predicted_ctr, features })
        .collect();
    // Best first; unscored last, in angle order.
    scored.sort_by(|a, b| b.predicted_ctr.unwrap_or(-1.0).total_cmp(&a.predicted_ctr.unwrap_or(-1.0)));
    (scored, scorer, problem)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_heuristic_averages_the_nearest_creatives_by_their_impressions() {
        let mut near = [0.0; FEATURE_COUNT];
        near[0] = 10.0;
        let mut far = [0.0; FEATURE_COUNT];
        far[0] = 100.0;
        let known: Vec<_> = std::iter::repeat_n((near, 1000, 10), K).chain(std::iter::once((far, 1000, 500))).collect();
        let mut x = [0.0; FEATURE_COUNT];
        x[0] = 12.0;
        assert_eq!(nearest_ctr(&x, &known), Some(0.01), "the far creative is the sixth: left out");
        assert_eq!(nearest_ctr(&x, &[]), None);
    }
}
