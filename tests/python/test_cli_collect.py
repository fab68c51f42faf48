"""The `linkedin-ads` binary as a user runs it: environment in, files and a report out.

Checks the contract the data processor and Athena rely on: NDJSON with one compact JSON object per
line (Athena's JSON SerDe cannot read anything else), Hive `dt=` partitions, the agreed columns.
"""

import json
import os
import re
import subprocess
from pathlib import Path

import pytest

import fake_linkedin

ROOT = Path(__file__).resolve().parents[2]
BIN = ROOT / "target" / "debug" / "linkedin-ads"
ANALYTICS_COLUMNS = {
    "pulled_at", "run_id", "account_id", "campaign_id", "creative_id", "date", "impressions", "clicks",
    "landing_page_clicks", "cost_usd", "cost_local", "conversions", "external_website_conversions",
    "post_click_conversions", "post_view_conversions", "one_click_leads", "total_engagements", "video_views",
    "approximate_member_reach",
}


def run_cli(args, env_extra, tmp_path):
    env = {"PATH": os.environ["PATH"], "RUST_LOG": "info"}
    env.update(env_extra)
    return subprocess.run([str(BIN), *args], env=env, capture_output=True, text=True, timeout=120, cwd=tmp_path)


@pytest.fixture
def linkedin():
    server, url = fake_linkedin.start()
    yield url
    server.shutdown()


def test_collect_writes_the_raw_contract(linkedin, tmp_path):
    data = tmp_path / "data"
    res = run_cli(["collect", "--as-of", "2026-11-20", "--lookback-days", "2"], {
        "DATA_DIR": str(data),
        "LINKEDIN_API_BASE_URL": linkedin,
        "LINKEDIN_AD_ACCOUNT_ID": str(fake_linkedin.ACCOUNT),
        "LINKEDIN_ACCESS_TOKEN": "py-test-token-3e8f",
    }, tmp_path)
    assert res.returncode == 0, res.stderr
    report = json.loads(res.stdout)
    assert report["analytics_rows"] == 6 and report["failures"] == [] and report["aborted"] is None
    assert report["cost_usd"] == "90"  # 6 rows x "1.5E1"

    days = sorted(p.name for p in (data / "raw" / "analytics").iterdir())
    assert days == ["dt=2026-11-18", "dt=2026-11-19", "dt=2026-11-20"]
    for part in (data / "raw" / "analytics").iterdir():
        files = list(part.iterdir())
        assert len(files) == 1 and files[0].suffix == ".ndjson"
        text = files[0].read_text()
        assert text.endswith("\n")
        for line in text.splitlines():
            row = json.loads(line)  # one complete object per line
            assert "\n" not in line and not line.startswith(" ")
            assert set(row) == ANALYTICS_COLUMNS
            assert row["date"] == part.name[3:]
            assert row["campaign_id"] == "11" and row["account_id"] == "777"
            assert row["cost_usd"] == "15"
            assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z", row["pulled_at"])

    creatives = [json.loads(l) for f in (data / "raw" / "creatives").rglob("*.ndjson") for l in f.read_text().splitlines()]
    assert {c["creative_id"] for c in creatives} == {"501", "502"}
    assert creatives[0]["intro_text"] == "Free guide: 5 ways to cut CPC today?"
    assert creatives[0]["headline"] == "Cut your CPC" and creatives[0]["call_to_action"] == "DOWNLOAD"

    # The token went to LinkedIn as a bearer header and nowhere else.
    sent = fake_linkedin.Handler.requests
    assert len(sent) == 5  # campaign search, creatives finder, two posts, one analytics request
    assert all(r["authorization"] == "Bearer py-test-token-3e8f" for r in sent)
    written = "".join(p.read_text() for p in data.rglob("*") if p.is_file())
    assert "py-test-token-3e8f" not in written + res.stdout + res.stderr


