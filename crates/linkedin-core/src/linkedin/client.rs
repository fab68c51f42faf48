//! The transport every LinkedIn call goes through: versioned headers, query tunneling, retries,
//! token refresh on 401, and a circuit breaker that stops the run on errors every call would hit.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use reqwest::Method;
use reqwest::header::HeaderValue;
use serde::de::DeserializeOwned;

use super::auth::{AuthEvents, TokenProvider};
use super::error::{ApiError, ErrorBody, excerpt, hint_for};
use super::retry::{RetryCause, RetryPolicy, retry_after};
use crate::config::{ApiVersion, LinkedInConfig};
use crate::ids::AccountId;

/// LinkedIn's python client tunnels when the query string passes this many characters.
pub const MAX_QUERY_LEN: usize = 4000;

/// Counters for the run's metrics.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize)]
pub struct ClientStats {
    /// HTTP requests sent (each retry counts).
    pub api_calls: u64,
    pub retries: u64,
    pub throttled: u64,
    pub server_errors: u64,
    pub tunneled: u64,
    /// PARTIAL_UPDATE and create requests that LinkedIn accepted.
    pub writes: u64,
}

#[derive(Default)]
struct Counters {
    api_calls: AtomicU64,
    retries: AtomicU64,
    throttled: AtomicU64,
    server_errors: AtomicU64,
    tunneled: AtomicU64,
    writes: AtomicU64,
}

/// One API call, before it goes on the wire.
#[derive(Debug, Clone)]
pub(crate) struct Call {
    pub method: Method,
    /// Path under the base URL, already encoded (`/rest/adAccounts/1/creatives/urn%3A...`).
    pub path: String,
    /// Rest.li-encoded query string, without `?`.
    pub query: Option<String>,
    pub json_body: Option<Vec<u8>>,
    /// `X-RestLi-Method` (FINDER, PARTIAL_UPDATE, CREATE, ...).
    pub restli_method: Option<&'static str>,
    /// Whether the call may be repeated after a network error or 5xx (true for reads and `$set` patches).
    pub idempotent: bool,
}

impl Call {
    pub fn get(path: String, query: Option<String>) -> Self {
        Self { method: Method::GET, path, query, json_body: None, restli_method: None, idempotent: true }
    }

    pub fn finder(path: String, query: String) -> Self {
        Self { restli_method: Some("FINDER"), ..Self::get(path, Some(query)) }
    }

    fn label(&self) -> String {
        format!(
            "{} {}",
            self.restli_method.map(|m| m.to_string()).unwrap_or_else(|| self.method.to_string()),
            self.path
        )
    }
}

/// A successful answer.
#[derive(Debug)]
pub(crate) struct Reply {
    pub body: bytes::Bytes,
    /// `x-restli-id`: the id of what a CREATE or create-like ACTION made.
    pub restli_id: Option<String>,
}

struct Inner {
    http: reqwest::Client,
    base_url: String,
    version: ApiVersion,
    account: AccountId,
    tokens: Arc<TokenProvider>,
    retry: RetryPolicy,
    concurrency: usize,
    counters: Counters,
    circuit: Mutex<Option<String>>,
    rng: Mutex<fastrand::Rng>,
}

/// The LinkedIn Marketing API client. Cheap to clone; clones share tokens, counters and the breaker.
#[derive(Clone)]
pub struct LinkedInClient {
    inner: Arc<Inner>,
}

/// The shared HTTP client: TLS, timeouts, user agent, and no redirects. Every client of the project
/// (LinkedIn API, OAuth token endpoint, Anthropic) is built on it: a redirect would re-send the
/// bearer token, the refresh token and client secret, or the API key to wherever the `Location` points,
/// so a 3xx comes back as an answer and each client turns it into an error naming that host
/// ([`redirect_target`]).
pub fn http_client() -> reqwest::Client {
    reqwest::Client::builder()
        .user_agent(concat!("linkedin-ads-optimizer/", env!("CARGO_PKG_VERSION")))
        .connect_timeout(Duration::from_secs(10))
        .timeout(Duration::from_secs(120))
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("TLS backend initialises")
}

/// For a 3xx answer: where it pointed, as `host[:port]` (the `Location` resolved against the request's
/// URL; never its path or query), or a note when it had none. `None` for any other status.
pub fn redirect_target(resp: &reqwest::Response) -> Option<String> {
    if !resp.status().is_redirection() {
        return None;
    }
    let location = resp.headers().get(reqwest::header::LOCATION).and_then(|v| v.to_str().ok());
    Some(match location {
        None => "(no Location header)".to_string(),
        Some(loc) => match resp.url().join(loc.trim()) {
            Ok(u) => match (u.host_str(), u.port()) {
                (Some(h), Some(p)) => format!("{h}:{p}"),
                (Some(h), None) => h.to_string(),
                (None, _) => "(a Location without a host)".to_string(),
            },
            Err(_) => "(an unreadable Location)".to_string(),
        },
    })
}

