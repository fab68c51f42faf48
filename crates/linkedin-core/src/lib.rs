//! `linkedin-core`: everything the jobs share that does not need the AWS SDK.
//!
//! * domain types: [`ids`], [`money`], the raw records and their de-duplication rule ([`raw`]), the
//!   object-store layout ([`layout`]);
//! * the LinkedIn Marketing API client ([`linkedin`]) with Rest.li 2.0 encoding ([`restli`]);
//! * the traits every backend implements ([`store::ObjectStore`], [`secrets::SecretStore`],
//!   [`metrics::MetricsSink`], [`performance::PerformanceSource`]) and their embedded local implementations;
//! * configuration from the environment ([`config`]) and logging ([`telemetry`]).
//!
//! Not here: the AWS implementations (crate `linkedin-aws`), so this crate builds and tests fast.

pub mod audit;
pub mod bid_features;
pub mod config;
pub mod decisions;
pub mod features;
pub mod ids;
pub mod layout;
pub mod linkedin;
pub mod metrics;
pub mod model;
pub mod money;
pub mod notify;
pub mod performance;
pub mod raw;
pub mod restli;
pub mod secret;
pub mod secrets;
pub use decisions::stats;
pub mod store;
pub mod telemetry;
pub mod write_ahead;

pub use ids::{AccountId, CampaignId, CreativeId, PostUrn};
pub use secret::Secret;

/// A job run's notion of time.
///
/// `as_of` is the run's "today" (`--as-of`, or the day of the EventBridge schedule time); `now` is the
/// instant recorded as `pulled_at`. They differ in backfills and in simulations, where the sandbox's
/// clock stands in for the wall clock.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RunClock {
    pub as_of: chrono::NaiveDate,
    pub now: chrono::DateTime<chrono::Utc>,
}

impl RunClock {
    /// Today, now.
    pub fn wall() -> Self {
        let now = chrono::Utc::now();
        Self { as_of: now.date_naive(), now }
    }

    /// A given day, pulled now.
    pub fn as_of(as_of: chrono::NaiveDate) -> Self {
        Self { as_of, now: chrono::Utc::now() }
    }
}

/// The first and last day a run may be dated (`--as-of`, `--from`/`--to`, a Lambda event's
/// `detail.as_of`): 1970-01-01 to 9999-12-31. chrono parses years up to ±262143, where a run's window
/// and lookback arithmetic overflows and panics; inside these bounds every date a run computes exists.
pub const RUN_DATE_RANGE: (&str, &str) = ("1970-01-01", "9999-12-31");

/// A run date from text (`YYYY-MM-DD`), within [`RUN_DATE_RANGE`]; the error says what is expected.
pub fn parse_run_date(s: &str) -> Result<chrono::NaiveDate, String> {
    let t = s.trim();
    let date: chrono::NaiveDate =
        t.parse().map_err(|_| format!("'{s}' is not a date: expected YYYY-MM-DD, e.g. 2026-11-20"))?;
    if !in_run_range(date) {
        let (first, last) = RUN_DATE_RANGE;
        return Err(format!("'{s}' is out of range: expected a date from {first} to {last}"));
    }
    Ok(date)
}

/// Whether a run may be dated `date` ([`RUN_DATE_RANGE`]).
pub fn in_run_range(date: chrono::NaiveDate) -> bool {
    let (first, last) = RUN_DATE_RANGE;
    let bound = |d: &str| d.parse::<chrono::NaiveDate>().expect("valid bounds");
    bound(first) <= date && date <= bound(last)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn run_dates_are_bounded_and_never_panic() {
        assert_eq!(parse_run_date("2026-11-20").unwrap().to_string(), "2026-11-20");
        // chrono's last day is +262142-12-31 and its first -262143-01-01: both parse.
        for far in ["+262142-12-31", "-262143-01-01", "+99999-01-01", "0001-01-01", "+10000-01-01", "1969-12-31"] {
            let err = parse_run_date(far).unwrap_err();
            assert!(err.contains("out of range: expected a date from 1970-01-01 to 9999-12-31"), "{far}: {err}");
        }
        assert!(parse_run_date("+262143-12-31").unwrap_err().contains("is not a date"));
        assert!(parse_run_date("11/20/2026").unwrap_err().contains("is not a date"));
        // Property: arbitrary text, and every sign/width of year, is a date in range or an error.
        let mut rng = fastrand::Rng::with_seed(3);
        for i in 0..100_000 {
            let text = if i % 2 == 0 {
                format!("{}-{:02}-{:02}", rng.i64(-300_000..300_000), rng.u32(0..14), rng.u32(0..33))
            } else {
                (0..rng.usize(0..14)).map(|_| "0123456789-+ /T:"[rng.usize(0..16)..].chars().next().unwrap()).collect()
            };
            if let Ok(d) = parse_run_date(&text) {
                // The arithmetic a run does on its date stays in range.
                let _ = d - chrono::TimeDelta::days(800) + chrono::TimeDelta::days(1600);
            }
        }
    }
}
