//! Every parser of outside input under the mutation fuzzer (`demo::fuzz`): `FUZZ_INPUTS` inputs per
//! parser (default 1,000,000), a table of what each did, and a failing exit on any panic, with the
//! input that caused it. `make fuzz` runs it in release.
//!
//! `FUZZ_SEED` (default 18) picks the inputs: the same seed and count give the same inputs, so a
//! failure reproduces. `FUZZ_TARGETS=linkedin.analytics,raw.analytics` runs some of them.
//! `FUZZ_INPUTS_PARQUET` sets the count for the Parquet target alone. `FUZZ_DUMP=<dir>` writes each
//! target's slowest input and every failing one there, as raw bytes.

use std::time::Instant;

use demo::fuzz::{self, Outcome};

fn env_u64(name: &str, default: u64) -> u64 {
    match std::env::var(name) {
        Ok(v) => v.replace('_', "").parse().unwrap_or_else(|_| panic!("{name}={v}: expected a whole number")),
        Err(_) => default,
    }
}

fn dump(dir: &str, target: &fuzz::Target, o: &Outcome, seed: u64) {
    std::fs::create_dir_all(dir).expect("FUZZ_DUMP: a writable folder");
    let slowest = fuzz::input_at(target, seed, o.slowest_index);
    std::fs::write(format!("{dir}/{}.slowest", o.target), slowest).expect("written");
    for (i, f) in o.failures.values().enumerate() {
        std::fs::write(format!("{dir}/{}.failure-{i}", o.target), &f.input).expect("written");
    }
}

fn main() {
    let inputs = env_u64("FUZZ_INPUTS", 1_000_000);
    let parquet_inputs = env_u64("FUZZ_INPUTS_PARQUET", inputs);
    let seed = env_u64("FUZZ_SEED", 18);
    let only: Option<Vec<String>> =
        std::env::var("FUZZ_TARGETS").ok().map(|v| v.split(',').map(|s| s.trim().to_string()).collect());
    let started = Instant::now();
    let mut outcomes: Vec<Outcome> = Vec::new();
    println!("| parser | inputs | accepted | panics | inputs/s | slowest input | time |");
    println!("|---|---:|---:|---:|---:|---:|---:|");
    for target in fuzz::targets() {
        if only.as_ref().is_some_and(|o| !o.iter().any(|n| n == target.name)) {
            continue;
        }
        let n = if target.name.starts_with("parquet.") { parquet_inputs } else { inputs };
        let o = fuzz::run(&target, n, seed);
        if let Ok(dir) = std::env::var("FUZZ_DUMP") {
            dump(&dir, &target, &o, seed);
        }
        println!(
            "| `{}` | {} | {} | {} | {:.0} | {:.1} ms | {:.1} s |",
            o.target,
            o.inputs,
            o.accepted,
            o.panics,
            o.inputs_per_second(),
            o.slowest.as_secs_f64() * 1e3,
            o.elapsed.as_secs_f64()
        );
        outcomes.push(o);
    }
    let total: u64 = outcomes.iter().map(|o| o.inputs).sum();
    let panics: u64 = outcomes.iter().map(|o| o.panics).sum();
    println!(
        "\n{} parsers, {total} inputs, {panics} panics, {:.0} s (seed {seed})",
        outcomes.len(),
        started.elapsed().as_secs_f64()
    );
    for o in outcomes.iter().filter(|o| o.caught_inside > 0) {
        println!(
            "{}: {} panics inside a dependency were caught by our guard (not failures)",
            o.target, o.caught_inside
        );
    }
    for o in &outcomes {
        for f in o.failures.values() {
            println!(
                "\nFAILED {}: {} inputs, first at input {}: {}\n  input: b\"{}\"",
                o.target,
                f.count,
                f.index,
                f.message,
                f.escaped_input()
            );
        }
    }
    if panics > 0 {
        std::process::exit(1);
    }
}
