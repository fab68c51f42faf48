//! The hidden truth: each creative's click-through and conversion rates.
//!
//! A creative's true CTR is a documented function of its copy features (from
//! [`linkedin_core::features`], the same extraction the Creative Scorer learns from) times creative-level
//! log-normal noise that copy cannot explain:
//!
//! `ln CTR = ln base_ctr + Σ effect(feature) + N(0, ctr_noise²)`
//!
//! The effects are modest, as on LinkedIn, where copy moves CTR by tens of percent, not multiples. Some
//! pull CTR and conversion rate in opposite directions ("free" draws clicks that do not buy), so a
//! policy that chases CTR alone is not the oracle. The noise is drawn from the scenario seed and the
//! creative id only, so a creative has the same truth in every run and in every counterfactual.

use linkedin_core::features::{CopyFeatures, CtaType};
use linkedin_core::linkedin::posts::AdCopy;
use serde::Serialize;

use crate::sampling::{normal, rng_for};
use crate::scenario::{Fatigue, MarketParams};

/// RNG stream tag for the truth draws.
const TRUTH_STREAM: u64 = 0x0074_7275_7468; // "truth"

/// One effect of the hidden CTR/CVR function, for the docs and the truth endpoint.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Effect {
    pub feature: &'static str,
    /// Added to ln CTR.
    pub ctr: f64,
    /// Added to ln CVR.
    pub cvr: f64,
}

/// The effects active for a copy, in a fixed order.
pub fn effects(f: &CopyFeatures) -> Vec<Effect> {
    let mut out = Vec::new();
    let mut add = |feature: &'static str, ctr: f64, cvr: f64| {
        if ctr != 0.0 || cvr != 0.0 {
            out.push(Effect { feature, ctr, cvr });
        }
    };
    // A concrete number in the headline is the strongest single lever in LinkedIn's own guidance.
    add("headline_has_number", if f.headline_has_number > 0.0 { 0.20 } else { 0.0 }, 0.0);
    add("intro_has_question", if f.intro_has_question > 0.0 { 0.12 } else { 0.0 }, 0.0);
    add("second_person_count", 0.06 * f.second_person_count.min(3.0), 0.0);
    // Past ~150 characters the intro is cut at "...see more": the hook is lost.
    add("intro_truncated", if f.intro_truncated > 0.0 { -0.15 } else { 0.0 }, 0.0);
    add("headline_chars", -0.25 * ((f.headline_chars - 70.0) / 50.0).clamp(0.0, 1.0), 0.0);
    let (cta_ctr, cta_cvr) = match CtaType::from_code(f.cta_type) {
        CtaType::None => (-0.10, -0.10),
        CtaType::Learn => (0.0, 0.0),
        CtaType::SignUp => (0.05, 0.05),
        CtaType::Download => (0.10, -0.10),
        CtaType::Demo => (-0.05, 0.20),
        CtaType::Register => (0.0, 0.05),
        CtaType::Other => (0.0, 0.0),
    };
    add("cta_type", cta_ctr, cta_cvr);
    add("exclamation_count", -0.10 * (f.exclamation_count - 1.0).clamp(0.0, 3.0), 0.0);
    add("uppercase_ratio", if f.uppercase_ratio > 0.3 { -0.30 } else { 0.0 }, 0.0);
    let emoji = match f.emoji_count {
        e if e <= 0.0 => 0.0,
        e if e <= 2.0 => 0.05,
        e if e <= 3.0 => 0.0,
        _ => -0.10,
    };
    add("emoji_count", emoji, 0.0);
    // Freebies draw curious clicks that rarely convert.
    add("mention_free", if f.mention_free > 0.0 { 0.15 } else { 0.0 }, if f.mention_free > 0.0 { -0.25 } else { 0.0 });
    add(
        "has_percent_or_dollar",
        if f.has_percent > 0.0 || f.has_dollar > 0.0 { 0.08 } else { 0.0 },
        if f.has_dollar > 0.0 { 0.05 } else { 0.0 },
    );
    add("mention_exclusive", if f.mention_exclusive > 0.0 { 0.05 } else { 0.0 }, 0.0);
    out
}

/// A creative's latent rates.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Truth {
    pub ctr: f64,
    /// Conversions per click.
    pub cvr: f64,
    /// The copy's part of ln CTR (Σ effects), without the noise.
    pub copy_effect: f64,
    /// How its CTR wears out with exposure (`None`: it does not).
    pub fatigue: Option<Fatigue>,
}

