//! `linkedin-ads`: runs any job of the pipeline from a terminal, on the same code the Lambdas run.
//!
//! Configuration comes from the environment (the same variables as the Lambdas; `--help` lists them).
//! The job's JSON report goes to stdout, progress to stderr. Exit codes: 0 success, 1 the job ran but
//! part of it failed, 2 the configuration or arguments are wrong.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;
use chrono::NaiveDate;
use clap::{Args, Parser, Subcommand};
use collector::{Collector, CollectorConfig};
use data_processor::{PerformanceConfig, Processor, ProcessorConfig};
use linkedin_core::RunClock;
use linkedin_core::config::{Env, VARS};
use linkedin_core::performance::{self, DateWindow};
use optimizer::{Optimizer, OptimizerConfig};

#[derive(Parser, Debug)]
#[command(
    name = "linkedin-ads",
    version,
    about = "LinkedIn Ads optimization pipeline: collect, process, optimize, generate copy",
    long_about = "LinkedIn Ads optimization pipeline.\n\nRuns the pipeline's jobs from a terminal, on the same code the AWS Lambdas run. \
Configuration comes from environment variables (listed below), identical for the CLI and the Lambdas. \
Each job prints its JSON report on stdout and its progress on stderr.\n\nExit status: 0 success, 1 the job ran but part of it failed \
(see the report's failures), 2 invalid configuration or arguments.",
    after_long_help = env_help()
)]
struct Cli {
    /// Local data folder for the object store (sets DATA_DIR for this run).
    #[arg(long, global = true, value_name = "DIR")]
    data_dir: Option<PathBuf>,

    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Pull daily creative analytics, campaign state and creative copy from LinkedIn into the store.
    ///
    /// Pulls the LOOKBACK_DAYS days before the run's day and the day itself (LinkedIn restates recent
    /// days), for CAMPAIGN_IDS or every ACTIVE and PAUSED campaign, and writes NDJSON under raw/.
    /// Re-running never double counts: readers keep the latest pull per creative and day.
    #[command(after_long_help = env_help())]
    Collect(CollectArgs),

    /// Turn the raw pulls into clean tables: processed/creative_daily (Parquet), one row per creative and day.
    ///
    /// Re-builds the run's day and the LOOKBACK_DAYS + 1 days before it (every day the collector may
    /// have restated), keeping the latest pull per creative and day; a re-run overwrites the same
    /// partitions. Malformed lines and rows with negative or non-finite metrics are skipped and listed in
    /// the report's problems.
    #[command(after_long_help = env_help())]
    Process(RunArgs),

    /// Write five new ad-copy variations from the winners, scored, into copy/pending/ for review.
    ///
    /// Picks the top creatives by weighted CTR over the last 28 days (at least 1000 impressions),
    /// summarises their patterns, asks Claude (ANTHROPIC_API_KEY or ANTHROPIC_SECRET_NAME; without a
    /// key, a labelled offline template generator) for one variation per angle, validates them
    /// (LinkedIn's length limits, no duplicates, no invented numbers), scores them with the Creative
    /// Scorer and saves copy/pending/dt=<day>/<batch>.json and .md. Nothing is published unless
    /// AUTO_PUBLISH=true; a human publishes with `copy approve`.
    GenerateCopy(RunArgs),

    /// Review ad-copy batches: publish an approved variation to LinkedIn.
    #[command(subcommand)]
    Copy(CopyCommand),

    /// Pause losing creatives, flag and scale winners, adjust bids: within guardrails, logged, reported.
    ///
    /// Reads the last DECISION_WINDOW_DAYS days of performance (ending yesterday) and LinkedIn's live
    /// state, decides with DECISION_POLICY, writes the changes to LinkedIn (never with --dry-run or
    /// DRY_RUN=true), logs every decision with its before/after state to
    /// logs/optimizer_actions/dt=<day>/<run id>.jsonl and sends the daily report (SNS_TOPIC_ARN, else
    /// stdout and reports/optimizer/).
    #[command(after_long_help = env_help())]
    Optimize(OptimizeArgs),

    /// Restore the state before every change an optimizer run applied.
    ///
    /// Entities changed since that run are left alone and named. The undo is logged like a run.
    #[command(after_long_help = env_help())]
    Undo(UndoArgs),

    /// Print the performance the optimizer sees: per-creative totals and per-campaign days (JSON).
    ///
    /// Reads the processed tables through the same source the optimizer uses: Athena when
    /// ATHENA_DATABASE is set, else a local aggregation of processed/creative_daily. Ratios are ratios of
    /// sums over the window (weighted), never averages of daily ratios.
    #[command(after_long_help = env_help())]
    Performance(PerformanceArgs),

