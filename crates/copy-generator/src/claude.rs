//! The Anthropic Messages API client that writes the variations.
//!
//! One `POST {base}/v1/messages` with the brief (winners, patterns, angles, limits and the JSON schema of
//! the answer); the reply is parsed (a ```json fence is tolerated) and checked with
//! [`validate::validate`]. When the answer is not JSON, was cut off at `max_tokens`, or breaks a rule,
//! exactly one repair round-trip follows: the previous answer goes back as the assistant turn and a
//! user turn lists the problems and asks for the complete corrected JSON. Still invalid: an error that
//! lists the problems.
//!
//! Transport: 429 (honouring `retry-after`), 529 (overloaded) and other 5xx are retried with backoff under
//! a [`RetryPolicy`]; 401/403 name the key's variables; 400 carries the API's message. The key is only
//! ever put in the `x-api-key` header (marked sensitive): no error or log line contains it, and any
//! error text from the server is scrubbed of it.

use std::fmt::Write as _;
use std::time::Duration;

use linkedin_core::Secret;
use linkedin_core::linkedin::error::excerpt;
use linkedin_core::linkedin::retry::{RetryCause, RetryPolicy, retry_after};
use reqwest::header::HeaderValue;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use crate::validate::{self, CALL_TO_ACTIONS, DESCRIPTION_MAX, Field, HEADLINE_MAX, INTRO_MAX};
use crate::variation::{Angle, Brief, Variation};

/// Where the Messages API lives.
pub const DEFAULT_BASE_URL: &str = "https://api.anthropic.com";
/// The model asked for unless configured otherwise.
pub const DEFAULT_MODEL: &str = "claude-sonnet-4-5";
/// Enough for five variations at LinkedIn's full limits (about 1,600 tokens) with the JSON around them.
pub const DEFAULT_MAX_TOKENS: u32 = 2000;
/// The `anthropic-version` header: the Messages API's stable version.
pub const ANTHROPIC_VERSION: &str = "2023-06-01";

/// Retries for Anthropic: 4 attempts in all, full-jitter backoff from 2 s capped at 30 s, at most 2 minutes
/// of waiting per call (a `retry-after` that would pass it ends the call). `data_volume_wait` is LinkedIn's
/// and unused here.
pub const DEFAULT_RETRY: RetryPolicy = RetryPolicy {
    max_retries: 3,
    base_delay: Duration::from_secs(2),
    max_delay: Duration::from_secs(30),
    max_total_wait: Duration::from_secs(120),
    data_volume_wait: Duration::ZERO,
};

/// How to reach Claude. `Debug` is safe: the key prints as `[redacted]`.
#[derive(Debug, Clone)]
pub struct ClaudeConfig {
    /// Without a trailing `/v1/messages`; a trailing `/` is fine.
    pub base_url: String,
    pub api_key: Secret,
    pub model: String,
    pub max_tokens: u32,
    /// Backoff for 429, 529, 5xx and network errors (tests use millisecond delays).
    pub retry: RetryPolicy,
}

impl ClaudeConfig {
    /// The defaults: Anthropic's API, [`DEFAULT_MODEL`], [`DEFAULT_MAX_TOKENS`], [`DEFAULT_RETRY`].
    pub fn new(api_key: Secret) -> Self {
        Self {
            base_url: DEFAULT_BASE_URL.to_string(),
            api_key,
            model: DEFAULT_MODEL.to_string(),
            max_tokens: DEFAULT_MAX_TOKENS,
            retry: DEFAULT_RETRY,
        }
    }
}

/// Tokens billed.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Usage {
    pub input_tokens: u64,
    pub output_tokens: u64,
}

/// Saturating: the counts are Anthropic's, and two replies claiming `u64::MAX` tokens used to overflow.
impl std::ops::AddAssign for Usage {
    fn add_assign(&mut self, o: Usage) {
        self.input_tokens = self.input_tokens.saturating_add(o.input_tokens);
        self.output_tokens = self.output_tokens.saturating_add(o.output_tokens);
    }
}

/// Five valid variations and what they cost.
#[derive(Debug, Clone, PartialEq)]
pub struct Generation {
    /// One per angle, validated.
    pub variations: Vec<Variation>,
    /// Summed over the calls.
    pub usage: Usage,
    /// USD from [`PRICES`]; `None` when the model is not in the table.
    pub cost_usd: Option<f64>,
    /// Messages answered: 1, or 2 with a repair.
    pub calls: u32,
    /// HTTP requests retried (429, 529, 5xx, network) across the calls.
    pub retries: u32,
    /// Whether the repair round-trip was needed.
    pub repaired: bool,
    /// The model that answered (as the API names it, e.g. with its date), else the configured one.
    pub model: String,
}

/// A model's list price, USD per million tokens.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ModelPrice {
    /// The model's alias; dated ids (`claude-sonnet-4-5-20250929`) and `-latest` resolve to it.
    pub model: &'static str,
    pub input_per_mtok: f64,
    pub output_per_mtok: f64,
}

