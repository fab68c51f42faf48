//! The decision policies on generated markets (`sandbox::generator`): the whole pipeline (collector,
//! data processor, optimizer) through the real HTTP client, 30 simulated days per market, for the
//! threshold, bayesian and conversions policies, next to no optimization and the oracle of the same
//! market (same seed, same luck). The table is in the README.
//!
//! `cargo bench -p demo --bench policies` runs markets 1-100. `POLICIES_MARKETS=N` runs N of them,
//! `POLICIES_FIRST=S` starts at seed S (tune on one range of seeds, report on another), and
//! `POLICIES_ONLY=conversions` runs one policy. The optimizer's own variables (`PROB_BEST_FLOOR`, ...)
//! are read from the environment as in production.

use std::time::Instant;

use demo::markets::{Contender, MarketScore, run_market, summarise, table};
use linkedin_core::decisions::Policy;

fn env_u64(name: &str, default: u64) -> u64 {
    match std::env::var(name) {
        Ok(v) => v.parse().unwrap_or_else(|_| panic!("{name}={v}: expected a whole number")),
        Err(_) => default,
    }
}

#[tokio::main]
async fn main() {
    let markets = env_u64("POLICIES_MARKETS", 100);
    let first = env_u64("POLICIES_FIRST", 1);
    let only = std::env::var("POLICIES_ONLY").ok();
    let policies: Vec<Policy> = [Policy::Threshold, Policy::Bayesian, Policy::Conversions]
        .into_iter()
        .filter(|p| only.as_deref().is_none_or(|o| o == p.name()))
        .collect();
    // The optimizer's variables (PROB_BEST_FLOOR, MAX_BID_STEP_PERCENT, ...) apply, as in production.
    let env = linkedin_core::config::Env::from_process();
    let mut reader = linkedin_core::config::Reader::new(&env);
    let read = optimizer::Settings::read(&mut reader);
    let settings = reader.finish(|| read).unwrap_or_else(|e| panic!("{e}"));
    let tmp = tempfile::tempdir().expect("a temp dir");
    let started = Instant::now();
    let mut scores: Vec<MarketScore> = Vec::new();
    for seed in first..first + markets {
        for (i, policy) in policies.iter().enumerate() {
            let [system, none, oracle] = run_market(seed, *policy, &settings, 30, tmp.path())
                .await
                .unwrap_or_else(|e| panic!("market {seed}: {e}"));
            eprintln!(
                "market {seed} {:<12} conv./$ {:>4.0}% of the oracle's, conversions {:>4.0}% (none {:>3.0}%), spend ${:.0} (none ${:.0}, oracle ${:.0}), wrong pauses {}/{}",
                policy.name(),
                system.per_dollar_vs_oracle * 100.0,
                system.conversions_vs_oracle * 100.0,
                none.conversions_vs_oracle * 100.0,
                system.spend,
                none.spend,
                oracle.spend,
                system.wrong_pauses,
                system.campaigns
            );
            scores.push(system);
            if i == 0 {
                scores.extend([none, oracle]);
            }
        }
    }
    let mut contenders = vec![Contender::NoOptimization];
    contenders.extend(policies.iter().map(|p| Contender::Policy(*p)));
    contenders.push(Contender::Oracle);
    let summaries: Vec<_> = contenders.into_iter().map(|c| summarise(c, &scores)).collect();
    println!(
        "{markets} generated markets (seeds {first}-{}), 30 days each, in {:.0} s\n",
        first + markets - 1,
        started.elapsed().as_secs_f64()
    );
    print!("{}", table(&summaries));
}