impl LinkedInClient {
    pub fn new(config: &LinkedInConfig, tokens: Arc<TokenProvider>, http: reqwest::Client) -> Self {
        Self {
            inner: Arc::new(Inner {
                http,
                base_url: config.api_base_url.trim_end_matches('/').to_string(),
                version: config.api_version.clone(),
                account: config.account_id,
                tokens,
                retry: config.retry.clone(),
                concurrency: config.concurrency.max(1),
                counters: Counters::default(),
                circuit: Mutex::new(None),
                rng: Mutex::new(fastrand::Rng::new()),
            }),
        }
    }

    /// Seeds the jitter, for reproducible simulations.
    pub fn with_jitter_seed(self, seed: u64) -> Self {
        *self.inner.rng.lock().unwrap() = fastrand::Rng::with_seed(seed);
        self
    }

    pub fn account(&self) -> AccountId {
        self.inner.account
    }

    pub fn version(&self) -> &ApiVersion {
        &self.inner.version
    }

    /// How many calls a job may keep in flight.
    pub fn concurrency(&self) -> usize {
        self.inner.concurrency
    }

    pub fn stats(&self) -> ClientStats {
        let c = &self.inner.counters;
        ClientStats {
            api_calls: c.api_calls.load(Ordering::Relaxed),
            retries: c.retries.load(Ordering::Relaxed),
            throttled: c.throttled.load(Ordering::Relaxed),
            server_errors: c.server_errors.load(Ordering::Relaxed),
            tunneled: c.tunneled.load(Ordering::Relaxed),
            writes: c.writes.load(Ordering::Relaxed),
        }
    }

    pub async fn auth_events(&self) -> AuthEvents {
        self.inner.tokens.events().await
    }

    /// `/rest/adAccounts/{account}` + `rest`.
    pub(crate) fn account_path(&self, rest: &str) -> String {
        format!("/rest/adAccounts/{}{rest}", self.inner.account.0)
    }

    /// Sends a call and decodes a JSON answer.
    pub(crate) async fn json<T: DeserializeOwned>(&self, call: Call) -> Result<T, ApiError> {
        let label = call.label();
        let reply = self.execute(call).await?;
        serde_json::from_slice(&reply.body).map_err(|e| ApiError::Malformed {
            endpoint: label,
            detail: e.to_string(),
            excerpt: excerpt(&reply.body, 200),
        })
    }

    /// Starts a run: closes the circuit a failure of an earlier run opened. The circuit stops *one
    /// run* on an error every further call would hit; a Lambda container keeps the client between
    /// invocations, so without this a daily limit (or a refused token) broke every later run of that
    /// container, after midnight and after the token was fixed, until AWS recycled it. Every job's
    /// `run` (and `undo`, `copy approve`) calls this first.
    pub fn begin_run(&self) {
        *self.inner.circuit.lock().unwrap() = None;
    }

    /// Sends a call: the retry loop.
    pub(crate) async fn execute(&self, call: Call) -> Result<Reply, ApiError> {
        if let Some(reason) = self.inner.circuit.lock().unwrap().clone() {
            return Err(ApiError::CircuitOpen(reason));
        }
        let result = self.execute_inner(&call).await;
        if let Err(e) = &result
            && e.is_fatal_for_run()
            && !matches!(e, ApiError::CircuitOpen(_))
        {
            let mut circuit = self.inner.circuit.lock().unwrap();
            circuit.get_or_insert_with(|| e.to_string());
        }
        result
    }

