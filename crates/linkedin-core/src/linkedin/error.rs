//! What can go wrong talking to LinkedIn, and what the operator should do about it.

use std::time::Duration;

use serde::Deserialize;

use super::auth::AuthError;

/// LinkedIn's error body: `{"status":429,"serviceErrorCode":101,"code":"TOO_MANY_REQUESTS","message":"..."}`.
#[derive(Debug, Clone, Default, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct ErrorBody {
    #[serde(default)]
    pub status: Option<u16>,
    #[serde(default)]
    pub service_error_code: Option<i64>,
    #[serde(default)]
    pub code: Option<String>,
    #[serde(default)]
    pub message: Option<String>,
}

impl ErrorBody {
    /// Reads the body if it is LinkedIn's JSON; otherwise keeps a short, printable excerpt as the message.
    pub fn parse(body: &[u8]) -> Self {
        serde_json::from_slice::<ErrorBody>(body).unwrap_or_else(|_| ErrorBody {
            message: (!body.is_empty()).then(|| excerpt(body, 200)),
            ..Default::default()
        })
    }

    pub fn message(&self) -> &str {
        self.message.as_deref().unwrap_or("(no message)")
    }

    /// LinkedIn's daily quota, which only resets at midnight UTC: retrying is pointless.
    pub fn is_daily_limit(&self) -> bool {
        self.message.as_deref().is_some_and(|m| m.contains("DAY limit"))
    }

    /// The adAnalytics data-volume throttle (45M metric values per 5 minutes).
    pub fn is_data_volume(&self) -> bool {
        self.message.as_deref().is_some_and(|m| {
            let m = m.to_ascii_lowercase();
            m.contains("metric value") || m.contains("data volume") || m.contains("data-volume")
        })
    }
}

/// The first `max` bytes of a body, as printable text.
pub fn excerpt(body: &[u8], max: usize) -> String {
    let text = String::from_utf8_lossy(&body[..body.len().min(max)]);
    let mut s: String = text.chars().map(|c| if c.is_control() { ' ' } else { c }).collect();
    if body.len() > max {
        s.push('…');
    }
    s
}

#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    #[error(
        "{endpoint}: LinkedIn's daily rate limit is reached ({message}). It resets at 00:00 UTC; this run makes no more calls. If it recurs, lower how often the collector runs or ask LinkedIn for a higher quota"
    )]
    DailyLimit { endpoint: String, message: String },

    #[error("{endpoint}: still throttled (HTTP 429) after {attempts} attempts and {waited:?} of backoff: {message}")]
    Throttled { endpoint: String, attempts: u32, waited: Duration, message: String },

    #[error(
        "{endpoint}: LinkedIn answered HTTP {status} after {attempts} attempts and {waited:?} of backoff: {message}"
    )]
    ServerError { endpoint: String, status: u16, attempts: u32, waited: Duration, message: String },

    #[error("{endpoint}: network error after {attempts} attempts: {message}")]
    Network { endpoint: String, attempts: u32, message: String },

    #[error(
        "{endpoint}: the access token was refused (HTTP 401: {message}) even after a refresh. Re-authorise the LinkedIn app and store the new credentials in the secret named by SECRET_NAME (or set a new LINKEDIN_ACCESS_TOKEN)"
    )]
    Unauthorized { endpoint: String, message: String },

    #[error(
        "{endpoint}: LinkedIn-Version {version} is not active any more (HTTP 426 {message}). Set LINKEDIN_API_VERSION to a current YYYYMM release (see https://learn.microsoft.com/en-us/linkedin/marketing/versioning) and redeploy"
    )]
    VersionSunset { endpoint: String, version: String, message: String },

    #[error("{endpoint}: HTTP {status}{code}: {message}. {hint}")]
    Rejected { endpoint: String, status: u16, code: String, message: String, hint: String },

    #[error("{endpoint}: the response is not what LinkedIn documents: {detail} (body starts: {excerpt})")]
    Malformed { endpoint: String, detail: String, excerpt: String },

    #[error(
        "{endpoint}: adAnalytics returned {rows} rows, LinkedIn's silent 15,000-row cap, for a single day and campaign: the data would be truncated"
    )]
    Truncated { endpoint: String, rows: usize },

    #[error("LinkedIn authentication failed: {0}")]
    Auth(#[from] AuthError),

    #[error(
        "{endpoint}: LinkedIn answered HTTP {status}, a redirect to {target}; redirects are never followed (they would carry the access token to another host). Check LINKEDIN_API_BASE_URL: it must be the API's own address (https://api.linkedin.com)"
    )]
    Redirected { endpoint: String, status: u16, target: String },

    #[error("not calling LinkedIn: an earlier call in this run failed for good ({0})")]
    CircuitOpen(String),
}

