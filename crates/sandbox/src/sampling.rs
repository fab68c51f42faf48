//! Random draws and distribution functions for the simulated ad market.
//!
//! The market is a stochastic model (auctions against lognormal competing prices, binomial clicks and
//! conversions on top of impressions), and the sandbox must replay it exactly from a seed. So every
//! draw comes from an RNG derived from *what* it is for ([`rng_for`]), never from a shared stream whose
//! state depends on how many draws happened before; and the samplers here are exact or close to it,
//! because the policy test bench compares strategies on differences of a few percent.

use std::f64::consts::{FRAC_1_SQRT_2, TAU};

/// The splitmix64 increment (the golden ratio in 64-bit fixed point).
const GAMMA: u64 = 0x9E37_79B9_7F4A_7C15;

/// The splitmix64 output function: a bijection on `u64` with full avalanche, so nearby inputs
/// (entity 41 and 42, hour 9 and 10) give unrelated outputs.
fn mix64(mut z: u64) -> u64 {
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// A reproducible RNG for one purpose, derived from `seed` and a list of keys (entity id, day number,
/// hour, a stream tag, ...) with a splitmix64-style mix.
///
/// A draw therefore depends only on its own keys, not on the order in which other draws happened:
/// adding a campaign or changing how many clicks were drawn for another one does not shift this one.
/// Keys are chained, so their order and their number matter (`[1, 2]`, `[2, 1]` and `[1, 2, 0]` all
/// give different streams).
pub fn rng_for(seed: u64, keys: &[u64]) -> fastrand::Rng {
    let mut h = mix64(seed.wrapping_add(GAMMA));
    for &k in keys {
        // Mixing the key on its own first keeps a key from cancelling the running state (h ^ k).
        h = mix64(h.wrapping_add(GAMMA) ^ mix64(k.wrapping_add(GAMMA)));
    }
    fastrand::Rng::with_seed(h)
}

pub use linkedin_core::decisions::normal::{calerf, erfcx, ln_normal_cdf, normal_cdf};

/// One standard normal draw, by Box–Muller.
///
/// Box–Muller rather than Marsaglia's polar method because it always consumes exactly two uniforms:
/// with no rejection loop, the number of draws taken from an RNG stays predictable. The second
/// variate of the pair is discarded, since a stateless function has nowhere to keep it.
pub fn normal(rng: &mut fastrand::Rng) -> f64 {
    // 1 - U is in (0, 1], so the logarithm is finite.
    let u1 = 1.0 - rng.f64();
    let u2 = rng.f64();
    (-2.0 * u1.ln()).sqrt() * (TAU * u2).cos()
}

/// One Binomial(n, p) draw.
///
/// Exact in distribution everywhere: inversion (sequential search over the pmf) when
/// n·min(p, 1−p) < 30, and otherwise Kachitvichyanukul and Schmeiser's BTPE rejection sampler, which
/// takes a bounded expected number of uniforms whatever n is (so n = 10^7 costs the same as n = 100).
/// `p` is clamped to [0, 1]; NaN is treated as 0.
pub fn binomial(rng: &mut fastrand::Rng, n: u64, p: f64) -> u64 {
    if n == 0 || p.is_nan() || p <= 0.0 {
        return 0;
    }
    if p >= 1.0 {
        return n;
    }
    // Both samplers want the smaller of p and 1 - p; draw the count of the rarer outcome and flip.
    let (r, flipped) = if p > 0.5 { (1.0 - p, true) } else { (p, false) };
    let y = if n as f64 * r < 30.0 { binomial_inversion(rng, n, r) } else { binomial_btpe(rng, n, r) };
    if flipped { n - y } else { y }
}

/// Inversion for small n·p (p ≤ ½): walks the pmf from 0 until the uniform is used up. The expected
/// number of steps is about n·p + 1. As in numpy, a walk past 10 standard deviations (only possible
/// through rounding, the mass there is below 1e-20) restarts with a fresh uniform.
fn binomial_inversion(rng: &mut fastrand::Rng, n: u64, p: f64) -> u64 {
    let q = 1.0 - p;
    let nf = n as f64;
    // ln_1p keeps q^n accurate for tiny p and huge n.
    let qn = (nf * (-p).ln_1p()).exp();
    let np = nf * p;
    let bound = nf.min(np + 10.0 * (np * q + 1.0).sqrt());
    let mut x = 0u64;
    let mut px = qn;
    let mut u = rng.f64();
    while u > px {
        x += 1;
        if x as f64 > bound {
            x = 0;
            px = qn;
            u = rng.f64();
        } else {
            u -= px;
            px *= (nf - x as f64 + 1.0) * p / (x as f64 * q);
        }
    }
    x
}

/// BTPE (Kachitvichyanukul & Schmeiser, 1988, "Binomial random variate generation"), for n·p ≥ 30 and
/// p ≤ ½: a triangle/parallelogram/exponential hat with squeezes, accepting against the exact pmf
/// ratio (explicitly near the mode, by Stirling's series further out). Follows numpy's
/// `random_binomial_btpe`, with the Stirling correction as in the paper (13860, and the y-side terms
/// subtracted), which numpy keeps wrong only for backward compatibility.
fn binomial_btpe(rng: &mut fastrand::Rng, n: u64, p: f64) -> u64 {
    let nf = n as f64;
    let r = p;
    let q = 1.0 - r;
    let fm = nf * r + r;
    let m = fm.floor();
    let mi = m as i64;
    let p1 = (2.195 * (nf * r * q).sqrt() - 4.6 * q).floor() + 0.5;
    let xm = m + 0.5;
    let xl = xm - p1;
    let xr = xm + p1;
    let c = 0.134 + 20.5 / (15.3 + m);
    let a = (fm - xl) / (fm - xl * r);
    let laml = a * (1.0 + a / 2.0);
    let a = (xr - fm) / (xr * q);
    let lamr = a * (1.0 + a / 2.0);
    let p2 = p1 * (1.0 + 2.0 * c);
    let p3 = p2 + c / laml;
    let p4 = p3 + c / lamr;
    let nrq = nf * r * q;
    let ni = n as i64;

    loop {
        let u = rng.f64() * p4;
        let mut v = rng.f64();
        let y: i64;
        if u <= p1 {
            // Triangular centre: accepted outright.
            y = (xm - p1 * v + u).floor() as i64;
            return y as u64;
        } else if u <= p2 {
            // Parallelograms.
            let x = xl + (u - p1) / c;
            v = v * c + 1.0 - (m - x + 0.5).abs() / p1;
            if v > 1.0 {
                continue;
            }
            y = x.floor() as i64;
        } else if u <= p3 {
            // Left exponential tail. `as i64` saturates, so v == 0 (ln = -inf) lands below 0.
            y = (xl + v.ln() / laml).floor() as i64;
            if y < 0 || v == 0.0 {
                continue;
            }
            v *= (u - p2) * laml;
        } else {
            // Right exponential tail.
            y = (xr - v.ln() / lamr).floor() as i64;
            if y > ni || v == 0.0 {
                continue;
            }
            v *= (u - p3) * lamr;
        }

        let k = (y - mi).abs();
        if k <= 20 || k as f64 >= nrq / 2.0 - 1.0 {
            // Near the mode (or far out with a small variance): the pmf ratio f(y)/f(m) by recurrence.
            let s = r / q;
            let aa = s * (nf + 1.0);
            let mut f = 1.0;
            if mi < y {
                for i in (mi + 1)..=y {
                    f *= aa / i as f64 - s;
                }
            } else if mi > y {
                for i in (y + 1)..=mi {
                    f /= aa / i as f64 - s;
                }
            }
            if v > f {
                continue;
            }
            return y as u64;
        }

        // Squeeze on ln v using the normal approximation to ln f(y)/f(m), then the exact test.
        let kf = k as f64;
        let rho = (kf / nrq) * ((kf * (kf / 3.0 + 0.625) + 0.166_666_666_666_666_66) / nrq + 0.5);
        let t = -kf * kf / (2.0 * nrq);
        let big_a = v.ln();
        if big_a < t - rho {
            return y as u64;
        }
        if big_a > t + rho {
            continue;
        }
        let yf = y as f64;
        let x1 = yf + 1.0;
        let f1 = m + 1.0;
        let z = nf + 1.0 - m;
        let w = nf - yf + 1.0;
        // Stirling's series correction 1/(12x) - 1/(360x³) + 1/(1260x⁵) - ... for ln x!.
        let stirling = |v: f64| {
            let v2 = v * v;
            (13860.0 - (462.0 - (132.0 - (99.0 - 140.0 / v2) / v2) / v2) / v2) / v / 166_320.0
        };
        let bound = xm * (f1 / x1).ln()
            + (nf - m + 0.5) * (z / w).ln()
            + (yf - m) * (w * r / (x1 * q)).ln()
            + stirling(f1)
            + stirling(z)
            - stirling(x1)
            - stirling(w);
        if big_a > bound {
            continue;
        }
        return y as u64;
    }
}

/// Splits `n` into `weights.len()` parts with probabilities proportional to `weights`, by sequential
/// conditional binomials (part i ~ Binomial(what is left, w_i / the weight left)), so the joint
/// distribution is exactly multinomial.
///
/// Zero, negative and non-finite weights get nothing. The parts always sum to `n` exactly (the last
/// part with a positive weight takes whatever is left), except when no weight is positive: then
/// there is nowhere to put anything and all parts are 0, so callers that must conserve a total
/// have to handle that case themselves.
pub fn multinomial(rng: &mut fastrand::Rng, n: u64, weights: &[f64]) -> Vec<u64> {
    let w: Vec<f64> = weights.iter().map(|&w| if w.is_finite() && w > 0.0 { w } else { 0.0 }).collect();
    let mut parts = vec![0u64; w.len()];
    let Some(last) = w.iter().rposition(|&w| w > 0.0) else {
        return parts;
    };
    // Suffix sums rather than a running "total minus what was used", which drifts by rounding.
    let mut suffix = vec![0.0; w.len() + 1];
    for i in (0..w.len()).rev() {
        suffix[i] = suffix[i + 1] + w[i];
    }
    let mut left = n;
    for i in 0..last {
        if left == 0 {
            break;
        }
        if w[i] > 0.0 {
            let x = binomial(rng, left, (w[i] / suffix[i]).min(1.0));
            parts[i] = x;
            left -= x;
        }
    }
    parts[last] = left;
    parts
}

/// Second-price auction helpers when the competing price P is LogNormal(μ = ln `median`, `sigma`).
///
/// `median` should be positive and `sigma` positive and finite. Degenerate values are read as limits
/// rather than producing NaN: `median` ≤ 0 (or NaN) means no competition (every positive bid wins and
/// pays 0), and `sigma` ≤ 0 (or not finite) means the price is always exactly `median`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct LogNormalPrices {
    /// The median competing price, e^μ.
    pub median: f64,
    /// The standard deviation of ln P.
    pub sigma: f64,
}

