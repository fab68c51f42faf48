//! The demo end to end on the smoke scenario: the real collector through the real HTTP client
//! against the sandbox, with faults on. Data lands, it equals the ground truth, the summary's
//! numbers are the truth's, and a seed reproduces the run.

use demo::{DemoError, DemoOptions, MARKER};

fn options(dir: &std::path::Path, seed: Option<u64>) -> DemoOptions {
    DemoOptions {
        scenario: "smoke".into(),
        days: Some(3),
        seed,
        data_dir: dir.to_path_buf(),
        progress: false,
        policy: None,
        settings: None,
        models: None,
        publish_copy: true,
        soak: None,
    }
}

#[tokio::test]
async fn the_demo_collects_exactly_what_the_market_delivered() {
    let dir = tempfile::tempdir().unwrap();
    let report = demo::run(&options(dir.path(), None)).await.unwrap();

    assert!(report.succeeded(), "{}", demo::summary::text(&report));
    assert_eq!(
        report.job_runs,
        3 * (4 + 1 + 1) + 1 + 1,
        "four pulls, the data processor and the optimizer a day, the copy generator on the Monday, and the closing pull"
    );
    assert!(report.api.retries > 0, "the smoke scenario injects faults: {:?}", report.api);

    // Data landed where the layout says, one object per metric day and pull.
    let raw = dir.path().join("raw/analytics");
    let partitions: Vec<String> =
        std::fs::read_dir(&raw).unwrap().map(|e| e.unwrap().file_name().to_string_lossy().into_owned()).collect();
    for day in ["dt=2026-10-05", "dt=2026-10-06", "dt=2026-10-07"] {
        assert!(partitions.contains(&day.to_string()), "{partitions:?}");
    }
    assert!(dir.path().join("raw/creatives").is_dir() && dir.path().join("raw/campaigns").is_dir());
    assert!(dir.path().join("metrics/collector.jsonl").is_file());
    // The data processor ran after each morning pull and wrote a table per day it saw.
    for day in ["dt=2026-10-05", "dt=2026-10-06", "dt=2026-10-07"] {
        let table = dir.path().join("processed/creative_daily").join(day).join("creative_daily.parquet");
        assert!(table.is_file(), "{table:?}");
    }

    // The optimizer ran each morning at 08:00 and logged its decisions.
    for day in ["dt=2026-10-05", "dt=2026-10-06", "dt=2026-10-07"] {
        let logs = dir.path().join("logs/optimizer_actions").join(day);
        assert_eq!(std::fs::read_dir(&logs).unwrap().count(), 1, "{logs:?}");
    }

    // The collected data equals the ground truth, creative-day by creative-day.
    let r = &report.reconciliation;
    assert!(r.matches(), "{r:?}");
    assert_eq!(r.creative_days_collected, r.creative_days_truth);
    assert!((8..=9).contains(&r.creative_days_collected), "3 creatives × 3 days, less any the optimizer paused");
    assert!(r.raw_rows > r.creative_days_collected, "many pulls cover each day; de-duplication keeps one");
    assert_eq!(r.collected, r.truth);

    // The summary's "this system" row is the truth the collector saw (spend, impressions, clicks)...
    let system = &report.policies[0];
    assert_eq!(system.policy, "this system");
    assert_eq!(system.impressions, r.truth.impressions);
    assert_eq!(system.clicks, r.truth.clicks);
    assert_eq!(system.spend, r.truth.spend);
    assert!(system.conversions as f64 >= r.truth.conversions_reported, "eventual conversions include late ones");
    // The optimizer acted, so this system differs from "no optimization"; the oracle still does better.
    assert!(!report.actions.is_empty(), "the optimizer wrote to the sandbox");
    let oracle = &report.policies[2];
    assert!(oracle.conversions_per_dollar.unwrap() > system.conversions_per_dollar.unwrap(), "{:?}", report.policies);
    assert_eq!(oracle.conversions_vs_oracle, Some(1.0));

    let html = std::fs::read_to_string(&report.html_report).unwrap();
    assert!(html.contains("<svg") && html.contains("Daily CTR per creative") && html.contains("<b>match</b>"));
    let json: serde_json::Value =
        serde_json::from_slice(&std::fs::read(dir.path().join("reports/demo-summary.json")).unwrap()).unwrap();
    assert_eq!(json["reconciliation"]["mismatches"], 0);
}

#[tokio::test]
async fn a_seed_reproduces_the_run_and_another_seed_changes_it() {
    let (a, b, c) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let first = demo::run(&options(a.path(), Some(5))).await.unwrap();
    let second = demo::run(&options(b.path(), Some(5))).await.unwrap();
    let other = demo::run(&options(c.path(), Some(6))).await.unwrap();
    let key = |r: &demo::DemoReport| {
        serde_json::to_string(&(&r.policies, &r.daily, &r.reconciliation.collected, r.api, r.token_refreshes)).unwrap()
    };
    assert_eq!(key(&first), key(&second));
    assert_ne!(key(&first), key(&other));
}

