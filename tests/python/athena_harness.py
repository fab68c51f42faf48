"""Runs the Athena SQL of `athena/` on DuckDB, over a local data folder laid out like the bucket.

The external tables are not emulated by hand: their columns, types and S3 locations are read from the
CREATE EXTERNAL TABLE statements of `create_tables.sql` (so a wrong column name, type or prefix there
fails the tests), each becomes a DuckDB view over the matching local folder, and the CREATE VIEW
statements and the queries are transpiled from Athena (Trino) to DuckDB with sqlglot and run as they are.
"""

import re
from pathlib import Path

import duckdb
import sqlglot
from sqlglot import ErrorLevel, exp

ROOT = Path(__file__).resolve().parents[2]
ATHENA = ROOT / "athena"
CREATE_TABLES = ATHENA / "create_tables.sql"
QUERIES = ATHENA / "queries"
DATABASE = "linkedin_ads"


def split_statements(sql: str) -> list[str]:
    """The statements of a file, split on ';' outside quotes and '--' comments (as the deploy does).

    Each statement goes to sqlglot (and Athena) on its own: sqlglot's Athena dialect picks Hive or Trino
    from a text's first tokens, so a whole file starting with CREATE DATABASE would be read as Hive and
    its views mis-parsed ("date" becomes a string literal)."""
    out, cur, i, quote = [], [], 0, None
    while i < len(sql):
        ch = sql[i]
        if quote:
            cur.append(ch)
            if ch == quote:
                quote = None
        elif ch in "'\"`":
            quote = ch
            cur.append(ch)
        elif sql.startswith("--", i):
            end = sql.find("\n", i)
            end = len(sql) if end < 0 else end
            cur.append(sql[i:end])
            i = end
            continue
        elif ch == ";":
            out.append("".join(cur))
            cur = []
        else:
            cur.append(ch)
        i += 1
    out.append("".join(cur))
    return [s.strip() for s in out if strip_comments(s).strip()]


def strip_comments(sql: str) -> str:
    return re.sub(r"--[^\n]*", "", sql)


def parse(statement: str) -> exp.Expression:
    parsed = sqlglot.parse(statement, read="athena")
    assert len(parsed) == 1 and parsed[0] is not None, statement[:200]
    return parsed[0]


def to_duckdb(statement: str) -> str:
    """Strict transpilation: anything DuckDB cannot express raises instead of being dropped."""
    [sql] = sqlglot.transpile(statement, read="athena", write="duckdb", unsupported_level=ErrorLevel.RAISE)
    return sql


def create_statements() -> list[exp.Create]:
    return [parse(s) for s in split_statements(CREATE_TABLES.read_text())]


def external_tables() -> dict[str, dict]:
    """name -> {columns: [(name, hive type)], partitions, location, format, serde, serde_properties,
    properties} for each CREATE EXTERNAL TABLE of create_tables.sql."""
    tables = {}
    for stmt in create_statements():
        if stmt.args.get("kind") != "TABLE":
            continue
        props = stmt.args["properties"].expressions
        info = {"external": False, "partitions": [], "properties": {}, "serde_properties": {}}
        for p in props:
            if isinstance(p, exp.ExternalProperty):
                info["external"] = True
            elif isinstance(p, exp.PartitionedByProperty):
                info["partitions"] = [(c.name, c.args["kind"].sql("hive")) for c in p.this.expressions]
            elif isinstance(p, exp.LocationProperty):
                info["location"] = p.this.name
            elif isinstance(p, exp.FileFormatProperty):
                info["format"] = p.this.name.upper() if p.this else "TEXTFILE"
                info["input_format"] = p.args.get("input_format") and p.args["input_format"].name
            elif isinstance(p, exp.RowFormatSerdeProperty):
                info["serde"] = p.this.name
                info["serde_properties"] = {
                    e.this.name if isinstance(e.this, exp.Literal) else e.name: e.args["value"].name
                    for e in p.args["serde_properties"].expressions
                }
            elif isinstance(p, exp.Property):
                info["properties"][p.name] = p.args["value"].name
        info["columns"] = [(c.name, c.args["kind"].sql("hive")) for c in stmt.this.expressions]
        table = stmt.this.this
        tables[table.name] = {**info, "db": table.db}
    return tables


def view_statements() -> list[exp.Create]:
    return [s for s in create_statements() if s.args.get("kind") == "VIEW"]


def local_folder(data_dir: Path, location: str) -> Path:
    m = re.fullmatch(r"s3://__BUCKET__/(.+?)/?", location)
    assert m, f"location {location!r} is not under s3://__BUCKET__/"
    return data_dir / m.group(1)


def _duck_type(hive_type: str) -> str:
    return exp.DataType.build(hive_type, dialect="hive").sql("duckdb")


def connect(data_dir: Path) -> duckdb.DuckDBPyConnection:
    """A DuckDB database `linkedin_ads` over data_dir: the external tables as views over the files
    (every file in each dt=... folder, as Athena reads them), then the views of create_tables.sql."""
    con = duckdb.connect()
    con.execute("SET TimeZone = 'UTC'")  # Athena's session zone; date and timestamp casts follow it
    con.execute(f"CREATE SCHEMA {DATABASE}")
    for name, t in external_tables().items():
        folder = local_folder(data_dir, t["location"])
        assert t["partitions"] == [("dt", "STRING")], name
        # hive_types keeps dt a string, as the table declares it, instead of DuckDB's guess (a DATE).
        hive = "hive_partitioning = true, hive_types = {'dt': 'VARCHAR'}"
        cols = [(c, _duck_type(ty)) for c, ty in t["columns"]]
        if t["format"] == "PARQUET":
            source = f"read_parquet('{folder}/dt=*/*', {hive}, union_by_name = true)"
            select = ", ".join(f'CAST("{c}" AS {ty}) AS "{c}"' for c, ty in cols)
        else:
            # The JSON SerDe maps keys to columns by name and ignores other keys: read_json with an
            # explicit column list does the same, and keeps strings (money, timestamps) strings.
            spec = ", ".join(f"'{c}': '{ty}'" for c, ty in cols)
            source = (f"read_json('{folder}/dt=*/*', format = 'newline_delimited', columns = {{{spec}}}, "
                      f"{hive})")
            select = ", ".join(f'"{c}"' for c, _ in cols)
        con.execute(f"CREATE VIEW {DATABASE}.{name} AS SELECT {select}, dt FROM {source}")
    for view in view_statements():
        con.execute(to_duckdb(view.sql("athena")))
    con.execute(f"USE {DATABASE}")
    return con


def query_text(name: str) -> str:
    return (QUERIES / f"{name}.sql").read_text()


def run(con: duckdb.DuckDBPyConnection, sql: str, params=()) -> list[dict]:
    cur = con.execute(sql, list(params))
    names = [d[0] for d in cur.description]
    return [dict(zip(names, row)) for row in cur.fetchall()]


def run_query(con: duckdb.DuckDBPyConnection, name: str, params=()) -> tuple[list[str], list[dict]]:
    """Runs athena/queries/<name>.sql, transpiled, with positional parameters; (column names, rows)."""
    cur = con.execute(to_duckdb(query_text(name)), list(params))
    names = [d[0] for d in cur.description]
    return names, [dict(zip(names, row)) for row in cur.fetchall()]


def documented_parameters(sql: str) -> list[tuple[int, str]]:
    """The `-- ?N name ...` lines of a query's header, as (N, name)."""
    return [(int(n), name) for n, name in re.findall(r"^--\s+\?(\d+)\s+(\w+)", sql, re.M)]
