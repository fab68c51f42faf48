//! The binary as an operator runs it: a configuration that is not clearly safe stops every command
//! that writes before it does anything, with exit status 2 and the variable named.

use std::process::{Command, Output};

fn run(args: &[&str], env: &[(&str, &str)]) -> Output {
    let dir = tempfile::tempdir().unwrap();
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_linkedin-ads"));
    cmd.env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("DATA_DIR", dir.path())
        // Nothing listens there: a command that got past its configuration would fail differently.
        .env("LINKEDIN_API_BASE_URL", "http://127.0.0.1:9")
        .env("LINKEDIN_OAUTH_URL", "http://127.0.0.1:9")
        .env("LINKEDIN_AD_ACCOUNT_ID", "508720451")
        .env("LINKEDIN_ACCESS_TOKEN", "cli-test-token")
        .env("LINKEDIN_MAX_RETRIES", "0")
        .args(args);
    for (k, v) in env {
        cmd.env(k, v);
    }
    cmd.output().unwrap()
}

#[test]
fn a_blank_or_non_boolean_dry_run_is_exit_2_for_every_command_that_writes() {
    let commands: [&[&str]; 3] = [
        &["optimize", "--as-of", "2026-11-20"],
        &["undo", "--run", "20261120T080000Z-abcdef"],
        &["copy", "approve", "b", "1"],
    ];
    for args in commands {
        for value in ["", "  ", "maybe"] {
            let out = run(args, &[("DRY_RUN", value)]);
            let stderr = String::from_utf8_lossy(&out.stderr);
            assert_eq!(out.status.code(), Some(2), "{args:?} DRY_RUN={value:?}: {stderr}");
            assert!(stderr.contains("DRY_RUN=") && stderr.contains("is not valid: expected true or false"), "{stderr}");
        }
    }
    let out = run(&["generate-copy", "--as-of", "2026-11-20"], &[("AUTO_PUBLISH", "")]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("AUTO_PUBLISH='' (blank) is not valid"));
}

#[test]
fn guardrails_past_their_safe_bounds_are_exit_2_unless_overridden() {
    for (var, value) in [("COOLDOWN_DAYS", "0"), ("MAX_BID_STEP_PERCENT", "100"), ("MAX_PAUSES_PER_CAMPAIGN", "100")] {
        let out = run(&["optimize", "--as-of", "2026-11-20", "--dry-run"], &[(var, value)]);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{stderr}");
        assert!(
            stderr.contains(&format!("{var}='{value}' is not valid: past the guardrail's safe bounds")),
            "{stderr}"
        );
        // With the override the run starts (and fails later, at LinkedIn: exit 1), and its report says so.
        let out = run(
            &["optimize", "--as-of", "2026-11-20", "--dry-run"],
            &[(var, value), ("GUARDRAILS_UNSAFE_OVERRIDE", "true")],
        );
        let stdout = String::from_utf8_lossy(&out.stdout);
        assert_eq!(out.status.code(), Some(1), "{}", String::from_utf8_lossy(&out.stderr));
        // Without SNS_TOPIC_ARN the text report goes to stdout first, then the JSON run report.
        assert!(
            stdout.contains("[UNSAFE GUARDRAILS]") && stdout.contains(&format!("{var}={value} (safe ")),
            "{stdout}"
        );
        let json = &stdout[stdout.find("\n{\n").expect("the JSON report") + 1..];
        let report: serde_json::Value = serde_json::from_str(json).unwrap();
        assert!(report["unsafe_guardrails"][0].as_str().unwrap().starts_with(&format!("{var}={value} ")), "{report}");
    }
}
