//! Conversion reporting lag: how complete a day's conversions are, by the day's age.
//!
//! LinkedIn attributes a conversion to the day of the click and reports it when it arrives, so every
//! pull restates the recent past. The last days' conversions are therefore right-censored with a
//! known completeness q(age): a day `age` days before the run has shown q(age) of the conversions it
//! will show. The decisions use it as exposure: a creative's clicks of each day count `q(age)` toward
//! the CVR's denominator, so recent days weigh by what they can already show, neither ignored nor
//! taken at face value.
//!
//! The curve is estimated from the account's own restatements ([`LagCurve::estimate`]: successive
//! pulls of the same day show conversions arriving), relative to the last pull the collector makes
//! of a day (`LOOKBACK_DAYS`: later arrivals never reach the store). Without enough history it is
//! [`LagCurve::prior`].

use serde::{Deserialize, Serialize};

/// The prior cumulative completeness by age in days (0: pulled on the day itself): 55 % the same day,
/// then 20, 10, 6, 4, 3, 2 %. An assumption, not a LinkedIn figure: LinkedIn publishes no arrival
/// curve, only that past days are restated and that conversion windows run to 30 days post-click
/// (docs/linkedin-api-behaviour.md). It is the sandbox's default lag, most conversions within a day or
/// two and the rest over the week, which is the pattern connectors' 7-day look-backs assume.
pub const PRIOR: [f64; 7] = [0.55, 0.75, 0.85, 0.91, 0.95, 0.98, 1.0];

/// Conversions (at the final pull) an estimate needs, else the prior is used.
pub const MIN_CONVERSIONS: f64 = 30.0;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LagSource {
    Prior,
    /// From this many creative-days pulled at every age up to the final one.
    Estimated {
        creative_days: u32,
    },
}

/// Cumulative completeness by age, non-decreasing, ending at 1.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LagCurve {
    cumulative: Vec<f64>,
    pub source: LagSource,
}

impl Default for LagCurve {
    fn default() -> Self {
        Self::prior()
    }
}

/// One creative-day's conversions as successive pulls saw them: `by_age[a]` is what the pull made
/// `a` days after the day reported (`None`: no pull at that age).
#[derive(Debug, Clone, PartialEq)]
pub struct Restatement {
    pub by_age: Vec<Option<f64>>,
}

impl LagCurve {
    pub fn prior() -> Self {
        Self { cumulative: PRIOR.to_vec(), source: LagSource::Prior }
    }

    /// The share of its eventual conversions a day `age` days old has shown (1 beyond the curve).
    pub fn completeness(&self, age: i64) -> f64 {
        if age < 0 {
            return 0.0;
        }
        self.cumulative.get(age as usize).copied().unwrap_or(1.0)
    }

    pub fn cumulative(&self) -> &[f64] {
        &self.cumulative
    }

    /// The curve from creative-days seen at every age 0..=`final_age` (the last is taken as final):
    /// q(a) = Σ conversions at age a / Σ conversions at the final age, made non-decreasing and capped
    /// at 1. `None` when fewer than [`MIN_CONVERSIONS`] final conversions are available.
    pub fn estimate(restatements: &[Restatement], final_age: usize) -> Option<Self> {
        LagSums::of(restatements, final_age).curve()
    }
}

/// Restatements summed: conversions by pull age over creative-days seen at every age up to the final
/// one. The data processor writes one per metric day (`processed/conversion_lag/`), the optimizer adds
/// up the last weeks' and takes [`LagSums::curve`].
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct LagSums {
    pub creative_days: u32,
    /// Σ conversions as the newest pull at each age 0..=final reported them.
    pub conversions_by_age: Vec<f64>,
}

