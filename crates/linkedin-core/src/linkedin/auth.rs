//! OAuth: where the access token comes from, and keeping it fresh.
//!
//! Credentials live in a secret as JSON:
//! `{"access_token","expires_at","refresh_token","refresh_token_expires_at","client_id","client_secret"}`
//! (times as RFC 3339 or epoch seconds). Access tokens last 60 days; programmatic refresh tokens 365
//! days from the original consent, and refreshing does not extend them. So the provider refreshes
//! when fewer than 24 h remain or when LinkedIn answers 401, writes the new token back to the secret,
//! and warns when the refresh token itself is within 30 days of expiry (only a human can renew that).

use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, TimeZone, Utc};
use serde_json::{Map, Value};
use tokio::sync::Mutex;

use super::error::excerpt;
use crate::restli::encode_leaf;
use crate::secret::Secret;
use crate::secrets::{SecretError, SecretStore};

/// Refresh when less than this is left.
pub const REFRESH_MARGIN: chrono::TimeDelta = chrono::TimeDelta::hours(24);
/// After a refresh, no refresh ahead of expiry for this long: so at most one per run (a Lambda run
/// lasts at most 15 minutes), even when LinkedIn hands out a token with under 24 h of life (before,
/// such a token was refreshed, and saved, on every call). A 401 still refreshes at once.
pub const PROACTIVE_REFRESH_INTERVAL: chrono::TimeDelta = chrono::TimeDelta::hours(1);
/// Attempts at saving a refreshed token before the save counts as failed.
pub const SAVE_ATTEMPTS: u32 = 3;
/// Warn when the refresh token expires within this.
pub const REFRESH_TOKEN_WARNING: chrono::TimeDelta = chrono::TimeDelta::days(30);

#[derive(Debug, thiserror::Error)]
pub enum AuthError {
    #[error(transparent)]
    Store(#[from] SecretError),
    #[error(
        "secret '{name}' is not the credentials JSON expected: {detail}. Expected {{\"access_token\": ..., \"expires_at\": ..., \"refresh_token\": ..., \"refresh_token_expires_at\": ..., \"client_id\": ..., \"client_secret\": ...}}"
    )]
    BadCredentials { name: String, detail: String },
    #[error("{0}")]
    CannotRefresh(String),
    #[error("the token endpoint {url} refused the refresh (HTTP {status}: {error}). {hint}")]
    RefreshRejected { url: String, status: u16, error: String, hint: String },
    #[error(
        "the token endpoint {url} answered HTTP {status}, a redirect to {target}; it is not followed (it would send the refresh token and client secret to another host). Check LINKEDIN_OAUTH_URL: it must be LinkedIn's own (https://www.linkedin.com)"
    )]
    RefreshRedirected { url: String, status: u16, target: String },
    #[error("the token endpoint {url} could not be reached: {message}")]
    RefreshNetwork { url: String, message: String },
}

/// The credentials document. Unknown members are kept and written back untouched.
#[derive(Clone, Debug)]
pub struct Credentials {
    pub access_token: Secret,
    pub expires_at: Option<DateTime<Utc>>,
    pub refresh_token: Option<Secret>,
    pub refresh_token_expires_at: Option<DateTime<Utc>>,
    pub client_id: Option<String>,
    pub client_secret: Option<Secret>,
    other: Map<String, Value>,
}

impl Credentials {
    /// A bare token with nothing else known.
    pub fn token_only(token: Secret) -> Self {
        Self {
            access_token: token,
            expires_at: None,
            refresh_token: None,
            refresh_token_expires_at: None,
            client_id: None,
            client_secret: None,
            other: Map::new(),
        }
    }

