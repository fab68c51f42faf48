//! The demo: the pipeline's real jobs, day after simulated day, against the LinkedIn sandbox.
//!
//! It starts the sandbox in-process on a loopback port, then for each simulated day replays the
//! production schedule ([`schedule::day_plan`]): the collector four times, the data processor, the
//! optimizer, and on Mondays the copy generator, each through the real HTTP client and the local
//! backends under `DATA_DIR`. A job that is not built yet is named and skipped. At the end it checks
//! that the collected data equals the sandbox's ground truth, compares this system with no optimization
//! and with the oracle, prints the table and writes an HTML report under `DATA_DIR/reports/`.
//!
//! The same seed gives the same market, the same faults and the same numbers.

pub mod fuzz;
pub mod html;
pub mod markets;
pub mod reconcile;
pub mod schedule;
pub mod soak;
pub mod summary;

use std::path::{Path, PathBuf};
use std::sync::Arc;

use chrono::{Datelike, NaiveDate, TimeDelta};
use collector::Collector;
use linkedin_core::config::{ApiVersion, CredentialsConfig, LinkedInConfig};
use linkedin_core::linkedin::analytics::DEFAULT_METRICS;
use linkedin_core::linkedin::auth::{TokenProvider, TokenSource};
use linkedin_core::linkedin::retry::RetryPolicy;
use linkedin_core::linkedin::{ClientStats, DEFAULT_API_VERSION, LinkedInClient, http_client};
use linkedin_core::metrics::EmfFile;
use linkedin_core::model::ModelKind;
use linkedin_core::secrets::{DirSecretStore, SecretStore};
use linkedin_core::store::{LocalStore, ObjectStore};
use linkedin_core::{AccountId, RunClock};
use sandbox::ground_truth::Counterfactuals;
use sandbox::market::{Change, start_of};
use sandbox::scenario::ScenarioError;
use sandbox::{GroundTruth, SandboxServer, Scenario};
use serde::Serialize;

use crate::reconcile::Reconciliation;
use crate::schedule::{Job, day_plan};
use crate::summary::{DailyPoint, PolicyRow};

/// Marks a folder the demo owns, so it may empty it on the next run.
pub const MARKER: &str = ".linkedin-ads-demo";
/// The secret the demo's credentials live under (`DATA_DIR/secrets/`).
pub const SECRET_NAME: &str = "linkedin-ads/linkedin";

#[derive(Debug, Clone)]
pub struct DemoOptions {
    /// A shipped scenario's name or a path to a `.toml` file.
    pub scenario: String,
    /// Simulated days; default: the scenario's.
    pub days: Option<u32>,
    /// Overrides the scenario's seed.
    pub seed: Option<u64>,
    pub data_dir: PathBuf,
    /// One progress line per simulated day on stderr.
    pub progress: bool,
    /// The optimizer's decision policy; default: the configuration's default (conversions).
    pub policy: Option<linkedin_core::decisions::Policy>,
    /// The optimizer's settings (thresholds, guardrails); default: the configuration's defaults.
    /// `policy`, when set, overrides theirs.
    pub settings: Option<optimizer::Settings>,
    /// Trained models (`<dir>/<model>/model.json`, as `make train` writes them) copied into the data
    /// folder's `models/` before the first day, where the jobs look for them.
    pub models: Option<PathBuf>,
    /// Publish each Monday batch's best-ranked variation, as a reviewer running `copy approve <batch> 1`
    /// would; the sandbox gives the new creative its own latent CTR from its copy.
    pub publish_copy: bool,
    /// Run as a soak ([`soak::Soak`]): its faults instead of the scenario's, the optimizer killed
    /// mid-write on some days, and the findings checked at the end.
    pub soak: Option<soak::Soak>,
}