    /// Predict with an exported model: one prediction per input row, in order, on stdout.
    ///
    /// Reads DIR/model.json (written by sagemaker/train_*.py) and evaluates it natively, exactly as the
    /// optimizer and the copy generator do, so its output can be compared with scikit-learn's
    /// model.predict on the same rows. The CSV needs a header; the model's feature columns are picked by
    /// name and any other column (ids, targets) is ignored, so a training set can be passed as is.
    Predict(PredictArgs),

    /// Run the pipeline on the local LinkedIn sandbox, day after simulated day.
    ///
    /// Starts the sandbox in-process on a loopback port, then replays the production schedule for
    /// each simulated day (collector every 6 h, data processor, optimizer, copy generator on Mondays),
    /// through the real HTTP client and the local backends.
    /// Prints spend, results and CPA for this system, no optimization and the oracle, checks the
    /// collected data against the sandbox's ground truth, and writes an HTML report under
    /// DATA_DIR/reports/. The data folder (default data/demo) is emptied first. Needs no network.
    Demo(DemoArgs),

    /// The local LinkedIn sandbox (a simulated ad market behind LinkedIn's REST API).
    #[command(subcommand)]
    Sandbox(SandboxCommand),
}

#[derive(Args, Debug)]
struct DemoArgs {
    /// Simulated days (default: the scenario's).
    #[arg(long, value_name = "N")]
    days: Option<u32>,
    /// A shipped scenario (b2b-saas, lead-gen, smoke), generated:<seed> (a generated market) or a path
    /// to a scenario .toml file.
    #[arg(long, value_name = "NAME", default_value = "b2b-saas")]
    scenario: String,
    /// Overrides the scenario's seed; the same seed gives the same run.
    #[arg(long, value_name = "S")]
    seed: Option<u64>,
    /// Print the full JSON report on stdout instead of the table.
    #[arg(long)]
    json: bool,
    /// The optimizer's decision policy (default: DECISION_POLICY's default, conversions).
    #[arg(long, value_name = "POLICY", value_parser = ["conversions", "bayesian", "threshold"])]
    policy: Option<String>,
    /// Trained models to run with (the folder `make train` writes, data/models): copied into the data
    /// folder's models/, where the optimizer finds them. Default: none, the heuristics.
    #[arg(long, value_name = "DIR")]
    models: Option<PathBuf>,
    /// Leave the copy generator's batches unpublished. By default the demo publishes each Monday
    /// batch's best-ranked variation, as a reviewer running `copy approve <batch> 1` would.
    #[arg(long)]
    no_publish: bool,
}

#[derive(Args, Debug)]
struct OptimizeArgs {
    #[command(flatten)]
    run: RunArgs,
    /// Decide and report, write nothing to LinkedIn (same as DRY_RUN=true).
    #[arg(long)]
    dry_run: bool,
}

#[derive(Subcommand, Debug)]
enum CopyCommand {
    /// Publish variation VARIATION of batch BATCH as a new creative in the batch's source campaign.
    ///
    /// The new post takes the variation's text and, from the campaign's best winner, its company page,
    /// image or article and landing page; post and creative are made in one createInline call, with
    /// intendedStatus ACTIVE (LinkedIn reviews it before it serves). Refused when the copy no longer
    /// passes validation (after a hand edit of the JSON), the batch is over 28 days old, the campaign
    /// cannot take a creative, or the variation was published before. Logged under
    /// logs/optimizer_actions/ like an optimizer run: `undo --run <run id>` pauses the creative again.
    #[command(after_long_help = env_help())]
    Approve(ApproveArgs),
}

#[derive(Args, Debug)]
struct ApproveArgs {
    /// The batch id (e.g. 20261012T090000Z-3f9a1c, the .json's name) or its key under copy/pending/.
    batch: String,
    /// The variation: its number in the batch's .md (1 = best predicted CTR) or its angle (e.g. urgency).
    #[arg(value_parser = parse_pick)]
    variation: copy_generator::Pick,
    /// Check everything and show the request, publish nothing (same as DRY_RUN=true).
    #[arg(long)]
    dry_run: bool,
}

fn parse_pick(s: &str) -> Result<copy_generator::Pick, String> {
    s.parse()
}

#[derive(Args, Debug)]
struct UndoArgs {
    /// The run to undo (its id is in the report and the audit log's file name).
    #[arg(long, value_name = "RUN_ID")]
    run: String,
    /// Show what would be restored, write nothing (same as DRY_RUN=true).
    #[arg(long)]
    dry_run: bool,
}