    /// Parses the secret's JSON. The error names the field, never a value.
    pub fn parse(secret_name: &str, text: &str) -> Result<Self, AuthError> {
        let bad = |detail: String| AuthError::BadCredentials { name: secret_name.to_string(), detail };
        let mut map = match serde_json::from_str::<Value>(text) {
            Ok(Value::Object(m)) => m,
            Ok(_) => return Err(bad("it is JSON but not an object".into())),
            Err(e) => return Err(bad(format!("not valid JSON (line {}, column {})", e.line(), e.column()))),
        };
        let mut take_str = |key: &str| -> Result<Option<String>, AuthError> {
            match map.remove(key) {
                None | Some(Value::Null) => Ok(None),
                Some(Value::String(s)) if s.trim().is_empty() => Ok(None),
                Some(Value::String(s)) => Ok(Some(s)),
                Some(_) => Err(bad(format!("\"{key}\" must be a string"))),
            }
        };
        let access_token = take_str("access_token")?.ok_or_else(|| bad("\"access_token\" is missing".into()))?;
        let refresh_token = take_str("refresh_token")?;
        let client_id = take_str("client_id")?;
        let client_secret = take_str("client_secret")?;
        let expires_at = take_time(&mut map, "expires_at").map_err(bad)?;
        let refresh_token_expires_at = take_time(&mut map, "refresh_token_expires_at").map_err(bad)?;
        Ok(Self {
            access_token: Secret::new(access_token),
            expires_at,
            refresh_token: refresh_token.map(Secret::new),
            refresh_token_expires_at,
            client_id,
            client_secret: client_secret.map(Secret::new),
            other: map,
        })
    }

    /// The JSON to store back (times as RFC 3339).
    pub fn to_json(&self) -> String {
        let mut m = self.other.clone();
        m.insert("access_token".into(), Value::String(self.access_token.expose().to_string()));
        let mut put_opt = |k: &str, v: Option<String>| {
            if let Some(v) = v {
                m.insert(k.into(), Value::String(v));
            }
        };
        put_opt("expires_at", self.expires_at.map(|t| t.to_rfc3339()));
        put_opt("refresh_token", self.refresh_token.as_ref().map(|s| s.expose().to_string()));
        put_opt("refresh_token_expires_at", self.refresh_token_expires_at.map(|t| t.to_rfc3339()));
        put_opt("client_id", self.client_id.clone());
        put_opt("client_secret", self.client_secret.as_ref().map(|s| s.expose().to_string()));
        Value::Object(m).to_string()
    }

    fn can_refresh(&self) -> bool {
        self.refresh_token.is_some() && self.client_id.is_some() && self.client_secret.is_some()
    }
}

fn take_time(map: &mut Map<String, Value>, key: &str) -> Result<Option<DateTime<Utc>>, String> {
    let bad = || {
        format!("\"{key}\" must be an RFC 3339 time (2026-12-01T00:00:00Z) or epoch seconds, in the years 0000 to 9999")
    };
    let time = match map.remove(key) {
        None | Some(Value::Null) => return Ok(None),
        Some(Value::String(s)) if s.trim().is_empty() => return Ok(None),
        Some(Value::String(s)) => match DateTime::parse_from_rfc3339(s.trim()) {
            Ok(t) => Some(t.with_timezone(&Utc)),
            Err(_) => s.trim().parse::<i64>().ok().and_then(epoch),
        },
        Some(Value::Number(n)) => n.as_i64().and_then(epoch),
        Some(_) => None,
    };
    time.filter(storable).map(Some).ok_or_else(bad)
}

/// Whether [`Credentials::to_json`] writes `t` back in a form [`Credentials::parse`] reads: RFC 3339
/// has four-digit years. Epoch milliseconds reach chrono's ±262,143 years, and an offset can push
/// 0000-01-01 or 9999-12-31 across in UTC; such a time used to be accepted, then saved after a
/// refresh as `+20000-...`, leaving a secret no later run could read.
fn storable(t: &DateTime<Utc>) -> bool {
    (0..=9999).contains(&chrono::Datelike::year(t))
}

/// Epoch seconds, or milliseconds when the number is too large to be seconds.
fn epoch(n: i64) -> Option<DateTime<Utc>> {
    let secs = if n > 100_000_000_000 { n / 1000 } else { n };
    Utc.timestamp_opt(secs, 0).single()
}

/// A source of "now"; tests and simulations move it.
pub type Clock = Arc<dyn Fn() -> DateTime<Utc> + Send + Sync>;