#[derive(Debug, thiserror::Error)]
pub enum DemoError {
    #[error(transparent)]
    Scenario(#[from] ScenarioError),
    #[error("--days {0}: give a number of days from 1 to 365")]
    Days(u32),
    #[error(
        "{0} is not empty and is not a demo folder (no {MARKER} file): the demo empties its folder first, so give it \
         its own, e.g. --data-dir data/demo"
    )]
    NotADemoDir(String),
    #[error("--models {0}: no creative_scorer/model.json nor bid_optimizer/model.json in it; run `make train` first")]
    NoModels(String),
    #[error("cannot prepare {path}: {source}")]
    Io { path: String, source: std::io::Error },
    #[error("cannot start the sandbox: {0}")]
    Server(std::io::Error),
    #[error("a job failed: {0}")]
    Failed(String),
    #[error("the local store failed: {0}")]
    Store(#[from] linkedin_core::store::StoreError),
    #[error("cannot write the demo credentials: {0}")]
    Secret(#[from] linkedin_core::secrets::SecretError),
}

/// One job run in the demo.
#[derive(Debug, Clone, Serialize)]
pub struct JobRun {
    pub job: Job,
    pub at: chrono::DateTime<chrono::Utc>,
    pub succeeded: bool,
    pub summary: String,
}

/// Everything the demo found, also written as `reports/demo-summary.json`.
#[derive(Debug, Clone, Serialize)]
pub struct DemoReport {
    pub scenario: String,
    pub seed: u64,
    pub days: u32,
    pub start: NaiveDate,
    pub end: NaiveDate,
    pub data_dir: PathBuf,
    pub job_runs: usize,
    pub failed_runs: Vec<JobRun>,
    pub api: ClientStats,
    pub token_refreshes: u32,
    pub policies: Vec<PolicyRow>,
    pub reconciliation: Reconciliation,
    pub actions: Vec<Change>,
    /// The oracle's creative and bid per campaign.
    pub oracle: Vec<sandbox::counterfactual::OracleChoice>,
    pub daily: Vec<DailyPoint>,
    pub html_report: PathBuf,
    /// A soak's findings (`DemoOptions::soak`).
    pub soak: Option<soak::SoakFindings>,
}

impl DemoReport {
    /// Every job ran cleanly and the collected data equals the ground truth.
    pub fn succeeded(&self) -> bool {
        self.failed_runs.is_empty() && self.reconciliation.matches()
    }
}

/// Copies each `<from>/<model>/` folder's files into `<to>/<model>/`; a folder without a model is an
/// error naming it (a typo would otherwise silently give a demo without models).
fn install_models(from: &Path, to: &Path) -> Result<(), DemoError> {
    let io = |path: &Path| {
        let path = path.display().to_string();
        move |source| DemoError::Io { path, source }
    };
    let mut found = 0;
    for kind in [ModelKind::CreativeScorer, ModelKind::BidOptimizer] {
        let src = from.join(kind.name());
        if !src.join("model.json").is_file() {
            continue;
        }
        let dst = to.join(kind.name());
        std::fs::create_dir_all(&dst).map_err(io(&dst))?;
        for e in std::fs::read_dir(&src).map_err(io(&src))? {
            let path = e.map_err(io(&src))?.path();
            if path.is_file() {
                std::fs::copy(&path, dst.join(path.file_name().expect("a file has a name"))).map_err(io(&path))?;
            }
        }
        found += 1;
    }
    if found == 0 {
        return Err(DemoError::NoModels(from.display().to_string()));
    }
    Ok(())
}

/// Empties `dir` if it is a demo folder (or empty, or missing) and marks it as one.
fn prepare_dir(dir: &Path) -> Result<(), DemoError> {
    let io = |source| DemoError::Io { path: dir.display().to_string(), source };
    if dir.exists() {
        let mut entries = std::fs::read_dir(dir).map_err(io)?.peekable();
        if entries.peek().is_some() && !dir.join(MARKER).exists() {
            return Err(DemoError::NotADemoDir(dir.display().to_string()));
        }
        for e in entries {
            let path = e.map_err(io)?.path();
            if path.is_dir() { std::fs::remove_dir_all(&path) } else { std::fs::remove_file(&path) }.map_err(io)?;
        }
    }
    std::fs::create_dir_all(dir).map_err(io)?;
    std::fs::write(dir.join(MARKER), "This folder belongs to `linkedin-ads demo`, which empties it on every run.\n")
        .map_err(io)?;
    Ok(())
}

/// A version the sandbox serves for the whole simulated period: the client's default, unless the
/// scenario is set before that version existed.
fn api_version_for(start: NaiveDate) -> ApiVersion {
    let default = ApiVersion::parse(DEFAULT_API_VERSION).expect("the default version is valid");
    let start_month = format!("{:04}{:02}", start.year(), start.month());
    if start_month.as_str() < default.as_str() { ApiVersion::parse(&start_month).expect("YYYYMM") } else { default }
}

/// The demo's retries: the same policy shape as production, with waits in milliseconds (simulated
/// time does not wait for real time).
fn demo_retry() -> RetryPolicy {
    RetryPolicy {
        max_retries: 5,
        base_delay: std::time::Duration::from_millis(2),
        max_delay: std::time::Duration::from_millis(20),
        max_total_wait: std::time::Duration::from_secs(10),
        data_volume_wait: std::time::Duration::from_millis(20),
    }
}

pub async fn run(opts: &DemoOptions) -> Result<DemoReport, DemoError> {
    let mut scenario = Scenario::load(&opts.scenario)?;
    if let Some(seed) = opts.seed {
        scenario.seed = seed;
    }
    if let Some(soak) = &opts.soak {
        scenario.faults = soak.faults.clone();
    }
    let days = opts.days.unwrap_or(scenario.days);
    if !(1..=365).contains(&days) {
        return Err(DemoError::Days(days));
    }
    let scenario = Arc::new(scenario);
    prepare_dir(&opts.data_dir)?;
    if let Some(models) = &opts.models {
        install_models(models, &opts.data_dir.join("models"))?;
    }

    let loopback = std::net::SocketAddr::from(([127, 0, 0, 1], 0));
    let sb = SandboxServer::start(scenario.clone(), loopback).await.map_err(DemoError::Server)?;
    let start = start_of(scenario.start);

    // Credentials as production keeps them: a secret with a refreshable token, refreshed and written back.
    let secrets = Arc::new(DirSecretStore::new(opts.data_dir.join("secrets")));
    let token = &scenario.oauth.access_token;
    let expires_at = sb.with(|s| s.tokens.expires_at(&scenario, token)).expect("the scenario's token is issued");
    let creds = serde_json::json!({
        "access_token": token,
        "expires_at": expires_at.to_rfc3339(),
        "refresh_token": scenario.oauth.refresh_token,
        "refresh_token_expires_at": sb.with(|s| s.tokens.refresh_token_expires_at()).to_rfc3339(),
        "client_id": scenario.oauth.client_id,
        "client_secret": scenario.oauth.client_secret,
    });
    secrets.put_secret(SECRET_NAME, &creds.to_string()).await?;

    let mut config = LinkedInConfig::new(
        &sb.base_url(),
        AccountId(scenario.account.id),
        CredentialsConfig::SecretFile { dir: opts.data_dir.join("secrets"), secret_name: SECRET_NAME.into() },
    );
    config.api_version = api_version_for(scenario.start);
    config.retry = demo_retry();
    let http = http_client();
    let tokens = TokenProvider::new(
        TokenSource::Stored { store: secrets.clone(), name: SECRET_NAME.into() },
        &config.oauth_base_url,
        http.clone(),
        sb.clock(),
    );
    let client = LinkedInClient::new(&config, Arc::new(tokens), http).with_jitter_seed(scenario.seed);
    let store: Arc<dyn ObjectStore> = Arc::new(LocalStore::new(&opts.data_dir));
    let collector = Collector {
        client: client.clone(),
        store: store.clone(),
        metrics: Arc::new(EmfFile::new(opts.data_dir.join("metrics"))),
        campaign_ids: Vec::new(),
        lookback_days: 7,
        analytics_metrics: DEFAULT_METRICS.to_vec(),
    };

    let processor = data_processor::Processor {
        store: store.clone(),
        metrics: Arc::new(EmfFile::new(opts.data_dir.join("metrics"))),
        window_days: collector.lookback_days + 1,
    };

    // Reports go to reports/optimizer/ in the data folder; 28 of them on the terminal would drown the table.
    let mut settings = opts.settings.clone().unwrap_or_default();
    if let Some(policy) = opts.policy {
        settings.params.policy = policy;
    }
    let optimizer = optimizer::Optimizer {
        store: store.clone(),
        client: Arc::new(client.clone()),
        performance: Arc::new(data_processor::performance::LocalPerformance::new(store.clone())),
        notifier: Arc::new(linkedin_core::notify::StdoutNotifier::to_writer(std::io::sink())),
        metrics: Arc::new(EmfFile::new(opts.data_dir.join("metrics"))),
        settings,
        campaign_ids: Vec::new(),
        bid_endpoint: None,
    };

    // No Anthropic key in the demo: the offline generator, labelled as such in each batch.
    let copy_generator = copy_generator::CopyGenerator {
        store: store.clone(),
        performance: Arc::new(data_processor::performance::LocalPerformance::new(store.clone())),
        generator: Arc::new(copy_generator::offline::OfflineGenerator),
        scorer_endpoint: None,
        metrics: Arc::new(EmfFile::new(opts.data_dir.join("metrics"))),
        auto_publish: opts.publish_copy.then(|| copy_generator::Publisher {
            store: store.clone(),
            client: Arc::new(client.clone()),
            dry_run: false,
        }),
    };

    if opts.progress {
        eprintln!(
            "demo: scenario '{}' (seed {}), {days} days from {}, sandbox at {}, data in {}",
            scenario.name,
            scenario.seed,
            scenario.start,
            sb.base_url(),
            opts.data_dir.display()
        );
    }

    let mut runs: Vec<JobRun> = Vec::new();
    // The soak's kills: which days and at which write, from the seed.
    let mut kills = fastrand::Rng::with_seed(scenario.seed ^ 0x6b69_6c6c);
    let mut killed: Vec<(NaiveDate, u32)> = Vec::new();
    let mut last_run_requests = 30u32;
    let run_collector = |at: chrono::DateTime<chrono::Utc>| {
        let collector = &collector;
        async move {
            let report = collector.run(RunClock { as_of: at.date_naive(), now: at }).await;
            JobRun { job: Job::Collector, at, succeeded: report.succeeded(), summary: report.summary() }
        }
    };
    for d in 0..days as i64 {
        let day = scenario.start + TimeDelta::days(d);
        let mut ok = true;
        for (offset, job) in day_plan(day) {
            let at = start + TimeDelta::days(d) + offset;
            sb.advance_to(at).expect("the plan moves forward");
            let run = match job {
                Job::Collector => run_collector(at).await,
                Job::DataProcessor => {
                    let report = processor.run(RunClock { as_of: at.date_naive(), now: at }).await;
                    JobRun { job, at, succeeded: report.succeeded(), summary: report.summary() }
                }
                Job::Optimizer => {
                    let clock = RunClock { as_of: at.date_naive(), now: at };
                    // A random point of the run: one of as many requests as the last run made.
                    let kill = opts.soak.as_ref().filter(|s| kills.f64() < s.kill_share);
                    let kill = kill.map(|_| kills.u32(1..=last_run_requests.max(2)));
                    let before = sb.with(|s| s.log.len());
                    let run = match kill {
                        None => {
                            let report = optimizer.run(clock).await;
                            JobRun { job, at, succeeded: report.succeeded(), summary: report.summary() }
                        }
                        Some(nth) => match soak::killed_at_request(&sb, nth, optimizer.run(clock)).await {
                            Some(report) => {
                                JobRun { job, at, succeeded: report.succeeded(), summary: report.summary() }
                            }
                            None => {
                                killed.push((day, nth));
                                JobRun {
                                    job,
                                    at,
                                    succeeded: false,
                                    summary: format!("optimizer killed at its API request {nth} (soak)"),
                                }
                            }
                        },
                    };
                    last_run_requests = sb.with(|s| s.log.len() - before) as u32;
                    run
                }
                Job::CopyGenerator => {
                    let report = copy_generator.run(RunClock { as_of: at.date_naive(), now: at }).await;
                    JobRun { job, at, succeeded: report.succeeded(), summary: report.summary() }
                }
            };
            ok &= run.succeeded;
            runs.push(run);
        }
        if opts.progress {
            let spend: u64 = sb.with(|s| s.market.campaigns().map(|c| s.market.spend_on(c.id, day).0).sum());
            eprintln!("{}", summary::progress_line(d as u32 + 1, days, day, ok, spend));
        }
    }
    // The last day closes at midnight; one more pull reads it whole.
    let end = start + TimeDelta::days(days as i64);
    sb.advance_to(end).expect("forward");
    runs.push(run_collector(end).await);

    let system = sb.with(|s| s.market.clone());
    let counterfactuals = Counterfactuals::run(&system);
    let truth = GroundTruth::with(&system, &counterfactuals);
    let reconciliation = reconcile::reconcile(store.as_ref(), &truth).await?;
    let policies = summary::policy_rows(&truth);
    let daily = summary::daily_points(&system, &counterfactuals.baseline, &counterfactuals.oracle);
    let actions: Vec<Change> = system.changes().to_vec();
    let api = client.stats();
    let token_refreshes = client.auth_events().await.refreshes;

    let soak = match &opts.soak {
        None => None,
        Some(_) => {
            let initial = sandbox::market::Market::new(scenario.clone());
            let mut f = soak::check(store.as_ref(), &initial, &system, &optimizer.settings.params).await?;
            f.days = days;
            f.kills = killed;
            f.creative_days_wrong = reconciliation.mismatches
                + reconciliation.creative_days_truth.abs_diff(reconciliation.creative_days_collected);
            Some(f)
        }
    };
    let reports = opts.data_dir.join("reports");
    std::fs::create_dir_all(&reports)
        .map_err(|source| DemoError::Io { path: reports.display().to_string(), source })?;
    let html_path = reports.join(format!("demo-{}-seed{}.html", scenario.name, scenario.seed));
    let failed_runs: Vec<JobRun> = runs.iter().filter(|r| !r.succeeded).cloned().collect();
    let report = DemoReport {
        scenario: scenario.name.clone(),
        seed: scenario.seed,
        days,
        start: scenario.start,
        end: end.date_naive(),
        data_dir: opts.data_dir.clone(),
        job_runs: runs.len(),
        failed_runs,
        api,
        token_refreshes,
        policies,
        reconciliation,
        actions,
        oracle: truth.oracle.clone(),
        daily,
        html_report: html_path.clone(),
        soak,
    };
    let html = html::render(&report, &truth, &system);
    std::fs::write(&html_path, html)
        .map_err(|source| DemoError::Io { path: html_path.display().to_string(), source })?;
    let json_path = reports.join("demo-summary.json");
    std::fs::write(&json_path, serde_json::to_vec_pretty(&report).expect("serialises"))
        .map_err(|source| DemoError::Io { path: json_path.display().to_string(), source })?;
    Ok(report)
}
