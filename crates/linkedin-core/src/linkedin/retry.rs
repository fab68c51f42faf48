//! When and how long to wait before retrying a LinkedIn call.
//!
//! Exponential backoff with full jitter (a uniform wait in `[0, min(cap, base * 2^n)]`, the AWS
//! Architecture Blog's recommendation: it spreads concurrent clients best). A `Retry-After` header wins
//! when present. The data-volume 429 (45M metric values per 5 minutes) gets a fixed wait longer than
//! the window, as Airbyte settled on. Every call's total wait is bounded.

use std::time::Duration;

#[derive(Debug, Clone, PartialEq)]
pub struct RetryPolicy {
    /// Retries after the first attempt.
    pub max_retries: u32,
    /// First backoff ceiling; doubles each retry.
    pub base_delay: Duration,
    /// Largest single backoff.
    pub max_delay: Duration,
    /// Largest total wait across the retries of one call.
    pub max_total_wait: Duration,
    /// Wait after a data-volume 429: just over LinkedIn's five-minute window.
    pub data_volume_wait: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        Self {
            max_retries: 5,
            base_delay: Duration::from_secs(1),
            max_delay: Duration::from_secs(60),
            max_total_wait: Duration::from_secs(600),
            data_volume_wait: Duration::from_secs(330),
        }
    }
}

/// Why a call is being retried.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RetryCause {
    Throttled,
    DataVolume,
    ServerError,
    Network,
}

impl RetryPolicy {
    /// A fast policy for tests: millisecond waits.
    pub fn for_tests() -> Self {
        Self {
            max_retries: 4,
            base_delay: Duration::from_millis(1),
            max_delay: Duration::from_millis(5),
            max_total_wait: Duration::from_secs(5),
            data_volume_wait: Duration::from_millis(5),
        }
    }

    /// The wait before retry number `retry` (0-based), or `None` when the budget is spent.
    pub fn delay(
        &self,
        retry: u32,
        cause: RetryCause,
        retry_after: Option<Duration>,
        waited: Duration,
        rng: &mut fastrand::Rng,
    ) -> Option<Duration> {
        if retry >= self.max_retries {
            return None;
        }
        let wait = match (retry_after, cause) {
            (Some(ra), _) => ra,
            (None, RetryCause::DataVolume) => self.data_volume_wait,
            (None, _) => {
                let ceiling = self.base_delay.saturating_mul(1u32 << retry.min(20)).min(self.max_delay);
                Duration::from_nanos(rng.u64(0..=u64::try_from(ceiling.as_nanos()).unwrap_or(u64::MAX)))
            }
        };
        (waited.saturating_add(wait) <= self.max_total_wait).then_some(wait)
    }
}

/// The longest `Retry-After` taken at its word: a day. Any larger value (`1e20`, a 20-digit number)
/// counts as this, which is more than any retry budget (`LINKEDIN_MAX_RETRY_WAIT_SECONDS` ≤ 3600), so
/// the call gives up at once instead of overflowing a `Duration`.
pub const MAX_RETRY_AFTER: Duration = Duration::from_secs(24 * 3600);

/// `Retry-After` in seconds, whole or fractional (LinkedIn does not document it, Anthropic sends whole
/// seconds; honoured when present), capped at [`MAX_RETRY_AFTER`]. An HTTP-date or junk counts as absent.
pub fn retry_after(headers: &reqwest::header::HeaderMap) -> Option<Duration> {
    parse_retry_after(headers.get("retry-after")?.to_str().ok()?)
}