pub fn system_clock() -> Clock {
    Arc::new(Utc::now)
}

/// Where credentials come from.
#[derive(Clone)]
pub enum TokenSource {
    /// A fixed token (`LINKEDIN_ACCESS_TOKEN`).
    Fixed(Secret),
    /// A credentials document in a secret store, refreshed and written back.
    Stored { store: Arc<dyn SecretStore>, name: String },
}

/// What happened to the credentials during a run, for the run report and metrics.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct AuthEvents {
    pub refreshes: u32,
    /// Days until the refresh token expires, when known.
    pub refresh_token_days_left: Option<i64>,
    /// The last error saving a refreshed token, after [`SAVE_ATTEMPTS`] attempts. The run goes on with
    /// the new token, but the jobs count it as a run failure and emit `TokenSaveFailures`: if LinkedIn
    /// rotated the refresh token, the stored one may no longer work.
    pub write_back_error: Option<String>,
    /// Refreshed tokens that could not be saved.
    pub save_failures: u32,
}

struct State {
    creds: Option<Credentials>,
    events: AuthEvents,
    /// When this provider last refreshed (by its clock).
    last_refresh: Option<DateTime<Utc>>,
}

/// Hands out bearer tokens and refreshes them. Shared by every call of a run.
pub struct TokenProvider {
    source: TokenSource,
    token_url: String,
    http: reqwest::Client,
    clock: Clock,
    state: Mutex<State>,
}

/// LinkedIn's answer to a refresh. The lifetimes are read leniently ([`token_lifetime`]): by the time
/// they are read LinkedIn has issued the token (and may have rotated the refresh token), so an odd
/// number must not lose it.
#[derive(Debug, serde::Deserialize)]
pub struct RefreshResponse {
    access_token: String,
    #[serde(default)]
    expires_in: Value,
    #[serde(default)]
    refresh_token: Option<String>,
    #[serde(default)]
    refresh_token_expires_in: Value,
}

impl RefreshResponse {
    /// The token endpoint's 2xx body, as the provider reads it; never panics. A blank `access_token` is
    /// refused: stored, it would leave credentials that no later run can read ("access_token is missing").
    pub fn parse(body: &[u8]) -> Result<Self, String> {
        let reply: Self = serde_json::from_slice(body).map_err(|e| e.to_string())?;
        if reply.access_token.trim().is_empty() {
            return Err("access_token is blank".into());
        }
        Ok(reply)
    }
}

/// The longest token lifetime believed: 366 days. LinkedIn documents 60 days for access tokens and
/// 365 days (from the member's consent) for refresh tokens; an `expires_in` above this (`i64::MAX`
/// used to overflow the date arithmetic and panic after the token was issued) is clamped to it, a
/// negative one to 0. A shorter lifetime than the real one only means an earlier refresh or warning.
pub const MAX_TOKEN_LIFETIME: chrono::TimeDelta = chrono::TimeDelta::days(366);

/// A lifetime in seconds from the token endpoint (a JSON integer, float or numeric string), clamped
/// to `0..=MAX_TOKEN_LIFETIME`; `None` when absent or not a number. Never panics.
pub fn token_lifetime(secs: &Value) -> Option<chrono::TimeDelta> {
    let max = MAX_TOKEN_LIFETIME.num_seconds();
    let clamp_f = |f: f64| {
        let s = if f <= 0.0 {
            0
        } else if f >= max as f64 {
            max
        } else {
            f as i64
        };
        (!f.is_nan()).then_some(s)
    };
    let s = match secs {
        Value::Number(n) => match (n.as_i64(), n.as_u64()) {
            (Some(i), _) => Some(i.clamp(0, max)),
            (None, Some(_)) => Some(max),
            (None, None) => n.as_f64().and_then(clamp_f),
        },
        Value::String(t) => t.trim().parse::<f64>().ok().and_then(clamp_f),
        _ => None,
    }?;
    Some(chrono::TimeDelta::seconds(s))
}

