//! Configuration from environment variables, validated up front.
//!
//! The CLI and the Lambdas read the same names. Every problem is collected (not just the first) and
//! each message names the variable, what it holds and what it should hold, so one failed start tells
//! the operator everything to fix. Values of secret variables are never echoed.

use std::collections::BTreeMap;
use std::fmt;
use std::path::PathBuf;
use std::time::Duration;

use crate::ids::{AccountId, CampaignId};
use crate::linkedin::retry::RetryPolicy;
use crate::secret::Secret;

/// One documented variable: the single source for `--help`, the README table test and error hints.
#[derive(Debug, Clone, Copy)]
pub struct VarDoc {
    pub name: &'static str,
    pub default: &'static str,
    pub meaning: &'static str,
}

/// Every variable the jobs read. `README.md`'s configuration table is checked against this list.
pub const VARS: &[VarDoc] = &[
    VarDoc {
        name: "DATA_DIR",
        default: "-",
        meaning: "local object-store root (the embedded default); set this or BUCKET_NAME",
    },
    VarDoc {
        name: "BUCKET_NAME",
        default: "-",
        meaning: "S3 bucket holding raw/, processed/, logs/ (production); set this or DATA_DIR",
    },
    VarDoc {
        name: "LINKEDIN_AD_ACCOUNT_ID",
        default: "required",
        meaning: "numeric ad account id (or its urn:li:sponsoredAccount URN)",
    },
    VarDoc {
        name: "CAMPAIGN_IDS",
        default: "empty",
        meaning: "comma list of campaign ids; empty = every ACTIVE and PAUSED campaign of the account",
    },
    VarDoc {
        name: "LOOKBACK_DAYS",
        default: "7",
        meaning: "days before the run's day re-pulled each run, because LinkedIn restates them (0-90); the optimizer reviews its pauses once their data is this old",
    },
    VarDoc {
        name: "LINKEDIN_API_BASE_URL",
        default: "https://api.linkedin.com",
        meaning: "API base; the client appends /rest/...",
    },
    VarDoc {
        name: "LINKEDIN_OAUTH_URL",
        default: "https://www.linkedin.com",
        meaning: "OAuth base; the token endpoint is <base>/oauth/v2/accessToken",
    },
    VarDoc {
        name: "LINKEDIN_API_VERSION",
        default: crate::linkedin::DEFAULT_API_VERSION,
        meaning: "LinkedIn-Version header, YYYYMM (LinkedIn sunsets a version after about a year: HTTP 426)",
    },
    VarDoc {
        name: "SECRET_NAME",
        default: "-",
        meaning: "secret holding the OAuth credentials JSON (Secrets Manager, or a file under SECRETS_DIR)",
    },
    VarDoc {
        name: "SECRETS_DIR",
        default: "-",
        meaning: "local secret store: SECRET_NAME is read from and refreshed into <dir>/<name>.json",
    },
    VarDoc {
        name: "LINKEDIN_ACCESS_TOKEN",
        default: "-",
        meaning: "a fixed access token for local runs, instead of SECRET_NAME (cannot be refreshed)",
    },
    VarDoc {
        name: "LINKEDIN_MAX_RETRIES",
        default: "5",
        meaning: "retries of a throttled (429) or failed (5xx, network) call",
    },
    VarDoc {
        name: "LINKEDIN_MAX_RETRY_WAIT_SECONDS",
        default: "600",
        meaning: "total backoff one call may wait before it gives up",
    },
    VarDoc { name: "LINKEDIN_CONCURRENCY", default: "4", meaning: "LinkedIn calls in flight at once (1-16)" },
    VarDoc {
        name: "DECISION_POLICY",
        default: "conversions",
        meaning: "how the optimizer decides: conversions (conversions per impression and the learned bid response), bayesian (CTR posteriors and the pacing heuristic) or threshold (the seed's fixed rules)",
    },
    VarDoc {
        name: "TARGET_CPA",
        default: "-",
        meaning: "conversions policy: the most a marginal conversion may cost, account currency; a bid is raised only while the conversions it buys cost at most this",
    },
    VarDoc {
        name: "TARGET_CPA_BY_CAMPAIGN",
        default: "-",
        meaning: "per-campaign TARGET_CPA overrides: campaign=amount pairs separated by commas",
    },
    VarDoc {
        name: "MAX_MARGINAL_CPA_MULTIPLE",
        default: "2.0",
        meaning: "conversions policy without a target: a bid is raised only while the conversions it buys cost at most this multiple of the account's average cost per conversion (1-10)",
    },
    VarDoc {
        name: "CONVERSIONS_PROB_BEST_FLOOR",
        default: "0.01",
        meaning: "conversions policy: pause a creative once P(best conversions per impression of its campaign) is below this (0-0.5)",
    },
    VarDoc {
        name: "BID_EXPERIMENT_PERCENT",
        default: "10",
        meaning: "conversions policy: the step of a bid experiment, made when the bid history cannot tell how volume answers the bid (1-25)",
    },
    VarDoc {
        name: "BUDGET_REALLOCATION",
        default: "true",
        meaning: "conversions policy: move daily budget between budget-bound conversion campaigns, from dear conversions to cheap ones, keeping the account's total",
    },
    VarDoc {
        name: "DRY_RUN",
        default: "false",
        meaning: "decide, log and report everything, write nothing to LinkedIn (optimize, undo, copy approve, AUTO_PUBLISH); blank or not a boolean is a configuration error",
    },
    VarDoc {
        name: "MIN_CTR_THRESHOLD",
        default: "1.0",
        meaning: "percent: a CTR below this is poor (threshold: pause; bayesian: pause when confidently below)",
    },
    VarDoc { name: "TOP_PERFORMER_THRESHOLD", default: "3.0", meaning: "percent: a CTR above this is a winner" },
    VarDoc {
        name: "MAX_CPC",
        default: "8.0",
        meaning: "USD: the threshold policy pauses above this CPC; the ceiling of every CPC bid",
    },
    VarDoc {
        name: "MIN_SAMPLE_SIZE",
        default: "100",
        meaning: "clicks before the threshold policy judges a creative's CTR",
    },
    VarDoc {
        name: "BID_CHANGE_THRESHOLD",
        default: "0.50",
        meaning: "USD dead band: a bid change smaller than this is not made",
    },
    VarDoc {
        name: "PAUSE_CONFIDENCE",
        default: "0.95",
        meaning: "bayesian: pause when P(CTR < MIN_CTR_THRESHOLD) reaches this (and the creative is not a plausible best)",
    },
    VarDoc {
        name: "PROB_BEST_FLOOR",
        default: "0.05",
        meaning: "bayesian: pause when P(best of its campaign) falls below this after BAYES_MIN_IMPRESSIONS",
    },
    VarDoc {
        name: "BAYES_MIN_IMPRESSIONS",
        default: "2000",
        meaning: "bayesian: impressions before P(best) may pause a creative",
    },
    VarDoc {
        name: "MAX_PAUSES_PER_CAMPAIGN",
        default: "1",
        meaning: "guardrail: creatives paused per campaign per day (the last active one never is); safe 0-5, up to 100 with GUARDRAILS_UNSAFE_OVERRIDE",
    },
    VarDoc {
        name: "COOLDOWN_DAYS",
        default: "3",
        meaning: "guardrail: days after the optimizer changed an entity before it may change it again; safe 1-90, 0 only with GUARDRAILS_UNSAFE_OVERRIDE",
    },
    VarDoc {
        name: "MAX_BID_STEP_PERCENT",
        default: "20",
        meaning: "guardrail: largest bid change per run, percent of the current bid; safe 0-50, up to 100 with GUARDRAILS_UNSAFE_OVERRIDE",
    },
    VarDoc { name: "MIN_BID", default: "2.0", meaning: "guardrail: lowest bid the optimizer sets, USD" },
    VarDoc {
        name: "MAX_BUDGET_STEP_PERCENT",
        default: "20",
        meaning: "guardrail: largest daily-budget raise per run, percent; safe 0-50, up to 100 with GUARDRAILS_UNSAFE_OVERRIDE",
    },
    VarDoc {
        name: "MAX_DAILY_BUDGET",
        default: "-",
        meaning: "guardrail: budgets are raised up to this at most, USD (winners' scale-up needs it); unset = a budget is raised only by a reallocation, which keeps the account's total",
    },
    VarDoc {
        name: "DECISION_WINDOW_DAYS",
        default: "7",
        meaning: "days of performance (ending yesterday) each decision looks at",
    },
    VarDoc {
        name: "FRESHNESS_HOURS",
        default: "30",
        meaning: "the newest successful collection of each judged campaign must be this recent, else the optimizer writes nothing; safe 1-48, up to 720 with GUARDRAILS_UNSAFE_OVERRIDE",
    },
    VarDoc {
        name: "GUARDRAILS_UNSAFE_OVERRIDE",
        default: "false",
        meaning: "true allows the guardrail variables past their safe bounds (up to their hard limits); the optimizer's report, log and UnsafeGuardrails metric then name each one",
    },
    VarDoc {
        name: "SNS_TOPIC_ARN",
        default: "-",
        meaning: "topic the daily report is published to (email subscribers); unset = stdout",
    },
    VarDoc {
        name: "ATHENA_DATABASE",
        default: "-",
        meaning: "read performance with Athena from this database (athena/create_tables.sql); unset = local aggregation of processed/",
    },
    VarDoc { name: "ATHENA_WORKGROUP", default: "primary", meaning: "Athena workgroup the queries run in" },
    VarDoc {
        name: "ATHENA_OUTPUT_LOCATION",
        default: "-",
        meaning: "s3:// folder for query results; unset = the workgroup's own setting",
    },
    VarDoc {
        name: "ATHENA_TIMEOUT_SECONDS",
        default: "300",
        meaning: "how long one Athena query may run before the job gives up (10-3600)",
    },
    VarDoc {
        name: "ANTHROPIC_API_KEY",
        default: "-",
        meaning: "Claude API key for the copy generator (local runs); unset with ANTHROPIC_SECRET_NAME unset = the offline generator",
    },
    VarDoc {
        name: "ANTHROPIC_SECRET_NAME",
        default: "-",
        meaning: "secret holding the Claude API key (Secrets Manager, or a file under SECRETS_DIR): the key, or JSON with api_key",
    },
    VarDoc {
        name: "ANTHROPIC_BASE_URL",
        default: "https://api.anthropic.com",
        meaning: "Anthropic API base; the client appends /v1/messages",
    },
    VarDoc {
        name: "ANTHROPIC_MODEL",
        default: "claude-sonnet-4-5",
        meaning: "the Claude model that writes the variations",
    },
    VarDoc {
        name: "AUTO_PUBLISH",
        default: "false",
        meaning: "copy generator: publish each batch's best-ranked variation to LinkedIn without review (needs the LinkedIn settings; DRY_RUN holds it back)",
    },
    VarDoc {
        name: "CREATIVE_SCORER_ENDPOINT",
        default: "-",
        meaning: "SageMaker endpoint scoring ad copy; unset = the native model in models/creative_scorer/, else heuristics",
    },
    VarDoc {
        name: "BID_OPTIMIZER_ENDPOINT",
        default: "-",
        meaning: "SageMaker endpoint predicting clicks per bid; unset = the native model in models/bid_optimizer/, else the pacing heuristic",
    },
];

