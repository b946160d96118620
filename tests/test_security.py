"""Nothing gets in through the config: every string that reaches SQL or a path is tried with
injections (`close; drop table runs`, quotes, `../`).

- Names that become SQL identifiers (column mapping, signal, table names, extra columns) must be
  plain names; they are refused before any SQL runs.
- Paths (inputs, database files, the warehouse) may hold any character: they reach DuckDB as
  bound values, reader arguments or escaped literals, never as SQL text.
- User SQL renders in a sandboxed Jinja environment and must be one query.
- Run ids are plain path components; a run's name is a value, never a path.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import duckdb
import polars as pl
import pyarrow as pa
import pytest

import ml4t_sql
from ml4t_sql.errors import ConfigError, InputError, Ml4tError
from ml4t_sql.store.warehouse import check_run_id, publish
from ml4t_sql.templates import ident, render_user

from .test_inputs import PANEL

STRATEGY = {"signal": "score", "top_n": 2}
ATTACKS = [
    "close; drop table runs",
    'close"; drop table runs; --',
    "close' or '1'='1",
    "../../etc/passwd",
    "close\n; select 1",
    "",
]


def files_under(root: Path) -> set[Path]:
    return {p for p in root.rglob("*") if p.is_file()}


@pytest.mark.parametrize("attack", ATTACKS)
@pytest.mark.parametrize("column", ["date", "asset", "open", "high", "low", "close", "volume"])
def test_column_mapping_names_must_be_plain(column: str, attack: str):
    with pytest.raises(ConfigError, match=rf"(?s)\[data.columns\] `{column}`: .* is not a plain name"):
        ml4t_sql.run({"data": {"prices": PANEL, "columns": {column: attack}}, "strategy": STRATEGY}, write=False)


@pytest.mark.parametrize("attack", ATTACKS)
def test_signal_and_table_names_must_be_plain(attack: str):
    with pytest.raises(ConfigError, match=r"(?s)\[strategy\] `signal`: .* is not a plain name"):
        ml4t_sql.run({"data": {"prices": PANEL}, "strategy": {"signal": attack}}, write=False)
    tables = {attack: PANEL}
    with pytest.raises(ConfigError, match=r"(?s)\[data.tables\] name: .* is not a plain name"):
        ml4t_sql.run({"data": {"prices": PANEL, "tables": tables}, "strategy": STRATEGY}, write=False)


@pytest.mark.parametrize("attack", [a for a in ATTACKS if a])
def test_table_names_in_a_database_source_must_be_plain(tmp_path: Path, attack: str):
    db = tmp_path / "market.duckdb"
    con = duckdb.connect(str(db))
    con.execute("create table prices as select * from PANEL")
    con.close()
    with pytest.raises(ConfigError, match="not a valid identifier"):
        ml4t_sql.run({"data": {"prices": {"database": str(db), "table": attack}}, "strategy": STRATEGY}, write=False)
    assert duckdb.connect(str(db), read_only=True).sql("select count(*) from prices").fetchall() == [(PANEL.height,)]


@pytest.mark.parametrize("attack", [a for a in ATTACKS if a])
def test_extra_column_names_from_the_data_must_be_plain(attack: str):
    with pytest.raises(InputError, match="is not a plain identifier"):
        ml4t_sql.run({"data": {"prices": PANEL.rename({"volume": attack})}, "strategy": STRATEGY}, write=False)


def test_the_identifier_filter_quotes_only_plain_names():
    assert ident("adj close") == '"adj close"' and ident("eod.prices") == '"eod.prices"'
    for bad in [*ATTACKS, "1abc", "x" * 200, "a`b", "a\x00b"]:
        with pytest.raises(ConfigError):
            ident(bad)


WEIRD = "it's; drop table runs; --"


def test_paths_with_quotes_and_semicolons_are_only_paths(tmp_path: Path):
    folder = tmp_path / WEIRD
    folder.mkdir()
    PANEL.write_parquet(folder / f"{WEIRD}.parquet")
    db = folder / f"{WEIRD}.duckdb"
    con = duckdb.connect(str(db))
    con.execute("create table prices as select * from PANEL")
    con.close()
    expected = ml4t_sql.run({"data": {"prices": PANEL}, "strategy": STRATEGY}, write=False).equity["nav"].to_list()
    for source in (str(folder / f"{WEIRD}.parquet"), {"database": str(db), "table": "prices"}):
        run = ml4t_sql.run({"data": {"prices": source}, "strategy": STRATEGY}, write=False)
        assert run.equity["nav"].to_list() == expected


def test_a_warehouse_path_with_quotes_keeps_working_views(tmp_path: Path):
    warehouse = tmp_path / WEIRD
    runs = [ml4t_sql.run({"data": {"prices": PANEL}, "strategy": STRATEGY}, warehouse=warehouse) for _ in range(2)]
    con = duckdb.connect(str(warehouse / "ml4t.duckdb"), read_only=True)
    assert sorted(r[0] for r in con.sql("select run_id from runs").fetchall()) == sorted(r.run_id for r in runs)
    assert files_under(tmp_path) == files_under(warehouse)


@pytest.mark.parametrize("name", ["../../outside", "x'; drop table runs; --", "/etc/passwd", "a\nb"])
def test_a_run_name_is_a_value_never_a_path(tmp_path: Path, name: str):
    warehouse = tmp_path / "wh"
    run = ml4t_sql.run({"data": {"prices": PANEL}, "strategy": STRATEGY, "output": {"name": name}}, warehouse=warehouse)
    assert files_under(tmp_path) == files_under(warehouse)
    assert {p.parent for p in files_under(warehouse / "runs")} == {warehouse / "runs" / run.run_id}
    con = duckdb.connect(str(warehouse / "ml4t.duckdb"), read_only=True)
    assert con.sql("select name from runs").fetchall() == [(name,)]


@pytest.mark.parametrize("run_id", ["../escape", "..", ".", "a/b", "/abs", "x;drop", "", ".hidden", "a..b", "x\n"])
def test_run_ids_cannot_escape_the_warehouse(tmp_path: Path, run_id: str):
    with pytest.raises(Ml4tError, match="invalid run id"):
        check_run_id(run_id)
    with pytest.raises(Ml4tError, match="invalid run id"):
        publish(tmp_path / "wh", run_id, {})
    assert files_under(tmp_path) == set()


SANDBOX_ESCAPES = [
    "select {{ ''.__class__.__mro__[1].__subclasses__() }} as x",
    "select '{{ cycler.__init__.__globals__.os.system('touch pwned') }}' as x",
    "{% for c in [].__class__.__base__.__subclasses__() %}{{ c }}{% endfor %}",
    "select '{{ self._TemplateReference__context }}' as x",
    "select {{ config }} as x",
]


@pytest.mark.parametrize("template", SANDBOX_ESCAPES)
def test_user_sql_templates_cannot_reach_python(template: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.chdir(tmp_path)
    with pytest.raises(ConfigError, match="template error"):
        render_user(template)
    with pytest.raises(ConfigError, match=r"\[strategy\] sql: template error"):
        ml4t_sql.run({"data": {"prices": PANEL}, "strategy": {"sql": template}}, write=False)
    (tmp_path / "prices.sql").write_text(template)
    with pytest.raises(ConfigError, match=r"\[data\] prices .* template error"):
        ml4t_sql.run({"data": {"prices": str(tmp_path / "prices.sql")}, "strategy": STRATEGY}, write=False)
    assert not (tmp_path / "pwned").exists()


@pytest.mark.parametrize(
    "sql",
    [
        "select date, asset, 0.1 as weight from prices; drop table prices",
        "attach 'elsewhere.duckdb' as other",
        "copy (select 1) to 'out.csv'",
        "create table t as select 1",
        "select 1; select 2",
    ],
)
def test_user_sql_must_be_one_query(sql: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.chdir(tmp_path)
    with pytest.raises(ConfigError, match="must be exactly one query"):
        ml4t_sql.run({"data": {"prices": PANEL}, "strategy": {"sql": sql}}, write=False)
    (tmp_path / "signals.sql").write_text(sql)
    with pytest.raises(ConfigError, match="must be exactly one query"):
        ml4t_sql.run({"data": {"prices": PANEL, "signals": "signals.sql"}, "strategy": STRATEGY}, write=False)
    assert list(tmp_path.iterdir()) == [tmp_path / "signals.sql"]


class RecordingConnection:
    """A DuckDB connection that remembers every SQL text it is given."""

    def __init__(self, con: duckdb.DuckDBPyConnection, texts: list[str]) -> None:
        self._con, self._texts = con, texts

    def execute(self, query: str, *args: Any, **kwargs: Any) -> Any:
        self._texts.append(query)
        return self._con.execute(query, *args, **kwargs)

    def sql(self, query: str, *args: Any, **kwargs: Any) -> Any:
        self._texts.append(query)
        return self._con.sql(query, *args, **kwargs)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._con, name)


def test_config_values_travel_as_parameters_never_as_sql_text(monkeypatch: pytest.MonkeyPatch):
    texts: list[str] = []
    real = duckdb.connect
    monkeypatch.setattr(duckdb, "connect", lambda *a, **k: RecordingConnection(real(*a, **k), texts))
    values = {"top_n": 3, "min_signal": -0.123456789}
    execution = {"start": "2021-01-07", "end": "2021-02-03", "initial_cash": 987_654.5, "commission_bps": 3.25}
    config = {"data": {"prices": PANEL}, "strategy": {"signal": "score", **values}, "execution": execution}
    run = ml4t_sql.run({**config, "output": {"name": "SENTINEL-NAME"}}, write=False)
    assert run.targets["date"].min().isoformat() == "2021-01-07" and texts
    for value in ("0.123456789", "2021-01-07", "2021-02-03", "987654", "3.25", "SENTINEL"):
        assert not [t for t in texts if value in t], value


def test_in_memory_frames_are_data_not_sql():
    hostile = PANEL.with_columns(pl.lit("x'); drop table runs; --").alias("note"))
    run = ml4t_sql.run({"data": {"prices": pa.table(hostile.to_arrow())}, "strategy": STRATEGY}, write=False)
    assert run.equity.height == PANEL["date"].n_unique()
