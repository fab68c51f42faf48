//! The optimizer's decision statistics: Beta posteriors for creative CTRs.
//!
//! A LinkedIn CTR is ~0.5%, so a creative with 2,000 impressions has ~10 clicks and its raw CTR is mostly
//! noise. Each creative's CTR therefore gets a Beta-Binomial posterior, with a prior fitted on the account's
//! own creatives ([`fit_prior`], empirical Bayes); the optimizer pauses a creative when P(CTR < threshold)
//! ([`Beta::cdf`]) is high or P(best of its campaign) ([`prob_best`]) is low.
//!
//! Everything is deterministic (quadrature, never sampling), so a rerun makes the same decisions, and holds
//! up at the sizes the data reaches: alpha up to ~1e7, beta up to ~1e9, CTRs of 1e-4..0.05. The delicate
//! part is the normalising constant: ln Γ(a) + ln Γ(b) − ln Γ(a+b) cancels ~10 digits when a+b ~ 1e9, so
//! `ln_front` works from Stirling remainders and ln(1+e) − e instead.

use serde::{Deserialize, Serialize};

/// LinkedIn's typical CTR: the prior's centre when an account has no data yet.
pub const DEFAULT_CTR: f64 = 0.005;
/// alpha+beta of the prior when the spread between creatives cannot be measured: 100 impressions' worth,
/// i.e. half a click at [`DEFAULT_CTR`]. A creative's first few hundred impressions outweigh it, yet it keeps
/// alpha ≈ 0.5 at typical CTRs, so a new creative's prior is not a spike at CTR = 0.
pub const FALLBACK_STRENGTH: f64 = 100.0;
/// A fitted prior is never weaker than the "we cannot tell" prior: weaker ones put most of their mass at
/// CTR ≈ 0 and would make a brand-new creative look like a loser before it has been shown.
pub const MIN_STRENGTH: f64 = FALLBACK_STRENGTH;
/// About a month of impressions of a minimum-budget creative: a prior any stronger would overrule what a
/// creative has shown, and a near-zero measured spread (which is noisy) would make it arbitrarily strong.
pub const MAX_STRENGTH: f64 = 10_000.0;

/// Mass below the 1e-12 and above the 1 − 1e-12 quantiles is ignored by [`prob_best`].
const TAIL: f64 = 1e-12;
const CF_EPS: f64 = 1e-15;
/// The fraction needs more terms as a, b grow: ~1,400 at worst (near the mean) for a = 1e7, b = 1e9.
const CF_MAX_ITER: usize = 10_000;
const FPMIN: f64 = 1e-300;
const HALF_LN_2PI: f64 = 0.918_938_533_204_672_8;

/// A Beta(alpha, beta) distribution. Both parameters > 0 (constructor returns None otherwise).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Beta {
    pub alpha: f64,
    pub beta: f64,
}

impl Beta {
    pub fn new(alpha: f64, beta: f64) -> Option<Self> {
        let ok = alpha.is_finite() && beta.is_finite() && alpha > 0.0 && beta > 0.0;
        ok.then_some(Self { alpha, beta })
    }

    pub fn mean(&self) -> f64 {
        self.alpha / (self.alpha + self.beta)
    }

    pub fn variance(&self) -> f64 {
        let s = self.alpha + self.beta;
        self.alpha * self.beta / (s * s * (s + 1.0))
    }

    /// P(X <= x), the regularized incomplete beta I_x(a, b).
    pub fn cdf(&self, x: f64) -> f64 {
        self.tails(x).0
    }

    /// P(X > x) = 1 − cdf(x), but accurate (relative) far in the upper tail.
    pub fn sf(&self, x: f64) -> f64 {
        self.tails(x).1
    }

    fn tails(&self, x: f64) -> (f64, f64) {
        if x.is_nan() {
            return (f64::NAN, f64::NAN);
        }
        inc_beta(self.alpha, self.beta, x).unwrap_or_else(|| {
            let p = normal_cdf((x - self.mean()) / self.variance().sqrt());
            (p, 1.0 - p)
        })
    }