#[derive(Args, Debug)]
struct PerformanceArgs {
    /// First metric day (inclusive). Default: 6 days before --to.
    #[arg(long, value_name = "YYYY-MM-DD", value_parser = parse_date)]
    from: Option<NaiveDate>,
    /// Last metric day (inclusive). Default: yesterday (UTC).
    #[arg(long, value_name = "YYYY-MM-DD", value_parser = parse_date)]
    to: Option<NaiveDate>,
}

#[derive(Args, Debug)]
struct PredictArgs {
    /// The model folder (holding model.json), or the model.json file itself.
    #[arg(long, value_name = "DIR")]
    model: PathBuf,
    /// CSV with a header naming the model's features.
    #[arg(long, value_name = "FILE.csv")]
    input: PathBuf,
}

#[derive(Subcommand, Debug)]
enum SandboxCommand {
    /// Serve the sandbox API until interrupted; move its clock with POST /_sandbox/clock.
    ///
    /// Point any job at it with LINKEDIN_API_BASE_URL and LINKEDIN_OAUTH_URL set to the printed
    /// address and LINKEDIN_ACCESS_TOKEN set to the scenario's token. Admin endpoints: GET/POST
    /// /_sandbox/clock ({"advance_hours": N} or {"to": RFC 3339}), GET /_sandbox/truth, POST
    /// /_sandbox/reset, GET/POST /_sandbox/faults, GET /_sandbox/requests, GET /_sandbox/changes.
    Serve(ServeArgs),
    /// Print a generated market as a scenario file (TOML), drawn from the generator's documented ranges
    /// (docs/sandbox.md, "Generated markets"). `--scenario generated:S` anywhere runs the same market.
    Generate(GenerateArgs),
}

#[derive(Args, Debug)]
struct GenerateArgs {
    /// The market's seed: the same seed gives the same market.
    #[arg(long, value_name = "S")]
    seed: u64,
}

#[derive(Args, Debug)]
struct ServeArgs {
    /// Port on 127.0.0.1 (0 picks a free one).
    #[arg(long, value_name = "P", default_value_t = 8089)]
    port: u16,
    /// A shipped scenario name, generated:<seed>, or a path to a scenario .toml file.
    #[arg(long, value_name = "FILE", default_value = "b2b-saas")]
    scenario: String,
    /// Turn the scenario's faults off (throttling, errors, drops, token revocation), e.g. to explore
    /// the API by hand with a fixed LINKEDIN_ACCESS_TOKEN.
    #[arg(long)]
    no_faults: bool,
}

#[derive(Args, Debug)]
struct CollectArgs {
    #[command(flatten)]
    run: RunArgs,
    /// Days before the run's day to pull again (overrides LOOKBACK_DAYS).
    #[arg(long, value_name = "N")]
    lookback_days: Option<u32>,
}

/// Options every job takes.
#[derive(Args, Debug)]
struct RunArgs {
    /// The run's "today" (UTC), for backfills and simulations. Default: today.
    #[arg(long, value_name = "YYYY-MM-DD", value_parser = parse_date)]
    as_of: Option<NaiveDate>,
}

impl RunArgs {
    fn clock(&self) -> RunClock {
        self.as_of.map(RunClock::as_of).unwrap_or_else(RunClock::wall)
    }
}

/// `--as-of`, `--from`, `--to`: a date within `linkedin_core::RUN_DATE_RANGE` (a date far outside it
/// used to panic in the jobs' window arithmetic); clap reports the error and exits 2.
fn parse_date(s: &str) -> Result<NaiveDate, String> {
    linkedin_core::parse_run_date(s)
}

fn env_help() -> String {
    let mut s = String::from("Environment variables:\n");
    for v in VARS {
        s.push_str(&format!("  {:<34} {} [default: {}]\n", v.name, v.meaning, v.default));
    }
    s.push_str("\nThe AWS SDK's own variables (AWS_REGION, AWS_PROFILE, AWS_ENDPOINT_URL, ...) work as usual.");
    s
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    if matches!(cli.command, Command::Demo(_)) {
        linkedin_core::telemetry::init_with_default("error");
    } else {
        linkedin_core::telemetry::init();
    }
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build().expect("tokio runtime");
    match runtime.block_on(run(cli)) {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => ExitCode::from(1),
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::from(2)
        }
    }
}