impl LagSums {
    pub fn of(restatements: &[Restatement], final_age: usize) -> Self {
        let mut sums = LagSums { creative_days: 0, conversions_by_age: vec![0.0; final_age + 1] };
        for r in restatements {
            if r.by_age.len() > final_age && r.by_age[..=final_age].iter().all(Option::is_some) {
                sums.creative_days += 1;
                for (slot, v) in sums.conversions_by_age.iter_mut().zip(&r.by_age) {
                    *slot += v.unwrap_or(0.0).max(0.0);
                }
            }
        }
        sums
    }

    /// Adds another day's sums (of the same final age; a different one is ignored).
    pub fn add(&mut self, other: &LagSums) {
        if self.conversions_by_age.is_empty() {
            self.conversions_by_age = vec![0.0; other.conversions_by_age.len()];
        }
        if other.conversions_by_age.len() != self.conversions_by_age.len() {
            return;
        }
        // Saturating: the sums are read back from `processed/conversion_lag/`.
        self.creative_days = self.creative_days.saturating_add(other.creative_days);
        for (a, b) in self.conversions_by_age.iter_mut().zip(&other.conversions_by_age) {
            *a += b.max(0.0);
        }
    }

    pub fn curve(&self) -> Option<LagCurve> {
        let total = *self.conversions_by_age.last()?;
        if total.is_nan() || total < MIN_CONVERSIONS {
            return None;
        }
        let mut cumulative: Vec<f64> = self.conversions_by_age.iter().map(|c| (c / total).clamp(0.0, 1.0)).collect();
        for i in 1..cumulative.len() {
            cumulative[i] = cumulative[i].max(cumulative[i - 1]);
        }
        // A curve that says a day shows nothing for a while would divide by zero downstream.
        for v in &mut cumulative {
            *v = v.max(0.02);
        }
        Some(LagCurve { cumulative, source: LagSource::Estimated { creative_days: self.creative_days } })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sums_read_back_saturate() {
        // Found by `demo::fuzz` (store.conversion_lag): a lag.json with creative_days near u32::MAX.
        let day = LagSums { creative_days: u32::MAX - 1, conversions_by_age: vec![1.0, 2.0] };
        let mut sums = LagSums::default();
        sums.add(&day);
        sums.add(&day);
        assert_eq!((sums.creative_days, sums.conversions_by_age), (u32::MAX, vec![2.0, 4.0]));
    }

    #[test]
    fn the_prior_ends_complete_and_ages_past_it_are_complete() {
        let p = LagCurve::prior();
        assert_eq!(p.completeness(0), 0.55);
        assert_eq!(p.completeness(1), 0.75);
        assert_eq!(p.completeness(30), 1.0);
        assert_eq!(p.completeness(-1), 0.0);
    }

    #[test]
    fn the_estimate_recovers_a_known_lag() {
        // 200 creative-days with 10 conversions each, arriving 40/30/20/10 % over four days.
        let shares = [0.4, 0.7, 0.9, 1.0];
        let r: Vec<Restatement> =
            (0..200).map(|_| Restatement { by_age: shares.iter().map(|s| Some(10.0 * s)).collect() }).collect();
        let c = LagCurve::estimate(&r, 3).unwrap();
        for (a, s) in shares.iter().enumerate() {
            assert!((c.completeness(a as i64) - s).abs() < 1e-12);
        }
        assert_eq!(c.source, LagSource::Estimated { creative_days: 200 });
        // Too few conversions: no estimate (the caller keeps the prior).
        assert!(LagCurve::estimate(&r[..2], 3).is_none());
        // Days not seen at every age are left out; a restatement downward never makes the curve fall.
        let mut odd = r.clone();
        odd.push(Restatement { by_age: vec![Some(100.0), None, Some(1.0), Some(1.0)] });
        odd.push(Restatement { by_age: vec![Some(5.0), Some(3.0), Some(4.0), Some(4.0)] });
        let c = LagCurve::estimate(&odd, 3).unwrap();
        assert!(c.cumulative().windows(2).all(|w| w[0] <= w[1]), "{:?}", c.cumulative());
    }
}