    pub fn ln_pdf(&self, x: f64) -> f64 {
        let (a, b) = (self.alpha, self.beta);
        if !(0.0..=1.0).contains(&x) {
            return if x.is_nan() { f64::NAN } else { f64::NEG_INFINITY };
        }
        if x == 0.0 || x == 1.0 {
            // The density's limit at an edge: 0, the other parameter (e.g. Beta(1, b) at 0 is b), or ∞.
            let (shape, other) = if x == 0.0 { (a, b) } else { (b, a) };
            return match shape {
                s if s < 1.0 => f64::INFINITY,
                1.0 => other.ln(),
                _ => f64::NEG_INFINITY,
            };
        }
        ln_front(a, b, x) - x.ln() - (-x).ln_1p()
    }

    pub fn pdf(&self, x: f64) -> f64 {
        self.ln_pdf(x).exp()
    }

    /// The posterior after `clicks` successes in `impressions` trials (clicks <= impressions; clamp otherwise).
    pub fn posterior(&self, clicks: u64, impressions: u64) -> Beta {
        let clicks = clicks.min(impressions);
        Beta { alpha: self.alpha + clicks as f64, beta: self.beta + (impressions - clicks) as f64 }
    }

    /// Equal-tailed credible interval, e.g. 0.9 -> (5th, 95th percentile).
    pub fn interval(&self, mass: f64) -> (f64, f64) {
        let tail = (1.0 - mass.clamp(0.0, 1.0)) / 2.0;
        if tail == 0.0 {
            return (0.0, 1.0);
        }
        (self.solve(tail, true), self.solve(tail, false))
    }

    pub fn quantile(&self, p: f64) -> f64 {
        match p {
            p if p.is_nan() => f64::NAN,
            p if p <= 0.0 => 0.0,
            p if p >= 1.0 => 1.0,
            p if p <= 0.5 => self.solve(p, true),
            p => self.solve(1.0 - p, false),
        }
    }

    /// The x with P(X <= x) = target (`lower`) or P(X > x) = target, for 0 < target <= 0.5. Solving on the
    /// small tail keeps 1e-12 quantiles exact. Newton on the log of that tail (in ln x for the lower one,
    /// where densities can behave like x^(a-1)), kept inside a bisection bracket.
    fn solve(&self, target: f64, lower: bool) -> f64 {
        let ln_target = target.ln();
        let (mut lo, mut hi, mut x) = (0.0_f64, 1.0_f64, self.mean());
        for _ in 0..200 {
            let (cdf, sf) = self.tails(x);
            let tail = if lower { cdf } else { sf };
            if (tail < target) == lower {
                lo = x;
            } else {
                hi = x;
            }
            let (r, pdf) = (tail.ln() - ln_target, self.pdf(x));
            let newton = if lower { x * (-r * tail / (x * pdf)).exp() } else { x + r * tail / pdf };
            let next = if newton > lo && newton < hi {
                newton
            } else if lo > 0.0 && hi > 2.0 * lo {
                (lo * hi).sqrt()
            } else if lo == 0.0 {
                hi / 16.0
            } else {
                0.5 * (lo + hi)
            };
            if (next - x).abs() <= 1e-14 * x.min(1.0 - x) || hi - lo <= 1e-15 * hi {
                return next;
            }
            x = next;
        }
        x
    }
}

/// ln Γ(x) for x > 0 by the Lanczos approximation (g = 7, 9 terms), ~1e-15 relative.
pub fn ln_gamma(x: f64) -> f64 {
    const G: f64 = 7.0;
    const C: [f64; 9] = [
        0.999_999_999_999_809_9,
        676.520_368_121_885_1,
        -1_259.139_216_722_402_8,
        771.323_428_777_653_1,
        -176.615_029_162_140_6,
        12.507_343_278_686_905,
        -0.138_571_095_265_720_12,
        9.984_369_578_019_572e-6,
        1.505_632_735_149_311_6e-7,
    ];
    if x < 0.5 {
        // Reflection: Γ(x) Γ(1 − x) = π / sin(πx).
        let pi = std::f64::consts::PI;
        return (pi / (pi * x).sin()).ln() - ln_gamma(1.0 - x);
    }
    let x = x - 1.0;
    let sum = C[1..].iter().enumerate().fold(C[0], |s, (i, c)| s + c / (x + i as f64 + 1.0));
    let t = x + G + 0.5;
    HALF_LN_2PI + (x + 0.5) * t.ln() - t + sum.ln()
}

