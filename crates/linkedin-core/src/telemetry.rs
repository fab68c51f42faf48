//! Logging set-up shared by the CLI and the Lambdas.
//!
//! Lambda's advanced logging controls set `AWS_LAMBDA_LOG_FORMAT=JSON` (and `AWS_LAMBDA_LOG_LEVEL`);
//! then every line is a JSON object CloudWatch Logs Insights can query. Otherwise lines are compact
//! text. Logs go to stderr so a CLI's stdout stays its result.

use tracing_subscriber::EnvFilter;

/// Installs the global subscriber once; later calls are no-ops.
pub fn init() {
    init_with_default("info")
}

/// As [`init`], with another level when neither `RUST_LOG` nor `AWS_LAMBDA_LOG_LEVEL` is set (the
/// demo runs hundreds of jobs and only wants warnings).
pub fn init_with_default(default_level: &str) {
    let level = std::env::var("AWS_LAMBDA_LOG_LEVEL").ok().map(|l| l.to_ascii_lowercase());
    let filter = EnvFilter::try_from_default_env()
        .or_else(|_| EnvFilter::try_new(level.as_deref().unwrap_or(default_level)))
        .unwrap_or_else(|_| EnvFilter::new("info"));
    let json = std::env::var("AWS_LAMBDA_LOG_FORMAT").is_ok_and(|f| f.eq_ignore_ascii_case("json"));
    let builder = tracing_subscriber::fmt().with_env_filter(filter).with_writer(std::io::stderr);
    let _ = if json {
        builder.json().with_current_span(false).with_target(false).try_init()
    } else {
        builder.compact().with_target(false).try_init()
    };
}
