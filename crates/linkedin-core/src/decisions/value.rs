//! Conversions per impression (CTR × CVR): what a creative earns from the impressions it is given.
//!
//! A creative's CTR and CVR each have a Beta posterior (CTR from its clicks and impressions over a
//! prior fitted on the account's creatives; CVR from its lag-adjusted conversions and clicks over a
//! prior centred on its campaign, [`cvr_priors`]). Their product has no closed form, so it is carried
//! on the log scale: ln CTR and ln CVR are independent with exact means ψ(a) − ψ(a+b) and variances
//! ψ₁(a) − ψ₁(a+b), and their sum is treated as normal (the log of a Beta is close to normal once a
//! creative has a few clicks; before that the priors dominate and both are wide). P(best) is then an
//! integral over normals ([`prob_best_normal`]), by quadrature: deterministic, so a rerun decides alike.

use serde::{Deserialize, Serialize};

use super::normal::normal_cdf;
use super::stats::{Beta, fit_rate_prior};

/// CVR the prior is centred on when the account has no conversions yet (LinkedIn's B2B range is 2–12 %).
pub const DEFAULT_CVR: f64 = 0.05;

/// Bounds on the CVR prior's alpha, i.e. on how far one creative's CVR may sit from its campaign's
/// before its own conversions say so: ln CVR's prior sd is about 1/√alpha, so 8 to 11 means ±30 % to
/// ±35 %. Never narrower than ±30 %: a tighter prior would let CTR alone decide, and a creative
/// with the lower CTR can convert enough better to be the best (the sandbox's creatives differ by
/// ±40 % in CVR, independently of CTR).
pub const PRIOR_ALPHA: (f64, f64) = (8.0, 11.0);

/// ψ(x), the digamma function (x > 0): recurrence up to 10, then the asymptotic series.
pub fn digamma(mut x: f64) -> f64 {
    let mut acc = 0.0;
    while x < 10.0 {
        acc -= 1.0 / x;
        x += 1.0;
    }
    let f = 1.0 / (x * x);
    acc + x.ln() - 0.5 / x - f * (1.0 / 12.0 - f * (1.0 / 120.0 - f * (1.0 / 252.0 - f * (1.0 / 240.0 - f / 132.0))))
}

/// ψ₁(x), the trigamma function (x > 0).
pub fn trigamma(mut x: f64) -> f64 {
    let mut acc = 0.0;
    while x < 10.0 {
        acc += 1.0 / (x * x);
        x += 1.0;
    }
    let f = 1.0 / (x * x);
    acc + 1.0 / x + f / 2.0 + f / x * (1.0 / 6.0 - f * (1.0 / 30.0 - f * (1.0 / 42.0 - f / 30.0)))
}

/// A normal distribution of ln(conversions per impression).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct LnValue {
    pub mean: f64,
    pub sd: f64,
}

impl LnValue {
    /// ln(CTR × CVR) for independent Beta posteriors.
    pub fn of(ctr: Beta, cvr: Beta) -> Self {
        let m = |b: Beta| digamma(b.alpha) - digamma(b.alpha + b.beta);
        let v = |b: Beta| (trigamma(b.alpha) - trigamma(b.alpha + b.beta)).max(0.0);
        Self { mean: m(ctr) + m(cvr), sd: (v(ctr) + v(cvr)).sqrt().max(1e-9) }
    }

    /// The median conversions per impression, e^mean.
    pub fn median(&self) -> f64 {
        self.mean.exp()
    }

    /// The central interval holding `mass` (0.9: the 5th and 95th percentiles).
    pub fn interval(&self, mass: f64) -> (f64, f64) {
        let z = normal_quantile(0.5 + mass / 2.0);
        ((self.mean - z * self.sd).exp(), (self.mean + z * self.sd).exp())
    }
}

