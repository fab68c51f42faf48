//! The LinkedIn Marketing API (versioned REST, Rest.li 2.0).
//!
//! `client` is the transport; `analytics`, `campaigns`, `creatives` and `posts` are the endpoints the
//! system uses, each adding typed methods to [`LinkedInClient`]. `docs/linkedin-api-behaviour.md`
//! lists every surprising thing the API does and how this code answers it.

pub mod analytics;
pub mod auth;
pub mod campaigns;
pub mod client;
pub mod creatives;
pub mod error;
pub mod little_text;
mod paging;
pub mod posts;
pub mod retry;

pub use client::{ClientStats, LinkedInClient, http_client, redirect_target};
pub use error::ApiError;
pub use paging::read_finder_page;

/// The `LinkedIn-Version` sent unless `LINKEDIN_API_VERSION` says otherwise. LinkedIn supports a
/// version for at least a year and then answers 426; a unit test fails when this is 11 months old.
/// 202607 is the newest version LinkedIn's versioning page was seen to list ("Latest Version", July
/// 2026, in a copy taken 2026-08-13); 202610, the earlier default, could not be confirmed as released.
pub const DEFAULT_API_VERSION: &str = "202607";

/// What a partial update changes, for the audit trail.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Patch {
    pub path: String,
    pub set: serde_json::Value,
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::Datelike;

    #[test]
    fn default_api_version_is_less_than_11_months_old() {
        let v = crate::config::ApiVersion::parse(DEFAULT_API_VERSION).expect("valid version");
        let (y, m) = v.year_month();
        let now = chrono::Utc::now();
        let age_months = (now.year() - y) * 12 + now.month() as i32 - m as i32;
        assert!(
            age_months <= 11,
            "DEFAULT_API_VERSION {DEFAULT_API_VERSION} is {age_months} months old; LinkedIn sunsets versions after about a year. Bump it to a current release (https://learn.microsoft.com/en-us/linkedin/marketing/versioning) and run the sandbox tests"
        );
        assert!(age_months >= 0, "DEFAULT_API_VERSION is in the future");
    }
}