/// Standard (not batch, no prompt caching) prices from Anthropic's pricing page,
/// <https://platform.claude.com/docs/en/about-claude/pricing> ("Model pricing": base input tokens and
/// output tokens). The copy generator's prompts are far below the 200K-token long-context tier. A model
/// not listed has an unknown cost (`None`), never a guessed one: add it here when it is adopted.
pub const PRICES: &[ModelPrice] = &[
    ModelPrice { model: "claude-opus-4-7", input_per_mtok: 5.0, output_per_mtok: 25.0 },
    ModelPrice { model: "claude-opus-4-6", input_per_mtok: 5.0, output_per_mtok: 25.0 },
    ModelPrice { model: "claude-opus-4-5", input_per_mtok: 5.0, output_per_mtok: 25.0 },
    ModelPrice { model: "claude-opus-4-1", input_per_mtok: 15.0, output_per_mtok: 75.0 },
    ModelPrice { model: "claude-opus-4-0", input_per_mtok: 15.0, output_per_mtok: 75.0 },
    ModelPrice { model: "claude-opus-4", input_per_mtok: 15.0, output_per_mtok: 75.0 },
    ModelPrice { model: "claude-sonnet-4-6", input_per_mtok: 3.0, output_per_mtok: 15.0 },
    ModelPrice { model: "claude-sonnet-4-5", input_per_mtok: 3.0, output_per_mtok: 15.0 },
    ModelPrice { model: "claude-sonnet-4-0", input_per_mtok: 3.0, output_per_mtok: 15.0 },
    ModelPrice { model: "claude-sonnet-4", input_per_mtok: 3.0, output_per_mtok: 15.0 },
    ModelPrice { model: "claude-haiku-4-5", input_per_mtok: 1.0, output_per_mtok: 5.0 },
    ModelPrice { model: "claude-3-5-haiku", input_per_mtok: 0.8, output_per_mtok: 4.0 },
    ModelPrice { model: "claude-3-haiku", input_per_mtok: 0.25, output_per_mtok: 1.25 },
];

/// The price of `model`: its alias, or the alias with a `-YYYYMMDD` or `-latest` suffix.
pub fn price_for(model: &str) -> Option<ModelPrice> {
    PRICES.iter().copied().find(|p| match model.strip_prefix(p.model) {
        Some("") | Some("-latest") => true,
        Some(rest) => rest.strip_prefix('-').is_some_and(|d| d.len() == 8 && d.bytes().all(|b| b.is_ascii_digit())),
        None => false,
    })
}

/// What `usage` of `model` cost in USD, when the model's price is known.
pub fn cost_usd(model: &str, usage: Usage) -> Option<f64> {
    price_for(model).map(|p| {
        (usage.input_tokens as f64 * p.input_per_mtok + usage.output_tokens as f64 * p.output_per_mtok) / 1_000_000.0
    })
}

#[derive(Debug, thiserror::Error)]
pub enum ClaudeError {
    #[error(
        "no Anthropic API key: set ANTHROPIC_API_KEY, or ANTHROPIC_SECRET_NAME to the secret that holds it (without a key the copy generator uses the offline templates)"
    )]
    MissingKey,

    #[error(
        "the Anthropic API key contains characters an HTTP header cannot carry (a stray newline or quote?): fix the value of ANTHROPIC_API_KEY or of the secret named by ANTHROPIC_SECRET_NAME"
    )]
    InvalidKey,

    #[error(
        "Anthropic refused the API key (HTTP 401 {kind}: {message}). Set ANTHROPIC_API_KEY, or the secret named by ANTHROPIC_SECRET_NAME, to a valid key from the Claude Console (Settings > API keys) and rerun"
    )]
    Unauthorized { kind: String, message: String },

    #[error(
        "Anthropic refused this API key access (HTTP 403 {kind}: {message}). Check in the Claude Console that the key's organisation and workspace may use model {model}, or put another key in ANTHROPIC_API_KEY or the secret named by ANTHROPIC_SECRET_NAME"
    )]
    Forbidden { kind: String, message: String, model: String },

    #[error("Anthropic rejected the request (HTTP 400 {kind}): {message}")]
    BadRequest { kind: String, message: String },

    #[error(
        "Anthropic's monthly spend cap for this organisation is reached (HTTP 429: {message}). Retrying will not help until it resets; raise the usage tier or the limit in the Claude Console (Settings > Limits)"
    )]
    SpendLimit { message: String },

    #[error(
        "Anthropic still throttled the request (HTTP 429) after {attempts} attempts and {waited:?} of backoff{}: {message}. The next scheduled run will try again; if it recurs, run the copy generator less often or ask Anthropic for higher rate limits",
        retry_after_note(.retry_after)
    )]
    Throttled { attempts: u32, waited: Duration, retry_after: Option<Duration>, message: String },

    #[error(
        "Anthropic is overloaded or failing (HTTP {status} {kind}) after {attempts} attempts and {waited:?} of backoff: {message}. The fault is on Anthropic's side (see https://status.claude.com); the next scheduled run will try again"
    )]
    Unavailable { status: u16, kind: String, attempts: u32, waited: Duration, message: String },

    #[error("could not reach the Anthropic API at {base_url} after {attempts} attempts: {message}")]
    Network { base_url: String, attempts: u32, message: String },

    #[error(
        "Anthropic answered HTTP {status}, a redirect to {target}; it is not followed (it would send the API key to another host). Check ANTHROPIC_BASE_URL: it must be the API's own address (https://api.anthropic.com)"
    )]
    Redirected { status: u16, target: String },

    #[error("Anthropic answered HTTP {status} {kind}: {message}. {hint}")]
    Rejected { status: u16, kind: String, message: String, hint: String },

    #[error("Anthropic's response is not what the Messages API documents: {detail} (body starts: {excerpt})")]
    Malformed { detail: String, excerpt: String },

    #[error(
        "Claude's copy is still invalid after one repair ({calls} calls, {} input and {} output tokens); nothing was queued. Problems: {}",
        .usage.input_tokens,
        .usage.output_tokens,
        .problems.join("; ")
    )]
    InvalidAnswer { calls: u32, problems: Vec<String>, usage: Usage },
}