/// The standard normal quantile (Acklam's algorithm, relative error below 1.2e-9).
pub fn normal_quantile(p: f64) -> f64 {
    let p = p.clamp(1e-300, 1.0 - 1e-16);
    const A: [f64; 6] = [
        -3.969683028665376e1,
        2.209460984245205e2,
        -2.759285104469687e2,
        1.383_577_518_672_69e2,
        -3.066479806614716e1,
        2.506628277459239,
    ];
    const B: [f64; 5] =
        [-5.447609879822406e1, 1.615858368580409e2, -1.556989798598866e2, 6.680131188771972e1, -1.328068155288572e1];
    const C: [f64; 6] = [
        -7.784894002430293e-3,
        -3.223964580411365e-1,
        -2.400758277161838,
        -2.549732539343734,
        4.374664141464968,
        2.938163982698783,
    ];
    const D: [f64; 4] = [7.784695709041462e-3, 3.224671290700398e-1, 2.445134137142996, 3.754408661907416];
    let low = 0.02425;
    if p < low {
        let q = (-2.0 * p.ln()).sqrt();
        (((((C[0] * q + C[1]) * q + C[2]) * q + C[3]) * q + C[4]) * q + C[5])
            / ((((D[0] * q + D[1]) * q + D[2]) * q + D[3]) * q + 1.0)
    } else if p <= 1.0 - low {
        let q = p - 0.5;
        let r = q * q;
        (((((A[0] * r + A[1]) * r + A[2]) * r + A[3]) * r + A[4]) * r + A[5]) * q
            / (((((B[0] * r + B[1]) * r + B[2]) * r + B[3]) * r + B[4]) * r + 1.0)
    } else {
        -normal_quantile(1.0 - p)
    }
}

/// P(each is the largest) for independent normals: ∫ φ_i(x) Π_{j≠i} Φ_j(x) dx, by the trapezoid rule
/// on 4,001 points over ±9 standard deviations of every distribution (the integrand is smooth), then
/// normalised to sum to 1.
pub fn prob_best_normal(dists: &[LnValue]) -> Vec<f64> {
    let k = dists.len();
    if k <= 1 {
        return vec![1.0; k];
    }
    let lo = dists.iter().map(|d| d.mean - 9.0 * d.sd).fold(f64::INFINITY, f64::min);
    let hi = dists.iter().map(|d| d.mean + 9.0 * d.sd).fold(f64::NEG_INFINITY, f64::max);
    const N: usize = 4_000;
    let h = (hi - lo) / N as f64;
    let mut out = vec![0.0; k];
    let mut cdf = vec![0.0; k];
    for step in 0..=N {
        let x = lo + h * step as f64;
        let w = if step == 0 || step == N { 0.5 } else { 1.0 };
        for (c, d) in cdf.iter_mut().zip(dists) {
            *c = normal_cdf((x - d.mean) / d.sd);
        }
        for i in 0..k {
            let z = (x - dists[i].mean) / dists[i].sd;
            let pdf = (-0.5 * z * z).exp() / (dists[i].sd * (2.0 * std::f64::consts::PI).sqrt());
            if pdf < 1e-300 {
                continue;
            }
            let others: f64 = (0..k).filter(|j| *j != i).map(|j| cdf[j]).product();
            out[i] += w * pdf * others;
        }
    }
    let total: f64 = out.iter().sum();
    if total > 0.0 {
        for v in &mut out {
            *v /= total;
        }
    }
    out
}