/// Names whose values must never appear in a message.
const SECRET_VARS: &[&str] = &["LINKEDIN_ACCESS_TOKEN", "ANTHROPIC_API_KEY"];

/// A snapshot of the environment. Empty values count as unset.
#[derive(Clone, Default)]
pub struct Env {
    vars: BTreeMap<String, String>,
}

impl fmt::Debug for Env {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Names only: values can be tokens.
        f.debug_struct("Env").field("names", &self.vars.keys().collect::<Vec<_>>()).finish()
    }
}

impl Env {
    /// The process environment.
    pub fn from_process() -> Self {
        Self::from_pairs(std::env::vars())
    }

    pub fn from_pairs<K: Into<String>, V: Into<String>>(pairs: impl IntoIterator<Item = (K, V)>) -> Self {
        Self { vars: pairs.into_iter().map(|(k, v)| (k.into(), v.into())).collect() }
    }

    /// Sets (or with `None` removes) a variable; for CLI flags that override the environment.
    pub fn set(&mut self, name: &str, value: Option<String>) {
        match value {
            Some(v) => self.vars.insert(name.to_string(), v),
            None => self.vars.remove(name),
        };
    }

    /// The trimmed value, `None` when unset or blank.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.vars.get(name).map(|v| v.trim()).filter(|v| !v.is_empty())
    }

    /// Whether the variable is present at all, even blank (`DRY_RUN=`).
    pub fn is_present(&self, name: &str) -> bool {
        self.vars.contains_key(name)
    }
}

