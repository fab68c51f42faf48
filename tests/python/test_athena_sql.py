"""The Athena SQL of athena/: it parses as Athena SQL, transpiles to DuckDB, and on data written by the
real binary gives the numbers of an independent aggregation of the raw pulls and of the Rust
aggregation (`linkedin-ads performance`)."""

import json
import os
import re
import shutil
import subprocess
from datetime import date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import duckdb
import pytest
from sqlglot import exp

import athena_harness as h

BIN = h.ROOT / "target" / "debug" / "linkedin-ads"
QUERY_FILES = sorted(h.QUERIES.glob("*.sql"))
MICRO = Decimal("0.000001")

CREATIVE_WINDOW_COLUMNS = [
    "account_id", "campaign_id", "creative_id", "days", "first_date", "last_date", "impressions", "clicks",
    "landing_page_clicks", "cost_usd", "conversions", "ctr", "cpc", "cpa", "conversion_rate",
]
CAMPAIGN_DAILY_COLUMNS = [
    "account_id", "campaign_id", "date", "creatives", "impressions", "clicks", "landing_page_clicks",
    "cost_usd", "conversions", "ctr", "cpc", "cpa", "conversion_rate", "status", "cost_type", "unit_cost",
    "daily_budget", "budget_utilization",
]


def cli(*args, cwd):
    env = {"PATH": os.environ["PATH"]}
    return subprocess.run([str(BIN), *args], env=env, capture_output=True, text=True, timeout=120, cwd=cwd)


# ---------------------------------------------------------------------------------------------- fixture

class Fixture:
    def __init__(self, data: Path):
        self.data = data
        self.days = sorted(p.name[3:] for p in (data / "raw" / "analytics").glob("dt=*"))
        self.stale_day = self.days[3]
        self.snapshots = {}  # dt -> (whether the extra snapshot must win that day, what it changes)


def _write_ndjson(path: Path, rows):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("".join(json.dumps(r, separators=(",", ":")) + "\n" for r in rows))


def _latest_snapshot(data: Path, day: str) -> dict:
    rows = [json.loads(line) for f in (data / "raw" / "campaigns" / f"dt={day}").glob("*.ndjson")
            for line in f.read_text().splitlines()]
    return max(rows, key=lambda r: (ts(r["pulled_at"]), r["run_id"]))


def _add_campaign_snapshots(fx: Fixture):
    """Extra snapshots that decide which settings a day gets: every real pull of the smoke scenario has
    the same budget and bid, so without these, picking ANY snapshot of the day would pass."""
    data, days = fx.data, fx.days

    def add(day, wins, **changes):
        latest = _latest_snapshot(data, day)
        row = {**latest, **changes}
        _write_ndjson(data / "raw" / "campaigns" / f"dt={day}" / f"{row['run_id']}.ndjson", [row])
        fx.snapshots[day] = (wins, changes)

    # Same pulled_at as the day's last pull, greater run_id: wins the tie.
    last = _latest_snapshot(data, days[4])
    tie_run = last["run_id"][:-6] + "ffffff"
    assert tie_run > last["run_id"]
    add(days[4], True, run_id=tie_run, daily_budget="50", unit_cost="7.25")
    # Half a second after the last pull, smaller run_id: wins only when pulled_at is compared as a time
    # ('...18:00:00.500Z' < '...18:00:00Z' as text).
    last = _latest_snapshot(data, days[5])
    assert last["pulled_at"].endswith(":00Z")
    add(days[5], True, pulled_at=last["pulled_at"][:-1] + ".500Z", run_id=last["run_id"][:-6] + "000000",
        daily_budget=None, unit_cost="5.1")
    add(days[6], True, pulled_at=f"{days[6]}T23:00:00Z", run_id=f"{days[6].replace('-', '')}T230000Z-0a0b0c",
        daily_budget="200")
    add(days[7], True, pulled_at=f"{days[7]}T23:00:00Z", run_id=f"{days[7].replace('-', '')}T230000Z-0a0b0c",
        status="PAUSED")
    # Older than every real pull of its day: must lose.
    add(days[2], False, pulled_at=f"{days[2]}T00:00:00Z", run_id=f"{days[2].replace('-', '')}T000000Z-000000",
        daily_budget="1", unit_cost="99")