impl Truth {
    /// The true CTR once the creative has had `impressions` impressions.
    pub fn ctr_after(&self, impressions: f64) -> f64 {
        self.fatigue.map_or(self.ctr, |f| self.ctr * f.factor(impressions))
    }
}

/// The truth for a creative with this copy and id. `pinned` overrides (from the scenario) win.
pub fn truth_for(
    market: &MarketParams,
    seed: u64,
    creative_id: u64,
    copy: &AdCopy,
    pinned_ctr: Option<f64>,
    pinned_cvr: Option<f64>,
) -> Truth {
    let f = CopyFeatures::extract(copy);
    let fx = effects(&f);
    let copy_ctr: f64 = fx.iter().map(|e| e.ctr).sum();
    let copy_cvr: f64 = fx.iter().map(|e| e.cvr).sum();
    let mut rng = rng_for(seed, &[creative_id, TRUTH_STREAM]);
    let (z_ctr, z_cvr) = (normal(&mut rng), normal(&mut rng));
    let ctr = pinned_ctr.unwrap_or_else(|| (market.base_ctr.ln() + copy_ctr + market.ctr_noise * z_ctr).exp());
    let cvr = pinned_cvr.unwrap_or_else(|| (market.base_cvr.ln() + copy_cvr + market.cvr_noise * z_cvr).exp());
    Truth { ctr: ctr.clamp(1e-6, 0.5), cvr: cvr.clamp(1e-6, 0.95), copy_effect: copy_ctr, fatigue: None }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn copy(intro: &str, headline: &str, cta: Option<&str>) -> AdCopy {
        AdCopy {
            intro_text: Some(intro.into()),
            headline: Some(headline.into()),
            description: None,
            call_to_action: cta.map(String::from),
            landing_page: None,
        }
    }

    #[test]
    fn copy_features_move_ctr_in_the_documented_direction() {
        let m = MarketParams { ctr_noise: 0.0, cvr_noise: 0.0, ..MarketParams::default() };
        let plain = truth_for(&m, 1, 1, &copy("We build analytics software.", "Analytics software", None), None, None);
        let better = truth_for(
            &m,
            1,
            2,
            &copy("Are your dashboards lying to you?", "Cut reporting time by 40%", Some("DOWNLOAD")),
            None,
            None,
        );
        assert!(better.ctr > plain.ctr * 1.3, "{better:?} vs {plain:?}");
        let shouty = truth_for(&m, 1, 3, &copy("BUY NOW!!! BEST DEAL!!!", "AMAZING OFFER!!!", None), None, None);
        assert!(shouty.ctr < plain.ctr, "{shouty:?} vs {plain:?}");
        let free = truth_for(&m, 1, 4, &copy("Get the free guide.", "Free guide", Some("LEARN_MORE")), None, None);
        let paid = truth_for(&m, 1, 5, &copy("Get the guide.", "The guide", Some("LEARN_MORE")), None, None);
        assert!(free.ctr > paid.ctr && free.cvr < paid.cvr, "free draws clicks that do not convert");
    }

    #[test]
    fn the_noise_is_fixed_by_seed_and_id_and_pins_win() {
        let m = MarketParams::default();
        let c = copy("Hello there", "Headline", None);
        assert_eq!(truth_for(&m, 7, 11, &c, None, None), truth_for(&m, 7, 11, &c, None, None));
        assert_ne!(truth_for(&m, 7, 11, &c, None, None).ctr, truth_for(&m, 7, 12, &c, None, None).ctr);
        assert_ne!(truth_for(&m, 7, 11, &c, None, None).ctr, truth_for(&m, 8, 11, &c, None, None).ctr);
        let pinned = truth_for(&m, 7, 11, &c, Some(0.01), Some(0.2));
        assert_eq!((pinned.ctr, pinned.cvr), (0.01, 0.2));
    }

    #[test]
    fn base_rates_stay_in_linkedins_range() {
        // Over many plain creatives, the median CTR is the base rate (0.45 %): LinkedIn's 0.4–0.6 %.
        let m = MarketParams::default();
        let mut ctrs: Vec<f64> = (0..2000)
            .map(|id| truth_for(&m, 3, id, &copy("Our product.", "Product", Some("LEARN_MORE")), None, None).ctr)
            .collect();
        ctrs.sort_by(f64::total_cmp);
        let median = ctrs[1000];
        assert!((0.0040..0.0050).contains(&median), "median {median}");
    }
}