#[tokio::test]
async fn it_refuses_to_empty_a_folder_that_is_not_its_own() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("precious.csv"), "a,b\n").unwrap();
    let err = demo::run(&options(dir.path(), None)).await.unwrap_err();
    assert!(matches!(err, DemoError::NotADemoDir(_)), "{err}");
    assert!(dir.path().join("precious.csv").exists());

    // Its own folder is emptied and reused.
    let own = tempfile::tempdir().unwrap();
    demo::run(&options(own.path(), None)).await.unwrap();
    assert!(own.path().join(MARKER).exists());
    std::fs::write(own.path().join("stale.txt"), "x").unwrap();
    demo::run(&options(own.path(), None)).await.unwrap();
    assert!(!own.path().join("stale.txt").exists());
}

#[tokio::test]
async fn the_copy_generator_queues_five_valid_scored_variations_on_mondays() {
    let dir = tempfile::tempdir().unwrap();
    // 2026-10-05 is a Monday: day 1 has no winner yet (skipped, not failed), day 8 writes a batch.
    let report = demo::run(&DemoOptions { days: Some(8), ..options(dir.path(), None) }).await.unwrap();
    assert!(report.succeeded(), "{}", demo::summary::text(&report));
    let week2 = dir.path().join("copy/pending/dt=2026-10-12");
    let files: Vec<_> = std::fs::read_dir(&week2).unwrap().map(|e| e.unwrap().path()).collect();
    let json = files.iter().find(|p| p.extension().is_some_and(|e| e == "json")).expect("a batch");
    assert!(files.iter().any(|p| p.extension().is_some_and(|e| e == "md")), "and its Markdown");
    let batch: copy_generator::Batch = serde_json::from_slice(&std::fs::read(json).unwrap()).unwrap();
    assert!(batch.generator.starts_with("offline templates"), "labelled: {}", batch.generator);
    assert_eq!(batch.variations.len(), 5);
    let variations: Vec<_> = batch.variations.iter().map(|v| v.variation.clone()).collect();
    assert!(copy_generator::validate::validate(&variations, &batch.brief).is_empty());
    let ctrs: Vec<f64> = batch.variations.iter().map(|v| v.predicted_ctr.expect("scored")).collect();
    assert!(ctrs.windows(2).all(|w| w[0] >= w[1]), "best first: {ctrs:?}");
    assert!(!std::path::Path::new(&dir.path().join("copy/pending/dt=2026-10-05")).exists());

    // The demo approves the best-ranked variation: a new creative in the source campaign, logged.
    let logs = dir.path().join("logs/optimizer_actions/dt=2026-10-12");
    let published: Vec<linkedin_core::audit::AuditLine> = std::fs::read_dir(&logs)
        .unwrap()
        .flat_map(|e| {
            let text = std::fs::read_to_string(e.unwrap().path()).unwrap();
            text.lines().map(|l| serde_json::from_str(l).unwrap()).collect::<Vec<_>>()
        })
        .filter(|l: &linkedin_core::audit::AuditLine| l.action == linkedin_core::decisions::Action::Publish)
        .collect();
    assert_eq!(published.len(), 1, "{published:?}");
    let line = &published[0];
    assert_eq!(line.outcome, linkedin_core::audit::Outcome::Applied);
    assert_eq!(line.entity.campaign().0, batch.source_campaign);
    let p = line.published.as_ref().unwrap();
    assert_eq!(
        (p.variation, p.copy.intro_text.as_deref()),
        (1, Some(batch.variations[0].variation.intro_text.as_str()))
    );
    let id = p.creative.expect("the new creative's id");
    assert!(
        report.actions.iter().any(|c| c.entity == format!("urn:li:sponsoredCreative:{}", id.0) && c.field == "created"),
        "the sandbox made creative {}",
        id.0
    );
}

/// The policies bench in small: the default policy on 10 generated markets (seeds 101-110, kept apart
/// from the bench's 1-100 and the tuning seeds), 30 days each. It asserts the floor this version
/// reaches with a margin (README, "Policies compared"), so a change that makes decisions worse
/// fails here; the targets are higher and are measured by the bench.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_default_policy_holds_its_floor_on_ten_generated_markets() {
    use demo::markets::{Contender, run_market, summarise};
    use linkedin_core::decisions::Policy;
    let dir = tempfile::tempdir().unwrap();
    let settings = optimizer::Settings::default();
    assert_eq!(settings.params.policy, Policy::Conversions, "the default policy");
    let mut scores = Vec::new();
    for seed in 101..=110 {
        let [system, none, oracle] = run_market(seed, Policy::Conversions, &settings, 30, dir.path()).await.unwrap();
        scores.extend([system, none, oracle]);
    }
    let mine = summarise(Contender::Policy(Policy::Conversions), &scores);
    let none = summarise(Contender::NoOptimization, &scores);
    assert_eq!(mine.markets, 10);
    assert!(mine.per_dollar.mean >= 0.78, "conversions per dollar vs the oracle: {mine:?}");
    assert!(mine.conversions.mean >= 0.68, "conversions vs the oracle: {mine:?}");
    assert!(mine.conversions.mean > none.conversions.mean, "better than doing nothing: {mine:?} vs {none:?}");
    // 27 campaigns: one wrong pause is 3.7 %. With budget reallocation one market's path changes and
    // borderline pauses (P(best) 0.008-0.009) land on both campaigns' best creatives (revive undid them a
    // week later; one was paused again); the 100-market bench's rate is 1.0 % with and without
    // reallocation. Two campaigns at most.
    assert!(mine.wrong_pause_rate <= 0.075, "wrong pauses: {mine:?}");
}