/// δ(x) = ln Γ(x) − [(x − ½) ln x − x + ½ ln 2π], Stirling's remainder (≈ 1/(12x)).
fn stirling_err(x: f64) -> f64 {
    if x >= 10.0 {
        let r = 1.0 / (x * x);
        let poly = 1.0 / 1188.0 - r * (691.0 / 360_360.0 - r / 156.0);
        (1.0 / 12.0 - r * (1.0 / 360.0 - r * (1.0 / 1260.0 - r * (1.0 / 1680.0 - r * poly)))) / x
    } else {
        ln_gamma(x) - ((x - 0.5) * x.ln() - x + HALF_LN_2PI)
    }
}

/// ln(1 + e) − e without cancellation; `r` = 1 + e computed directly (exact even when e ≈ −1).
fn log1pmx(e: f64, r: f64) -> f64 {
    if e.abs() >= 0.5 {
        return r.ln() - e;
    }
    // ln(1 + e) = 2 atanh(y) with y = e / (2 + e), and 2y − e = −e·y.
    let y = e / (2.0 + e);
    let (y2, mut power, mut sum) = (y * y, y * y * y, 0.0);
    for k in (3..80).step_by(2) {
        let term = power / k as f64;
        sum += term;
        if term.abs() <= 1e-17 * sum.abs() {
            break;
        }
        power *= y2;
    }
    2.0 * sum - e * y
}

/// ln[x^a (1−x)^b / B(a, b)], stable for huge a + b. With p = a/(a+b), Stirling's formula for the three
/// Γs turns it into a·(ln(1+e) − e) + b·(ln(1+f) − f) + ½ ln(ab/(a+b)) − ½ ln 2π + δ(a+b) − δ(a) − δ(b),
/// where x = p(1+e), 1 − x = (1−p)(1+f) and the linear terms a·e + b·f cancel exactly.
fn ln_front(a: f64, b: f64, x: f64) -> f64 {
    let s = a + b;
    let (p, q) = (a / s, b / s);
    a * log1pmx((x - p) / p, x / p) + b * log1pmx((p - x) / q, (1.0 - x) / q) + 0.5 * (a * q).ln() - HALF_LN_2PI
        + stirling_err(s)
        - stirling_err(a)
        - stirling_err(b)
}

/// The continued fraction for I_x(a, b) (Numerical Recipes' `betacf`, modified Lentz); None if it has
/// not converged within [`CF_MAX_ITER`] terms.
fn beta_cf(a: f64, b: f64, x: f64) -> Option<f64> {
    let (qab, qap, qam) = (a + b, a + 1.0, a - 1.0);
    let tiny = |v: f64| if v.abs() < FPMIN { FPMIN } else { v };
    let mut c = 1.0;
    let mut d = 1.0 / tiny(1.0 - qab * x / qap);
    let mut h = d;
    for m in 1..=CF_MAX_ITER {
        let (m, m2) = (m as f64, 2.0 * m as f64);
        let aa = m * (b - m) * x / ((qam + m2) * (a + m2));
        d = 1.0 / tiny(1.0 + aa * d);
        c = tiny(1.0 + aa / c);
        h *= d * c;
        let aa = -(a + m) * (qab + m) * x / ((a + m2) * (qap + m2));
        d = 1.0 / tiny(1.0 + aa * d);
        c = tiny(1.0 + aa / c);
        let del = d * c;
        h *= del;
        if (del - 1.0).abs() < CF_EPS {
            return Some(h);
        }
    }
    None
}

/// (I_x(a, b), 1 − I_x(a, b)), the smaller one computed directly so it keeps its relative accuracy.
fn inc_beta(a: f64, b: f64, x: f64) -> Option<(f64, f64)> {
    if x <= 0.0 {
        return Some((0.0, 1.0));
    }
    if x >= 1.0 {
        return Some((1.0, 0.0));
    }
    let front = ln_front(a, b, x).exp();
    if x < (a + 1.0) / (a + b + 2.0) {
        let lower = if front == 0.0 { 0.0 } else { (front * beta_cf(a, b, x)? / a).clamp(0.0, 1.0) };
        Some((lower, 1.0 - lower))
    } else {
        let upper = if front == 0.0 { 0.0 } else { (front * beta_cf(b, a, 1.0 - x)? / b).clamp(0.0, 1.0) };
        Some((1.0 - upper, upper))
    }
}