/// `now` + `lifetime`, saturating at the end of chrono's range.
fn after(now: DateTime<Utc>, lifetime: chrono::TimeDelta) -> DateTime<Utc> {
    now.checked_add_signed(lifetime).unwrap_or(DateTime::<Utc>::MAX_UTC)
}

/// The credentials after a successful refresh reply. An access token whose lifetime is missing or
/// unreadable is kept, marked as expiring now (so the next run refreshes it), with a warning.
pub fn refreshed(creds: &Credentials, reply: RefreshResponse, now: DateTime<Utc>) -> Credentials {
    let mut fresh = creds.clone();
    fresh.access_token = Secret::new(reply.access_token);
    let lifetime = token_lifetime(&reply.expires_in).unwrap_or_else(|| {
        tracing::warn!("the token endpoint's expires_in is missing or not a number: the new token is kept and refreshed on the next run");
        chrono::TimeDelta::zero()
    });
    fresh.expires_at = Some(after(now, lifetime));
    if let Some(rt) = reply.refresh_token.filter(|t| !t.is_empty()) {
        fresh.refresh_token = Some(Secret::new(rt));
    }
    if let Some(l) = token_lifetime(&reply.refresh_token_expires_in) {
        fresh.refresh_token_expires_at = Some(after(now, l));
    }
    fresh
}

impl TokenProvider {
    /// `oauth_base` is e.g. `https://www.linkedin.com`; the token endpoint is `<base>/oauth/v2/accessToken`.
    pub fn new(source: TokenSource, oauth_base: &str, http: reqwest::Client, clock: Clock) -> Self {
        Self {
            source,
            token_url: format!("{}/oauth/v2/accessToken", oauth_base.trim_end_matches('/')),
            http,
            clock,
            state: Mutex::new(State { creds: None, events: AuthEvents::default(), last_refresh: None }),
        }
    }

    pub async fn events(&self) -> AuthEvents {
        self.state.lock().await.events.clone()
    }

    /// A token good for at least the next calls: loads the credentials on first use and refreshes
    /// them when fewer than 24 hours remain, at most once per [`PROACTIVE_REFRESH_INTERVAL`].
    pub async fn bearer(&self) -> Result<Secret, AuthError> {
        let mut st = self.state.lock().await;
        if st.creds.is_none() {
            let creds = self.load().await?;
            st.events.refresh_token_days_left = creds.refresh_token_expires_at.map(|t| (t - (self.clock)()).num_days());
            warn_if_refresh_token_expires_soon(&creds, (self.clock)());
            st.creds = Some(creds);
        }
        let creds = st.creds.as_ref().expect("loaded above");
        let now = (self.clock)();
        let refreshed_lately = st.last_refresh.is_some_and(|t| now - t < PROACTIVE_REFRESH_INTERVAL);
        match creds.expires_at {
            Some(exp) if exp - now < REFRESH_MARGIN && creds.can_refresh() && refreshed_lately => {
                tracing::debug!(expires_at = %exp, "access token expires within 24 h but was just refreshed: using it");
            }
            Some(exp) if exp - now < REFRESH_MARGIN && creds.can_refresh() => {
                tracing::info!(expires_at = %exp, "access token expires within 24 h: refreshing");
                self.refresh(&mut st).await?;
            }
            Some(exp) if exp <= now => {
                return Err(AuthError::CannotRefresh(format!(
                    "the access token expired at {exp} and the credentials have no refresh_token/client_id/client_secret: re-authorise the app and store new credentials"
                )));
            }
            Some(exp) if exp - now < REFRESH_MARGIN => {
                tracing::warn!(expires_at = %exp, "access token expires within 24 h and cannot be refreshed (no refresh_token)");
            }
            _ => {}
        }
        Ok(st.creds.as_ref().expect("present").access_token.clone())
    }

