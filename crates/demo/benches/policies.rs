//! The decision policies over the sandbox scenarios: 30 simulated days each, the whole pipeline
//! (collector, data processor, optimizer) through the real HTTP client, and the clicks and conversions
//! per dollar of `threshold`, `bayesian`, no optimization and the oracle (same market, same seed).
//!
//! `cargo bench -p demo --bench policies` (about a minute). The table is in the README.

use demo::summary::PolicyRow;
use linkedin_core::decisions::Policy;

fn print_row(scenario: &str, label: &str, r: &PolicyRow) {
    println!(
        "| {scenario} | {label} | ${:.0} | {} | {} | {:.3} | {:.4} | {} | {:.0}% |",
        r.spend,
        r.clicks,
        r.conversions,
        r.clicks_per_dollar.unwrap_or(0.0),
        r.conversions_per_dollar.unwrap_or(0.0),
        r.cpa.map(|c| format!("${c:.2}")).unwrap_or_else(|| "-".into()),
        r.conversions_vs_oracle.unwrap_or(0.0) * 100.0
    );
}

#[tokio::main]
async fn main() {
    println!("| scenario | policy | spend | clicks | conversions | clicks/$ | conv./$ | CPA | conv. vs oracle |");
    println!("|---|---|---|---|---|---|---|---|---|");
    for scenario in ["b2b-saas", "lead-gen", "smoke"] {
        let mut baseline = None;
        for (name, policy) in [("threshold", Policy::Threshold), ("bayesian", Policy::Bayesian)] {
            let dir = tempfile::tempdir().expect("temp dir");
            let opts = demo::DemoOptions {
                scenario: scenario.into(),
                days: Some(30),
                seed: None,
                data_dir: dir.path().join("demo"),
                progress: false,
                policy: Some(policy),
                models: None,
                publish_copy: true,
            };
            let report = demo::run(&opts).await.expect("the demo runs");
            assert!(report.succeeded(), "{scenario}/{name} failed");
            let rows = &report.policies;
            print_row(scenario, name, &rows[0]);
            if baseline.is_none() {
                baseline = Some((rows[1].clone(), rows[2].clone()));
            }
        }
        let (none, oracle) = baseline.expect("ran");
        print_row(scenario, "no optimization", &none);
        print_row(scenario, "oracle", &oracle);
    }
}
