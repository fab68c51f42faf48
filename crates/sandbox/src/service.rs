//! One request in, one outcome out: admin endpoints, the token endpoint, faults, auth, then the API.
//! Holds everything the sandbox knows; the HTTP server only moves bytes.

use std::sync::Arc;

use chrono::{DateTime, Utc};
use serde::Serialize;
use serde_json::{Value, json};

use crate::api::{self, Call, MAX_QUERY_LEN};
use crate::faults::{Fault, Faults};
use crate::ground_truth::GroundTruth;
use crate::http::{ApiError, Request, Response};
use crate::market::Market;
use crate::oauth::{Tokens, unauthorized};
use crate::scenario::{FaultParams, HANG_MS, Scenario, WriteFaultKind};

/// Prefix of the sandbox's own endpoints (LinkedIn has no path starting with `_`).
pub const ADMIN_PREFIX: &str = "/_sandbox/";

/// What to do with a request.
#[derive(Debug, Clone, PartialEq)]
pub enum Outcome {
    /// Answer, after `delay_ms` of real time.
    Respond { response: Response, delay_ms: u64 },
    /// Close the connection without an answer.
    Drop,
}

/// A request as the log keeps it (no token, no body except for writes).
#[derive(Debug, Clone, Serialize)]
pub struct LoggedRequest {
    pub seq: u64,
    pub at: DateTime<Utc>,
    pub method: String,
    pub restli_method: Option<String>,
    pub path: String,
    pub query: String,
    pub tunneled: bool,
    pub status: Option<u16>,
    pub fault: Option<String>,
    /// The body of a write (JSON), for tests that check the exact bytes sent.
    pub body: Option<String>,
}

impl LoggedRequest {
    /// A request that changes state at LinkedIn (anything but a read or a tunneled read).
    pub fn is_write(&self) -> bool {
        self.method == "POST" && !self.tunneled && self.path.starts_with("/rest/")
    }
}

pub struct Service {
    pub scenario: Arc<Scenario>,
    pub market: Market,
    pub tokens: Tokens,
    pub faults: Faults,
    pub log: Vec<LoggedRequest>,
}

impl Service {
    pub fn new(scenario: Arc<Scenario>) -> Self {
        Self {
            market: Market::new(scenario.clone()),
            tokens: Tokens::new(&scenario),
            faults: Faults::new(scenario.faults.clone(), scenario.seed),
            log: Vec::new(),
            scenario,
        }
    }

    /// Back to the scenario's start.
    pub fn reset(&mut self) {
        *self = Self::new(self.scenario.clone());
    }

    pub fn now(&self) -> DateTime<Utc> {
        self.market.now()
    }

    pub fn handle(&mut self, req: &Request) -> Outcome {
        if let Some(rest) = req.path.strip_prefix(ADMIN_PREFIX) {
            let response = self.admin(req, rest).unwrap_or_else(|e| e.response());
            return Outcome::Respond { response, delay_ms: 0 };
        }
        let mut entry = LoggedRequest {
            seq: self.log.len() as u64 + 1,
            at: self.now(),
            method: req.method.clone(),
            restli_method: req.header("x-restli-method").map(String::from),
            path: req.path.clone(),
            query: req.query.clone(),
            tunneled: false,
            status: None,
            fault: None,
            body: None,
        };
        let outcome = if req.path == "/oauth/v2/accessToken" {
            let now = self.now();
            let response = self.tokens.token_endpoint(&self.scenario, req, now);
            Outcome::Respond { response, delay_ms: 0 }
        } else if req.path.starts_with("/rest/") {
            self.rest(req, &mut entry)
        } else {
            Outcome::Respond {
                response: ApiError::not_found(format!("No resource at {}", req.path)).response(),
                delay_ms: 0,
            }
        };
        if let Outcome::Respond { response, .. } = &outcome {
            entry.status = Some(response.status);
        }
        self.log.push(entry);
        outcome
    }