/// One configuration problem.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ConfigError {
    #[error("{var} is not set: {hint}")]
    Missing { var: &'static str, hint: String },
    #[error("{var}={value} is not valid: {expected}")]
    Invalid { var: &'static str, value: String, expected: String },
    #[error("{0}")]
    Conflict(String),
}

/// All the problems found in one pass.
#[derive(Clone, PartialEq, Eq, thiserror::Error)]
pub struct ConfigErrors(pub Vec<ConfigError>);

/// Reads like `Display`: a binary whose `main` returns this error prints `Debug`, and the operator
/// should see the list of variables to fix, not a struct dump.
impl fmt::Debug for ConfigErrors {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}

impl fmt::Display for ConfigErrors {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "configuration is invalid ({} problem{}):", self.0.len(), if self.0.len() == 1 { "" } else { "s" })?;
        for e in &self.0 {
            write!(f, "\n  - {e}")?;
        }
        Ok(())
    }
}

/// Reads typed values and collects the problems.
pub struct Reader<'a> {
    env: &'a Env,
    errors: Vec<ConfigError>,
}

impl<'a> Reader<'a> {
    pub fn new(env: &'a Env) -> Self {
        Self { env, errors: Vec::new() }
    }

    pub fn env(&self) -> &Env {
        self.env
    }