fn retry_after_note(retry_after: &Option<Duration>) -> String {
    match retry_after {
        Some(d) => format!(" (Anthropic asked to wait {} s, more than the backoff budget allows)", d.as_secs_f64()),
        None => String::new(),
    }
}

impl ClaudeError {
    /// The HTTP status behind the error, when there is one.
    pub fn status(&self) -> Option<u16> {
        match self {
            ClaudeError::Unauthorized { .. } => Some(401),
            ClaudeError::Forbidden { .. } => Some(403),
            ClaudeError::BadRequest { .. } => Some(400),
            ClaudeError::SpendLimit { .. } | ClaudeError::Throttled { .. } => Some(429),
            ClaudeError::Unavailable { status, .. }
            | ClaudeError::Rejected { status, .. }
            | ClaudeError::Redirected { status, .. } => Some(*status),
            _ => None,
        }
    }
}

/// The Claude client. Cheap to clone.
#[derive(Debug, Clone)]
pub struct ClaudeClient {
    http: reqwest::Client,
    config: ClaudeConfig,
}

#[derive(Debug, Clone, Serialize)]
struct Message {
    role: &'static str,
    content: String,
}

#[derive(Serialize)]
struct MessagesRequest<'a> {
    model: &'a str,
    max_tokens: u32,
    system: &'a str,
    messages: &'a [Message],
}

#[derive(Deserialize)]
struct MessagesResponse {
    #[serde(default)]
    model: Option<String>,
    content: Vec<ContentBlock>,
    #[serde(default)]
    stop_reason: Option<String>,
    usage: Usage,
}

#[derive(Deserialize)]
struct ContentBlock {
    #[serde(rename = "type")]
    kind: String,
    #[serde(default)]
    text: Option<String>,
}

/// One answered call.
struct Reply {
    text: String,
    stop_reason: Option<String>,
    usage: Usage,
    model: Option<String>,
    retries: u32,
}

/// `{"type":"error","error":{"type":"rate_limit_error","message":"...","details":{"error_code":"..."}}}`.
#[derive(Deserialize, Default)]
struct ErrorEnvelope {
    #[serde(default)]
    error: Option<ErrorDetail>,
}

#[derive(Deserialize, Default)]
struct ErrorDetail {
    #[serde(rename = "type", default)]
    kind: Option<String>,
    #[serde(default)]
    message: Option<String>,
    #[serde(default)]
    details: Option<Value>,
}

struct ApiError {
    kind: String,
    message: String,
    code: Option<String>,
}

impl ApiError {
    fn parse(body: &[u8], key: &str) -> Self {
        let e = serde_json::from_slice::<ErrorEnvelope>(body).ok().and_then(|e| e.error).unwrap_or_default();
        let message =
            e.message.unwrap_or_else(|| if body.is_empty() { "(no message)".into() } else { excerpt(body, 200) });
        Self {
            kind: e.kind.unwrap_or_else(|| "error".into()),
            message: scrub(&message, key),
            code: e.details.as_ref().and_then(|d| d.get("error_code")).and_then(Value::as_str).map(str::to_string),
        }
    }
}

/// `text` with every occurrence of the key replaced, in case a server echoes it.
fn scrub(text: &str, key: &str) -> String {
    let key = key.trim();
    if key.len() < 4 { text.to_string() } else { text.replace(key, "[redacted]") }
}

/// The wait before retry `retry` (0-based), or `None` when the policy's retries or total wait are
/// spent: the LinkedIn client's rule (a `retry-after` wins, else full jitter under `min(max, base·2^n)`).
fn backoff(policy: &RetryPolicy, retry: u32, after: Option<Duration>, waited: Duration) -> Option<Duration> {
    policy.delay(retry, RetryCause::ServerError, after, waited, &mut fastrand::Rng::new())
}

enum Failure {
    Throttled { after: Option<Duration>, message: String },
    Server { status: u16, kind: String, message: String, after: Option<Duration> },
    Network(String),
}

impl ClaudeClient {
    /// `http` is the shared client (`linkedin_core::linkedin::http_client()`: TLS, timeouts, user agent,
    /// no redirects: a 3xx is [`ClaudeError::Redirected`], the key is never sent on).
    pub fn new(config: ClaudeConfig, http: reqwest::Client) -> Self {
        let config = ClaudeConfig { base_url: config.base_url.trim_end_matches('/').to_string(), ..config };
        Self { http, config }
    }

    pub fn config(&self) -> &ClaudeConfig {
        &self.config
    }

