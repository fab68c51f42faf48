//! OAuth: the token endpoint (`POST /oauth/v2/accessToken`, refresh grant) and bearer-token checks.
//!
//! Tokens live in simulated time: an access token expires `access_token_ttl_hours` after it was issued
//! (LinkedIn: 60 days), or earlier when the scenario revokes tokens (`faults.token_revoke_hours`). The
//! refresh token's expiry is fixed at the start and never extended, as LinkedIn's.

use std::collections::HashMap;

use chrono::{DateTime, TimeDelta, Utc};
use serde_json::json;

use crate::http::{ApiError, Request, Response};
use crate::scenario::Scenario;

#[derive(Debug, Clone)]
pub struct Tokens {
    issued: HashMap<String, DateTime<Utc>>,
    refresh_token_expires_at: DateTime<Utc>,
    minted: u64,
}

/// Why a bearer token was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokenProblem {
    Missing,
    Invalid,
    Expired,
}

impl Tokens {
    pub fn new(s: &Scenario) -> Self {
        let start = crate::market::start_of(s.start);
        let mut issued = HashMap::new();
        // The scenario's token was issued the day before the start.
        issued.insert(s.oauth.access_token.clone(), start - TimeDelta::days(1));
        Self {
            issued,
            refresh_token_expires_at: start + TimeDelta::days(s.oauth.refresh_token_days_left as i64),
            minted: 0,
        }
    }

    /// When the scenario's own access token expires (for clients handed it in a credentials file).
    pub fn expires_at(&self, s: &Scenario, token: &str) -> Option<DateTime<Utc>> {
        self.issued.get(token).map(|t| *t + TimeDelta::hours(s.oauth.access_token_ttl_hours as i64))
    }

    pub fn refresh_token_expires_at(&self) -> DateTime<Utc> {
        self.refresh_token_expires_at
    }

    /// Checks `Authorization: Bearer <token>` at simulated time `now`.
    pub fn check(&self, s: &Scenario, req: &Request, now: DateTime<Utc>) -> Result<(), TokenProblem> {
        let token = req
            .header("authorization")
            .and_then(|h| h.strip_prefix("Bearer "))
            .map(str::trim)
            .filter(|t| !t.is_empty())
            .ok_or(TokenProblem::Missing)?;
        let issued = self.issued.get(token).ok_or(TokenProblem::Invalid)?;
        let age = now - *issued;
        let revoked = s.faults.token_revoke_hours.is_some_and(|h| age >= TimeDelta::hours(h as i64));
        if age >= TimeDelta::hours(s.oauth.access_token_ttl_hours as i64) || revoked {
            return Err(TokenProblem::Expired);
        }
        Ok(())
    }

    /// `POST /oauth/v2/accessToken`.
    pub fn token_endpoint(&mut self, s: &Scenario, req: &Request, now: DateTime<Utc>) -> Response {
        if req.method != "POST" {
            return oauth_error(405, "invalid_request", "The token endpoint only accepts POST");
        }
        let ct = req.header("content-type").unwrap_or_default();
        if !ct.starts_with("application/x-www-form-urlencoded") {
            return oauth_error(
                400,
                "invalid_request",
                "Content-Type must be application/x-www-form-urlencoded, with the parameters in the body",
            );
        }
        let form = match parse_form(&req.body) {
            Ok(f) => f,
            Err(e) => return oauth_error(400, "invalid_request", &e),
        };
        let get = |k: &str| form.get(k).map(String::as_str).unwrap_or_default();
        match get("grant_type") {
            "refresh_token" => {}
            "" => return oauth_error(400, "invalid_request", "A required parameter \"grant_type\" is missing"),
            other => {
                return oauth_error(
                    400,
                    "unsupported_grant_type",
                    &format!("grant_type '{other}': the sandbox issues tokens through refresh_token only"),
                );
            }
        }
        for k in ["refresh_token", "client_id", "client_secret"] {
            if get(k).is_empty() {
                return oauth_error(400, "invalid_request", &format!("A required parameter \"{k}\" is missing"));
            }
        }
        if get("client_id") != s.oauth.client_id || get("client_secret") != s.oauth.client_secret {
            return oauth_error(401, "invalid_client", "Client authentication failed");
        }
        if get("refresh_token") != s.oauth.refresh_token || now >= self.refresh_token_expires_at {
            return oauth_error(
                400,
                "invalid_grant",
                "The provided authorization grant or refresh token is invalid, expired or revoked",
            );
        }
        self.minted += 1;
        let token =
            format!("sandbox-at-{:06}-{:x}", self.minted, crate::faults::fnv1a(&[&now.timestamp().to_le_bytes()]));
        self.issued.insert(token.clone(), now);
        Response::json(
            200,
            &json!({
                "access_token": token,
                "expires_in": s.oauth.access_token_ttl_hours as i64 * 3600,
                "refresh_token": s.oauth.refresh_token,
                "refresh_token_expires_in": (self.refresh_token_expires_at - now).num_seconds(),
            }),
        )
    }
}

/// LinkedIn's 401 bodies.
pub fn unauthorized(problem: TokenProblem) -> ApiError {
    let message = match problem {
        TokenProblem::Missing => "Empty oauth2_access_token",
        TokenProblem::Invalid => "Invalid access token",
        TokenProblem::Expired => "The token used in the request has expired",
    };
    let mut e = ApiError::new(401, "EXPIRED_ACCESS_TOKEN", message);
    e.code = match problem {
        TokenProblem::Expired => "EXPIRED_ACCESS_TOKEN",
        _ => "INVALID_ACCESS_TOKEN",
    };
    e
}

fn oauth_error(status: u16, error: &str, description: &str) -> Response {
    Response::json(status, &json!({ "error": error, "error_description": description }))
}

/// `application/x-www-form-urlencoded` (here `+` is a space).
pub fn parse_form(body: &[u8]) -> Result<HashMap<String, String>, String> {
    let text = std::str::from_utf8(body).map_err(|_| "the form body is not UTF-8".to_string())?;
    let mut out = HashMap::new();
    for pair in text.split('&').filter(|p| !p.is_empty()) {
        let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
        let decode = |s: &str| {
            percent_encoding::percent_decode_str(&s.replace('+', " "))
                .decode_utf8()
                .map(|c| c.into_owned())
                .map_err(|_| format!("form field '{k}' is not valid percent-encoded UTF-8"))
        };
        out.insert(decode(k)?, decode(v)?);
    }
    Ok(out)
}