    /// Called after a 401 with the token that was refused. Refreshes once; when another call has
    /// already refreshed since, returns that newer token instead of refreshing again.
    pub async fn refresh_after_unauthorized(&self, refused: &Secret) -> Result<Secret, AuthError> {
        let mut st = self.state.lock().await;
        if let Some(c) = &st.creds
            && &c.access_token != refused
        {
            return Ok(c.access_token.clone());
        }
        match &self.source {
            TokenSource::Fixed(_) => Err(AuthError::CannotRefresh(
                "LinkedIn refused LINKEDIN_ACCESS_TOKEN (HTTP 401). It is a fixed token and cannot be refreshed: set a new one, or use SECRET_NAME with refreshable credentials".into(),
            )),
            TokenSource::Stored { .. } => {
                if st.creds.is_none() {
                    st.creds = Some(self.load().await?);
                }
                self.refresh(&mut st).await?;
                Ok(st.creds.as_ref().expect("refreshed").access_token.clone())
            }
        }
    }

    async fn load(&self) -> Result<Credentials, AuthError> {
        match &self.source {
            TokenSource::Fixed(t) => Ok(Credentials::token_only(t.clone())),
            TokenSource::Stored { store, name } => {
                let text = store.get_secret(name).await?;
                Credentials::parse(name, &text)
            }
        }
    }

    async fn refresh(&self, st: &mut State) -> Result<(), AuthError> {
        let creds = st.creds.as_ref().expect("loaded before refresh");
        let (Some(rt), Some(id), Some(secret)) = (&creds.refresh_token, &creds.client_id, &creds.client_secret) else {
            return Err(AuthError::CannotRefresh(
                "the access token must be refreshed but the credentials lack refresh_token, client_id or client_secret: re-authorise the app and store complete credentials".into(),
            ));
        };
        let body = format!(
            "grant_type=refresh_token&refresh_token={}&client_id={}&client_secret={}",
            encode_leaf(rt.expose()),
            encode_leaf(id),
            encode_leaf(secret.expose())
        );
        let reply = self.post_token_request(body).await?;
        let now = (self.clock)();
        let fresh = refreshed(creds, reply, now);
        st.events.refreshes += 1;
        st.last_refresh = Some(now);
        st.events.refresh_token_days_left = fresh.refresh_token_expires_at.map(|t| (t - now).num_days());
        tracing::info!(expires_at = ?fresh.expires_at, "access token refreshed");
        if let TokenSource::Stored { store, name } = &self.source {
            let json = fresh.to_json();
            let mut attempt = 0;
            loop {
                attempt += 1;
                match store.put_secret(name, &json).await {
                    Ok(()) => break,
                    Err(e) if attempt < SAVE_ATTEMPTS => {
                        tracing::warn!(error = %e, secret = %name, attempt, "saving the refreshed token failed; retrying");
                        tokio::time::sleep(Duration::from_millis(100 * 4u64.pow(attempt - 1))).await;
                    }
                    Err(e) => {
                        tracing::error!(error = %e, secret = %name, attempts = attempt, "the refreshed token could not be saved: this run uses it, but the secret may hold a refresh token LinkedIn no longer accepts");
                        st.events.write_back_error = Some(format!("{e} (after {attempt} attempts)"));
                        st.events.save_failures += 1;
                        break;
                    }
                }
            }
        }
        // Kept for the rest of the run whether or not it was saved.
        st.creds = Some(fresh);
        Ok(())
    }