/// The CVR prior of each campaign's creatives: an account-wide prior fitted on the creatives'
/// (conversions, clicks), its centre moved to the campaign's own pooled CVR (itself shrunk toward
/// the account's by the account prior). A creative's CVR thus borrows strength from its campaign,
/// and a campaign with few conversions from the account. `campaigns`: per campaign, its creatives'
/// (lag-adjusted conversions, clicks).
pub fn cvr_priors(campaigns: &[Vec<(f64, f64)>]) -> Vec<Beta> {
    let all: Vec<(f64, f64)> = campaigns.iter().flatten().copied().collect();
    let account = fit_rate_prior(&all, DEFAULT_CVR);
    let strength = account.alpha + account.beta;
    campaigns
        .iter()
        .map(|creatives| {
            let conv: f64 = creatives.iter().map(|c| c.0).sum();
            let clicks: f64 = creatives.iter().map(|c| c.1).sum();
            let mean = ((conv + account.alpha) / (clicks + strength)).clamp(1e-6, 1.0 - 1e-6);
            // The spread between one campaign's creatives, in alpha: ln CVR has sd ≈ 1/√alpha. The
            // fitted spread is noisy with few conversions, so alpha is kept between PRIOR_ALPHA's bounds.
            let alpha = (mean * strength).clamp(PRIOR_ALPHA.0, PRIOR_ALPHA.1);
            Beta { alpha, beta: alpha * (1.0 - mean) / mean }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn special_functions_match_known_values() {
        // ψ(1) = −γ, ψ(0.5) = −γ − 2 ln 2, ψ₁(1) = π²/6, ψ₁(0.5) = π²/2.
        let gamma = 0.577_215_664_901_532_9;
        assert!((digamma(1.0) + gamma).abs() < 1e-12, "{}", digamma(1.0));
        assert!((digamma(0.5) + gamma + 2.0 * 2f64.ln()).abs() < 1e-12);
        assert!((trigamma(1.0) - std::f64::consts::PI.powi(2) / 6.0).abs() < 1e-12);
        assert!((trigamma(0.5) - std::f64::consts::PI.powi(2) / 2.0).abs() < 1e-11);
        assert!((normal_cdf(1.959_963_985) - 0.975).abs() < 1e-7);
        assert!((normal_quantile(0.975) - 1.959_963_985).abs() < 1e-8);
        assert!((normal_cdf(-8.0) - 6.22e-16).abs() < 1e-17);
    }

    #[test]
    fn prob_best_is_symmetric_and_favours_the_higher_mean() {
        let a = LnValue { mean: -6.0, sd: 0.2 };
        let p = prob_best_normal(&[a, a]);
        assert!((p[0] - 0.5).abs() < 1e-9, "{p:?}");
        // Two normals: P(X > Y) = Φ((μx − μy) / √(σx² + σy²)).
        let b = LnValue { mean: -5.8, sd: 0.3 };
        let p = prob_best_normal(&[a, b]);
        let exact = normal_cdf(0.2 / (0.2f64.powi(2) + 0.3f64.powi(2)).sqrt());
        assert!((p[1] - exact).abs() < 1e-6, "{} vs {exact}", p[1]);
        let p = prob_best_normal(&[a, b, LnValue { mean: -9.0, sd: 0.1 }]);
        assert!(p[2] < 1e-12 && (p.iter().sum::<f64>() - 1.0).abs() < 1e-12);
    }

    #[test]
    fn the_log_value_matches_sampling_of_the_product() {
        // E[ln X] for X ~ Beta(20, 3980) by the exact formula equals the Monte Carlo mean of the log of
        // Gamma-ratio draws within its standard error.
        let v = LnValue::of(Beta { alpha: 20.0, beta: 3980.0 }, Beta { alpha: 5.0, beta: 95.0 });
        let mut rng = fastrand::Rng::with_seed(3);
        let gamma = |rng: &mut fastrand::Rng, k: f64| -> f64 {
            // Marsaglia–Tsang for k ≥ 1.
            let d = k - 1.0 / 3.0;
            let c = 1.0 / (9.0 * d).sqrt();
            loop {
                let (u1, u2) = (1.0 - rng.f64(), rng.f64());
                let z = (-2.0 * u1.ln()).sqrt() * (2.0 * std::f64::consts::PI * u2).cos();
                let v = (1.0 + c * z).powi(3);
                if v > 0.0 && (1.0 - rng.f64()).ln() < 0.5 * z * z + d - d * v + d * v.ln() {
                    return d * v;
                }
            }
        };
        let n = 40_000;
        let (mut s, mut s2) = (0.0, 0.0);
        for _ in 0..n {
            let (x1, y1) = (gamma(&mut rng, 20.0), gamma(&mut rng, 3980.0));
            let (x2, y2) = (gamma(&mut rng, 5.0), gamma(&mut rng, 95.0));
            let l = (x1 / (x1 + y1)).ln() + (x2 / (x2 + y2)).ln();
            s += l;
            s2 += l * l;
        }
        let mean = s / n as f64;
        let sd = (s2 / n as f64 - mean * mean).sqrt();
        assert!((mean - v.mean).abs() < 4.0 * sd / (n as f64).sqrt(), "{mean} vs {}", v.mean);
        assert!((sd - v.sd).abs() / v.sd < 0.02, "{sd} vs {}", v.sd);
    }

    #[test]
    fn a_campaign_prior_sits_between_the_campaign_and_the_account() {
        // Account CVR ~5 %; one campaign converts at 10 % on plenty of clicks, another has no clicks.
        let strong = vec![(100.0, 1000.0), (95.0, 1000.0), (105.0, 1000.0)];
        let weak = vec![(0.0, 0.0), (0.0, 0.0)];
        let normal = vec![(20.0, 1000.0), (30.0, 1000.0), (25.0, 1000.0)];
        let p = cvr_priors(&[strong, weak, normal]);
        assert!(p[0].mean() > 0.08 && p[0].mean() < 0.1, "{:?}", p[0].mean());
        let pooled = (300.0 + 75.0) / 6000.0;
        assert!((p[1].mean() - pooled).abs() < 0.01, "no data: the account's ({})", p[1].mean());
        assert!(p[2].mean() < 0.03, "{}", p[2].mean());
    }
}