impl LogNormalPrices {
    fn no_competition(&self) -> bool {
        self.median.is_nan() || self.median <= 0.0
    }

    fn point_mass(&self) -> bool {
        !(self.sigma > 0.0 && self.sigma.is_finite())
    }

    /// The win probability F(bid) = P(P < bid) = Φ((ln bid − μ)/σ). A bid ≤ 0 (or NaN) never wins.
    pub fn win_rate(&self, bid: f64) -> f64 {
        if bid.is_nan() || bid <= 0.0 {
            return 0.0;
        }
        if self.no_competition() {
            return 1.0;
        }
        if self.point_mass() {
            return if bid > self.median { 1.0 } else { 0.0 };
        }
        normal_cdf((bid.ln() - self.median.ln()) / self.sigma)
    }

    /// The expected price paid given a win, E[P | P < bid]
    /// = median·exp(σ²/2)·Φ((ln bid − μ − σ²)/σ) / Φ((ln bid − μ)/σ); always in [0, bid].
    ///
    /// A bid ≤ 0 (or NaN) returns 0. Where the win probability is (numerically) 0 the conditional
    /// expectation is a limit, and that limit is returned: it tends to the bid itself, never NaN.
    pub fn expected_price_below(&self, bid: f64) -> f64 {
        if bid.is_nan() || bid <= 0.0 || self.no_competition() {
            return 0.0;
        }
        if self.point_mass() {
            return bid.min(self.median);
        }
        let mu = self.median.ln();
        let sigma = self.sigma;
        let z = (bid.ln() - mu) / sigma;
        let a = z - sigma;
        let price = if z < 0.0 {
            // With Φ(x) = ½·erfcx(-x/√2)·exp(-x²/2), the exponentials and median·exp(σ²/2) collapse
            // to exactly `bid`, leaving a ratio of erfcx values in (0, 1]: stable however deep in the
            // lower tail the bid is, where both Φ would underflow.
            bid * (erfcx(-a * FRAC_1_SQRT_2) / erfcx(-z * FRAC_1_SQRT_2))
        } else {
            // Φ(z) ≥ ½ here; logs keep exp(σ²/2) from overflowing against a tiny Φ(a) for large σ.
            (mu + 0.5 * sigma * sigma + ln_normal_cdf(a) - ln_normal_cdf(z)).exp()
        };
        if price.is_nan() { bid } else { price.clamp(0.0, bid) }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn mean_var(samples: &[f64]) -> (f64, f64) {
        let n = samples.len() as f64;
        let mean = samples.iter().sum::<f64>() / n;
        let var = samples.iter().map(|x| (x - mean) * (x - mean)).sum::<f64>() / (n - 1.0);
        (mean, var)
    }

    #[test]
    fn normal_cdf_matches_reference_values() {
        // References from mpmath at 30 digits.
        let cases = [
            (0.0, 0.5),
            (1.96, 0.975_002_104_851_779_5),
            (-3.0, 0.001_349_898_031_630_094_5),
            (1.0, 0.841_344_746_068_542_9),
            (-1.0, 0.158_655_253_931_457_05),
            (0.3, 0.617_911_422_188_952_7),
            (2.5, 0.993_790_334_674_224),
            (-5.0, 2.866_515_718_791_939e-7),
            (5.0, 0.999_999_713_348_428_1),
        ];
        for (x, want) in cases {
            let got = normal_cdf(x);
            assert!((got - want).abs() < 1e-12, "Φ({x}) = {got}, want {want}");
        }
    }

    #[test]
    fn normal_cdf_is_accurate_in_the_tails() {
        // Relative accuracy where absolute accuracy says nothing (mpmath references).
        let cases = [
            (-10.0, 7.619_853_024_160_526e-24),
            (-20.0, 2.753_624_118_606_233_7e-89),
            (-37.0, 5.725_571_222_524_577e-300),
        ];
        for (x, want) in cases {
            let got = normal_cdf(x);
            assert!(((got - want) / want).abs() < 1e-12, "Φ({x}) = {got:e}, want {want:e}");
        }
        assert_eq!(normal_cdf(40.0), 1.0);
        assert_eq!(normal_cdf(-40.0), 0.0);
        assert_eq!(normal_cdf(f64::INFINITY), 1.0);
        assert_eq!(normal_cdf(f64::NEG_INFINITY), 0.0);
        assert!(normal_cdf(f64::NAN).is_nan());
    }

    #[test]
    fn normal_cdf_is_symmetric_and_monotone_across_the_branch_points() {
        let mut prev = 0.0;
        for i in -1200..=1200 {
            let x = i as f64 / 100.0;
            let p = normal_cdf(x);
            assert!(p >= prev, "Φ not monotone at {x}");
            assert!((p + normal_cdf(-x) - 1.0).abs() < 1e-15, "Φ({x}) + Φ(-{x}) != 1");
            prev = p;
        }
    }

    #[test]
    fn erfcx_agrees_with_erfc_where_both_are_representable() {
        for i in 0..200 {
            let x = -3.0 + i as f64 * 0.1;
            let want = (x * x).exp() * calerf(x, false);
            assert!(((erfcx(x) - want) / want).abs() < 1e-13, "erfcx({x})");
        }
        // ln Φ where Φ underflows: Φ(-50) ≈ 2.1e-545 (mpmath: ln = -1254.83136113941990).
        assert!((ln_normal_cdf(-50.0) - (-1_254.831_361_139_42)).abs() < 1e-9, "{}", ln_normal_cdf(-50.0));
        assert!((ln_normal_cdf(-3.0) - normal_cdf(-3.0).ln()).abs() < 1e-13);
        assert!((ln_normal_cdf(2.0) - normal_cdf(2.0).ln()).abs() < 1e-15);
    }

    #[test]
    fn normal_draws_have_unit_moments() {
        let mut rng = fastrand::Rng::with_seed(7);
        let xs: Vec<f64> = (0..200_000).map(|_| normal(&mut rng)).collect();
        let (mean, var) = mean_var(&xs);
        assert!(mean.abs() < 0.01, "mean {mean}");
        assert!((var - 1.0).abs() < 0.015, "var {var}");
        let below = xs.iter().filter(|&&x| x < -1.0).count() as f64 / xs.len() as f64;
        assert!((below - normal_cdf(-1.0)).abs() < 0.003, "P(X < -1) = {below}");
    }

    #[test]
    fn rng_for_depends_on_the_keys_only() {
        let draw = |seed, keys: &[u64]| rng_for(seed, keys).u64(..);
        assert_eq!(draw(1, &[42, 7, 3]), draw(1, &[42, 7, 3]));
        assert_ne!(draw(1, &[42, 7, 3]), draw(2, &[42, 7, 3]));
        assert_ne!(draw(1, &[42, 7, 3]), draw(1, &[42, 7, 4]));
        assert_ne!(draw(1, &[42, 7, 3]), draw(1, &[43, 7, 3]));
        assert_ne!(draw(1, &[1, 2]), draw(1, &[2, 1]));
        assert_ne!(draw(1, &[1]), draw(1, &[1, 0]));
        assert_ne!(draw(1, &[]), draw(1, &[0]));
        // Neighbouring keys give unrelated streams: no pair among many collides.
        let mut seen: Vec<u64> = (0..1000).map(|k| draw(9, &[k])).collect();
        seen.sort_unstable();
        seen.dedup();
        assert_eq!(seen.len(), 1000);
    }

    #[test]
    fn binomial_mean_and_variance_match_in_each_regime() {
        // (n, p, samples): inversion, inversion with tiny p, BTPE with large n, BTPE flipped, edges.
        let cases: [(u64, f64, usize); 8] = [
            (10, 0.5, 100_000),
            (1000, 0.005, 100_000),
            (200_000, 0.0045, 100_000),
            (100, 0.4, 100_000),
            (10_000, 0.93, 100_000),
            (10_000_000, 0.3, 20_000),
            (5, 0.0, 1000),
            (5, 1.0, 1000),
        ];
        let mut rng = fastrand::Rng::with_seed(0xB1);
        for (n, p, samples) in cases {
            let xs: Vec<f64> = (0..samples)
                .map(|_| {
                    let x = binomial(&mut rng, n, p);
                    assert!(x <= n);
                    x as f64
                })
                .collect();
            let (mean, var) = mean_var(&xs);
            let want_mean = n as f64 * p;
            let want_var = want_mean * (1.0 - p);
            if want_var == 0.0 {
                assert_eq!((mean, var), (want_mean, 0.0), "n={n} p={p}");
                continue;
            }
            // Five standard errors of the mean; the variance's sampling error is about √(2/samples).
            let se = (want_var / samples as f64).sqrt();
            assert!((mean - want_mean).abs() < 5.0 * se, "n={n} p={p}: mean {mean}, want {want_mean}");
            let rel = 5.0 * (2.0 / samples as f64).sqrt();
            assert!((var / want_var - 1.0).abs() < rel, "n={n} p={p}: var {var}, want {want_var}");
        }
    }

    #[test]
    fn btpe_matches_the_exact_pmf() {
        // n·p = 40 goes through BTPE; compare the histogram with the exact pmf by a chi-square test.
        let (n, p, samples) = (100u64, 0.4, 400_000usize);
        let mut counts = vec![0usize; n as usize + 1];
        let mut rng = fastrand::Rng::with_seed(11);
        for _ in 0..samples {
            counts[binomial(&mut rng, n, p) as usize] += 1;
        }
        // pmf by the recurrence f(k+1) = f(k)·(n-k)/(k+1)·p/q from f(0) = q^n.
        let mut pmf = vec![(1.0f64 - p).powi(n as i32)];
        for k in 0..n {
            let next = pmf[k as usize] * (n - k) as f64 / (k + 1) as f64 * p / (1.0 - p);
            pmf.push(next);
        }
        let (mut chi2, mut cells) = (0.0, 0usize);
        for (k, &prob) in pmf.iter().enumerate() {
            let expected = prob * samples as f64;
            if expected >= 20.0 {
                chi2 += (counts[k] as f64 - expected).powi(2) / expected;
                cells += 1;
            }
        }
        // ~30 degrees of freedom: the 99.99th percentile is about 70.
        assert!(cells > 20, "{cells} cells");
        assert!(chi2 < 2.0 * cells as f64 + 15.0, "chi2 {chi2} over {cells} cells");
    }

    #[test]
    fn binomial_clamps_bad_probabilities_and_is_deterministic() {
        let mut rng = fastrand::Rng::with_seed(3);
        assert_eq!(binomial(&mut rng, 100, f64::NAN), 0);
        assert_eq!(binomial(&mut rng, 100, -0.5), 0);
        assert_eq!(binomial(&mut rng, 100, 1.5), 100);
        assert_eq!(binomial(&mut rng, 0, 0.5), 0);
        let run = |seed| {
            let mut rng = fastrand::Rng::with_seed(seed);
            [(10, 0.5), (1000, 0.005), (200_000, 0.0045), (10_000_000, 0.2)].map(|(n, p)| binomial(&mut rng, n, p))
        };
        assert_eq!(run(99), run(99));
        assert_ne!(run(99), run(100));
    }

    #[test]
    fn binomial_is_fast_for_large_n() {
        let mut rng = fastrand::Rng::with_seed(5);
        let start = std::time::Instant::now();
        let total: u64 = (0..100_000).map(|_| binomial(&mut rng, 10_000_000, 0.0123)).sum();
        assert!(total > 0);
        // Constant time per draw: generous enough for an unoptimised build on a slow machine.
        assert!(start.elapsed().as_secs_f64() < 5.0, "{:?}", start.elapsed());
    }

    #[test]
    fn multinomial_sums_to_n_with_the_right_proportions() {
        let mut rng = fastrand::Rng::with_seed(21);
        let weights = [3.0, 0.0, 1.0, -2.0, 6.0, f64::NAN];
        let (n, rounds) = (10_000u64, 200);
        let mut totals = [0u64; 6];
        for _ in 0..rounds {
            let parts = multinomial(&mut rng, n, &weights);
            assert_eq!(parts.len(), weights.len());
            assert_eq!(parts.iter().sum::<u64>(), n);
            assert_eq!((parts[1], parts[3], parts[5]), (0, 0, 0));
            for (t, p) in totals.iter_mut().zip(&parts) {
                *t += p;
            }
        }
        let all = (n * rounds) as f64;
        for (i, want) in [(0, 0.3), (2, 0.1), (4, 0.6)] {
            let got = totals[i] as f64 / all;
            assert!((got - want).abs() < 0.005, "part {i}: {got}, want {want}");
        }
        // Huge n goes through BTPE and still conserves the total.
        let parts = multinomial(&mut rng, 123_456_789, &[1.0, 2.0, 3.0]);
        assert_eq!(parts.iter().sum::<u64>(), 123_456_789);
    }

    #[test]
    fn multinomial_edge_cases() {
        let mut rng = fastrand::Rng::with_seed(1);
        assert_eq!(multinomial(&mut rng, 10, &[]), Vec::<u64>::new());
        assert_eq!(multinomial(&mut rng, 10, &[0.0, -1.0]), vec![0, 0]);
        assert_eq!(multinomial(&mut rng, 10, &[0.0, 2.0, 0.0]), vec![0, 10, 0]);
        assert_eq!(multinomial(&mut rng, 0, &[1.0, 1.0]), vec![0, 0]);
    }

    #[test]
    fn win_rate_is_monotone_and_half_at_the_median() {
        let prices = LogNormalPrices { median: 8.0, sigma: 0.6 };
        assert!((prices.win_rate(8.0) - 0.5).abs() < 1e-15);
        assert_eq!(prices.win_rate(0.0), 0.0);
        assert_eq!(prices.win_rate(-1.0), 0.0);
        assert_eq!(prices.win_rate(f64::NAN), 0.0);
        let mut prev = 0.0;
        for i in 1..=400 {
            let w = prices.win_rate(i as f64 * 0.1);
            assert!((0.0..=1.0).contains(&w) && w >= prev, "win_rate({}) = {w}", i as f64 * 0.1);
            prev = w;
        }
        assert!(prev > 0.99);
    }

    #[test]
    fn expected_price_is_below_the_bid_and_increasing() {
        for (median, sigma) in [(8.0, 0.6), (0.5, 0.1), (30.0, 1.5), (5.0, 4.0), (1.0, 40.0)] {
            let prices = LogNormalPrices { median, sigma };
            let mut prev = 0.0;
            for i in -600..=600 {
                let bid = median * (i as f64 / 100.0).exp2().powi(4);
                let price = prices.expected_price_below(bid);
                assert!(price.is_finite() && price > 0.0, "median {median} σ {sigma} bid {bid}: {price}");
                assert!(price <= bid, "median {median} σ {sigma} bid {bid}: price {price}");
                assert!(price >= prev, "median {median} σ {sigma} bid {bid}: {price} < {prev}");
                prev = price;
            }
            // A bid far above the market pays the unconditional mean (when that is finite).
            let mean = median * (sigma * sigma / 2.0).exp();
            if mean.is_finite() && sigma < 2.0 {
                let top = prices.expected_price_below(median * 1e12);
                assert!((top / mean - 1.0).abs() < 1e-9, "{top} vs {mean}");
            }
        }
        let prices = LogNormalPrices { median: 8.0, sigma: 0.6 };
        assert_eq!(prices.expected_price_below(0.0), 0.0);
        assert_eq!(prices.expected_price_below(-3.0), 0.0);
        assert_eq!(prices.expected_price_below(f64::NAN), 0.0);
        // Deep in the lower tail (Φ underflows): the limit is the bid itself.
        let tiny = prices.expected_price_below(1e-30);
        assert!(tiny <= 1e-30 && tiny > 0.99e-30, "{tiny}");
    }

    #[test]
    fn degenerate_markets_are_limits_not_nan() {
        let none = LogNormalPrices { median: 0.0, sigma: 0.5 };
        assert_eq!((none.win_rate(1.0), none.expected_price_below(1.0)), (1.0, 0.0));
        let fixed = LogNormalPrices { median: 4.0, sigma: 0.0 };
        assert_eq!((fixed.win_rate(5.0), fixed.expected_price_below(5.0)), (1.0, 4.0));
        assert_eq!((fixed.win_rate(3.0), fixed.expected_price_below(3.0)), (0.0, 3.0));
    }

    #[test]
    fn expected_price_matches_monte_carlo() {
        let prices = LogNormalPrices { median: 8.0, sigma: 0.6 };
        let mut rng = fastrand::Rng::with_seed(2024);
        let draws: Vec<f64> = (0..400_000).map(|_| prices.median * (prices.sigma * normal(&mut rng)).exp()).collect();
        for bid in [3.0, 5.0, 8.0, 12.0, 20.0, 60.0] {
            let won: Vec<f64> = draws.iter().copied().filter(|&p| p < bid).collect();
            let rate = won.len() as f64 / draws.len() as f64;
            let mean = won.iter().sum::<f64>() / won.len() as f64;
            let want = prices.expected_price_below(bid);
            assert!((mean / want - 1.0).abs() < 0.02, "bid {bid}: sampled {mean}, formula {want}");
            assert!((rate - prices.win_rate(bid)).abs() < 0.005, "bid {bid}: win rate {rate}");
        }
    }
}