def test_file_secrets_are_refreshed_and_written_back(linkedin, tmp_path):
    from datetime import datetime, timedelta, timezone
    secrets = tmp_path / "secrets"
    secrets.mkdir()
    soon = datetime.now(timezone.utc) + timedelta(hours=2)
    (secrets / "linkedin.json").write_text(json.dumps({
        "access_token": "py-old-token", "expires_at": soon.isoformat(), "refresh_token": "py-refresh-77",
        "refresh_token_expires_at": (soon + timedelta(days=10)).isoformat(),
        "client_id": "cid", "client_secret": "py-client-secret-12",
    }))
    res = run_cli(["collect", "--as-of", "2026-11-20", "--lookback-days", "0"], {
        "DATA_DIR": str(tmp_path / "data"), "LINKEDIN_API_BASE_URL": linkedin, "LINKEDIN_OAUTH_URL": linkedin,
        "LINKEDIN_AD_ACCOUNT_ID": str(fake_linkedin.ACCOUNT), "SECRET_NAME": "linkedin", "SECRETS_DIR": str(secrets),
    }, tmp_path)
    assert res.returncode == 0, res.stderr
    report = json.loads(res.stdout)
    assert report["token_refreshes"] == 1 and report["refresh_token_days_left"] == 10
    assert "refresh token expires soon" in res.stderr
    saved = json.loads((secrets / "linkedin.json").read_text())
    assert saved["access_token"] == "py-refreshed-token" and saved["refresh_token"] == "py-refresh-77"
    gets = [r for r in fake_linkedin.Handler.requests if r["authorization"]]
    assert gets and all(r["authorization"] == "Bearer py-refreshed-token" for r in gets)
    metrics = [json.loads(l) for l in (tmp_path / "data" / "metrics" / "collector.jsonl").read_text().splitlines()]
    assert metrics[-1]["RefreshTokenDaysLeft"] == 10 and metrics[-1]["TokenRefreshes"] == 1
    leaked = res.stdout + res.stderr + "".join(p.read_text() for p in (tmp_path / "data").rglob("*") if p.is_file())
    for secret in ("py-old-token", "py-refreshed-token", "py-refresh-77", "py-client-secret-12"):
        assert secret not in leaked


def test_bad_configuration_exits_2_and_names_each_variable(tmp_path):
    res = run_cli(["collect"], {"LOOKBACK_DAYS": "a week", "LINKEDIN_ACCESS_TOKEN": "t"}, tmp_path)
    assert res.returncode == 2
    assert "DATA_DIR is not set" in res.stderr
    assert "LINKEDIN_AD_ACCOUNT_ID is not set" in res.stderr
    assert "LOOKBACK_DAYS='a week' is not valid" in res.stderr


def test_a_failed_collection_exits_1_with_the_failure_in_the_report(tmp_path):
    # Nothing listens on this port: every call fails after its retries.
    res = run_cli(["collect", "--as-of", "2026-11-20"], {
        "DATA_DIR": str(tmp_path / "d"), "LINKEDIN_API_BASE_URL": "http://127.0.0.1:9",
        "LINKEDIN_AD_ACCOUNT_ID": "1", "LINKEDIN_ACCESS_TOKEN": "t", "LINKEDIN_MAX_RETRIES": "0",
    }, tmp_path)
    assert res.returncode == 1, res.stderr
    report = json.loads(res.stdout)
    assert report["failures"][0]["scope"] == "campaign search"
    assert "network error" in report["failures"][0]["error"]


def test_readme_config_table_matches_the_cli():
    help_text = subprocess.run([str(BIN), "--help"], capture_output=True, text=True, check=True).stdout
    documented = set(re.findall(r"^  ([A-Z][A-Z0-9_]+)\s", help_text.split("Environment variables:")[1], re.M))
    readme = (ROOT / "README.md").read_text()
    table = readme.split("## Configuration")[1].split("\n## ")[0]
    in_readme = set(re.findall(r"^\| `([A-Z][A-Z0-9_]+)`", table, re.M))
    assert documented, "no variables found in --help"
    assert documented == in_readme, f"only in --help: {documented - in_readme}; only in README: {in_readme - documented}"