/// The value of a `Retry-After` header as a wait; never panics, whatever the text.
pub fn parse_retry_after(value: &str) -> Option<Duration> {
    let secs = value.trim().parse::<f64>().ok().filter(|s| s.is_finite() && *s >= 0.0)?;
    Some(if secs >= MAX_RETRY_AFTER.as_secs_f64() { MAX_RETRY_AFTER } else { Duration::from_secs_f64(secs) })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn full_jitter_stays_under_the_exponential_ceiling() {
        let p = RetryPolicy::default();
        let mut rng = fastrand::Rng::with_seed(7);
        for retry in 0..5 {
            let ceiling = Duration::from_secs(1 << retry).min(p.max_delay);
            for _ in 0..200 {
                let d = p.delay(retry, RetryCause::Throttled, None, Duration::ZERO, &mut rng).unwrap();
                assert!(d <= ceiling, "retry {retry}: {d:?} > {ceiling:?}");
            }
        }
    }

    #[test]
    fn jitter_actually_varies() {
        let p = RetryPolicy::default();
        let mut rng = fastrand::Rng::with_seed(1);
        let ds: std::collections::BTreeSet<_> =
            (0..20).map(|_| p.delay(3, RetryCause::ServerError, None, Duration::ZERO, &mut rng).unwrap()).collect();
        assert!(ds.len() > 10);
    }

    #[test]
    fn retry_after_wins_and_data_volume_waits_out_the_window() {
        let p = RetryPolicy::default();
        let mut rng = fastrand::Rng::with_seed(1);
        assert_eq!(
            p.delay(0, RetryCause::Throttled, Some(Duration::from_secs(7)), Duration::ZERO, &mut rng),
            Some(Duration::from_secs(7))
        );
        assert_eq!(p.delay(0, RetryCause::DataVolume, None, Duration::ZERO, &mut rng), Some(Duration::from_secs(330)));
    }

    #[test]
    fn huge_retry_after_values_are_capped_not_a_panic() {
        // `Duration::from_secs_f64(1e20)` panics: this was the shared retry code's crash.
        for v in ["1e20", "1E300", "18446744073709551616", "99999999999999999999", " 86401 ", "1.7976931348623157e308"]
        {
            assert_eq!(parse_retry_after(v), Some(MAX_RETRY_AFTER), "{v}");
        }
        for v in ["inf", "NaN", "-1", "-0.5", "", "Wed, 21 Oct 2026 07:28:00 GMT", "0x10"] {
            assert_eq!(parse_retry_after(v), None, "{v}");
        }
        assert_eq!(parse_retry_after("1.5"), Some(Duration::from_millis(1500)));
        // The capped wait exceeds every budget: the call gives up, nothing overflows.
        let p = RetryPolicy { max_total_wait: Duration::from_secs(3600), ..RetryPolicy::default() };
        let mut rng = fastrand::Rng::with_seed(1);
        assert_eq!(p.delay(0, RetryCause::Throttled, parse_retry_after("1e20"), Duration::ZERO, &mut rng), None);
        assert_eq!(p.delay(0, RetryCause::Throttled, Some(Duration::MAX), Duration::MAX, &mut rng), None);
    }

    /// Property: any header text (random bytes, random numbers in every notation) parses to `None` or a
    /// wait within the cap, and any policy and inputs give a delay within the budget, without a panic.
    #[test]
    fn arbitrary_retry_after_values_and_policies_never_panic() {
        let mut rng = fastrand::Rng::with_seed(18);
        let alphabet: Vec<char> = "0123456789.eE+-_ infINFnaN,:\tx".chars().collect();
        for i in 0..200_000 {
            let text = match i % 4 {
                0 => (0..rng.usize(0..24)).map(|_| alphabet[rng.usize(..alphabet.len())]).collect::<String>(),
                1 => format!("{:e}", f64::from_bits(rng.u64(..))),
                2 => format!("{}", f64::from_bits(rng.u64(..))),
                _ => String::from_utf8_lossy(&(0..rng.usize(0..16)).map(|_| rng.u8(..)).collect::<Vec<_>>()).into(),
            };
            if let Some(d) = parse_retry_after(&text) {
                assert!(d <= MAX_RETRY_AFTER, "{text:?} gave {d:?}");
            }
            let dur = |rng: &mut fastrand::Rng| match rng.u8(0..4) {
                0 => Duration::ZERO,
                1 => Duration::MAX,
                2 => Duration::from_nanos(rng.u64(..)),
                _ => Duration::from_millis(rng.u64(0..10_000_000)),
            };
            let p = RetryPolicy {
                max_retries: rng.u32(..),
                base_delay: dur(&mut rng),
                max_delay: dur(&mut rng),
                max_total_wait: dur(&mut rng),
                data_volume_wait: dur(&mut rng),
            };
            let cause = [RetryCause::Throttled, RetryCause::DataVolume, RetryCause::ServerError, RetryCause::Network]
                [rng.usize(0..4)];
            let after = if rng.bool() { parse_retry_after(&text) } else { Some(dur(&mut rng)) };
            let waited = dur(&mut rng);
            if let Some(d) = p.delay(rng.u32(..), cause, after, waited, &mut rng) {
                assert!(waited.saturating_add(d) <= p.max_total_wait);
            }
        }
    }

    #[test]
    fn stops_at_the_retry_count_and_the_total_wait() {
        let p = RetryPolicy::default();
        let mut rng = fastrand::Rng::with_seed(1);
        assert_eq!(p.delay(5, RetryCause::Throttled, None, Duration::ZERO, &mut rng), None);
        // 330 s already waited + another 330 s > 600 s budget.
        assert_eq!(p.delay(1, RetryCause::DataVolume, None, Duration::from_secs(330), &mut rng), None);
    }
}