    /// Five validated variations for `brief`, with at most one repair round-trip.
    pub async fn generate(&self, brief: &Brief) -> Result<Generation, ClaudeError> {
        let max_tokens = self.config.max_tokens;
        let system = system_prompt();
        let mut messages = vec![Message { role: "user", content: user_prompt(brief) }];

        let first = self.send(&system, &messages, max_tokens).await?;
        let mut usage = first.usage;
        let mut retries = first.retries;
        let mut model = first.model.clone().unwrap_or_else(|| self.config.model.clone());

        let problems = match assess(&first, brief, max_tokens) {
            Ok(variations) => return Ok(self.finish(variations, usage, 1, retries, false, model)),
            Err(problems) => problems,
        };
        let truncated = first.stop_reason.as_deref() == Some("max_tokens");
        tracing::warn!(
            problems = problems.len(),
            truncated,
            first = %problems[0],
            "Claude's answer is not usable as it is; asking once for a corrected one"
        );
        let previous =
            if first.text.trim().is_empty() { "(no text)".to_string() } else { first.text.trim_end().to_string() };
        messages.push(Message { role: "assistant", content: previous });
        messages.push(Message { role: "user", content: repair_prompt(&problems, truncated.then_some(max_tokens)) });
        // A cut-off answer gets room to finish this time.
        let repair_tokens = if truncated { max_tokens.saturating_mul(2) } else { max_tokens };

        let second = match self.send(&system, &messages, repair_tokens).await {
            Ok(r) => r,
            Err(e) => {
                self.log_spent(&model, usage, 1);
                return Err(e);
            }
        };
        usage += second.usage;
        retries += second.retries;
        if let Some(m) = second.model.clone() {
            model = m;
        }
        match assess(&second, brief, repair_tokens) {
            Ok(variations) => Ok(self.finish(variations, usage, 2, retries, true, model)),
            Err(problems) => {
                self.log_spent(&model, usage, 2);
                Err(ClaudeError::InvalidAnswer { calls: 2, problems, usage })
            }
        }
    }

    fn finish(
        &self,
        variations: Vec<Variation>,
        usage: Usage,
        calls: u32,
        retries: u32,
        repaired: bool,
        model: String,
    ) -> Generation {
        let cost = cost_usd(&model, usage);
        tracing::info!(
            model = %model,
            calls,
            retries,
            repaired,
            input_tokens = usage.input_tokens,
            output_tokens = usage.output_tokens,
            cost_usd = cost.map(|c| format!("{c:.4}")).unwrap_or_else(|| "unknown (model not in the price table)".into()),
            "Claude wrote the variations"
        );
        Generation { variations, usage, cost_usd: cost, calls, retries, repaired, model }
    }

    fn log_spent(&self, model: &str, usage: Usage, calls: u32) {
        let cost = cost_usd(model, usage);
        tracing::info!(
            model = %model,
            calls,
            input_tokens = usage.input_tokens,
            output_tokens = usage.output_tokens,
            cost_usd = cost.map(|c| format!("{c:.4}")).unwrap_or_else(|| "unknown (model not in the price table)".into()),
            "Claude calls spent without usable copy"
        );
    }

    /// One Messages call, with the retry loop.
    async fn send(&self, system: &str, messages: &[Message], max_tokens: u32) -> Result<Reply, ClaudeError> {
        let cfg = &self.config;
        if cfg.api_key.expose().trim().is_empty() {
            return Err(ClaudeError::MissingKey);
        }
        let mut key = HeaderValue::from_str(cfg.api_key.expose().trim()).map_err(|_| ClaudeError::InvalidKey)?;
        key.set_sensitive(true);
        let url = format!("{}/v1/messages", cfg.base_url);
        let body = serde_json::to_vec(&MessagesRequest { model: &cfg.model, max_tokens, system, messages })
            .expect("a request serialises");

        let mut retries = 0u32;
        let mut waited = Duration::ZERO;
        loop {
            let sent = self
                .http
                .post(&url)
                .header("x-api-key", key.clone())
                .header("anthropic-version", ANTHROPIC_VERSION)
                .header("content-type", "application/json")
                .body(body.clone())
                .send()
                .await;
            let failure = match sent {
                Err(e) => Failure::Network(scrub(&e.without_url().to_string(), cfg.api_key.expose())),
                Ok(resp) => {
                    if let Some(target) = linkedin_core::linkedin::redirect_target(&resp) {
                        return Err(ClaudeError::Redirected { status: resp.status().as_u16(), target });
                    }
                    let status = resp.status().as_u16();
                    let headers = resp.headers().clone();
                    match resp.bytes().await {
                        Err(e) => Failure::Network(scrub(&e.without_url().to_string(), cfg.api_key.expose())),
                        Ok(bytes) if (200..300).contains(&status) => return parse_reply(&bytes, retries),
                        Ok(bytes) => {
                            let err = ApiError::parse(&bytes, cfg.api_key.expose());
                            match status {
                                429 if err.code.as_deref() == Some("enforced_spend_limit_reached") => {
                                    return Err(ClaudeError::SpendLimit { message: err.message });
                                }
                                429 => Failure::Throttled { after: retry_after(&headers), message: err.message },
                                500..=599 => Failure::Server {
                                    status,
                                    kind: err.kind,
                                    message: err.message,
                                    after: retry_after(&headers),
                                },
                                401 => return Err(ClaudeError::Unauthorized { kind: err.kind, message: err.message }),
                                403 => {
                                    return Err(ClaudeError::Forbidden {
                                        kind: err.kind,
                                        message: err.message,
                                        model: cfg.model.clone(),
                                    });
                                }
                                400 => return Err(ClaudeError::BadRequest { kind: err.kind, message: err.message }),
                                s => {
                                    return Err(ClaudeError::Rejected {
                                        status: s,
                                        kind: err.kind,
                                        message: err.message,
                                        hint: hint_for(s, &cfg.model, &cfg.base_url),
                                    });
                                }
                            }
                        }
                    }
                }
            };

            let after = match &failure {
                Failure::Throttled { after, .. } | Failure::Server { after, .. } => *after,
                Failure::Network(_) => None,
            };
            let Some(delay) = backoff(&cfg.retry, retries, after, waited) else {
                let attempts = retries + 1;
                return Err(match failure {
                    Failure::Throttled { after, message } => ClaudeError::Throttled {
                        attempts,
                        waited,
                        retry_after: after.filter(|a| waited.saturating_add(*a) > cfg.retry.max_total_wait),
                        message,
                    },
                    Failure::Server { status, kind, message, .. } => {
                        ClaudeError::Unavailable { status, kind, attempts, waited, message }
                    }
                    Failure::Network(message) => {
                        ClaudeError::Network { base_url: cfg.base_url.clone(), attempts, message }
                    }
                });
            };
            let cause = match &failure {
                Failure::Throttled { .. } => "throttled (429)".to_string(),
                Failure::Server { status, kind, .. } => format!("HTTP {status} {kind}"),
                Failure::Network(m) => format!("network: {m}"),
            };
            tracing::warn!(cause = %cause, retry = retries + 1, delay_ms = delay.as_millis() as u64, "Anthropic call failed; retrying");
            tokio::time::sleep(delay).await;
            waited += delay;
            retries += 1;
        }
    }
}

