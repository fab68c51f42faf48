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
                Duration::from_nanos(rng.u64(0..=ceiling.as_nanos() as u64))
            }
        };
        (waited + wait <= self.max_total_wait).then_some(wait)
    }
}

/// `Retry-After` in seconds, whole or fractional (LinkedIn does not document it, Anthropic sends whole
/// seconds; honoured when present). An HTTP-date or junk counts as absent.
pub fn retry_after(headers: &reqwest::header::HeaderMap) -> Option<Duration> {
    let v = headers.get("retry-after")?.to_str().ok()?.trim();
    v.parse::<f64>().ok().filter(|s| s.is_finite() && *s >= 0.0).map(Duration::from_secs_f64)
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
    fn stops_at_the_retry_count_and_the_total_wait() {
        let p = RetryPolicy::default();
        let mut rng = fastrand::Rng::with_seed(1);
        assert_eq!(p.delay(5, RetryCause::Throttled, None, Duration::ZERO, &mut rng), None);
        // 330 s already waited + another 330 s > 600 s budget.
        assert_eq!(p.delay(1, RetryCause::DataVolume, None, Duration::from_secs(330), &mut rng), None);
    }
}