    fn rest(&mut self, req: &Request, entry: &mut LoggedRequest) -> Outcome {
        // Query tunneling: a POST that says it is a GET carries the query in a form body.
        let tunneled =
            req.method == "POST" && req.header("x-http-method-override").is_some_and(|m| m.eq_ignore_ascii_case("GET"));
        let (method, query) = if tunneled {
            if !req.header("content-type").unwrap_or_default().starts_with("application/x-www-form-urlencoded") {
                let e = ApiError::bad_request("A tunneled query needs Content-Type: application/x-www-form-urlencoded");
                return Outcome::Respond { response: e.response(), delay_ms: 0 };
            }
            ("GET", String::from_utf8_lossy(&req.body).into_owned())
        } else {
            (req.method.as_str(), req.query.clone())
        };
        entry.tunneled = tunneled;
        if tunneled {
            entry.query = query.clone();
        } else if method == "POST" {
            entry.body = Some(String::from_utf8_lossy(&req.body).into_owned());
        }

        let segments: Vec<&str> = req.path["/rest/".len()..].split('/').filter(|s| !s.is_empty()).collect();
        let resource = resource_name(&segments);
        let identity: [&[u8]; 4] =
            [method.as_bytes(), req.path.as_bytes(), query.as_bytes(), if tunneled { b"" } else { &req.body }];
        let today = self.market.today();
        let (fault, delay_ms) = self.faults.decide(&identity, resource, resource == "adAnalytics", today);
        match fault {
            Some(Fault::Drop) => {
                entry.fault = Some("drop".into());
                return Outcome::Drop;
            }
            Some(Fault::Answer(response)) => {
                entry.fault = Some(format!("injected {}", response.status));
                return Outcome::Respond { response, delay_ms };
            }
            None => {}
        }
        if delay_ms > 0 {
            entry.fault = Some(format!("slow {delay_ms} ms"));
        }

        let is_write = method == "POST" && !tunneled;
        let response = self.versioned(req, method, &query, segments, tunneled).unwrap_or_else(|e| e.response());
        if self.faults.hangs_here() {
            entry.fault = Some(format!("hang at request {}", self.faults.params.hang_at_request.unwrap_or_default()));
            return Outcome::Respond { response, delay_ms: HANG_MS };
        }
        let applied = is_write && (200..300).contains(&response.status);
        match if applied { self.faults.after_write() } else { None } {
            Some(WriteFaultKind::DropAfterApply) => {
                entry.fault = Some("drop after the write was applied".into());
                Outcome::Drop
            }
            Some(WriteFaultKind::HangAfterApply) => {
                entry.fault = Some("hang after the write was applied".into());
                Outcome::Respond { response, delay_ms: HANG_MS }
            }
            Some(WriteFaultKind::PersonSetsBid { campaign, bid_micros }) => {
                let currency = self.scenario.account.currency.clone();
                match self.market.set_bid(campaign, crate::money::Micros(bid_micros), &currency) {
                    Ok(()) => entry.fault = Some(format!("a person set campaign {campaign}'s bid meanwhile")),
                    Err(e) => entry.fault = Some(format!("a person's bid edit was refused: {e:?}")),
                }
                Outcome::Respond { response, delay_ms }
            }
            None => Outcome::Respond { response, delay_ms },
        }
    }

    fn versioned(
        &mut self,
        req: &Request,
        method: &str,
        query: &str,
        segments: Vec<&str>,
        tunneled: bool,
    ) -> Result<Response, ApiError> {
        if !tunneled && query.len() > MAX_QUERY_LEN {
            return Err(ApiError::new(
                414,
                "URI_TOO_LONG",
                "Request-URI Too Long: tunnel the query (POST with X-HTTP-Method-Override: GET)",
            ));
        }
        let now = self.now();
        self.tokens.check(&self.scenario, req, now).map_err(unauthorized)?;
        api::check_headers(req, now)?;
        let query = api::parse_query(query)?;
        api::route(&mut self.market, Call { method, segments, query, req })
    }

    fn admin(&mut self, req: &Request, rest: &str) -> Result<Response, ApiError> {
        let body = || -> Result<Value, ApiError> {
            if req.body.is_empty() {
                return Ok(json!({}));
            }
            serde_json::from_slice(&req.body).map_err(|e| ApiError::bad_request(format!("admin body is not JSON: {e}")))
        };
        match (req.method.as_str(), rest) {
            ("GET", "clock") => Ok(Response::json(200, &json!({ "now": self.now() }))),
            ("POST", "clock") => {
                let b = body()?;
                let target = if let Some(to) = b.get("to").and_then(Value::as_str) {
                    DateTime::parse_from_rfc3339(to)
                        .map_err(|e| ApiError::bad_request(format!("'to' must be an RFC 3339 time: {e}")))?
                        .with_timezone(&Utc)
                } else if let Some(h) = b.get("advance_hours").and_then(Value::as_u64) {
                    self.now() + chrono::TimeDelta::hours(h as i64)
                } else {
                    return Err(ApiError::bad_request("give {\"to\": \"<RFC 3339>\"} or {\"advance_hours\": N}"));
                };
                self.market.advance_to(target).map_err(ApiError::bad_request)?;
                Ok(Response::json(200, &json!({ "now": self.now() })))
            }
            ("GET", "truth") => {
                Ok(Response::json(200, &serde_json::to_value(GroundTruth::compute(self)).expect("serialises")))
            }
            ("POST", "reset") => {
                self.reset();
                Ok(Response::json(200, &json!({ "now": self.now() })))
            }
            ("GET", "faults") => {
                Ok(Response::json(200, &serde_json::to_value(&self.faults.params).expect("serialises")))
            }
            ("POST", "faults") => {
                let params: FaultParams = serde_json::from_value(body()?)
                    .map_err(|e| ApiError::bad_request(format!("fault settings: {e}")))?;
                self.faults.set(params);
                Ok(Response::json(200, &serde_json::to_value(&self.faults.params).expect("serialises")))
            }
            ("GET", "requests") => Ok(Response::json(200, &json!({ "requests": self.log }))),
            ("GET", "changes") => Ok(Response::json(200, &json!({ "changes": self.market.changes() }))),
            (_, "clock" | "truth" | "reset" | "faults" | "requests" | "changes") => {
                Err(ApiError::method_not_allowed(&req.method, &req.path))
            }
            _ => Err(ApiError::not_found(format!(
                "No admin endpoint {}: clock, truth, reset, faults, requests, changes",
                req.path
            ))),
        }
    }
}

/// The throttled resource a path belongs to: its last collection name.
fn resource_name<'a>(segments: &[&'a str]) -> &'a str {
    const COLLECTIONS: [&str; 5] = ["adAnalytics", "adCampaigns", "creatives", "posts", "adAccounts"];
    segments.iter().rev().find(|s| COLLECTIONS.contains(s)).copied().unwrap_or("other")
}