fn hint_for(status: u16, model: &str, base_url: &str) -> String {
    match status {
        402 => "Billing problem: check the payment details in the Claude Console (Settings > Billing)".into(),
        404 => format!("Not found: check the model name ({model}) and the base URL ({base_url})"),
        413 => "The request is too large: the brief has too many winners or existing creatives".into(),
        _ => "Not retried".into(),
    }
}

/// One Messages API answer as [`ClaudeClient::generate`] reads it: a 2xx body is parsed, its text
/// block read as the variations' JSON and checked against `brief`; any other body is read as the API's
/// error envelope (its message scrubbed of `key`). Whatever the body, a value, never a panic
/// (`demo::fuzz` holds it to that).
pub fn read_answer(status: u16, body: &[u8], brief: &Brief, max_tokens: u32, key: &str) -> Answer {
    if !(200..300).contains(&status) {
        let e = ApiError::parse(body, key);
        return Answer::Error { kind: e.kind, message: e.message, code: e.code };
    }
    match parse_reply(body, 0) {
        Ok(reply) => Answer::Reply {
            usage: reply.usage,
            model: reply.model.clone(),
            variations: assess(&reply, brief, max_tokens),
        },
        Err(e) => Answer::Malformed(e.to_string()),
    }
}

/// What [`read_answer`] found.
#[derive(Debug, Clone, PartialEq)]
pub enum Answer {
    /// A reply: the variations, or the problems a repair would send back, and its usage.
    Reply { variations: Result<Vec<Variation>, Vec<String>>, usage: Usage, model: Option<String> },
    /// A 2xx body that is not the Messages API's.
    Malformed(String),
    /// An error answer.
    Error { kind: String, message: String, code: Option<String> },
}

fn parse_reply(body: &[u8], retries: u32) -> Result<Reply, ClaudeError> {
    let r: MessagesResponse = serde_json::from_slice(body)
        .map_err(|e| ClaudeError::Malformed { detail: e.to_string(), excerpt: excerpt(body, 200) })?;
    let text = r.content.iter().filter(|b| b.kind == "text").filter_map(|b| b.text.as_deref()).collect::<String>();
    Ok(Reply { text, stop_reason: r.stop_reason, usage: r.usage, model: r.model, retries })
}

// ---------------------------------------------------------------------------------------------------
// The answer
// ---------------------------------------------------------------------------------------------------

/// The variations in a reply, or the problems to send back.
fn assess(reply: &Reply, brief: &Brief, max_tokens: u32) -> Result<Vec<Variation>, Vec<String>> {
    let truncated = reply.stop_reason.as_deref() == Some("max_tokens");
    let parsed = parse_answer(&reply.text);
    if truncated && parsed.is_err() {
        return Err(vec![format!(
            "the answer was cut off at the {max_tokens}-token limit before the JSON was complete; write the whole JSON object again, keeping the copy concise"
        )]);
    }
    let variations = parsed?;
    if truncated {
        tracing::warn!("Claude's answer reached max_tokens but its JSON is complete; using it");
    }
    let problems = validate::validate(&variations, brief);
    if problems.is_empty() { Ok(variations) } else { Err(problems.iter().map(ToString::to_string).collect()) }
}

/// The JSON text in a reply: inside a ``` fence if there is one, from the first `{` to the last `}`.
fn json_text(text: &str) -> &str {
    let mut t = text.trim();
    if let Some(start) = t.find("```") {
        let after = &t[start + 3..];
        // Skip the fence's language tag ("json"), unless the JSON starts on the fence line.
        let body = match after.find('\n') {
            Some(nl) if !after[..nl].contains('{') => &after[nl + 1..],
            _ => after,
        };
        // An unterminated fence is a cut-off answer: keep what there is.
        t = body.find("```").map(|end| &body[..end]).unwrap_or(body);
    }
    match (t.find('{'), t.rfind('}')) {
        (Some(a), Some(b)) if b > a => &t[a..=b],
        _ => t.trim(),
    }
}