    async fn execute_inner(&self, call: &Call) -> Result<Reply, ApiError> {
        let label = call.label();
        let inner = &self.inner;
        let mut token = inner.tokens.bearer().await?;
        let mut refreshed = false;
        let mut tunnel = call.method == Method::GET && call.query.as_ref().is_some_and(|q| q.len() > MAX_QUERY_LEN);
        let mut retries = 0u32;
        let mut waited = Duration::ZERO;

        loop {
            let request = self.build(call, tunnel, token.expose());
            inner.counters.api_calls.fetch_add(1, Ordering::Relaxed);
            if tunnel {
                inner.counters.tunneled.fetch_add(1, Ordering::Relaxed);
            }
            let outcome = request.send().await;

            let (cause, retry_after, failure) = match outcome {
                Err(e) => {
                    let message = e.without_url().to_string();
                    if !call.idempotent {
                        return Err(ApiError::Network { endpoint: label, attempts: retries + 1, message });
                    }
                    (RetryCause::Network, None, Failure::Network(message))
                }
                Ok(resp) => {
                    if let Some(target) = redirect_target(&resp) {
                        return Err(ApiError::Redirected { endpoint: label, status: resp.status().as_u16(), target });
                    }
                    let status = resp.status();
                    let headers = resp.headers().clone();
                    let body = resp.bytes().await.unwrap_or_default();
                    if status.is_success() {
                        if call.method != Method::GET && !tunnel {
                            inner.counters.writes.fetch_add(1, Ordering::Relaxed);
                        }
                        let restli_id = headers.get("x-restli-id").and_then(|v| v.to_str().ok()).map(str::to_string);
                        return Ok(Reply { body, restli_id });
                    }
                    let err = ErrorBody::parse(&body);
                    match status.as_u16() {
                        401 if !refreshed => {
                            tracing::info!(endpoint = %label, "401 from LinkedIn: refreshing the token once");
                            token = inner.tokens.refresh_after_unauthorized(&token).await?;
                            refreshed = true;
                            continue;
                        }
                        401 => {
                            return Err(ApiError::Unauthorized { endpoint: label, message: err.message().to_string() });
                        }
                        414 if call.method == Method::GET && !tunnel => {
                            tracing::info!(endpoint = %label, "414 URI too long: switching to query tunneling");
                            tunnel = true;
                            continue;
                        }
                        426 => {
                            return Err(ApiError::VersionSunset {
                                endpoint: label,
                                version: inner.version.to_string(),
                                message: err.code.clone().unwrap_or_else(|| err.message().to_string()),
                            });
                        }
                        429 if err.is_daily_limit() => {
                            return Err(ApiError::DailyLimit { endpoint: label, message: err.message().to_string() });
                        }
                        429 => {
                            inner.counters.throttled.fetch_add(1, Ordering::Relaxed);
                            let cause =
                                if err.is_data_volume() { RetryCause::DataVolume } else { RetryCause::Throttled };
                            (cause, retry_after(&headers), Failure::Throttled(err.message().to_string()))
                        }
                        500 | 502 | 503 | 504 if call.idempotent => {
                            inner.counters.server_errors.fetch_add(1, Ordering::Relaxed);
                            (
                                RetryCause::ServerError,
                                retry_after(&headers),
                                Failure::Server(status.as_u16(), err.message().to_string()),
                            )
                        }
                        s => {
                            return Err(ApiError::Rejected {
                                endpoint: label,
                                status: s,
                                code: err.code.as_ref().map(|c| format!(" {c}")).unwrap_or_default(),
                                message: err.message().to_string(),
                                hint: hint_for(s, &inner.account.to_string()),
                            });
                        }
                    }
                }
            };

            let delay = {
                let mut rng = inner.rng.lock().unwrap();
                inner.retry.delay(retries, cause, retry_after, waited, &mut rng)
            };
            let Some(delay) = delay else {
                let attempts = retries + 1;
                return Err(match failure {
                    Failure::Network(message) => ApiError::Network { endpoint: label, attempts, message },
                    Failure::Throttled(message) => ApiError::Throttled { endpoint: label, attempts, waited, message },
                    Failure::Server(status, message) => {
                        ApiError::ServerError { endpoint: label, status, attempts, waited, message }
                    }
                });
            };
            tracing::warn!(endpoint = %label, ?cause, retry = retries + 1, delay_ms = delay.as_millis() as u64, "LinkedIn call failed; retrying");
            inner.counters.retries.fetch_add(1, Ordering::Relaxed);
            tokio::time::sleep(delay).await;
            waited += delay;
            retries += 1;
        }
    }

    fn build(&self, call: &Call, tunnel: bool, token: &str) -> reqwest::RequestBuilder {
        let inner = &self.inner;
        let url = format!("{}{}", inner.base_url, call.path);
        let mut req = if tunnel {
            // Query tunneling: the query moves into a form body; LinkedIn runs it as the GET it was.
            inner
                .http
                .post(&url)
                .header("X-HTTP-Method-Override", "GET")
                .header("Content-Type", "application/x-www-form-urlencoded")
                .body(call.query.clone().unwrap_or_default())
        } else {
            let url = match &call.query {
                // Appended verbatim: the Rest.li structure characters must stay literal.
                Some(q) => format!("{url}?{q}"),
                None => url,
            };
            let mut r = inner.http.request(call.method.clone(), url);
            if let Some(body) = &call.json_body {
                r = r.header("Content-Type", "application/json").body(body.clone());
            }
            r
        };
        let mut auth = HeaderValue::from_str(&format!("Bearer {token}"))
            .unwrap_or_else(|_| HeaderValue::from_static("Bearer invalid"));
        auth.set_sensitive(true);
        req = req
            .header("Authorization", auth)
            .header("LinkedIn-Version", inner.version.as_str())
            .header("X-Restli-Protocol-Version", "2.0.0");
        if let Some(m) = call.restli_method {
            req = req.header("X-RestLi-Method", m);
        }
        req
    }
}

enum Failure {
    Network(String),
    Throttled(String),
    Server(u16, String),
}