/// Φ(z) by Abramowitz & Stegun 7.1.26 (absolute error < 1.5e-7): only the fallback needs it.
fn normal_cdf(z: f64) -> f64 {
    let x = z.abs() / std::f64::consts::SQRT_2;
    let t = 1.0 / (1.0 + 0.327_591_1 * x);
    let poly =
        t * (0.254_829_592 + t * (-0.284_496_736 + t * (1.421_413_741 + t * (-1.453_152_027 + t * 1.061_405_429))));
    let tail = 0.5 * poly * (-x * x).exp();
    if z >= 0.0 { 1.0 - tail } else { tail }
}

fn with_strength(mean: f64, strength: f64) -> Beta {
    Beta { alpha: mean * strength, beta: (1.0 - mean) * strength }
}

/// Empirical-Bayes prior from per-creative (clicks, impressions).
///
/// Method of moments on the creatives' CTRs weighted by impressions: with m the pooled CTR and n_i the
/// impressions, E[Σ n_i (p_i − m)²] = τ² (N − Σn_i²/N − (k−1)) + (k−1) m(1−m), so subtracting the binomial
/// term leaves the real spread τ² between creatives, and alpha+beta = m(1−m)/τ² − 1, clamped to
/// [[`MIN_STRENGTH`], [`MAX_STRENGTH`]]. Fallbacks: fewer than 3 creatives with impressions, or no excess
/// spread → strength [`FALLBACK_STRENGTH`] around the pooled CTR. That pooled CTR carries
/// [`FALLBACK_STRENGTH`] pseudo-impressions at [`DEFAULT_CTR`], so zero clicks still give a proper prior,
/// and no data at all gives a prior centred on [`DEFAULT_CTR`].
pub fn fit_prior(observations: &[(u64, u64)]) -> Beta {
    let obs: Vec<(f64, f64)> =
        observations.iter().filter(|(_, n)| *n > 0).map(|&(c, n)| (c.min(n) as f64, n as f64)).collect();
    fit_rate_prior(&obs, DEFAULT_CTR)
}

/// [`fit_prior`] for any rate, from (successes, trials) that may be fractional (lag-adjusted
/// conversions over clicks), centred on `default` when there is no data.
pub fn fit_rate_prior(obs: &[(f64, f64)], default: f64) -> Beta {
    let obs: Vec<(f64, f64)> = obs
        .iter()
        .filter(|(c, n)| n.is_finite() && c.is_finite() && *n > 0.0 && *c >= 0.0)
        .map(|&(c, n)| (c.min(n), n))
        .collect();
    let clicks: f64 = obs.iter().map(|o| o.0).sum();
    let total: f64 = obs.iter().map(|o| o.1).sum();
    let pooled = (clicks + default * FALLBACK_STRENGTH) / (total + FALLBACK_STRENGTH);
    let fallback = with_strength(pooled, FALLBACK_STRENGTH);
    if obs.len() < 3 {
        return fallback;
    }
    let (m, k) = (clicks / total, obs.len() as f64);
    let spread: f64 = obs.iter().map(|(c, n)| n * (c / n - m).powi(2)).sum();
    let sum_sq: f64 = obs.iter().map(|o| o.1 * o.1).sum();
    let denom = total - sum_sq / total - (k - 1.0);
    let excess = (spread - (k - 1.0) * m * (1.0 - m)) / denom;
    if !(denom > 0.0 && excess > 0.0) {
        return fallback;
    }
    with_strength(m, (m * (1.0 - m) / excess - 1.0).clamp(MIN_STRENGTH, MAX_STRENGTH))
}

/// 10-point Gauss-Legendre nodes (positive half) and weights on [−1, 1].
const GAUSS: [(f64, f64); 5] = [
    (0.148_874_338_981_631_2, 0.295_524_224_714_752_9),
    (0.433_395_394_129_247_2, 0.269_266_719_309_996_3),
    (0.679_409_568_299_024_4, 0.219_086_362_515_982),
    (0.865_063_366_688_984_5, 0.149_451_349_150_580_6),
    (0.973_906_528_517_171_7, 0.066_671_344_308_688_1),
];
/// Lower-tail probabilities at which each distribution splits the axis (mirrored for the upper tail).
const LEVELS: [f64; 6] = [TAIL, 1e-6, 1e-3, 0.03, 0.2, 0.5];