/// Reads `{"variations":[...]}`, naming every structural problem.
fn parse_answer(text: &str) -> Result<Vec<Variation>, Vec<String>> {
    let value: Value = serde_json::from_str(json_text(text)).map_err(|e| {
        vec![format!(
            "the answer is not valid JSON ({e}); reply with the JSON object only, no prose and no Markdown around it"
        )]
    })?;
    let Some(items) = value.get("variations").and_then(Value::as_array) else {
        return Err(vec!["the answer must be a JSON object with a \"variations\" array (see the schema)".to_string()]);
    };
    let mut problems = Vec::new();
    let mut variations = Vec::new();
    for (n, item) in items.iter().enumerate() {
        if !item.is_object() {
            problems.push(format!("variations[{n}] is not an object"));
            continue;
        }
        let angle_text = item.get("angle").and_then(Value::as_str);
        let angle = angle_text.and_then(|a| Angle::ALL.into_iter().find(|x| x.as_str() == a));
        let label = angle_text.map(|a| format!("variations[{n}] ({a})")).unwrap_or_else(|| format!("variations[{n}]"));
        if angle.is_none() {
            let names: Vec<&str> = Angle::ALL.iter().map(|a| a.as_str()).collect();
            match angle_text {
                Some(a) => problems.push(format!("{label}.angle: {a:?} is not one of {}", names.join(", "))),
                None => {
                    problems.push(format!("{label}.angle: missing or not a string; use one of {}", names.join(", ")))
                }
            }
        }
        let mut fields = Vec::new();
        for field in Field::ALL {
            match item.get(field.as_str()).and_then(Value::as_str) {
                Some(s) => fields.push(s.to_string()),
                None => problems.push(format!("{label}.{field}: missing or not a string")),
            }
        }
        if let (Some(angle), [intro_text, headline, description, call_to_action]) = (angle, fields.as_slice()) {
            variations.push(Variation {
                angle,
                intro_text: intro_text.clone(),
                headline: headline.clone(),
                description: description.clone(),
                call_to_action: call_to_action.clone(),
            });
        }
    }
    if problems.is_empty() { Ok(variations) } else { Err(problems) }
}

// ---------------------------------------------------------------------------------------------------
// The prompt
// ---------------------------------------------------------------------------------------------------

/// How many existing creatives the prompt lists (all are checked).
const EXISTING_IN_PROMPT: usize = 40;

/// The JSON Schema of the answer, spelled out in the prompt.
pub fn answer_schema() -> Value {
    let angles: Vec<&str> = Angle::ALL.iter().map(|a| a.as_str()).collect();
    json!({
        "type": "object",
        "required": ["variations"],
        "additionalProperties": false,
        "properties": {
            "variations": {
                "type": "array",
                "minItems": 5,
                "maxItems": 5,
                "description": "exactly one variation per angle, in the order of the angles",
                "items": {
                    "type": "object",
                    "required": ["angle", "intro_text", "headline", "description", "call_to_action"],
                    "additionalProperties": false,
                    "properties": {
                        "angle": { "enum": angles },
                        "intro_text": { "type": "string", "minLength": 1, "maxLength": INTRO_MAX },
                        "headline": { "type": "string", "minLength": 1, "maxLength": HEADLINE_MAX },
                        "description": { "type": "string", "minLength": 1, "maxLength": DESCRIPTION_MAX },
                        "call_to_action": { "enum": CALL_TO_ACTIONS }
                    }
                }
            }
        }
    })
}

/// The system prompt: the role and the rules.
pub fn system_prompt() -> String {
    format!(
        "You are a senior B2B copywriter writing LinkedIn Sponsored Content ads. You are given the advertiser's \
best-performing ads and the patterns they share, and you write five new ad variations, one for each of five angles.\n\
\n\
Rules:\n\
1. Use only numbers and facts that appear in the winning ads' copy or in the patterns. Never invent a statistic, \
percentage, multiple, price, customer count, rating, date, deadline, offer, customer name or testimonial. If no number \
from the brief fits a line, write the line without a number.\n\
2. Do not repeat the intro text or headline of any existing ad, and make the five variations clearly different from \
each other.\n\
3. Respect LinkedIn's limits: intro_text at most {INTRO_MAX} characters, headline at most {HEADLINE_MAX}, description \
at most {DESCRIPTION_MAX}; call_to_action exactly one of LinkedIn's labels.\n\
4. Match the tone and vocabulary of the winning ads; keep the strongest words of the winners where they fit.\n\
5. Answer with one JSON object that follows the given schema, and nothing else: no prose, no Markdown."
    )
}

