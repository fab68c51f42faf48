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