def _add_stale_duplicates(fx: Fixture):
    """Two extra Parquet files in one creative_daily partition, as a stray copy or a half-finished
    re-run would leave: an older pull with lower numbers, and the same pull time with a smaller run_id
    and HIGHER numbers (so neither "first file", "max" nor "sum" can pass)."""
    part = fx.data / "processed" / "creative_daily" / f"dt={fx.stale_day}"
    src = part / "creative_daily.parquet"
    con = duckdb.connect()
    con.execute("SET TimeZone = 'UTC'")
    base = f"SELECT * FROM read_parquet('{src}', hive_partitioning = false)"
    con.execute(f"""COPY (
        SELECT * REPLACE (impressions // 2 AS impressions, clicks // 2 AS clicks,
                          landing_page_clicks // 2 AS landing_page_clicks,
                          CAST(cost_usd / 2 AS DECIMAL(18, 6)) AS cost_usd, 0.0::DOUBLE AS conversions,
                          pulled_at - INTERVAL 1 DAY AS pulled_at,
                          strftime(pulled_at - INTERVAL 1 DAY, '%Y%m%dT%H%M%SZ') || '-0stale' AS run_id)
        FROM ({base})) TO '{part / "stale-older-pull.parquet"}' (FORMAT parquet)""")
    con.execute(f"""COPY (
        SELECT * REPLACE (impressions + 1000 AS impressions, clicks + 100 AS clicks,
                          CAST(cost_usd + 100 AS DECIMAL(18, 6)) AS cost_usd, conversions + 5 AS conversions,
                          substr(run_id, 1, 16) AS run_id)
        FROM ({base})) TO '{part / "stale-same-pull.parquet"}' (FORMAT parquet)""")
    fx.stale_original = h.run(con, base + " ORDER BY creative_id")


