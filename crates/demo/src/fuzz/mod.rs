//! A small mutation fuzzer on stable Rust for every parser of outside input (issue 18: "no panic on
//! any external input").
//!
//! Each [`Target`] is one parser and what its caller does straight after with the parsed values (a
//! LinkedIn page into raw rows, a Parquet partition into totals, a token reply into stored
//! credentials...), started from a seed corpus of valid inputs. [`run`] feeds it inputs made by
//! [`mutate::Mutator`] from the seeds (byte flips, truncation, splicing, huge and odd numbers, deep
//! nesting, invalid UTF-8, JSON-level type swaps) and pure random bytes, each under `catch_unwind`.
//! Everything is deterministic from the seed, so a failure reproduces with the same seed and count.
//!
//! Targets also assert the properties their callers rely on (what the collector writes, the data
//! processor reads back; credentials that parse, written back, parse again): a failed assertion counts
//! as a panic, as in any fuzzer.
//!
//! `cargo bench -p demo --bench fuzz` (`make fuzz`) runs each target on 1,000,000 inputs; the unit
//! test below runs a few thousand per target in `cargo test`.

pub mod mutate;
pub mod seeds;
pub mod targets;

use std::cell::{Cell, RefCell};
use std::collections::BTreeMap;
use std::panic::{self, AssertUnwindSafe};
use std::sync::Once;
use std::time::{Duration, Instant};

pub use targets::targets;

/// How the mutator treats a target's input, besides the byte-level mutations every target gets.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Shape {
    /// One JSON document: node-level mutations (type swaps, huge numbers, removed or added members).
    Json,
    /// Newline-delimited JSON: the JSON mutations on one line, and whole lines duplicated or dropped.
    Ndjson,
    /// Short text (a header, a date, a CLI argument).
    Text,
    /// `NAME=value` lines (the environment): values replaced, variables blanked or dropped.
    Env,
    /// Bytes with no text structure (Parquet).
    Binary,
}

/// One parser under test.
pub struct Target {
    /// Short name, e.g. `linkedin.analytics`.
    pub name: &'static str,
    /// The production function(s) it calls, for the table and the README.
    pub calls: &'static str,
    pub shape: Shape,
    /// Valid inputs to mutate.
    pub seeds: fn() -> Vec<Vec<u8>>,
    /// Inputs built from structure rather than bytes (e.g. a valid Parquet file of hostile values),
    /// for a share of the runs; `None` when byte and JSON mutations say it all.
    pub generate: Option<fn(&mut fastrand::Rng) -> Vec<u8>>,
    /// Parses one input and uses the result as its caller does. `true` when the input was accepted
    /// (it then joins the pool that later inputs are mutated from, to go deeper than the seeds).
    pub run: fn(&[u8]) -> bool,
}

/// The first failure at one place in the code, kept to reproduce it.
#[derive(Debug, Clone)]
pub struct Failure {
    /// The panic message with its location.
    pub message: String,
    /// Which input (0-based) first hit it, and how many did.
    pub index: u64,
    pub count: u64,
    pub input: Vec<u8>,
}

impl Failure {
    /// The input as an escaped Rust byte string, to paste into a regression test.
    pub fn escaped_input(&self) -> String {
        escape(&self.input)
    }
}

/// What a run of one target found.
#[derive(Debug, Clone)]
pub struct Outcome {
    pub target: &'static str,
    pub inputs: u64,
    /// Inputs whose run panicked (or broke an asserted property).
    pub panics: u64,
    /// Inputs the parser accepted.
    pub accepted: u64,
    /// Panics raised inside a dependency and caught by our code on purpose (the Parquet reader's
    /// guard): not failures, counted to show the guard is needed.
    pub caught_inside: u64,
    /// Failures by panic site, first input of each.
    pub failures: BTreeMap<String, Failure>,
    pub elapsed: Duration,
    /// The slowest single input, to spot inputs that make a parser crawl, and its index.
    pub slowest: Duration,
    pub slowest_index: u64,
}

impl Outcome {
    pub fn first_panic(&self) -> Option<&Failure> {
        self.failures.values().min_by_key(|f| f.index)
    }

    pub fn inputs_per_second(&self) -> f64 {
        self.inputs as f64 / self.elapsed.as_secs_f64().max(1e-9)
    }
}

thread_local! {
    /// Whether this thread is running fuzz inputs (the hook stays quiet only then).
    static FUZZING: Cell<bool> = const { Cell::new(false) };
    /// The last panic message on this thread while fuzzing.
    static LAST_PANIC: RefCell<Option<String>> = const { RefCell::new(None) };
}

/// Installs, once, a panic hook that records panics on fuzzing threads instead of printing them (a
/// million inputs would print a million backtraces) and leaves every other thread's panics alone.
fn install_hook() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        let previous = panic::take_hook();
        panic::set_hook(Box::new(move |info| {
            if FUZZING.with(Cell::get) {
                let location = info.location().map(|l| format!(" at {}:{}", l.file(), l.line())).unwrap_or_default();
                let payload = info.payload();
                let message = payload
                    .downcast_ref::<&str>()
                    .map(|s| s.to_string())
                    .or_else(|| payload.downcast_ref::<String>().cloned())
                    .unwrap_or_else(|| "(no message)".into());
                LAST_PANIC.with(|p| *p.borrow_mut() = Some(format!("{message}{location}")));
            } else {
                previous(info);
            }
        }));
    });
}

