//! `DRY_RUN=true` in the environment holds back every command of the binary that writes: `undo` used
//! to honour `--dry-run` only and sent real writes. Checked against the local LinkedIn sandbox, whose
//! request log must show no write.

#[path = "../../optimizer/tests/common/mod.rs"]
mod common;

use std::sync::Arc;

use chrono::TimeDelta;
use linkedin_core::RunClock;
use linkedin_core::store::{LocalStore, ObjectStore};

async fn cli(args: &[&str], w: &common::World, dir: &std::path::Path, dry_run: &str) -> std::process::Output {
    let (account, token) = w.sb.with(|s| (s.scenario.account.id, s.scenario.oauth.access_token.clone()));
    tokio::process::Command::new(env!("CARGO_BIN_EXE_linkedin-ads"))
        .env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("DATA_DIR", dir)
        .env("DRY_RUN", dry_run)
        .env("LINKEDIN_API_BASE_URL", w.sb.base_url())
        .env("LINKEDIN_OAUTH_URL", w.sb.base_url())
        .env("LINKEDIN_AD_ACCOUNT_ID", account.to_string())
        .env("LINKEDIN_ACCESS_TOKEN", token)
        .args(args)
        .output()
        .await
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dry_run_in_the_environment_holds_back_undo() {
    let dir = tempfile::tempdir().unwrap();
    let store: Arc<dyn ObjectStore> = Arc::new(LocalStore::new(dir.path()));
    let w = common::world_in(4, store).await;
    let clock = w.at(4, 0);
    let (live, _) = common::optimizer(&w, common::eager(false));
    let applied = live.run(RunClock { now: clock.now + TimeDelta::minutes(1), ..clock }).await;
    assert!(applied.succeeded() && applied.counts.paused > 0, "{:?}", applied.failures);
    let sent = common::writes(&w).len();

    let run = applied.run_id.to_string();
    let out = cli(&["undo", "--run", &run], &w, dir.path(), "true").await;
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    let report: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!(report["dry_run"], true, "{report}");
    assert!(report["restored"].as_u64().unwrap() > 0, "{report}");
    assert_eq!(common::writes(&w).len(), sent, "DRY_RUN=true undo sent {:?}", &common::writes(&w)[sent..]);

    // Without DRY_RUN the same command restores for real.
    let out = cli(&["undo", "--run", &run], &w, dir.path(), "false").await;
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(common::writes(&w).len() > sent);
}