    pub fn push(&mut self, e: ConfigError) {
        self.errors.push(e);
    }

    /// The raw value of an optional variable.
    pub fn text(&self, var: &str) -> Option<String> {
        self.env.get(var).map(str::to_string)
    }

    /// A value parsed with `parse`, or `default` when unset. `expected` says what is valid.
    pub fn parsed<T>(
        &mut self,
        var: &'static str,
        default: T,
        expected: &str,
        parse: impl FnOnce(&str) -> Option<T>,
    ) -> T {
        match self.env.get(var) {
            None => default,
            Some(raw) => match parse(raw) {
                Some(v) => v,
                None => {
                    self.invalid(var, raw, expected);
                    default
                }
            },
        }
    }

    /// A required value parsed with `parse`.
    pub fn required<T>(
        &mut self,
        var: &'static str,
        hint: &str,
        expected: &str,
        parse: impl FnOnce(&str) -> Option<T>,
    ) -> Option<T> {
        match self.env.get(var) {
            None => {
                self.errors.push(ConfigError::Missing { var, hint: hint.to_string() });
                None
            }
            Some(raw) => {
                let v = parse(raw);
                if v.is_none() {
                    self.invalid(var, raw, expected);
                }
                v
            }
        }
    }

    /// A whole number within `range`.
    pub fn number(&mut self, var: &'static str, default: u64, range: std::ops::RangeInclusive<u64>) -> u64 {
        let expected = format!("expected a whole number from {} to {} (default {default})", range.start(), range.end());
        self.parsed(var, default, &expected, |s| s.parse::<u64>().ok().filter(|n| range.contains(n)))
    }

    /// `true/false/1/0/yes/no/on/off`, `default` when unset. Fail-closed: a variable that is set but
    /// blank (`DRY_RUN=`) or not a boolean (`DRY_RUN=maybe`) is an error naming it, never the default
    /// (a blank `DRY_RUN` used to mean live writes).
    pub fn flag(&mut self, var: &'static str, default: bool) -> bool {
        let expected = format!("expected true or false (or unset it for the default, {default})");
        if self.env.is_present(var) && self.env.get(var).is_none() {
            self.errors.push(ConfigError::Invalid { var, value: "'' (blank)".into(), expected });
            return default;
        }
        self.parsed(var, default, &expected, |s| match s.to_ascii_lowercase().as_str() {
            "true" | "1" | "yes" | "on" => Some(true),
            "false" | "0" | "no" | "off" => Some(false),
            _ => None,
        })
    }

    fn invalid(&mut self, var: &'static str, raw: &str, expected: &str) {
        let value = if SECRET_VARS.contains(&var) { "[redacted]".to_string() } else { format!("'{raw}'") };
        self.errors.push(ConfigError::Invalid { var, value, expected: expected.to_string() });
    }

    /// `Ok(value)` when nothing went wrong.
    pub fn finish<T>(self, value: impl FnOnce() -> T) -> Result<T, ConfigErrors> {
        if self.errors.is_empty() { Ok(value()) } else { Err(ConfigErrors(self.errors)) }
    }
}

/// Where objects live.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StorageConfig {
    /// The embedded default: a folder with the same key layout as the bucket.
    Local { data_dir: PathBuf },
    /// Production: an S3 bucket.
    S3 { bucket: String },
}

impl StorageConfig {
    pub fn read(r: &mut Reader<'_>) -> Option<Self> {
        match (r.text("DATA_DIR"), r.text("BUCKET_NAME")) {
            (Some(dir), None) => Some(Self::Local { data_dir: PathBuf::from(dir) }),
            (None, Some(bucket)) => {
                let valid = bucket.len() >= 3
                    && bucket.len() <= 63
                    && bucket.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-' || c == '.');
                if !valid {
                    r.push(ConfigError::Invalid {
                        var: "BUCKET_NAME",
                        value: format!("'{bucket}'"),
                        expected: "expected an S3 bucket name (3-63 characters: a-z, 0-9, '-', '.'), without s3://"
                            .into(),
                    });
                    return None;
                }
                Some(Self::S3 { bucket })
            }
            (Some(_), Some(_)) => {
                r.push(ConfigError::Conflict(
                    "DATA_DIR and BUCKET_NAME are both set: set DATA_DIR for a local folder or BUCKET_NAME for S3, not both".into(),
                ));
                None
            }
            (None, None) => {
                r.push(ConfigError::Missing {
                    var: "DATA_DIR",
                    hint: "set DATA_DIR to a local folder (e.g. DATA_DIR=./data) or BUCKET_NAME to an S3 bucket".into(),
                });
                None
            }
        }
    }