/// The user turn: the brief, the angles, the limits and the answer's schema.
pub fn user_prompt(brief: &Brief) -> String {
    let q = |s: &str| serde_json::to_string(s).expect("a string serialises");
    let mut p = String::new();
    let _ = writeln!(p, "Write five new LinkedIn ad variations from this brief.\n");

    let _ = writeln!(p, "## Winning ads (best first, by click-through rate)\n");
    for (i, w) in brief.winners.iter().enumerate() {
        let _ = writeln!(
            p,
            "### Winner {} (CTR {:.2}%, {} clicks from {} impressions)",
            i + 1,
            w.ctr * 100.0,
            w.clicks,
            w.impressions
        );
        let _ = writeln!(p, "intro_text: {}", q(&w.intro_text));
        let _ = writeln!(p, "headline: {}", q(&w.headline));
        let _ = writeln!(p, "description: {}", q(&w.description));
        let _ = writeln!(p, "call_to_action: {}\n", w.call_to_action);
    }
    let _ = writeln!(
        p,
        "The CTR, click and impression figures are our measurements, not claims: never put them in the copy.\n"
    );

    let _ = writeln!(p, "## What the winners have in common\n");
    if brief.patterns.is_empty() {
        let _ = writeln!(p, "(no patterns found)");
    }
    for pattern in &brief.patterns {
        let _ = writeln!(p, "- {pattern}");
    }

    let _ = writeln!(p, "\n## Existing ads: do not repeat their intro text or headline\n");
    if brief.existing.is_empty() {
        let _ = writeln!(p, "(none)");
    }
    for e in brief.existing.iter().take(EXISTING_IN_PROMPT) {
        let _ = writeln!(p, "- headline: {}; intro_text: {}", q(&e.headline), q(&e.intro_text));
    }
    if brief.existing.len() > EXISTING_IN_PROMPT {
        let _ = writeln!(p, "- ... and {} more", brief.existing.len() - EXISTING_IN_PROMPT);
    }

    let _ = writeln!(p, "\n## The five angles: exactly one variation each\n");
    for a in Angle::ALL {
        let _ = writeln!(p, "- {}: {}", a.as_str(), a.meaning());
    }

    let _ = writeln!(p, "\n## LinkedIn's limits\n");
    let _ = writeln!(
        p,
        "- intro_text: at most {INTRO_MAX} characters (about the first 150 show before \"see more\": put the hook there)"
    );
    let _ = writeln!(p, "- headline: at most {HEADLINE_MAX} characters (about 70 show on most placements)");
    let _ = writeln!(p, "- description: at most {DESCRIPTION_MAX} characters (about 100 show)");
    let _ = writeln!(p, "- call_to_action: exactly one of {}", CALL_TO_ACTIONS.join(", "));
    let _ = writeln!(p, "- no field may be empty");

    let _ = writeln!(p, "\n## Facts\n");
    let _ = writeln!(
        p,
        "Use only numbers and facts from the brief: the winning ads' copy and the patterns above. A number that does \
not appear there (a percentage, a multiple, a price, a count, a rating, a year, a deadline) is an invented statistic \
and makes the variation unusable."
    );

    let _ = writeln!(p, "\n## Answer format\n");
    let _ = writeln!(p, "Reply with one JSON object and nothing else, shaped like this:");
    let _ = writeln!(
        p,
        "{{\"variations\":[{{\"angle\":\"problem_solution\",\"intro_text\":\"...\",\"headline\":\"...\",\"description\":\"...\",\"call_to_action\":\"LEARN_MORE\"}}, ... one object per angle ...]}}\n"
    );
    let _ = writeln!(p, "It must validate against this JSON Schema:");
    let _ = writeln!(p, "{}", serde_json::to_string_pretty(&answer_schema()).expect("the schema serialises"));
    p
}