/// One input through a target: `Ok(accepted)`, or `Err(message)` when it panicked.
pub fn run_one(target: &Target, input: &[u8]) -> (Result<bool, String>, bool) {
    install_hook();
    LAST_PANIC.with(|p| p.borrow_mut().take());
    FUZZING.with(|f| f.set(true));
    let result = panic::catch_unwind(AssertUnwindSafe(|| (target.run)(input)));
    FUZZING.with(|f| f.set(false));
    let message = LAST_PANIC.with(|p| p.borrow_mut().take());
    match result {
        Ok(accepted) => (Ok(accepted), message.is_some()),
        Err(_) => (Err(message.unwrap_or_else(|| "(panic without a message)".into())), false),
    }
}

/// Runs `target` on `inputs` inputs generated from `seed`.
pub fn run(target: &Target, inputs: u64, seed: u64) -> Outcome {
    let mut mutator = mutate::Mutator::new(target, seed);
    let mut outcome = Outcome {
        target: target.name,
        inputs,
        panics: 0,
        accepted: 0,
        caught_inside: 0,
        failures: BTreeMap::new(),
        elapsed: Duration::ZERO,
        slowest: Duration::ZERO,
        slowest_index: 0,
    };
    let started = Instant::now();
    for index in 0..inputs {
        let input = mutator.next_input();
        let t = Instant::now();
        let (result, caught) = run_one(target, &input);
        if t.elapsed() > outcome.slowest {
            (outcome.slowest, outcome.slowest_index) = (t.elapsed(), index);
        }
        outcome.caught_inside += caught as u64;
        match result {
            Ok(true) => {
                outcome.accepted += 1;
                mutator.keep(input);
            }
            Ok(false) => {}
            Err(message) => {
                outcome.panics += 1;
                let site = message.rsplit(" at ").next().unwrap_or(&message).to_string();
                outcome
                    .failures
                    .entry(site)
                    .or_insert_with(|| Failure { message, index, count: 0, input: input.clone() })
                    .count += 1;
            }
        }
    }
    outcome.elapsed = started.elapsed();
    outcome
}

/// Input number `index` of a run of `target` from `seed` (inputs depend on what was accepted before,
/// so the run is replayed up to it).
pub fn input_at(target: &Target, seed: u64, index: u64) -> Vec<u8> {
    let mut mutator = mutate::Mutator::new(target, seed);
    for _ in 0..index {
        let input = mutator.next_input();
        if run_one(target, &input).0 == Ok(true) {
            mutator.keep(input);
        }
    }
    mutator.next_input()
}

/// Bytes as a Rust byte-string literal body (`{\"a\":1}\xff`).
pub fn escape(bytes: &[u8]) -> String {
    bytes.iter().flat_map(|b| std::ascii::escape_default(*b)).map(char::from).collect()
}

/// Runs a future that never waits on I/O (the in-memory stores of the targets) to completion on
/// this thread: no runtime per input.
pub fn block_on<F: std::future::Future>(future: F) -> F::Output {
    let mut future = std::pin::pin!(future);
    let mut cx = std::task::Context::from_waker(std::task::Waker::noop());
    loop {
        if let std::task::Poll::Ready(v) = future.as_mut().poll(&mut cx) {
            return v;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The short version `make test` runs: every target, a few thousand inputs each, no panic.
    #[test]
    fn every_parser_survives_a_few_thousand_mutated_inputs() {
        let per_target: u64 = std::env::var("FUZZ_TEST_INPUTS").ok().and_then(|v| v.parse().ok()).unwrap_or(2_000);
        let mut report = Vec::new();
        for target in targets() {
            let outcome = run(&target, per_target, 18);
            if let Some(f) = outcome.first_panic() {
                report.push(format!(
                    "{}: {} of {} inputs panicked; first: {} (input {}: b\"{}\")",
                    target.name,
                    outcome.panics,
                    outcome.inputs,
                    f.message,
                    f.index,
                    f.escaped_input()
                ));
            }
            assert!(outcome.accepted > 0, "{}: no input was accepted: the seeds are not valid inputs", target.name);
        }
        assert!(report.is_empty(), "{}", report.join("\n"));
    }

    /// Seeds are valid inputs (a few are refusals on purpose, e.g. an HTTP-date `Retry-After`).
    #[test]
    fn seeds_run_and_most_are_accepted() {
        for target in targets() {
            let seeds = (target.seeds)();
            let mut accepted = 0;
            for (i, seed) in seeds.iter().enumerate() {
                let (result, _) = run_one(&target, seed);
                assert!(result.is_ok(), "{} seed {i} (b\"{}\"): {result:?}", target.name, escape(seed));
                accepted += (result == Ok(true)) as usize;
            }
            assert!(accepted * 2 > seeds.len(), "{}: {accepted} of {} seeds accepted", target.name, seeds.len());
        }
    }

    #[test]
    fn a_panic_is_caught_recorded_with_its_input_and_reproducible() {
        fn picky(input: &[u8]) -> bool {
            assert!(!input.windows(4).any(|w| w == b"e308"), "picky saw {}", input.len());
            true
        }
        let target = Target {
            name: "test.picky",
            calls: "picky",
            shape: Shape::Json,
            seeds: || vec![b"{\"a\":1}".to_vec()],
            generate: None,
            run: picky,
        };
        let a = run(&target, 3_000, 1);
        let b = run(&target, 3_000, 1);
        assert!(a.panics > 0 && a.panics == b.panics, "{} vs {}", a.panics, b.panics);
        let f = a.first_panic().unwrap();
        assert!(f.message.contains("picky saw") && f.message.contains("fuzz/mod.rs"), "{}", f.message);
        assert!(f.input.windows(4).any(|w| w == b"e308"));
        assert_eq!(b.first_panic().unwrap().index, f.index);
        assert!(matches!(run_one(&target, &f.input).0, Err(m) if m.contains("picky saw")));
    }
}