    /// POSTs the form, retrying 429/5xx and network errors a few times.
    async fn post_token_request(&self, body: String) -> Result<RefreshResponse, AuthError> {
        let mut last = String::new();
        for attempt in 0..3u32 {
            if attempt > 0 {
                tokio::time::sleep(Duration::from_millis(200 * 4u64.pow(attempt))).await;
            }
            let res = self
                .http
                .post(&self.token_url)
                .header("Content-Type", "application/x-www-form-urlencoded")
                .body(body.clone())
                .send()
                .await;
            let resp = match res {
                Ok(r) => r,
                Err(e) => {
                    last = e.without_url().to_string();
                    continue;
                }
            };
            if let Some(target) = super::client::redirect_target(&resp) {
                return Err(AuthError::RefreshRedirected {
                    url: self.token_url.clone(),
                    status: resp.status().as_u16(),
                    target,
                });
            }
            let status = resp.status().as_u16();
            let bytes = resp.bytes().await.unwrap_or_default();
            if (200..300).contains(&status) {
                return RefreshResponse::parse(&bytes).map_err(|e| AuthError::RefreshRejected {
                    url: self.token_url.clone(),
                    status,
                    error: format!("unreadable answer ({e})"),
                    hint: "expected {\"access_token\", \"expires_in\", ...}; check LINKEDIN_OAUTH_URL".into(),
                });
            }
            let error = oauth_error_text(&bytes);
            if status == 429 || status >= 500 {
                last = format!("HTTP {status}: {error}");
                continue;
            }
            let hint = if error.contains("invalid_grant") || error.contains("expired") || error.contains("revoked") {
                "The refresh token is expired or revoked: a member must re-authorise the app and the new credentials must be stored in the secret"
            } else if error.contains("invalid_client") || status == 401 {
                "client_id/client_secret in the credentials do not match the LinkedIn app"
            } else {
                "Check the credentials in the secret and LINKEDIN_OAUTH_URL"
            };
            return Err(AuthError::RefreshRejected { url: self.token_url.clone(), status, error, hint: hint.into() });
        }
        Err(AuthError::RefreshNetwork { url: self.token_url.clone(), message: last })
    }
}

/// `error: error_description` from an OAuth error body; never the raw body (it could echo the form).
pub fn oauth_error_text(body: &[u8]) -> String {
    #[derive(serde::Deserialize)]
    struct OAuthError {
        error: Option<String>,
        error_description: Option<String>,
        message: Option<String>,
    }
    match serde_json::from_slice::<OAuthError>(body) {
        Ok(e) => [e.error, e.error_description.or(e.message)].into_iter().flatten().collect::<Vec<_>>().join(": "),
        Err(_) => format!(
            "unreadable body of {} bytes ({})",
            body.len(),
            excerpt(body, 40).chars().filter(|c| c.is_ascii_alphabetic() || *c == ' ').collect::<String>()
        ),
    }
}