    /// `s3://bucket` or the folder, for messages.
    pub fn describe(&self) -> String {
        match self {
            Self::Local { data_dir } => data_dir.display().to_string(),
            Self::S3 { bucket } => format!("s3://{bucket}"),
        }
    }
}

/// Athena, when the performance tables are read there instead of aggregated locally.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AthenaConfig {
    pub database: String,
    pub workgroup: String,
    /// `s3://...`; `None` uses the workgroup's result location.
    pub output_location: Option<String>,
    pub timeout: Duration,
}

impl AthenaConfig {
    /// `None` when `ATHENA_DATABASE` is unset (the local aggregation is used).
    pub fn read(r: &mut Reader<'_>) -> Option<Self> {
        let database = r.text("ATHENA_DATABASE")?;
        let name_ok =
            |s: &str| !s.is_empty() && s.len() <= 255 && s.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
        if !name_ok(&database) {
            r.push(ConfigError::Invalid {
                var: "ATHENA_DATABASE",
                value: format!("'{database}'"),
                expected: "expected a Glue database name (letters, digits, '_'), e.g. linkedin_ads".into(),
            });
        }
        let workgroup = r.text("ATHENA_WORKGROUP").unwrap_or_else(|| "primary".into());
        let output_location = r.text("ATHENA_OUTPUT_LOCATION");
        if let Some(loc) = output_location.as_deref().filter(|l| !l.starts_with("s3://")) {
            r.push(ConfigError::Invalid {
                var: "ATHENA_OUTPUT_LOCATION",
                value: format!("'{loc}'"),
                expected: "expected an s3:// folder, e.g. s3://my-bucket/athena-results/".into(),
            });
        }
        let timeout = Duration::from_secs(r.number("ATHENA_TIMEOUT_SECONDS", 300, 10..=3600));
        Some(Self { database, workgroup, output_location, timeout })
    }
}

/// Where the LinkedIn OAuth credentials come from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CredentialsConfig {
    /// `LINKEDIN_ACCESS_TOKEN`: fixed, cannot be refreshed.
    AccessToken(Secret),
    /// `SECRET_NAME` in AWS Secrets Manager; refreshed tokens are written back.
    SecretsManager { secret_name: String },
    /// `SECRET_NAME` as `<SECRETS_DIR>/<name>.json`; refreshed tokens are written back.
    SecretFile { dir: PathBuf, secret_name: String },
}

impl CredentialsConfig {
    pub fn read(r: &mut Reader<'_>) -> Option<Self> {
        let token = r.text("LINKEDIN_ACCESS_TOKEN");
        let name = r.text("SECRET_NAME");
        let dir = r.text("SECRETS_DIR");
        match (token, name) {
            (Some(_), Some(_)) => {
                r.push(ConfigError::Conflict(
                    "LINKEDIN_ACCESS_TOKEN and SECRET_NAME are both set: use SECRET_NAME (refreshable credentials) or LINKEDIN_ACCESS_TOKEN (a fixed token), not both".into(),
                ));
                None
            }
            (Some(token), None) => Some(Self::AccessToken(Secret::new(token))),
            (None, Some(secret_name)) => Some(match dir {
                Some(dir) => Self::SecretFile { dir: PathBuf::from(dir), secret_name },
                None => Self::SecretsManager { secret_name },
            }),
            (None, None) => {
                r.push(ConfigError::Missing {
                    var: "SECRET_NAME",
                    hint: "set SECRET_NAME to the secret with the OAuth credentials JSON, or LINKEDIN_ACCESS_TOKEN to a token for a local run".into(),
                });
                None
            }
        }
    }
}

/// An API version such as `202610` (or `202610.01`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiVersion(String);