/// P(each Beta is the largest) for independent Betas: ∫ f_i(x) Π_{j≠i} F_j(x) dx.
///
/// Each distribution's quantiles at `LEVELS` (1e-12 … 1 − 1e-12) split the axis into panels on which
/// every density and cdf is smooth, however different the widths (a new creative next to one with millions
/// of impressions); each panel gets 10-point Gauss-Legendre in ln x, where x^(a−1) densities are smooth.
/// The results are normalised so they sum to 1 (the raw sum is within ~1e-12 of it).
pub fn prob_best(dists: &[Beta]) -> Vec<f64> {
    let k = dists.len();
    if k <= 1 {
        return vec![1.0; k];
    }
    let mut breaks = Vec::with_capacity(k * 2 * LEVELS.len());
    for d in dists {
        for p in LEVELS {
            breaks.extend([d.solve(p, true), d.solve(p, false)]);
        }
    }
    // Each distribution's support, as far as the integral is concerned: its first two breaks.
    let ranges: Vec<(f64, f64)> = breaks.chunks(2 * LEVELS.len()).map(|c| (c[0], c[1])).collect();
    for x in &mut breaks {
        *x = x.clamp(f64::MIN_POSITIVE, 1.0);
    }
    breaks.sort_by(f64::total_cmp);
    breaks.dedup();

    let (mut raw, mut cdf, mut pdf, mut suffix) = (vec![0.0; k], vec![0.0; k], vec![0.0; k], vec![1.0; k + 1]);
    for w in breaks.windows(2) {
        let (t0, t1) = (w[0].ln(), w[1].ln());
        let (mid, half) = ((t0 + t1) / 2.0, (t1 - t0) / 2.0);
        for (node, weight) in GAUSS.iter().flat_map(|&(n, w)| [(-n, w), (n, w)]) {
            let x = (mid + half * node).exp();
            // Below two supports, every product has a zero cdf in it.
            if ranges.iter().filter(|r| x < r.0).count() >= 2 {
                continue;
            }
            for (j, (d, r)) in dists.iter().zip(&ranges).enumerate() {
                (cdf[j], pdf[j]) = match x {
                    x if x < r.0 => (0.0, 0.0),
                    x if x > r.1 => (1.0, 0.0),
                    x => (d.cdf(x), d.pdf(x)),
                };
            }
            for j in (0..k).rev() {
                suffix[j] = suffix[j + 1] * cdf[j];
            }
            let mut prefix = 1.0;
            for i in 0..k {
                raw[i] += weight * half * x * pdf[i] * prefix * suffix[i + 1];
                prefix *= cdf[i];
            }
        }
    }
    let total: f64 = raw.iter().sum();
    if !(total.is_finite() && total > 0.0) {
        return vec![1.0 / k as f64; k];
    }
    raw.iter().map(|p| (p / total).clamp(0.0, 1.0)).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn beta(a: f64, b: f64) -> Beta {
        Beta::new(a, b).unwrap()
    }

    fn assert_close(actual: f64, expected: f64, tol: f64) {
        assert!((actual - expected).abs() <= tol, "{actual} != {expected} (tol {tol:e})");
    }

    /// P(Binomial(n, p) >= k) by summing the pmf, built by ratios from the mode and normalised: no Γ at all,
    /// so it is an independent reference even for n in the millions.
    fn binomial_upper(n: u64, p: f64, k: u64) -> f64 {
        let (mode, odds) = (((n + 1) as f64 * p) as u64, p / (1.0 - p));
        let (mut total, mut upper, mut t) = (0.0, 0.0, 1.0);
        for j in mode..=n {
            if j > mode {
                t *= (n - j + 1) as f64 / j as f64 * odds;
            }
            if t < 1e-30 {
                break;
            }
            total += t;
            upper += if j >= k { t } else { 0.0 };
        }
        t = 1.0;
        for j in (0..mode).rev() {
            t *= (j + 1) as f64 / (n - j) as f64 / odds;
            if t < 1e-30 {
                break;
            }
            total += t;
            upper += if j >= k { t } else { 0.0 };
        }
        upper / total
    }

    #[test]
    fn ln_gamma_matches_factorials_half_and_stirling() {
        let mut ln_fact = 0.0; // ln((n − 1)!)
        for n in 1..=170 {
            assert_close(ln_gamma(n as f64), ln_fact, 1e-13 * ln_fact.max(0.1));
            ln_fact += (n as f64).ln();
        }
        assert_close(ln_gamma(0.5), 0.5 * std::f64::consts::PI.ln(), 1e-15);
        assert_close(ln_gamma(0.01), ln_gamma(1.01) - 0.01_f64.ln(), 1e-13);
        for x in [1e3, 1e6, 1e9_f64] {
            let stirling = (x - 0.5) * x.ln() - x + HALF_LN_2PI + 1.0 / (12.0 * x) - 1.0 / (360.0 * x.powi(3));
            assert_close(ln_gamma(x), stirling, 1e-14 * stirling);
        }
        for x in [9.99, 10.0, 30.0_f64] {
            assert_close(stirling_err(x), ln_gamma(x) - ((x - 0.5) * x.ln() - x + HALF_LN_2PI), 1e-13);
        }
    }

    #[test]
    fn incomplete_beta_closed_forms_and_symmetry() {
        for x in [1e-6, 1e-3, 0.005, 0.3, 0.5, 0.9, 0.999] {
            assert_close(beta(1.0, 1.0).cdf(x), x, 1e-15);
            for s in [0.5, 2.0, 7.3, 300.0, 1e6] {
                let want = x.powf(s);
                assert_close(beta(s, 1.0).cdf(x), want, 1e-13 * want + 1e-300);
                let want = -(s * (-x).ln_1p()).exp_m1();
                assert_close(beta(1.0, s).cdf(x), want, 1e-13 * want);
            }
        }
        // Dyadic x, so that 1 − x is exact.
        for x in [2f64.powi(-20), 2f64.powi(-10), 5.0 / 1024.0, 0.25, 0.5, 0.875] {
            for (a, b) in [(0.5, 99.5), (12.0, 2500.0), (3.0, 2.0), (2.5e4, 5e6)] {
                assert_close(beta(a, b).cdf(x) + beta(b, a).cdf(1.0 - x), 1.0, 1e-14);
            }
        }
    }

    #[test]
    fn incomplete_beta_matches_binomial_tails() {
        // I_p(k, n − k + 1) = P(Binomial(n, p) >= k).
        for (n, p) in [(1_000, 0.005), (20_000, 0.004), (5_000_000, 0.005)] {
            let (mean, sd) = (n as f64 * p, (n as f64 * p * (1.0 - p)).sqrt());
            for z in [-4.0, -1.0, 0.0, 0.5, 1.0, 3.0, 6.0] {
                let k = ((mean + z * sd).round() as u64).max(1);
                let (got, want) = (beta(k as f64, (n - k + 1) as f64).cdf(p), binomial_upper(n, p, k));
                assert_close(got, want, 1e-10);
                assert_close(got, want, 1e-9 * want.min(1.0 - want));
            }
        }
    }

    #[test]
    fn continued_fraction_converges_over_the_whole_range() {
        for a in [0.5, 1.0, 3.0, 50.0, 2.5e4, 1e6, 1e7] {
            for b in [0.5, 100.0, 1e4, 5e6, 1e9] {
                let d = beta(a, b);
                let around_mean = [-40.0, -8.0, -1.0, 0.0, 1.0, 8.0, 40.0].map(|z| d.mean() + z * d.variance().sqrt());
                for x in around_mean.into_iter().chain([1e-4, 1e-3, 0.005, 0.05]).filter(|x| *x > 0.0 && *x < 1.0) {
                    let (lower, upper) = inc_beta(a, b, x).unwrap_or_else(|| panic!("no convergence: {a} {b} {x}"));
                    assert!((0.0..=1.0).contains(&lower), "I_{x}({a}, {b}) = {lower}");
                    assert_close(lower + upper, 1.0, 1e-15);
                }
            }
        }
    }

    #[test]
    fn moments_posterior_and_density() {
        for (a, b) in [(0.0, 1.0), (1.0, -1.0), (f64::NAN, 1.0), (1.0, f64::INFINITY)] {
            assert_eq!(Beta::new(a, b), None);
        }
        let d = beta(2.0, 6.0);
        assert_close(d.mean(), 0.25, 1e-15);
        assert_close(d.variance(), 1.0 / 48.0, 1e-15);
        assert_eq!(d.posterior(3, 100), beta(5.0, 103.0));
        assert_eq!(d.posterior(7, 5), beta(7.0, 6.0), "clicks clamped to impressions");
        for (a, b) in [(2.0, 6.0), (0.5, 99.5), (7.3, 1200.0)] {
            for x in [1e-5, 0.004, 0.3] {
                let ln_b = ln_gamma(a) + ln_gamma(b) - ln_gamma(a + b);
                assert_close(beta(a, b).ln_pdf(x), (a - 1.0) * x.ln() + (b - 1.0) * (-x).ln_1p() - ln_b, 1e-11);
            }
        }
        assert_close(beta(1.0, 5.0).pdf(0.0), 5.0, 1e-12);
        assert_eq!(beta(0.5, 3.0).pdf(0.0), f64::INFINITY);
        assert_eq!(
            [beta(2.0, 3.0).pdf(0.0), d.pdf(-0.1), d.pdf(1.2), d.cdf(-1.0), d.cdf(2.0)],
            [0.0, 0.0, 0.0, 0.0, 1.0]
        );
    }

    #[test]
    fn quantile_inverts_cdf_and_intervals_hold_their_mass() {
        for d in
            [beta(0.5, 99.5), beta(5.0, 995.0), beta(40.0, 9000.0), beta(3.0, 2.0), beta(2.5e4, 5e6), beta(1e7, 1e9)]
        {
            let (m, sd) = (d.mean(), d.variance().sqrt());
            for x in [-3.0, -1.0, 0.0, 0.5, 2.0, 3.0].map(|z| m + z * sd).into_iter().filter(|x| *x > 0.0 && *x < 1.0) {
                assert_close(d.quantile(d.cdf(x)), x, 1e-9 * x);
            }
            for p in [1e-12, 1e-6, 0.01, 0.3, 0.5] {
                assert_close(d.cdf(d.quantile(p)), p, 1e-9 * p);
                // Near x = 1 a few ulps of x already move the upper tail (Beta(3, 2) at 1e-12).
                let q = d.quantile(1.0 - p);
                assert_close(d.sf(q), 1.0 - (1.0 - p), 1e-9 * p + 4.0 * f64::EPSILON * d.pdf(q));
            }
            let (lo, hi) = d.interval(0.9);
            assert!(lo < m && m < hi, "{lo} < {m} < {hi}");
            assert_close(d.cdf(lo), 0.05, 1e-9);
            assert_close(d.cdf(hi) - d.cdf(lo), 0.9, 1e-9);
        }
    }

    #[test]
    fn large_parameters_stay_finite_and_accurate() {
        let d = beta(25_000.0, 5_000_000.0);
        let (m, sd) = (d.mean(), d.variance().sqrt());
        assert_close(d.cdf(m), 0.5, 0.01);
        for z in [-3.0, -2.0, -1.0, 0.0, 1.0, 2.0, 3.0] {
            assert_close(d.cdf(m + z * sd), normal_cdf(z), 1e-3);
        }
        // The density is normalised: at the mean it is ≈ φ(0) / sd.
        assert_close(d.pdf(m) * sd, 1.0 / (2.0 * std::f64::consts::PI).sqrt(), 1e-3);
    }

    #[test]
    fn fit_prior_recovers_a_simulated_prior() {
        // With 1,000 impressions the binomial noise in a CTR is as large as the real spread: without
        // subtracting it the fitted strength would come out near 500.
        let truth = beta(5.0, 995.0);
        for (creatives, impressions, factor) in [(200, 50_000, 2.5), (1_000, 1_000, 1.3)] {
            let mut rng = fastrand::Rng::with_seed(42);
            let observations: Vec<(u64, u64)> = (0..creatives)
                .map(|_| {
                    let ctr = truth.quantile(rng.f64());
                    ((0..impressions).filter(|_| rng.f64() < ctr).count() as u64, impressions)
                })
                .collect();
            let prior = fit_prior(&observations);
            assert_close(prior.mean(), 0.005, 0.0005);
            let strength = prior.alpha + prior.beta;
            assert!((1000.0 / factor..1000.0 * factor).contains(&strength), "{impressions}: strength {strength}");
        }
    }

    #[test]
    fn fit_prior_falls_back_when_the_spread_cannot_be_measured() {
        let check = |p: Beta, mean: f64| {
            assert_close(p.alpha + p.beta, FALLBACK_STRENGTH, 1e-9);
            assert_close(p.mean(), mean, 1e-12);
        };
        check(fit_prior(&[]), DEFAULT_CTR);
        check(fit_prior(&[(0, 0), (3, 0)]), DEFAULT_CTR);
        // Identical CTRs on a million impressions each: no spread beyond the binomial noise.
        check(fit_prior(&[(8_000, 1_000_000); 10]), (80_000.0 + 0.5) / (1e7 + 100.0));
        check(fit_prior(&[(10, 1_000), (50, 1_000)]), 60.5 / 2_100.0);
        check(fit_prior(&[(0, 10_000); 5]), 0.5 / 50_100.0);
        check(fit_prior(&[(900, 100), (0, 100)]), 100.5 / 300.0);
    }

    #[test]
    fn fit_prior_clamps_the_strength() {
        let wild = [(1_000, 1_000_000), (10_000, 1_000_000), (100_000, 1_000_000), (300_000, 1_000_000)];
        let p = fit_prior(&wild);
        assert_close(p.alpha + p.beta, MIN_STRENGTH, 1e-9);
        assert_close(p.mean(), 411_000.0 / 4e6, 1e-12);
        let barely = [(4_900, 1_000_000), (5_100, 1_000_000), (4_900, 1_000_000), (5_100, 1_000_000)];
        let p = fit_prior(&barely);
        assert_close(p.alpha + p.beta, MAX_STRENGTH, 1e-9);
        assert_close(p.mean(), 0.005, 1e-12);
    }

    #[test]
    fn prob_best_symmetry_dominance_and_normalisation() {
        assert!(prob_best(&[]).is_empty());
        assert_eq!(prob_best(&[beta(3.0, 500.0)]), vec![1.0]);
        assert_eq!(prob_best(&[beta(12.0, 2000.0); 2]), vec![0.5; 2]);
        for p in prob_best(&[beta(12.0, 2000.0); 3]) {
            assert_close(p, 1.0 / 3.0, 1e-6);
        }
        assert!(prob_best(&[beta(100.0, 10_000.0), beta(50.0, 10_000.0)])[0] > 0.999);
        let mixed = [beta(0.5, 99.5), beta(5.0, 995.0), beta(60.0, 9000.0), beta(2.5e4, 5e6), beta(1e7, 1e9)];
        let p = prob_best(&mixed);
        assert!(p.iter().all(|p| (0.0..=1.0).contains(p)), "{p:?}");
        assert_close(p.iter().sum(), 1.0, 1e-6);
    }

    #[test]
    fn prob_best_matches_a_closed_form() {
        // For X ~ Beta(1, n): P(X > Y) = E[(1 − Y)^n] = Π_{k<n} (β_Y + k) / (α_Y + β_Y + k).
        // Y ~ Beta(1e7, 1e9) is a step inside X's range: the panels must follow it.
        let cases = [(200, beta(3.5, 700.0)), (150, beta(0.5, 99.5)), (100, beta(2.5e4, 5e6)), (100, beta(1e7, 1e9))];
        for (n, y) in cases {
            let exact: f64 = (0..n).map(|k| (y.beta + k as f64) / (y.alpha + y.beta + k as f64)).product();
            assert_close(prob_best(&[beta(1.0, n as f64), y])[0], exact, 1e-9);
        }
    }

    #[test]
    fn prob_best_agrees_with_monte_carlo() {
        let dists = [beta(12.0, 2000.0), beta(15.0, 2100.0), beta(9.0, 1500.0)];
        let (mut rng, mut wins, draws) = (fastrand::Rng::with_seed(7), [0u32; 3], 200_000);
        for _ in 0..draws {
            let x = dists.map(|d| d.quantile(rng.f64()));
            wins[(0..3).max_by(|&i, &j| x[i].total_cmp(&x[j])).unwrap()] += 1;
        }
        for (p, w) in prob_best(&dists).into_iter().zip(wins) {
            assert_close(p, w as f64 / draws as f64, 0.01);
        }
    }
}