@pytest.fixture(scope="module")
def fx(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("athena")
    out = cli("--data-dir", "data", "demo", "--scenario", "smoke", "--days", "9", cwd=tmp)
    assert out.returncode == 0, out.stderr
    fx = Fixture(tmp / "data")
    assert len(fx.days) == 9, fx.days
    # The demo runs the processor after each day's 06:00 pull; the last pulls (through the final
    # midnight) restate the last days, so process once more as the next morning's run would.
    next_day = (date.fromisoformat(fx.days[-1]) + timedelta(days=1)).isoformat()
    out = cli("--data-dir", "data", "process", "--as-of", next_day, cwd=tmp)
    assert out.returncode == 0, out.stderr
    _add_stale_duplicates(fx)
    _add_campaign_snapshots(fx)
    return fx


@pytest.fixture(scope="module")
def con(fx):
    c = h.connect(fx.data)
    yield c
    c.close()


# ------------------------------------------------------------------ the independent aggregation (raw)

def ts(s: str) -> datetime:
    return datetime.fromisoformat(s)


def raw_lines(data: Path, table: str):
    for f in sorted((data / "raw" / table).glob("dt=*/*.ndjson")):
        for line in f.read_text().splitlines():
            yield f.parent.name[3:], line


def raw_latest_days(data: Path) -> dict:
    """(creative_id, date) -> the latest pull's numbers, by the documented rule: greatest pulled_at,
    ties to the greater run_id; never a sum across pulls."""
    best = {}
    for _, line in raw_lines(data, "analytics"):
        r = json.loads(line)
        key = (r["creative_id"], r["date"])
        if key not in best or (ts(r["pulled_at"]), r["run_id"]) > (ts(best[key]["pulled_at"]), best[key]["run_id"]):
            best[key] = r
    return {k: {"account_id": r["account_id"], "campaign_id": r["campaign_id"], "creative_id": r["creative_id"],
                "date": r["date"], "impressions": r["impressions"], "clicks": r["clicks"],
                "landing_page_clicks": r["landing_page_clicks"],
                "cost_usd": Decimal(r["cost_usd"]).quantize(MICRO),  # stored as micro-dollars
                "conversions": r["conversions"]}
            for k, r in best.items()}


def raw_campaign_settings(data: Path) -> dict:
    """(campaign_id, dt) -> the latest snapshot pulled that day."""
    best = {}
    for day, line in raw_lines(data, "campaigns"):
        r = json.loads(line)
        key = (r["campaign_id"], day)
        if key not in best or (ts(r["pulled_at"]), r["run_id"]) > (ts(best[key]["pulled_at"]), best[key]["run_id"]):
            best[key] = r
    return best


def totals(rows) -> dict:
    t = {"impressions": sum(r["impressions"] for r in rows), "clicks": sum(r["clicks"] for r in rows),
         "landing_page_clicks": sum(r["landing_page_clicks"] for r in rows),
         "cost_usd": sum((r["cost_usd"] for r in rows), Decimal(0)),
         "conversions": sum(r["conversions"] for r in rows)}
    return {**t, **ratios(t)}


def ratios(t) -> dict:
    def div(a, b):
        return float(a) / float(b) if b else None
    return {"ctr": div(t["clicks"], t["impressions"]), "cpc": div(t["cost_usd"], t["clicks"]),
            "cpa": div(t["cost_usd"], t["conversions"]), "conversion_rate": div(t["conversions"], t["clicks"])}


def in_window(days: dict, frm: str, to: str) -> list:
    return [r for r in days.values() if frm <= r["date"] <= to]


def expected_creative_window(days, frm, to) -> dict:
    out = {}
    for cid in sorted({r["creative_id"] for r in in_window(days, frm, to)}):
        rows = [r for r in in_window(days, frm, to) if r["creative_id"] == cid]
        dates = sorted(r["date"] for r in rows)
        out[cid] = {"account_id": rows[0]["account_id"], "campaign_id": rows[0]["campaign_id"],
                    "creative_id": cid, "days": len(rows), "first_date": dates[0], "last_date": dates[-1],
                    **totals(rows)}
    return out


def expected_campaign_days(days, settings, frm, to) -> dict:
    out = {}
    for key in sorted({(r["campaign_id"], r["date"]) for r in in_window(days, frm, to)}):
        rows = [r for r in in_window(days, frm, to) if (r["campaign_id"], r["date"]) == key]
        s = settings.get(key, {})
        budget = Decimal(s["daily_budget"]) if s.get("daily_budget") is not None else None
        t = totals(rows)
        out[key] = {"account_id": rows[0]["account_id"], "campaign_id": key[0], "date": key[1],
                    "creatives": len(rows), **t, "status": s.get("status"), "cost_type": s.get("cost_type"),
                    "unit_cost": Decimal(s["unit_cost"]) if s.get("unit_cost") is not None else None,
                    "daily_budget": budget,
                    "budget_utilization": float(t["cost_usd"]) / float(budget) if budget else None}
    return out


# ------------------------------------------------------------------------------------------ comparison

def norm(v):
    """A value from DuckDB or from the CLI's JSON, in one comparable form."""
    if isinstance(v, (date, datetime)):
        return v.isoformat()
    return v


def assert_same(actual: dict, expected: dict, where: str):
    for k, want in expected.items():
        got = norm(actual[k])
        if want is None or got is None:
            assert got is None and want is None, f"{where} {k}: {got!r} != {want!r}"
        elif isinstance(want, Decimal):
            assert Decimal(str(got)) == want, f"{where} {k}: {got!r} != {want}"
        elif isinstance(want, float):
            assert abs(float(got) - want) <= 1e-9 * max(1.0, abs(want)), f"{where} {k}: {got!r} != {want!r}"
        else:
            assert got == want and type(got) is type(want), f"{where} {k}: {got!r} != {want!r}"


# ------------------------------------------------------------------------------------------ the SQL text

def test_every_statement_parses_as_athena_and_transpiles_to_duckdb():
    statements = h.split_statements(h.CREATE_TABLES.read_text())
    kinds = [h.parse(s).args.get("kind") for s in statements]
    assert kinds == ["DATABASE"] + ["TABLE"] * 4 + ["VIEW"] * 2, kinds
    for s in statements:
        tree = h.parse(s)
        if tree.args["kind"] == "VIEW":
            h.to_duckdb(s)  # strict: raises on anything DuckDB would lose
            assert tree.args.get("replace"), "CREATE OR REPLACE VIEW, so a deploy can re-run"
        else:
            assert tree.args.get("exists"), "IF NOT EXISTS, so a deploy can re-run"
    assert len(QUERY_FILES) == 6, QUERY_FILES
    for f in QUERY_FILES:
        [stmt] = h.split_statements(f.read_text())
        assert isinstance(h.parse(stmt), exp.Query), f.name
        h.to_duckdb(stmt)


def test_external_tables_use_partition_projection_over_the_bucket_layout():
    tables = h.external_tables()
    assert set(tables) == {"raw_analytics", "raw_campaigns", "raw_creatives", "creative_daily"}
    prefixes = {"raw_analytics": "raw/analytics/", "raw_campaigns": "raw/campaigns/",
                "raw_creatives": "raw/creatives/", "creative_daily": "processed/creative_daily/"}
    for name, t in tables.items():
        location = f"s3://__BUCKET__/{prefixes[name]}"
        assert t["external"] and t["db"] == h.DATABASE and t["location"] == location, name
        assert t["partitions"] == [("dt", "STRING")], name
        p = t["properties"]
        assert p["projection.enabled"] == "true" and p["projection.dt.type"] == "date", name
        assert p["projection.dt.format"] == "yyyy-MM-dd", name
        start, end = p["projection.dt.range"].split(",")
        assert date.fromisoformat(start) <= date(2026, 1, 1) and end == "NOW", name
        assert p["storage.location.template"] == location + "dt=${dt}/", name
        if name == "creative_daily":
            assert t["format"] == "PARQUET", name
        else:
            assert t["serde"] == "org.openx.data.jsonserde.JsonSerDe", name
            assert t["serde_properties"] == {"ignore.malformed.json": "true"}, name


def test_queries_document_their_parameters_and_filter_on_dt():
    for f in QUERY_FILES:
        sql = f.read_text()
        tree = h.parse(h.split_statements(sql)[0])
        placeholders = list(tree.find_all(exp.Placeholder))
        documented = h.documented_parameters(sql)
        assert [n for n, _ in documented] == list(range(1, len(placeholders) + 1)), (f.name, documented)
        assert [name for _, name in documented[:2]] == ["from", "to"], f.name
        # Athena takes execution parameters in WHERE clauses only.
        assert all(p.find_ancestor(exp.Where) for p in placeholders), f.name
        # The window is a dt range, so Athena reads only those partitions, and it takes ?1 and ?2 (the
        # first two in the text: parameters are bound by their position in the text).
        assert any(b.this.name == "dt" and isinstance(b.args["low"], exp.Placeholder)
                   and isinstance(b.args["high"], exp.Placeholder) for b in tree.find_all(exp.Between)), f.name
        text = h.strip_comments(sql)
        m = re.search(r"\bdt\s+BETWEEN\s+(\?)\s+AND\s+\?", text)
        assert m and text.index("?") == m.start(1), f.name
        assert all(not t.db for t in tree.find_all(exp.Table)), f"{f.name}: the caller sets the database"


# --------------------------------------------------------------------------- the tables over real data

def test_raw_tables_declare_exactly_what_the_collector_writes(fx):
    for name, table in (("raw_analytics", "analytics"), ("raw_campaigns", "campaigns"),
                        ("raw_creatives", "creatives")):
        declared = {c for c, _ in h.external_tables()[name]["columns"]}
        seen, lines = set(), 0
        for _, line in raw_lines(fx.data, table):
            row = json.loads(line)  # one compact object per line: what the SerDe reads
            assert isinstance(row, dict)
            seen |= set(row)
            lines += 1
        assert lines > 0 and seen == declared, (name, seen ^ declared)


def test_creative_daily_table_matches_every_parquet_file(fx, con):
    """Athena reads Parquet columns by name and fails on a type it cannot read as the declared one; the
    DuckDB emulation casts, so check the files' own types here (the fixture's extra files included)."""
    files = sorted((fx.data / "processed" / "creative_daily").glob("dt=*/*.parquet"))
    assert len(files) == len(fx.days) + 2
    for file in files:
        actual = {r["column_name"]: r["column_type"]
                  for r in h.run(con, f"DESCRIBE SELECT * FROM read_parquet('{file}', hive_partitioning = false)")}
        for column, hive_type in h.external_tables()["creative_daily"]["columns"]:
            want = {"STRING": "VARCHAR", "TIMESTAMP": "TIMESTAMP WITH TIME ZONE"}.get(hive_type, hive_type)
            assert actual.get(column) == want.replace(", ", ","), (file.name, column, actual.get(column), hive_type)


def test_creative_performance_drops_stale_duplicates(fx, con):
    day = fx.stale_day
    in_table = h.run(con, "SELECT count(*) AS n FROM creative_daily WHERE dt = ?", [day])[0]["n"]
    rows = h.run(con, "SELECT * FROM creative_performance WHERE dt = ? ORDER BY creative_id", [day])
    # The demo's optimizer may have paused a creative by then: 2 or 3 served that day.
    assert len(fx.stale_original) in (2, 3) and in_table == 3 * len(fx.stale_original)
    assert [r["creative_id"] for r in rows] == [r["creative_id"] for r in fx.stale_original]
    for got, want in zip(rows, fx.stale_original):
        for k in ("impressions", "clicks", "landing_page_clicks", "cost_usd", "conversions", "run_id"):
            assert got[k] == want[k], (k, got[k], want[k])


def test_creative_performance_equals_the_raw_pulls(fx, con):
    expected = raw_latest_days(fx.data)
    rows = h.run(con, "SELECT * FROM creative_performance")
    assert len(rows) == len(expected) and 9 < len(rows) <= 27, "3 creatives x 9 days, less the days after a pause"
    for r in rows:
        key = (r["creative_id"], r["date"].isoformat())
        want = expected[key]
        assert r["dt"] == want["date"]
        assert_same(r, {**want, **ratios(want)}, f"creative_performance {key}")


def test_daily_summary_equals_the_raw_pulls_with_the_latest_settings(fx, con):
    days, settings = raw_latest_days(fx.data), raw_campaign_settings(fx.data)
    expected = expected_campaign_days(days, settings, fx.days[0], fx.days[-1])
    rows = h.run(con, "SELECT * FROM daily_summary")
    assert {(r["campaign_id"], r["date"].isoformat()) for r in rows} == set(expected)
    for r in rows:
        key = (r["campaign_id"], r["date"].isoformat())
        assert_same(r, expected[key], f"daily_summary {key}")
    # The fixture's extra snapshots decided their days, or lost them (the raw side agrees, see above).
    by_day = {r["date"].isoformat(): r for r in rows}
    assert len(fx.snapshots) == 5
    for day, (wins, changes) in fx.snapshots.items():
        for k in ("status", "unit_cost", "daily_budget"):
            if k in changes:
                want = Decimal(changes[k]) if k != "status" and changes[k] is not None else changes[k]
                assert (by_day[day][k] == want) is wins, (day, k, by_day[day][k], changes[k])


WINDOWS = [("full", 0, 8), ("middle", 2, 6)]


@pytest.mark.parametrize("window", WINDOWS, ids=[w[0] for w in WINDOWS])
def test_window_queries_equal_the_raw_pulls(fx, con, window):
    frm, to = fx.days[window[1]], fx.days[window[2]]
    days, settings = raw_latest_days(fx.data), raw_campaign_settings(fx.data)

    names, rows = h.run_query(con, "creative_window", [frm, to])
    assert names == CREATIVE_WINDOW_COLUMNS
    expected = expected_creative_window(days, frm, to)
    assert [r["creative_id"] for r in rows] == list(expected)
    for r in rows:
        assert_same(r, expected[r["creative_id"]], f"creative_window {r['creative_id']}")
    assert max(r["days"] for r in rows) == window[2] - window[1] + 1, "the leader served every day"
    assert all(1 <= r["days"] <= window[2] - window[1] + 1 for r in rows)

    names, rows = h.run_query(con, "campaign_daily", [frm, to])
    assert names == CAMPAIGN_DAILY_COLUMNS
    expected = expected_campaign_days(days, settings, frm, to)
    assert [(r["campaign_id"], r["date"].isoformat()) for r in rows] == list(expected)
    for r in rows:
        assert_same(r, expected[(r["campaign_id"], r["date"].isoformat())], "campaign_daily")


@pytest.mark.parametrize("window", WINDOWS, ids=[w[0] for w in WINDOWS])
def test_window_queries_equal_the_rust_aggregation(fx, con, window):
    frm, to = fx.days[window[1]], fx.days[window[2]]
    out = cli("--data-dir", str(fx.data), "performance", "--from", frm, "--to", to, cwd=fx.data.parent)
    assert out.returncode == 0, f"`linkedin-ads performance --from {frm} --to {to}` failed:\n{out.stderr}"
    rust = json.loads(out.stdout)
    assert (rust["from"], rust["to"], rust["source"]) == (frm, to, "local")

    _, rows = h.run_query(con, "creative_window", [frm, to])
    assert sorted(c["creative_id"] for c in rust["creatives"]) == [r["creative_id"] for r in rows]
    mine = {r["creative_id"]: r for r in rows}
    for c in rust["creatives"]:
        assert set(c) == set(CREATIVE_WINDOW_COLUMNS), set(c) ^ set(CREATIVE_WINDOW_COLUMNS)
        want = {k: norm(v) for k, v in mine[c["creative_id"]].items()}
        assert_same(c, want, f"performance creative {c['creative_id']}")

    _, rows = h.run_query(con, "campaign_daily", [frm, to])
    mine = {(r["campaign_id"], r["date"].isoformat()): r for r in rows}
    assert sorted((d["campaign_id"], d["date"]) for d in rust["campaign_days"]) == sorted(mine)
    for d in rust["campaign_days"]:
        assert set(d) == set(CAMPAIGN_DAILY_COLUMNS), set(d) ^ set(CAMPAIGN_DAILY_COLUMNS)
        want = {k: norm(v) for k, v in mine[(d["campaign_id"], d["date"])].items()}
        assert_same(d, want, f"performance campaign day {d['campaign_id']} {d['date']}")


# ------------------------------------------------------------------------------ the reporting queries

# Crafted creatives where the orders by weighted CTR, by clicks and by mean daily CTR all differ (in the
# smoke scenario they coincide, so a wrong ORDER BY would pass there): (day index, creative, impressions,
# clicks, cost). Weighted CTR: B 0.02 > C 0.01 > A 0.0012; clicks: C > B > A; mean daily CTR: A > B > C.
# D has the best CTR and E the worst, both on too few impressions.
CRAFTED = [
    (0, "A", 10, 2, "1.5"), (1, "A", 10_000, 10, "30.25"),
    (0, "B", 1_000, 20, "40"),
    (0, "C", 2_500, 25, "50.5"), (1, "C", 2_500, 25, "49.5"),
    (0, "D", 50, 5, "10"),
    (1, "E", 100, 0, "0"),
]


@pytest.fixture(scope="module")
def crafted(fx, tmp_path_factory):
    """The fixture's raw data (for the campaign settings) with a crafted processed/creative_daily."""
    data = tmp_path_factory.mktemp("crafted") / "data"
    shutil.copytree(fx.data / "raw", data / "raw")
    c = duckdb.connect()
    c.execute("SET TimeZone = 'UTC'")
    for i in sorted({r[0] for r in CRAFTED}):
        day, part = fx.days[i], data / "processed" / "creative_daily" / f"dt={fx.days[i]}"
        part.mkdir(parents=True)
        values = ", ".join(f"('{cid}', {imp}, {clk}, '{cost}')" for d, cid, imp, clk, cost in CRAFTED if d == i)
        c.execute(f"""COPY (
            SELECT DATE '{day}' AS "date", '508720451' AS account_id, '600100' AS campaign_id,
                   creative_id, impressions::BIGINT AS impressions, clicks::BIGINT AS clicks,
                   clicks::BIGINT AS landing_page_clicks, CAST(cost AS DECIMAL(18, 6)) AS cost_usd,
                   0.0::DOUBLE AS conversions, 0::BIGINT AS total_engagements,
                   TIMESTAMPTZ '{day} 23:00:00+00' AS pulled_at, 'crafted' AS run_id
            FROM (VALUES {values}) AS t(creative_id, impressions, clicks, cost)
        ) TO '{part / "creative_daily.parquet"}' (FORMAT parquet)""")
    c.close()
    con = h.connect(data)
    yield con
    con.close()


def test_top_performers_ranks_by_weighted_ctr_within_min_impressions_and_limit(fx, crafted):
    frm, to = fx.days[0], fx.days[1]
    _, rows = h.run_query(crafted, "top_performers", [frm, to, 500, 10])
    assert [(r["ctr_rank"], r["creative_id"]) for r in rows] == [(1, "B"), (2, "C"), (3, "A")]
    a = rows[2]
    assert (a["impressions"], a["clicks"], a["cost_usd"], a["days"]) == (10_010, 12, Decimal("31.75"), 2)
    assert a["ctr"] == 12 / 10_010 and a["cpc"] == 31.75 / 12 and a["cpa"] is None
    _, rows = h.run_query(crafted, "top_performers", [frm, to, 1_000, 2])
    assert [r["creative_id"] for r in rows] == ["B", "C"], "B has exactly min_impressions: it counts"
    _, rows = h.run_query(crafted, "top_performers", [frm, to, 0, 1])
    assert [r["creative_id"] for r in rows] == ["D"]
    _, rows = h.run_query(crafted, "top_performers", [frm, frm, 500, 10])
    assert [r["creative_id"] for r in rows] == ["B", "C"], "the window: A has 10 impressions on day one"


def test_underperformers_are_under_max_ctr_with_enough_impressions(fx, crafted):
    frm, to = fx.days[0], fx.days[1]
    # max_ctr exactly C's CTR: "under" is strict. E (CTR 0) has too few impressions to judge.
    _, rows = h.run_query(crafted, "underperformers", [frm, to, 500, 0.01])
    assert [r["creative_id"] for r in rows] == ["A"]
    a = rows[0]
    campaign_ctr = (12 + 20 + 50 + 5 + 0) / (10_010 + 1_000 + 5_000 + 50 + 100)
    assert a["ctr"] == 12 / 10_010 and abs(a["campaign_ctr"] - campaign_ctr) < 1e-15
    assert a["other_creatives"] == 4 and (a["first_date"].isoformat(), a["last_date"].isoformat()) == (frm, to)
    n, p, z = 10_010, 12 / 10_010, 1.96
    wilson = (p + z * z / (2 * n) + z * ((p * (1 - p) + z * z / (4 * n)) / n) ** 0.5) / (1 + z * z / n)
    assert abs(a["ctr_upper_95"] - wilson) < 1e-12 and a["ctr"] < a["ctr_upper_95"] < 0.01
    _, rows = h.run_query(crafted, "underperformers", [frm, to, 100, 0.015])
    assert [r["creative_id"] for r in rows] == ["E", "A", "C"], "worst CTR first"
    _, rows = h.run_query(crafted, "underperformers", [frm, to, 20_000, 1.0])
    assert rows == []


def test_budget_pacing_divides_spend_by_the_days_budget_and_flags_it(fx, con):
    frm, to = fx.days[0], fx.days[-1]
    expected = expected_campaign_days(raw_latest_days(fx.data), raw_campaign_settings(fx.data), frm, to)
    _, rows = h.run_query(con, "budget_pacing", [frm, to])
    assert len(rows) == len(expected)
    flags = {}
    for r in rows:
        e = expected[(r["campaign_id"], r["date"].isoformat())]
        assert_same(r, {k: e[k] for k in ("cost_usd", "daily_budget", "budget_utilization", "status")}, "pacing")
        if e["daily_budget"] is not None:
            assert r["unspent_usd"] == e["daily_budget"] - e["cost_usd"]
        flags[r["date"].isoformat()] = r["pacing"]
    assert flags[fx.days[4]] == "OVER"  # budget 50
    assert flags[fx.days[5]] == "NO_BUDGET"
    assert flags[fx.days[6]] == "UNDER"  # budget 200
    assert flags[fx.days[7]] == "NOT_ACTIVE"
    assert flags[fx.days[0]] == "ON_PACE"
    _, rows = h.run_query(con, "budget_pacing", [fx.days[4], fx.days[4]])
    assert [r["date"].isoformat() for r in rows] == [fx.days[4]]


def test_daily_trend_is_the_accounts_weighted_day(fx, con):
    frm, to = fx.days[1], fx.days[-2]
    days = raw_latest_days(fx.data)
    _, rows = h.run_query(con, "daily_trend", [frm, to])
    assert [r["date"].isoformat() for r in rows] == fx.days[1:-1]
    for r in rows:
        day_rows = [d for d in days.values() if d["date"] == r["date"].isoformat()]
        assert r["creatives"] == len(day_rows) and r["campaigns"] == 1
        assert_same(r, totals(day_rows), f"daily_trend {r['date']}")