/// Runs the command; `Ok(false)` when the job ran but part of it failed.
async fn run(cli: Cli) -> anyhow::Result<bool> {
    let mut env = Env::from_process();
    if let Some(dir) = &cli.data_dir {
        env.set("DATA_DIR", Some(dir.display().to_string()));
        env.set("BUCKET_NAME", None);
    }
    match cli.command {
        Command::Collect(args) => {
            if let Some(n) = args.lookback_days {
                env.set("LOOKBACK_DAYS", Some(n.to_string()));
            }
            let config = CollectorConfig::from_env(&env).context("cannot start the collector")?;
            let collector = Collector::from_config(&config).await;
            let report = collector.run(args.run.clock()).await;
            println!("{}", serde_json::to_string_pretty(&report)?);
            eprintln!("{}", report.summary());
            Ok(report.succeeded())
        }
        Command::Process(args) => {
            let config = ProcessorConfig::from_env(&env).context("cannot start the data processor")?;
            let processor = Processor::from_config(&config).await;
            let report = processor.run(args.clock()).await;
            println!("{}", serde_json::to_string_pretty(&report)?);
            eprintln!("{}", report.summary());
            Ok(report.succeeded())
        }
        Command::GenerateCopy(args) => {
            let config =
                copy_generator::CopyGeneratorConfig::from_env(&env).context("cannot start the copy generator")?;
            let generator = copy_generator::CopyGenerator::from_config(&config)
                .await
                .map_err(anyhow::Error::msg)
                .context("cannot start the copy generator")?;
            let report = generator.run(args.clock()).await;
            println!("{}", serde_json::to_string_pretty(&report)?);
            eprintln!("{}", report.summary());
            Ok(report.succeeded())
        }
        Command::Copy(CopyCommand::Approve(args)) => {
            if args.dry_run {
                env.set("DRY_RUN", Some("true".into()));
            }
            let config = copy_generator::ApproveConfig::from_env(&env).context("cannot approve")?;
            let publisher = copy_generator::Publisher::for_approve(&config).await;
            let report = publisher
                .approve(&args.batch, args.variation, RunClock::wall())
                .await
                .map_err(anyhow::Error::msg)
                .context("nothing was published")?;
            println!("{}", serde_json::to_string_pretty(&report)?);
            eprintln!("{}", report.summary());
            Ok(report.succeeded())
        }
        Command::Optimize(args) => {
            if args.dry_run {
                env.set("DRY_RUN", Some("true".into()));
            }
            let config = OptimizerConfig::from_env(&env).context("cannot start the optimizer")?;
            let optimizer = Optimizer::from_config(&config).await;
            let report = optimizer.run(args.run.clock()).await;
            println!("{}", serde_json::to_string_pretty(&report)?);
            eprintln!("{}", report.summary());
            Ok(report.succeeded())
        }
        Command::Undo(args) => {
            // DRY_RUN from the environment holds the undo back too (it used to honour --dry-run only).
            if args.dry_run {
                env.set("DRY_RUN", Some("true".into()));
            }
            let config = OptimizerConfig::from_env(&env).context("cannot start the undo")?;
            let optimizer = Optimizer::from_config(&config).await;
            let run = linkedin_core::layout::RunId(args.run);
            let report =
                optimizer.undo(&run, RunClock::wall()).await.map_err(anyhow::Error::msg).context("cannot undo")?;
            println!("{}", serde_json::to_string_pretty(&report)?);
            eprintln!(
                "undo of {}: {} restored, {} left as is, {} failed",
                report.undo_of,
                report.restored,
                report.skipped.len(),
                report.failures.len()
            );
            Ok(report.succeeded())
        }
        Command::Performance(args) => {
            let config = PerformanceConfig::from_env(&env).context("cannot read the performance source settings")?;
            let to = args.to.unwrap_or_else(|| chrono::Utc::now().date_naive() - chrono::TimeDelta::days(1));
            let window = match args.from {
                Some(from) => DateWindow::new(from, to).context("--from/--to")?,
                None => DateWindow::last(to, 7),
            };
            let source = data_processor::performance_source(&config).await;
            let data =
                source.load(window).await.with_context(|| format!("reading performance from {}", source.describe()))?;
            println!("{}", serde_json::to_string_pretty(&performance::to_json(window, config.kind(), &data))?);
            eprintln!(
                "{window}: {} creatives, {} campaign days from {}",
                data.creatives.len(),
                data.campaign_days.len(),
                source.describe()
            );
            Ok(true)
        }
        Command::Predict(args) => {
            let path = if args.model.is_dir() { args.model.join("model.json") } else { args.model.clone() };
            let bytes = std::fs::read(&path)
                .with_context(|| format!("reading {} (train one with `make train`)", path.display()))?;
            let model = linkedin_core::model::TreeEnsemble::from_json(&bytes, &path.display().to_string())?;
            let text =
                std::fs::read_to_string(&args.input).with_context(|| format!("reading {}", args.input.display()))?;
            let rows = linkedin_core::model::csv_input::feature_rows(&text, model.features())
                .with_context(|| format!("{} does not fit the model", args.input.display()))?;
            let mut out = String::with_capacity(rows.len() * 20);
            for p in model.predict_rows(&rows)? {
                out.push_str(&format!("{p}\n"));
            }
            print!("{out}");
            let i = &model.info;
            eprintln!("{} rows scored by {} ({} trees, target {})", rows.len(), i.estimator, i.trees, i.target);
            Ok(true)
        }
        Command::Demo(args) => {
            let data_dir = env.get("DATA_DIR").map(PathBuf::from).unwrap_or_else(|| PathBuf::from("data/demo"));
            let opts = demo::DemoOptions {
                scenario: args.scenario,
                days: args.days,
                seed: args.seed,
                data_dir,
                progress: true,
                policy: args.policy.as_deref().map(|p| match p {
                    "threshold" => linkedin_core::decisions::Policy::Threshold,
                    "bayesian" => linkedin_core::decisions::Policy::Bayesian,
                    _ => linkedin_core::decisions::Policy::Conversions,
                }),
                settings: None,
                models: args.models,
                publish_copy: !args.no_publish,
                soak: None,
            };
            let report = demo::run(&opts).await.context("the demo could not run")?;
            if args.json {
                println!("{}", serde_json::to_string_pretty(&report)?);
            } else {
                print!("{}", demo::summary::text(&report));
            }
            Ok(report.succeeded())
        }
        Command::Sandbox(SandboxCommand::Generate(args)) => {
            print!("{}", sandbox::generator::generate(args.seed));
            Ok(true)
        }
        Command::Sandbox(SandboxCommand::Serve(args)) => {
            let mut scenario = sandbox::Scenario::load(&args.scenario).context("cannot load the scenario")?;
            if args.no_faults {
                scenario.faults = sandbox::scenario::FaultParams::default();
            }
            let token = scenario.oauth.access_token.clone();
            let addr = std::net::SocketAddr::from(([127, 0, 0, 1], args.port));
            let server = sandbox::SandboxServer::start(std::sync::Arc::new(scenario), addr)
                .await
                .with_context(|| format!("cannot listen on {addr}"))?;
            let base = server.base_url();
            eprintln!("LinkedIn sandbox '{}' at {base}, clock at {}", args.scenario, server.now().to_rfc3339());
            eprintln!("  export LINKEDIN_API_BASE_URL={base} LINKEDIN_OAUTH_URL={base} LINKEDIN_ACCESS_TOKEN={token}");
            eprintln!("  curl -X POST {base}/_sandbox/clock -d '{{\"advance_hours\": 24}}'   # move time");
            eprintln!("  curl {base}/_sandbox/truth                                      # ground truth");
            eprintln!("Ctrl-C stops it.");
            tokio::signal::ctrl_c().await.context("waiting for Ctrl-C")?;
            drop(server);
            Ok(true)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn the_cli_definition_is_valid() {
        Cli::command().debug_assert();
    }

    #[test]
    fn help_documents_every_environment_variable() {
        let mut cmd = Cli::command();
        let top = cmd.render_long_help().to_string();
        let collect = cmd.find_subcommand_mut("collect").unwrap().render_long_help().to_string();
        for v in VARS {
            assert!(top.contains(v.name), "--help misses {}", v.name);
            assert!(collect.contains(v.name), "collect --help misses {}", v.name);
        }
    }

    #[test]
    fn as_of_must_be_a_date() {
        let err = Cli::try_parse_from(["linkedin-ads", "collect", "--as-of", "11/20/2026"]).unwrap_err().to_string();
        assert!(err.contains("'11/20/2026' is not a date: expected YYYY-MM-DD"), "{err}");
        for far in ["+262142-12-31", "-262143-01-01", "+99999-01-01"] {
            let err = Cli::try_parse_from(["linkedin-ads", "optimize", &format!("--as-of={far}")]).unwrap_err();
            assert_eq!(err.exit_code(), 2, "{far}");
            assert!(err.to_string().contains("out of range: expected a date from 1970-01-01 to 9999-12-31"), "{err}");
            let err =
                Cli::try_parse_from(["linkedin-ads", "performance", &format!("--from={far}")]).unwrap_err().to_string();
            assert!(err.contains("out of range"), "{err}");
        }
        let ok = Cli::try_parse_from(["linkedin-ads", "collect", "--as-of", "2026-11-20"]).unwrap();
        let Command::Collect(a) = ok.command else { panic!("collect") };
        assert_eq!(a.run.as_of, Some("2026-11-20".parse().unwrap()));
    }
}
