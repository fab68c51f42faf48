"""`linkedin-ads demo` and `linkedin-ads sandbox serve` as a user runs them."""

import json
import os
import re
import subprocess
import urllib.error
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
BIN = ROOT / "target" / "debug" / "linkedin-ads"


def run(args, tmp_path):
    env = {"PATH": os.environ["PATH"]}
    return subprocess.run([str(BIN), *args], env=env, capture_output=True, text=True, timeout=300, cwd=tmp_path)


def test_demo_prints_the_policy_table_and_writes_the_report(tmp_path):
    out = run(["--data-dir", "demo", "demo", "--scenario", "smoke", "--days", "2"], tmp_path)
    assert out.returncode == 0, out.stderr
    assert "day   2/2" in out.stderr, "a progress line per day"
    for policy in ("this system", "no optimization", "oracle"):
        assert re.search(rf"^{policy}\s+\$\d+\.\d\d", out.stdout, re.M), out.stdout
    assert "Collected data vs ground truth: match" in out.stdout
    assert "Not run" not in out.stdout, "every job is built"
    report = tmp_path / "demo" / "reports" / "demo-smoke-seed7.html"
    assert report.is_file() and "<svg" in report.read_text()
    summary = json.loads((tmp_path / "demo" / "reports" / "demo-summary.json").read_text())
    assert summary["days"] == 2 and summary["reconciliation"]["mismatches"] == 0

    # The data processor over the demo's raw data, from the command line.
    proc = run(["--data-dir", "demo", "process", "--as-of", "2026-10-07"], tmp_path)
    assert proc.returncode == 0, proc.stderr
    report = json.loads(proc.stdout)
    written = {d["date"]: d["rows_written"] for d in report["days"]}
    assert written["2026-10-05"] == 3 and written["2026-10-06"] == 3, written
    assert (tmp_path / "demo" / "processed" / "creative_daily" / "dt=2026-10-06" / "creative_daily.parquet").is_file()


def test_demo_json_output_and_bad_arguments(tmp_path):
    out = run(["--data-dir", "d", "demo", "--scenario", "smoke", "--days", "1", "--seed", "3", "--json"], tmp_path)
    assert out.returncode == 0, out.stderr
    assert json.loads(out.stdout)["seed"] == 3
    bad = run(["--data-dir", "d", "demo", "--days", "0"], tmp_path)
    assert bad.returncode == 2 and "--days 0: give a number of days from 1 to 365" in bad.stderr, bad.stderr
    unknown = run(["--data-dir", "d", "demo", "--scenario", "nope"], tmp_path)
    assert unknown.returncode == 2 and "no scenario named 'nope'" in unknown.stderr, unknown.stderr


def test_sandbox_serve_answers_like_linkedin(tmp_path):
    proc = subprocess.Popen([str(BIN), "sandbox", "serve", "--port", "0", "--scenario", "smoke"],
                            stderr=subprocess.PIPE, text=True, cwd=tmp_path)
    try:
        base = None
        while base is None:
            line = proc.stderr.readline()
            assert line, "the sandbox exited before printing its address"
            m = re.search(r"sandbox 'smoke' at (http://127\.0\.0\.1:\d+)", line)
            base = m and m.group(1)
        clock = json.load(urllib.request.urlopen(f"{base}/_sandbox/clock"))
        assert clock["now"].startswith("2026-10-05T00:00:00")
        req = urllib.request.Request(f"{base}/_sandbox/clock", data=b'{"advance_hours": 30}', method="POST")
        assert json.load(urllib.request.urlopen(req))["now"].startswith("2026-10-06T06:00:00")
        # A versioned call without LinkedIn-Version gets LinkedIn's 400.
        req = urllib.request.Request(f"{base}/rest/adAccounts/508720451/adCampaigns/600100",
                                     headers={"Authorization": "Bearer sandbox-access-token"})
        try:
            urllib.request.urlopen(req)
            raise AssertionError("expected 400")
        except urllib.error.HTTPError as e:
            assert e.code == 400 and json.load(e)["code"] == "VERSION_MISSING"
        truth = json.load(urllib.request.urlopen(f"{base}/_sandbox/truth"))
        assert {c["id"] for c in truth["creatives"]} == {900100, 900101, 900102}
        assert truth["outcomes"]["system"]["impressions"] > 0
    finally:
        proc.terminate()
        proc.wait(timeout=10)