/// The repair turn: the problems, and the request for the complete corrected answer.
fn repair_prompt(problems: &[String], cut_at: Option<u32>) -> String {
    let mut p = String::from("Your answer cannot be used as it is. Problems:\n");
    for problem in problems {
        let _ = writeln!(p, "- {problem}");
    }
    if let Some(limit) = cut_at {
        let _ = writeln!(p, "\n(Your answer stopped at the {limit}-token limit: keep every field concise.)");
    }
    let _ = write!(
        p,
        "\nReply with the complete corrected JSON object: all five variations, the ones without problems included, \
in the same format and schema as asked, using only numbers and facts from the brief. JSON only, nothing else."
    );
    p
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn usage_saturates() {
        // Found by `demo::fuzz` (claude.answer): a reply claiming u64::MAX tokens, then its repair.
        let mut u = Usage { input_tokens: u64::MAX, output_tokens: 5 };
        u += Usage { input_tokens: 1, output_tokens: u64::MAX };
        assert_eq!(u, Usage { input_tokens: u64::MAX, output_tokens: u64::MAX });
        assert!(cost_usd("claude-sonnet-4-5", u).is_some_and(f64::is_finite));
    }

    #[test]
    fn prices_resolve_aliases_and_dated_ids_and_nothing_else() {
        assert_eq!(price_for("claude-sonnet-4-5").map(|p| p.input_per_mtok), Some(3.0));
        assert_eq!(price_for("claude-sonnet-4-5-20250929").map(|p| p.output_per_mtok), Some(15.0));
        assert_eq!(price_for("claude-sonnet-4-20250514").map(|p| p.model), Some("claude-sonnet-4"));
        assert_eq!(price_for("claude-opus-4-1-20250805").map(|p| p.input_per_mtok), Some(15.0));
        assert_eq!(price_for("claude-opus-4-5").map(|p| p.input_per_mtok), Some(5.0));
        assert_eq!(price_for("claude-3-5-haiku-latest").map(|p| p.input_per_mtok), Some(0.8));
        assert_eq!(price_for("claude-haiku-4-5-20251001").map(|p| p.output_per_mtok), Some(5.0));
        assert_eq!(price_for("claude-sonnet-4-9"), None);
        assert_eq!(price_for("claude-sonnet-4-5-preview"), None);
        assert_eq!(price_for("gpt-4o"), None);
        let cost = cost_usd("claude-sonnet-4-5", Usage { input_tokens: 2_000, output_tokens: 1_000 }).unwrap();
        assert!((cost - 0.021).abs() < 1e-12, "{cost}");
        assert_eq!(cost_usd("mystery-model", Usage { input_tokens: 1, output_tokens: 1 }), None);
    }

    #[test]
    fn json_is_found_in_fences_and_prose() {
        assert_eq!(json_text("{\"a\":1}"), "{\"a\":1}");
        assert_eq!(json_text("```json\n{\"a\":1}\n```"), "{\"a\":1}");
        assert_eq!(json_text("Here you go:\n```\n{\"a\":1}\n```\nEnjoy."), "{\"a\":1}");
        assert_eq!(json_text("```{\"a\":1}```"), "{\"a\":1}");
        assert_eq!(json_text("Sure! {\"a\":{\"b\":2}} hope it helps"), "{\"a\":{\"b\":2}}");
        // Cut off inside the fence: what there is, which then fails to parse.
        assert_eq!(json_text("```json\n{\"variations\":[{\"angle\""), "{\"variations\":[{\"angle\"");
    }

    #[test]
    fn structural_problems_are_named() {
        let e = parse_answer("{\"variations\":[{\"angle\":\"humour\",\"intro_text\":\"a\",\"headline\":1}, 3]}")
            .unwrap_err();
        assert_eq!(
            e,
            vec![
                "variations[0] (humour).angle: \"humour\" is not one of problem_solution, benefit_focused, social_proof, urgency, question_based",
                "variations[0] (humour).headline: missing or not a string",
                "variations[0] (humour).description: missing or not a string",
                "variations[0] (humour).call_to_action: missing or not a string",
                "variations[1] is not an object",
            ]
        );
        assert!(parse_answer("[]").unwrap_err()[0].contains("\"variations\" array"));
        assert!(parse_answer("not json").unwrap_err()[0].starts_with("the answer is not valid JSON"));
    }

    #[test]
    fn retry_after_and_backoff() {
        let mut h = reqwest::header::HeaderMap::new();
        h.insert("retry-after", HeaderValue::from_static("7"));
        assert_eq!(retry_after(&h), Some(Duration::from_secs(7)));
        h.insert("retry-after", HeaderValue::from_static("0.5"));
        assert_eq!(retry_after(&h), Some(Duration::from_millis(500)));
        h.insert("retry-after", HeaderValue::from_static("soon"));
        assert_eq!(retry_after(&h), None);

        let p = DEFAULT_RETRY;
        for retry in 0..3 {
            let ceiling = Duration::from_secs(2 << retry).min(p.max_delay);
            for _ in 0..50 {
                assert!(backoff(&p, retry, None, Duration::ZERO).unwrap() <= ceiling);
            }
        }
        let waits: std::collections::BTreeSet<_> = (0..20).map(|_| backoff(&p, 2, None, Duration::ZERO)).collect();
        assert!(waits.len() > 10, "jitter varies");
        assert_eq!(backoff(&p, 3, None, Duration::ZERO), None, "4 attempts in all");
        assert_eq!(backoff(&p, 0, Some(Duration::from_secs(7)), Duration::ZERO), Some(Duration::from_secs(7)));
        assert_eq!(backoff(&p, 1, Some(Duration::from_secs(61)), Duration::from_secs(60)), None, "budget");
    }

    #[test]
    fn server_text_is_scrubbed_of_the_key() {
        let e = ApiError::parse(
            br#"{"type":"error","error":{"type":"authentication_error","message":"bad key sk-ant-secret-1"}}"#,
            "sk-ant-secret-1",
        );
        assert_eq!((e.kind.as_str(), e.message.as_str()), ("authentication_error", "bad key [redacted]"));
        let e = ApiError::parse(b"<html>502 Bad Gateway</html>", "k");
        assert_eq!((e.kind.as_str(), e.message.as_str()), ("error", "<html>502 Bad Gateway</html>"));
        let e = ApiError::parse(
            br#"{"type":"error","error":{"type":"rate_limit_error","message":"cap","details":{"error_code":"enforced_spend_limit_reached"}}}"#,
            "k",
        );
        assert_eq!(e.code.as_deref(), Some("enforced_spend_limit_reached"));
    }

    #[test]
    fn the_prompt_has_the_schema_the_angles_and_the_limits() {
        let brief = Brief { winners: vec![], patterns: vec!["Questions win".into()], existing: vec![] };
        let p = user_prompt(&brief);
        assert!(p.contains(&serde_json::to_string_pretty(&answer_schema()).unwrap()));
        for a in Angle::ALL {
            assert!(p.contains(&format!("- {}: {}", a.as_str(), a.meaning())));
        }
        assert!(p.contains("at most 600 characters") && p.contains("at most 200") && p.contains("at most 300"));
        assert!(p.contains("- Questions win"));
        assert!(system_prompt().contains("Never invent a statistic"));
    }
}