impl ApiError {
    /// Errors that every further call in this run would hit too: stop the run, keep what was saved.
    pub fn is_fatal_for_run(&self) -> bool {
        matches!(
            self,
            ApiError::DailyLimit { .. }
                | ApiError::Unauthorized { .. }
                | ApiError::VersionSunset { .. }
                | ApiError::Redirected { .. }
                | ApiError::Auth(_)
                | ApiError::CircuitOpen(_)
        )
    }

    /// The HTTP status behind the error, when there is one.
    pub fn status(&self) -> Option<u16> {
        match self {
            ApiError::DailyLimit { .. } | ApiError::Throttled { .. } => Some(429),
            ApiError::ServerError { status, .. }
            | ApiError::Rejected { status, .. }
            | ApiError::Redirected { status, .. } => Some(*status),
            ApiError::Unauthorized { .. } => Some(401),
            ApiError::VersionSunset { .. } => Some(426),
            _ => None,
        }
    }
}

/// What to do about a non-retryable status.
pub fn hint_for(status: u16, account: &str) -> String {
    match status {
        400 => "LinkedIn refused the request as malformed; this is a client bug or a field the configured LINKEDIN_API_VERSION does not support".into(),
        403 => format!(
            "The token lacks a scope (r_ads, rw_ads, r_ads_reporting, r_organization_social) or the member has no role on ad account {account} that allows this; re-authorise with the scopes or grant the role in Campaign Manager"
        ),
        404 => format!("Not found: check LINKEDIN_AD_ACCOUNT_ID ({account}) and CAMPAIGN_IDS"),
        405 => "Method not allowed: this is a client bug, please report it".into(),
        409 | 412 => "The entity changed concurrently; the next run will see its new state".into(),
        422 => "LinkedIn refused the value (e.g. a bid outside its allowed range or a currency other than the account's)".into(),
        _ => "Not retried".into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_linkedin_error_bodies() {
        let b = ErrorBody::parse(br#"{"status":429,"serviceErrorCode":101,"code":"TOO_MANY_REQUESTS","message":"Resource level throttle APPLICATION_AND_MEMBER DAY limit for calls to this resource is reached."}"#);
        assert_eq!(b.status, Some(429));
        assert_eq!(b.code.as_deref(), Some("TOO_MANY_REQUESTS"));
        assert!(b.is_daily_limit());
        assert!(!b.is_data_volume());
        let b = ErrorBody::parse(
            br#"{"message":"Resource level throttle limit for calls to this resource is reached.","status":429}"#,
        );
        assert!(!b.is_daily_limit());
    }

    #[test]
    fn keeps_an_excerpt_of_non_json_bodies() {
        let b = ErrorBody::parse(b"<html>\n<body>Bad gateway</body></html>");
        assert_eq!(b.message(), "<html> <body>Bad gateway</body></html>");
        assert_eq!(ErrorBody::parse(b"").message(), "(no message)");
        assert_eq!(excerpt(&[b'a'; 300], 5), "aaaaa…");
    }
}