impl ApiVersion {
    pub fn parse(s: &str) -> Option<Self> {
        let (ym, rr) = match s.split_once('.') {
            Some((ym, rr)) => (ym, Some(rr)),
            None => (s, None),
        };
        let ok_ym = ym.len() == 6
            && ym.chars().all(|c| c.is_ascii_digit())
            && (1..=12).contains(&ym[4..].parse::<u32>().ok()?)
            && ym[..4].parse::<u32>().ok()? >= 2022;
        let ok_rr = rr.is_none_or(|rr| rr.len() == 2 && rr.chars().all(|c| c.is_ascii_digit()));
        (ok_ym && ok_rr).then(|| Self(s.to_string()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Year and month of the release.
    pub fn year_month(&self) -> (i32, u32) {
        (self.0[..4].parse().unwrap_or(0), self.0[4..6].parse().unwrap_or(0))
    }
}

impl fmt::Display for ApiVersion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// How to reach LinkedIn.
#[derive(Debug, Clone)]
pub struct LinkedInConfig {
    pub api_base_url: String,
    pub oauth_base_url: String,
    pub api_version: ApiVersion,
    pub account_id: AccountId,
    pub credentials: CredentialsConfig,
    pub retry: RetryPolicy,
    pub concurrency: usize,
}

impl LinkedInConfig {
    /// A configuration with the defaults the environment would give: the current API version, the
    /// default retry policy and concurrency, OAuth at the same base as the API (as the sandbox serves).
    pub fn new(api_base_url: &str, account_id: AccountId, credentials: CredentialsConfig) -> Self {
        let base = api_base_url.trim_end_matches('/').to_string();
        Self {
            oauth_base_url: base.clone(),
            api_base_url: base,
            api_version: ApiVersion(crate::linkedin::DEFAULT_API_VERSION.to_string()),
            account_id,
            credentials,
            retry: RetryPolicy::default(),
            concurrency: 4,
        }
    }

    pub fn read(r: &mut Reader<'_>) -> Option<Self> {
        let api_base_url = base_url(r, "LINKEDIN_API_BASE_URL", "https://api.linkedin.com");
        let oauth_base_url = base_url(r, "LINKEDIN_OAUTH_URL", "https://www.linkedin.com");
        let api_version = r.parsed(
            "LINKEDIN_API_VERSION",
            ApiVersion(crate::linkedin::DEFAULT_API_VERSION.to_string()),
            "expected a LinkedIn API version as YYYYMM (e.g. 202610) or YYYYMM.RR",
            ApiVersion::parse,
        );
        let account_id = r.required(
            "LINKEDIN_AD_ACCOUNT_ID",
            "set it to the numeric id of the ad account (Campaign Manager shows it next to the account name)",
            "expected a numeric ad account id or urn:li:sponsoredAccount:<id>",
            |s| AccountId::parse(s).ok(),
        );
        let credentials = CredentialsConfig::read(r);
        let max_retries = r.number("LINKEDIN_MAX_RETRIES", 5, 0..=20) as u32;
        let max_wait = r.number("LINKEDIN_MAX_RETRY_WAIT_SECONDS", 600, 0..=3600);
        let concurrency = r.number("LINKEDIN_CONCURRENCY", 4, 1..=16) as usize;
        let retry =
            RetryPolicy { max_retries, max_total_wait: Duration::from_secs(max_wait), ..RetryPolicy::default() };
        Some(Self {
            api_base_url,
            oauth_base_url,
            api_version,
            account_id: account_id?,
            credentials: credentials?,
            retry,
            concurrency,
        })
    }
}

fn base_url(r: &mut Reader<'_>, var: &'static str, default: &str) -> String {
    r.parsed(var, default.to_string(), "expected an http(s) URL such as https://api.linkedin.com (no path)", |s| {
        let s = s.trim_end_matches('/');
        let ok = (s.starts_with("https://") || s.starts_with("http://")) && s.len() > "https://".len();
        ok.then(|| s.to_string())
    })
}

/// Comma list of campaign ids; every bad entry is named.
pub fn campaign_ids(r: &mut Reader<'_>) -> Vec<CampaignId> {
    let Some(raw) = r.text("CAMPAIGN_IDS") else { return Vec::new() };
    let mut ids = Vec::new();
    for part in raw.split(',').map(str::trim).filter(|p| !p.is_empty()) {
        match CampaignId::parse(part) {
            Ok(id) if !ids.contains(&id) => ids.push(id),
            Ok(_) => {}
            Err(e) => r.push(ConfigError::Invalid {
                var: "CAMPAIGN_IDS",
                value: format!("'{raw}'"),
                expected: format!("{e}; expected a comma list such as 123456,789012"),
            }),
        }
    }
    ids
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env(pairs: &[(&str, &str)]) -> Env {
        Env::from_pairs(pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())))
    }

    #[test]
    fn reads_a_complete_local_config() {
        let e = env(&[("DATA_DIR", "/tmp/d"), ("LINKEDIN_AD_ACCOUNT_ID", "508720451"), ("LINKEDIN_ACCESS_TOKEN", "t")]);
        let mut r = Reader::new(&e);
        let storage = StorageConfig::read(&mut r);
        let li = LinkedInConfig::read(&mut r);
        r.finish(|| ()).unwrap();
        assert_eq!(storage, Some(StorageConfig::Local { data_dir: "/tmp/d".into() }));
        let li = li.unwrap();
        assert_eq!(li.account_id, AccountId(508720451));
        assert_eq!(li.api_base_url, "https://api.linkedin.com");
        assert_eq!(li.api_version.as_str(), crate::linkedin::DEFAULT_API_VERSION);
        assert_eq!(li.retry.max_retries, 5);
    }

    #[test]
    fn athena_is_optional_and_checked_when_set() {
        let none = env(&[("DATA_DIR", "/d")]);
        assert_eq!(AthenaConfig::read(&mut Reader::new(&none)), None);
        let ok = env(&[("ATHENA_DATABASE", "linkedin_ads"), ("ATHENA_OUTPUT_LOCATION", "s3://b/results/")]);
        let mut r = Reader::new(&ok);
        let a = AthenaConfig::read(&mut r).unwrap();
        r.finish(|| ()).unwrap();
        assert_eq!((a.workgroup.as_str(), a.timeout), ("primary", Duration::from_secs(300)));
        let bad = env(&[
            ("ATHENA_DATABASE", "linkedin-ads"),
            ("ATHENA_OUTPUT_LOCATION", "b/results"),
            ("ATHENA_TIMEOUT_SECONDS", "5"),
        ]);
        let mut r = Reader::new(&bad);
        AthenaConfig::read(&mut r);
        let err = r.finish(|| ()).unwrap_err().to_string();
        for needle in ["ATHENA_DATABASE", "'linkedin-ads'", "ATHENA_OUTPUT_LOCATION", "s3://", "ATHENA_TIMEOUT_SECONDS"]
        {
            assert!(err.contains(needle), "{needle} in {err}");
        }
    }

    #[test]
    fn collects_every_problem_and_names_each_variable() {
        let e = env(&[
            ("LINKEDIN_AD_ACCOUNT_ID", "acme"),
            ("LINKEDIN_API_VERSION", "2026-10"),
            ("LINKEDIN_MAX_RETRIES", "many"),
            ("LINKEDIN_ACCESS_TOKEN", "super-secret-token"),
            ("SECRET_NAME", "li"),
        ]);
        let mut r = Reader::new(&e);
        StorageConfig::read(&mut r);
        LinkedInConfig::read(&mut r);
        let err = r.finish(|| ()).unwrap_err();
        let text = err.to_string();
        assert_eq!(err.0.len(), 5, "{text}");
        assert!(text.contains("DATA_DIR is not set"), "{text}");
        assert!(text.contains("LINKEDIN_AD_ACCOUNT_ID='acme' is not valid"), "{text}");
        assert!(
            text.contains("LINKEDIN_API_VERSION='2026-10' is not valid: expected a LinkedIn API version as YYYYMM"),
            "{text}"
        );
        assert!(
            text.contains("LINKEDIN_MAX_RETRIES='many' is not valid: expected a whole number from 0 to 20"),
            "{text}"
        );
        assert!(text.contains("LINKEDIN_ACCESS_TOKEN and SECRET_NAME are both set"), "{text}");
        assert!(!text.contains("super-secret-token"));
        assert_eq!(format!("{err:?}"), text, "Debug reads like Display for binaries' main");
    }

    #[test]
    fn blank_values_count_as_unset_and_urls_lose_trailing_slashes() {
        let e = env(&[
            ("BUCKET_NAME", "my-bucket"),
            ("DATA_DIR", "  "),
            ("LINKEDIN_AD_ACCOUNT_ID", "urn:li:sponsoredAccount:7"),
            ("SECRET_NAME", "linkedin/creds"),
            ("LINKEDIN_API_BASE_URL", "http://127.0.0.1:9000/"),
        ]);
        let mut r = Reader::new(&e);
        let s = StorageConfig::read(&mut r).unwrap();
        let li = LinkedInConfig::read(&mut r).unwrap();
        r.finish(|| ()).unwrap();
        assert_eq!(s, StorageConfig::S3 { bucket: "my-bucket".into() });
        assert_eq!(li.api_base_url, "http://127.0.0.1:9000");
        assert_eq!(li.credentials, CredentialsConfig::SecretsManager { secret_name: "linkedin/creds".into() });
    }

    #[test]
    fn rejects_s3_urls_as_bucket_names() {
        let e = env(&[("BUCKET_NAME", "s3://my-bucket")]);
        let mut r = Reader::new(&e);
        assert!(StorageConfig::read(&mut r).is_none());
        assert!(r.finish(|| ()).unwrap_err().to_string().contains("without s3://"));
    }

    #[test]
    fn campaign_ids_are_parsed_deduplicated_and_bad_ones_named() {
        let e = env(&[("CAMPAIGN_IDS", "1, 2,,urn:li:sponsoredCampaign:3,2")]);
        let mut r = Reader::new(&e);
        assert_eq!(campaign_ids(&mut r), vec![CampaignId(1), CampaignId(2), CampaignId(3)]);
        assert!(r.finish(|| ()).is_ok());
        let e = env(&[("CAMPAIGN_IDS", "1,abc")]);
        let mut r = Reader::new(&e);
        campaign_ids(&mut r);
        let text = r.finish(|| ()).unwrap_err().to_string();
        assert!(text.contains("CAMPAIGN_IDS='1,abc' is not valid: 'abc' is not a campaign id"), "{text}");
    }

    #[test]
    fn a_blank_or_non_boolean_flag_is_an_error_naming_it() {
        for (raw, ok) in [("true", Some(true)), (" OFF ", Some(false)), ("1", Some(true)), ("", None), ("  ", None)] {
            let e = env(&[("DRY_RUN", raw)]);
            let mut r = Reader::new(&e);
            let v = r.flag("DRY_RUN", false);
            match ok {
                Some(want) => assert_eq!(r.finish(|| v).unwrap(), want, "{raw:?}"),
                None => {
                    let err = r.finish(|| v).unwrap_err().to_string();
                    assert!(err.contains("DRY_RUN='' (blank) is not valid: expected true or false"), "{raw:?}: {err}");
                }
            }
        }
        let e = env(&[("DRY_RUN", "maybe")]);
        let mut r = Reader::new(&e);
        r.flag("DRY_RUN", false);
        let err = r.finish(|| ()).unwrap_err().to_string();
        assert!(err.contains("DRY_RUN='maybe' is not valid: expected true or false"), "{err}");
        // Unset is the default.
        let e = env(&[]);
        let mut r = Reader::new(&e);
        assert!(r.flag("DRY_RUN", true));
        assert!(r.finish(|| ()).is_ok());
    }

    /// Property: any value of a flag is true, false or an error naming the variable; never silently the
    /// default when the text is not a boolean.
    #[test]
    fn arbitrary_flag_values_never_fall_back_silently() {
        let mut rng = fastrand::Rng::with_seed(4);
        for _ in 0..20_000 {
            let raw: String =
                (0..rng.usize(0..8)).map(|_| "tfrueaslyno01 \t".chars().nth(rng.usize(0..15)).unwrap()).collect();
            let e = env(&[("AUTO_PUBLISH", raw.as_str())]);
            let mut r = Reader::new(&e);
            let v = r.flag("AUTO_PUBLISH", false);
            let known = ["true", "1", "yes", "on", "false", "0", "no", "off"];
            match r.finish(|| v) {
                Ok(v) => assert!(
                    known.contains(&raw.trim().to_ascii_lowercase().as_str())
                        && v == ["true", "1", "yes", "on"].contains(&raw.trim().to_ascii_lowercase().as_str()),
                    "{raw:?}"
                ),
                Err(err) => assert!(err.to_string().contains("AUTO_PUBLISH="), "{raw:?}"),
            }
        }
    }

    #[test]
    fn api_versions() {
        assert!(ApiVersion::parse("202610").is_some());
        assert!(ApiVersion::parse("202610.01").is_some());
        assert!(ApiVersion::parse("202613").is_none());
        assert!(ApiVersion::parse("20261").is_none());
        assert!(ApiVersion::parse("20241101").is_none());
        assert_eq!(ApiVersion::parse("202604").unwrap().year_month(), (2026, 4));
    }
}

/// SageMaker endpoints for the models; unset = the native model from the store (else heuristics).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ModelEndpoints {
    pub creative_scorer: Option<String>,
    pub bid_optimizer: Option<String>,
}

impl ModelEndpoints {
    pub fn read(r: &mut Reader<'_>) -> Self {
        let mut endpoint = |var: &'static str| {
            let name = r.text(var)?;
            // SageMaker's rule for endpoint names.
            let ok = name.len() <= 63
                && name.starts_with(|c: char| c.is_ascii_alphanumeric())
                && name.ends_with(|c: char| c.is_ascii_alphanumeric())
                && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '-');
            if !ok {
                r.push(ConfigError::Invalid {
                    var,
                    value: format!("'{name}'"),
                    expected: "expected a SageMaker endpoint name (letters, digits, '-', at most 63), e.g. linkedin-ads-bid-optimizer".into(),
                });
            }
            Some(name)
        };
        Self {
            creative_scorer: endpoint("CREATIVE_SCORER_ENDPOINT"),
            bid_optimizer: endpoint("BID_OPTIMIZER_ENDPOINT"),
        }
    }

    pub fn get(&self, kind: crate::model::ModelKind) -> Option<&str> {
        match kind {
            crate::model::ModelKind::CreativeScorer => self.creative_scorer.as_deref(),
            crate::model::ModelKind::BidOptimizer => self.bid_optimizer.as_deref(),
        }
    }
}