/// The account's reporting lag, estimated from its own restatements (the data processor's
/// `processed/conversion_lag/`), equals the sandbox's known lag, and the optimizer uses it.
#[tokio::test]
async fn the_lag_estimated_from_restatements_is_the_sandboxs() {
    let dir = tempfile::tempdir().unwrap();
    let opts = DemoOptions { days: Some(21), publish_copy: false, ..options(dir.path(), None) };
    let report = demo::run(&opts).await.unwrap();
    assert!(report.failed_runs.is_empty(), "{:?}", report.failed_runs);
    let mut sums = linkedin_core::decisions::LagSums::default();
    let lag_dir = dir.path().join("processed/conversion_lag");
    for entry in std::fs::read_dir(&lag_dir).unwrap() {
        let bytes = std::fs::read(entry.unwrap().path().join("lag.json")).unwrap();
        sums.add(&serde_json::from_slice(&bytes).unwrap());
    }
    let curve = sums.curve().expect("enough restated conversions in three weeks");
    let truth = sandbox::Scenario::load("smoke").unwrap().market.conversion_lag;
    let mut cumulative = 0.0;
    for (age, share) in truth.iter().enumerate() {
        cumulative += share;
        // Age 0 is the same-day pull, made before the day's last clicks: it sees less than lag[0].
        if age >= 1 {
            let q = curve.completeness(age as i64);
            assert!((q - cumulative).abs() < 0.08, "age {age}: estimated {q:.3}, true {cumulative:.3} ({sums:?})");
        }
    }
    let text = std::fs::read_dir(dir.path().join("reports/optimizer")).unwrap().count();
    assert!(text > 0);
    let last =
        std::fs::read_dir(dir.path().join("reports/optimizer")).unwrap().map(|e| e.unwrap().path()).max().unwrap();
    let body = std::fs::read_to_string(std::fs::read_dir(&last).unwrap().next().unwrap().unwrap().path()).unwrap();
    assert!(body.contains("Conversion lag") && body.contains("estimated from"), "{body}");
}

/// The soak (issue 18): `SOAK_DAYS` simulated days of b2b-saas with 30 % of API calls faulted and the
/// optimizer killed at a random API request on 10 % of days (the README's 90-day figures; the short
/// version `make test` runs is 30 days with a kill on 30 % of days, so that some kills land between
/// an intent and its outcome):
/// no change at LinkedIn missing from the audit log, no guardrail broken, no creative-day lost or
/// wrong, no panic.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_soak_under_faults_and_kills_loses_nothing_and_breaks_no_guardrail() {
    let days = std::env::var("SOAK_DAYS").ok().and_then(|d| d.parse().ok()).unwrap_or(30);
    let kill_share = if days < 90 { 0.3 } else { 0.1 };
    let dir = tempfile::tempdir().unwrap();
    let opts = DemoOptions {
        scenario: "b2b-saas".into(),
        days: Some(days),
        publish_copy: true,
        soak: Some(demo::soak::Soak { kill_share, ..demo::soak::Soak::default() }),
        ..options(dir.path(), None)
    };
    let started = std::time::Instant::now();
    let report = demo::run(&opts).await.unwrap();
    let f = report.soak.clone().expect("a soak's findings");
    eprintln!(
        "soak: {days} days, {} kills {:?}, {} recovered runs, {} changes, {} unlogged, {} violations, {} creative-days wrong, {} API calls ({} retries), {:.0} s",
        f.kills.len(),
        f.kills,
        f.recovered_runs,
        f.changes,
        f.unlogged.len(),
        f.violations.len(),
        f.creative_days_wrong,
        report.api.api_calls,
        report.api.retries,
        started.elapsed().as_secs_f64()
    );
    assert!(
        !f.kills.is_empty() && f.recovered_runs >= 1,
        "the soak killed runs and the next ones recovered them: {f:?}"
    );
    assert!(f.changes >= 5, "the optimizer acted: {f:?}");
    assert!(f.unlogged.is_empty(), "changes at LinkedIn missing from the audit log: {:#?}", f.unlogged);
    assert!(f.violations.is_empty(), "guardrails broken: {:#?}", f.violations);
    assert_eq!(f.creative_days_wrong, 0, "{:?}", report.reconciliation.examples);
    assert!(f.held());
}