fn warn_if_refresh_token_expires_soon(creds: &Credentials, now: DateTime<Utc>) {
    if let Some(exp) = creds.refresh_token_expires_at {
        let left = exp - now;
        if left < REFRESH_TOKEN_WARNING {
            tracing::warn!(
                days_left = left.num_days(),
                refresh_token_expires_at = %exp,
                "the LinkedIn refresh token expires soon: a member must re-authorise the app before then, or collection stops"
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_and_round_trips_credentials_keeping_unknown_members() {
        let c = Credentials::parse(
            "li",
            r#"{"access_token":"AT","expires_at":"2026-12-01T00:00:00Z","refresh_token":"RT",
                "refresh_token_expires_at":1800000000,"client_id":"cid","client_secret":"cs","note":"keep me"}"#,
        )
        .unwrap();
        assert_eq!(c.access_token.expose(), "AT");
        assert_eq!(c.expires_at.unwrap().to_rfc3339(), "2026-12-01T00:00:00+00:00");
        assert_eq!(c.refresh_token_expires_at.unwrap().timestamp(), 1_800_000_000);
        assert!(c.can_refresh());
        let back: Value = serde_json::from_str(&c.to_json()).unwrap();
        assert_eq!(back["note"], "keep me");
        assert_eq!(back["refresh_token"], "RT");
        assert_eq!(back["refresh_token_expires_at"], "2027-01-15T08:00:00+00:00");
    }

    #[test]
    fn credential_errors_name_the_field_and_never_the_value() {
        let err = Credentials::parse("li", r#"{"access_token": 12345}"#).unwrap_err().to_string();
        assert!(err.contains("\"access_token\" must be a string"), "{err}");
        let err = Credentials::parse("li", r#"{"refresh_token":"RT-SECRET"}"#).unwrap_err().to_string();
        assert!(err.contains("\"access_token\" is missing") && !err.contains("RT-SECRET"), "{err}");
        let err = Credentials::parse("li", r#"{"access_token":"AT-SECRET","expires_at":"tomorrow"}"#)
            .unwrap_err()
            .to_string();
        assert!(err.contains("\"expires_at\" must be an RFC 3339 time") && !err.contains("AT-SECRET"), "{err}");
        let err = Credentials::parse("li", "AT-SECRET").unwrap_err().to_string();
        assert!(err.contains("not valid JSON") && !err.contains("AT-SECRET"), "{err}");
    }

    #[test]
    fn epoch_milliseconds_are_recognised() {
        let c = Credentials::parse("li", r#"{"access_token":"A","expires_at":1800000000000}"#).unwrap();
        assert_eq!(c.expires_at.unwrap().timestamp(), 1_800_000_000);
    }

    #[test]
    fn times_that_could_not_be_written_back_are_refused() {
        // Epoch milliseconds up to chrono's year 262142 used to be accepted, then written back after a
        // refresh as "+262142-...", which RFC 3339 (four-digit years) cannot read: the secret was lost.
        for t in
            ["8210266876799000", "-8334601228800", "\"9999-12-31T23:59:59-01:00\"", "\"0000-01-01T00:00:00+01:00\""]
        {
            let text = format!(r#"{{"access_token":"A","refresh_token_expires_at":{t}}}"#);
            let err = Credentials::parse("li", &text).unwrap_err().to_string();
            assert!(err.contains("\"refresh_token_expires_at\" must be") && err.contains("0000 to 9999"), "{t}: {err}");
        }
        for t in ["253402300799", "\"0000-01-01T00:00:00Z\"", "\"9999-12-31T23:59:59Z\""] {
            let c = Credentials::parse("li", &format!(r#"{{"access_token":"A","expires_at":{t}}}"#)).unwrap();
            let back = Credentials::parse("li", &c.to_json()).unwrap();
            assert_eq!(back.expires_at, c.expires_at, "{t}");
        }
    }

    fn creds() -> Credentials {
        Credentials::parse(
            "li",
            r#"{"access_token":"AT","expires_at":"2026-12-01T00:00:00Z","refresh_token":"RT","client_id":"c","client_secret":"s"}"#,
        )
        .unwrap()
    }

    fn reply(body: &str) -> RefreshResponse {
        RefreshResponse::parse(body.as_bytes()).unwrap()
    }

    #[test]
    fn a_blank_access_token_in_a_refresh_reply_is_refused() {
        // Stored, it made the secret unreadable for every later run ("access_token is missing").
        for body in [r#"{"access_token":"","expires_in":5184000}"#, r#"{"access_token":"  "}"#] {
            assert_eq!(RefreshResponse::parse(body.as_bytes()).unwrap_err(), "access_token is blank");
        }
        assert!(RefreshResponse::parse(b"{}").unwrap_err().contains("missing field `access_token`"));
    }

    #[test]
    fn absurd_lifetimes_are_clamped_not_a_panic() {
        let now = Utc.with_ymd_and_hms(2026, 12, 1, 0, 0, 0).unwrap();
        // i64::MAX used to panic in `TimeDelta::seconds` after LinkedIn had issued the token.
        let f = refreshed(
            &creds(),
            reply(r#"{"access_token":"NEW","expires_in":9223372036854775807,"refresh_token_expires_in":-5}"#),
            now,
        );
        assert_eq!(f.access_token.expose(), "NEW");
        assert_eq!(f.expires_at, Some(now + MAX_TOKEN_LIFETIME));
        assert_eq!(f.refresh_token_expires_at, Some(now));
        let f = refreshed(&creds(), reply(r#"{"access_token":"N2","expires_in":1e300}"#), now);
        assert_eq!(f.expires_at, Some(now + MAX_TOKEN_LIFETIME));
        let f = refreshed(&creds(), reply(r#"{"access_token":"N3","expires_in":18446744073709551615}"#), now);
        assert_eq!(f.expires_at, Some(now + MAX_TOKEN_LIFETIME));
        let f = refreshed(&creds(), reply(r#"{"access_token":"N4","expires_in":"5184000"}"#), now);
        assert_eq!(f.expires_at, Some(now + chrono::TimeDelta::days(60)));
        // No usable lifetime: the token is kept, due for a refresh.
        let f = refreshed(&creds(), reply(r#"{"access_token":"N5","expires_in":null}"#), now);
        assert_eq!((f.access_token.expose(), f.expires_at), ("N5", Some(now)));
        assert_eq!(f.refresh_token_expires_at, None, "unchanged when the reply has none");
    }

    /// Property: any JSON value as a lifetime, at any "now" chrono can hold, gives a time within
    /// `now..=now + MAX_TOKEN_LIFETIME` (or the end of time), never a panic.
    #[test]
    fn arbitrary_lifetimes_never_panic() {
        let mut rng = fastrand::Rng::with_seed(6);
        let min = DateTime::<Utc>::MIN_UTC.timestamp();
        let max = DateTime::<Utc>::MAX_UTC.timestamp();
        for i in 0..200_000 {
            let v = match i % 6 {
                0 => Value::from(rng.i64(..)),
                1 => Value::from(rng.u64(..)),
                2 => {
                    serde_json::Number::from_f64(f64::from_bits(rng.u64(..))).map(Value::Number).unwrap_or(Value::Null)
                }
                3 => Value::String(format!("{:e}", f64::from_bits(rng.u64(..)))),
                4 => Value::String((0..rng.usize(0..12)).map(|_| rng.char(..)).collect()),
                _ => [Value::Null, Value::Bool(true), serde_json::json!([1]), serde_json::json!({"a": 1})]
                    [rng.usize(0..4)]
                .clone(),
            };
            if let Some(l) = token_lifetime(&v) {
                assert!(l >= chrono::TimeDelta::zero() && l <= MAX_TOKEN_LIFETIME, "{v} gave {l}");
            }
            let now = Utc.timestamp_opt(rng.i64(min..=max), 0).unwrap();
            let body = serde_json::json!({"access_token": "T", "expires_in": v, "refresh_token_expires_in": v});
            let f = refreshed(&creds(), serde_json::from_value(body).unwrap(), now);
            let exp = f.expires_at.unwrap();
            assert!(exp >= now && (exp - now <= MAX_TOKEN_LIFETIME || exp == DateTime::<Utc>::MAX_UTC), "{v}");
        }
    }

    /// Property: any text as the credentials secret parses or fails with an error, never panics.
    #[test]
    fn arbitrary_credentials_never_panic() {
        let mut rng = fastrand::Rng::with_seed(7);
        let keys = ["access_token", "expires_at", "refresh_token", "refresh_token_expires_at", "client_id", "x"];
        for i in 0..50_000 {
            let text = if i % 2 == 0 {
                let mut m = Map::new();
                for k in keys {
                    let v = match rng.u8(0..7) {
                        0 => Value::from(rng.i64(..)),
                        1 => Value::from(rng.u64(..)),
                        2 => Value::String(format!("{}", rng.i64(..))),
                        3 => Value::String((0..rng.usize(0..30)).map(|_| rng.char(..)).collect()),
                        4 => Value::from(f64::from_bits(rng.u64(..))),
                        5 => Value::String("+262143-12-31T23:59:59Z".into()),
                        _ => Value::Null,
                    };
                    m.insert(k.to_string(), v);
                }
                Value::Object(m).to_string()
            } else {
                String::from_utf8_lossy(&(0..rng.usize(0..64)).map(|_| rng.u8(..)).collect::<Vec<_>>()).into()
            };
            if let Ok(c) = Credentials::parse("li", &text) {
                Credentials::parse("li", &c.to_json()).expect("what parses, written back, parses again");
            }
        }
    }

    #[tokio::test]
    async fn a_fixed_token_is_used_as_is_and_cannot_be_refreshed() {
        let p = TokenProvider::new(
            TokenSource::Fixed(Secret::new("T")),
            "http://127.0.0.1:1",
            crate::linkedin::http_client(),
            system_clock(),
        );
        let t = p.bearer().await.unwrap();
        assert_eq!(t.expose(), "T");
        let err = p.refresh_after_unauthorized(&t).await.unwrap_err().to_string();
        assert!(err.contains("fixed token and cannot be refreshed"), "{err}");
    }
}
