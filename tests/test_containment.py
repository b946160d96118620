"""User SQL is contained: one read-only query, on a connection locked to the run's inputs.

Every kind of user SQL (a strategy as text or file, a `.sql` prices / signals / benchmark input,
a `[data.tables]` `.sql` entry) is tried with every attack of a table: a second statement smuggled
after the query (also through the wrapper's clauses and comments), ATTACH, a rewrite of an earlier
run's Parquet file, reads of paths that are not inputs, SET / PRAGMA / INSTALL / LOAD. Each must
be refused with a message naming the input and what was refused, leave every file as it was (an
earlier run of the same warehouse byte-identical), never show a file's contents, and `check`
must refuse it too and write nothing.

The full table runs at the smallest entry point that takes the real path: the user-SQL step
(custom_targets, inputs.register) on a connection that load_sources registered and locked. Each
attack also goes once through `ml4t_sql.run` against the warehouse of the earlier run and once
through `ml4t_sql.check`, the forms taking turns.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb
import polars as pl
import pytest

import ml4t_sql
from ml4t_sql import validation
from ml4t_sql.config import load_config
from ml4t_sql.data.inputs import input_files, register
from ml4t_sql.data.quality import QualityReport
from ml4t_sql.data.sandbox import create_from_query, lock, user_query
from ml4t_sql.data.sources import load_sources
from ml4t_sql.errors import ConfigError, InputError, Ml4tError
from ml4t_sql.pipeline import working_connection
from ml4t_sql.strategy.custom import custom_targets
from ml4t_sql.templates import USER_LOOP_ITERATIONS, USER_SQL_CHARS, render_user

from .depth import sample
from .test_inputs import make_panel

PANEL = make_panel(n_assets=3, n_days=8)
STRATEGY = {"signal": "score", "top_n": 2}
SECRET = "TOPSECRET-7f3a"


@dataclass(frozen=True)
class World:
    """What the attacks aim at: an earlier run's warehouse, a private file, the whole area."""

    root: Path
    wh: Path
    run: Path
    private: Path

    def fill(self, sql: str, tmp: Path) -> str:
        return sql.format(wh=self.wh, run=self.run, private=self.private, tmp=tmp)


def digest(root: Path) -> dict[str, str]:
    """Every file under `root`, by relative path, with the sha256 of its bytes."""
    return {
        str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(root.rglob("*"))
        if p.is_file()
    }


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> World:
    root = tmp_path_factory.mktemp("contain")
    private = root / "private"
    private.mkdir()
    (private / "secret.csv").write_text(f"line\n{SECRET}\n")
    run = ml4t_sql.run({"data": {"prices": PANEL}, "strategy": STRATEGY}, warehouse=root / "wh")
    assert run.path is not None and (run.path / "trades.parquet").is_file()
    return World(root, root / "wh", run.path, private)


@pytest.fixture
def untouched(world: World, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """Runs the test in tmp_path; afterwards every file of the world and of tmp_path is as it was
    (tmp_path/user/ holds the SQL files the test writes)."""
    monkeypatch.chdir(tmp_path)
    before = digest(world.root), digest(tmp_path)
    yield tmp_path
    assert digest(world.root) == before[0], "a file of the earlier run's area changed"
    written = {k: v for k, v in digest(tmp_path).items() if not k.startswith("user/")}  # but the test's SQL files
    assert written == before[1], "a file was written"


# --- the attacks ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Attack:
    name: str
    sql: str
    refusal: str  # a regex the message must match, after `{...}` is filled in (and escaped)


SMUGGLING = [
    Attack("copy-after-query", "select 1 as x; copy (select 1) to '{tmp}/out.csv'", "found 2 statements: select, copy"),
    Attack(
        "close-the-wrapper",
        "select 1 as x) ; copy (select 1) to '{tmp}/out.csv' ; select * from (select 1",
        "DuckDB cannot parse the SQL: Parser Error: syntax error",
    ),
    Attack(
        "comment-then-copy",
        "select 1 as x -- the wrapper's clauses go here\n; copy (select 1) to '{tmp}/out.csv'",
        "found 2 statements: select, copy",
    ),
    Attack("create-as-second", "select 1 as x /* ; */ ; create table main.t as select 42", "select, create"),
    Attack("unclosed-comment", "select 1 as x /* copy (select 1) to 'out.csv'", "cannot parse.*unterminated"),
    Attack("attach-after-query", "select 1 as x; attach '{tmp}/evil.duckdb' as evil", "select, attach"),
    Attack("attach-the-catalog", "attach '{wh}/ml4t.duckdb' as cat", "found 1 statement: attach"),
    Attack(
        "rewrite-earlier-run",
        "select 1 as x; copy (select 0.0 as nav) to '{run}/equity.parquet' (format parquet)",
        "select, copy",
    ),
    Attack("export-database", "with a as (select 1) select * from a; export database '{tmp}/dump'", "select, export"),
]
READS = [
    Attack("read-csv-passwd", "select * from read_csv('/etc/passwd')", "reads /etc/passwd, which is not an input"),
    Attack("read-earlier-trades", "select * from read_parquet('{run}/trades.parquet')", "reads {run}/trades.parquet,"),
    Attack("read-text-private", "select * from read_text('{private}/secret.csv')", "reads {private}/secret.csv,"),
    Attack("read-csv-private", "select * from read_csv('{private}/secret.csv')", "reads {private}/secret.csv,"),
    Attack("glob-warehouse", "select * from glob('{wh}/**')", "reads {wh}/\\*\\*, which is not an input"),
    Attack("read-blob-catalog", "select * from read_blob('{wh}/ml4t.duckdb')", "reads {wh}/ml4t.duckdb,"),
    Attack("sniff-private", "select * from sniff_csv('{private}/secret.csv')", "reads {private}/secret.csv,"),
    Attack("parquet-metadata", "from parquet_metadata('{run}/equity.parquet')", "reads {run}/equity.parquet,"),
]
SETTINGS = [
    Attack("set-memory", "set memory_limit = '1GB'", "found 1 statement: set$"),
    Attack("set-after-query", "select 1 as x; set enable_external_access = true", "select, set"),
    Attack("pragma", "pragma enable_profiling", "found 1 statement: pragma"),
    Attack("install", "install httpfs", r"found 1 statement: load \(install\)"),
    Attack("load", "load httpfs", "found 1 statement: load$"),
    Attack("update-extensions", "update extensions", "found a statement that is not"),
    Attack("use-other", "select 1 as x; use memory", r"select, set \(use\)"),
]
ATTACKS = SMUGGLING + READS + SETTINGS


# --- the kinds of user SQL -----------------------------------------------------------------------


@dataclass(frozen=True)
class Form:
    """One kind of user SQL: how a config carries it, and how its message names it."""

    name: str
    config: Callable[[str, Path], dict[str, Any]]  # (the SQL, a folder for its file) -> config
    names: Callable[[Path], str]  # the folder -> a regex of how the message names the input
    relation: str = ""  # for a .sql input: the relation it is registered as


def _file(folder: Path, name: str, sql: str) -> str:
    folder.mkdir(exist_ok=True)
    path = folder / name
    path.write_text(sql)
    return str(path)


def _input(key: str, relation: str) -> Form:
    def config(sql: str, folder: Path) -> dict[str, Any]:
        data: dict[str, Any] = {"prices": PANEL}
        path = _file(folder, f"{relation}.sql", sql)
        if key == "tables":
            data["tables"] = {relation: path}
        else:
            data[key] = path
        return {"data": data, "strategy": STRATEGY}

    label = relation if key == "tables" else f"(?:input_)?{key}"  # a run names an engine input by its key
    return Form(
        key, config, lambda folder: rf"\[data\] {label} \({re.escape(str(folder))}/{relation}\.sql\)", relation
    )


FORMS = [
    Form(
        "strategy-text",
        lambda sql, _: {"data": {"prices": PANEL}, "strategy": {"sql": sql}},
        lambda _: r"\[strategy\] sql",
    ),
    Form(
        "strategy-file",
        lambda sql, folder: {"data": {"prices": PANEL}, "strategy": {"sql": _file(folder, "strategy.sql", sql)}},
        lambda folder: rf"\[strategy\] sql \({re.escape(str(folder))}/strategy\.sql\)",
    ),
    _input("prices", "input_prices"),
    _input("signals", "input_signals"),
    _input("benchmark", "input_benchmark"),
    _input("tables", "extra"),
]


def assert_refused(message: str, attack: Attack, form: Form, tmp: Path, world: World) -> None:
    """The message names the input and what was refused, and shows no file's contents."""
    assert re.search(form.names(tmp / "user"), message), message
    pattern = re.sub(r"\{([a-z]+)\}", lambda m: re.escape(world.fill(m.group(0), tmp)), attack.refusal)
    assert re.search(pattern, message), message
    assert SECRET not in message and "root:x:0" not in message


# --- the full table, at the user-SQL step of a locked connection -----------------------------------


@pytest.fixture(scope="module")
def locked(world: World, tmp_path_factory: pytest.TempPathFactory) -> Iterator[duckdb.DuckDBPyConnection]:
    """A connection as a run leaves it after load_sources: inputs registered, then locked."""
    spill = tmp_path_factory.mktemp("spill")
    con = working_connection(256, spill)
    cfg = load_config({"data": {"prices": PANEL}, "strategy": {"sql": "select 1"}})
    load_sources(con, cfg, QualityReport())
    yield con
    con.close()


@pytest.mark.parametrize("form", FORMS, ids=lambda f: f.name)
@pytest.mark.parametrize("attack", sample(ATTACKS, every=3), ids=lambda a: a.name)
def test_every_attack_is_refused_at_the_user_sql_step(
    attack: Attack, form: Form, world: World, untouched: Path, locked: duckdb.DuckDBPyConnection
):
    folder = untouched / "user"
    config = form.config(world.fill(attack.sql, untouched), folder)
    cfg = load_config(config)
    with pytest.raises(Ml4tError) as caught:
        if form.relation:
            source = config["data"]["tables"]["extra"] if form.name == "tables" else config["data"][form.name]
            register(locked, form.relation, source, cfg)
        else:
            custom_targets(locked, cfg, [cfg.strategy])
    assert_refused(str(caught.value), attack, form, untouched, world)
    tables = {r[0] for r in locked.sql("select table_name from duckdb_tables()").fetchall()}
    assert not tables & {"t", "evil"}, tables


# --- each attack once through `run` (on the earlier run's warehouse) and through `check` -----------


def rotate(attacks: list[Attack], shift: int = 0) -> list[tuple[Attack, Form]]:
    """Each attack with one form, the forms taking turns (every form gets several attacks)."""
    return [(a, FORMS[(i + shift) % len(FORMS)]) for i, a in enumerate(attacks)]


@pytest.mark.parametrize(("attack", "form"), rotate(SMUGGLING + READS[:2] + SETTINGS[:1]), ids=lambda x: x.name)
def test_run_refuses_it_and_the_earlier_run_stays_byte_identical(
    attack: Attack, form: Form, world: World, untouched: Path
):
    config = form.config(world.fill(attack.sql, untouched), untouched / "user")
    runs_before = sorted(p.name for p in (world.wh / "runs").iterdir())
    with pytest.raises(Ml4tError) as caught:
        ml4t_sql.run(config, warehouse=world.wh)
    assert_refused(str(caught.value), attack, form, untouched, world)
    assert sorted(p.name for p in (world.wh / "runs").iterdir()) == runs_before  # and `untouched`: every byte


@pytest.mark.parametrize(("attack", "form"), rotate(ATTACKS, shift=3), ids=lambda x: x.name)
def test_check_refuses_every_attack_and_writes_nothing(attack: Attack, form: Form, world: World, untouched: Path):
    config = form.config(world.fill(attack.sql, untouched), untouched / "user")
    result = ml4t_sql.check({**config, "output": {"warehouse": str(world.wh)}})
    assert not result.ok and len(result.errors) == 1
    assert_refused(result.errors[0], attack, form, untouched, world)


# --- what the lock blocks and what it leaves working: DuckDB's settings, tried -------------------


@pytest.fixture(scope="module")
def inputs(world: World) -> dict[str, Any]:
    """One input of every form, on disk beside a file that is no input."""
    folder = world.root / "inputs"
    (folder / "hive" / "asset=S0").mkdir(parents=True)
    PANEL.write_parquet(folder / "prices.parquet")
    PANEL.write_csv(folder / "prices.csv")
    PANEL.filter(asset="S0").drop("asset").write_parquet(folder / "hive" / "asset=S0" / "part.parquet")
    PANEL.write_parquet(folder / "glob_1.parquet")
    (folder / "not_an_input.csv").write_text(f"x\n{SECRET}\n")
    db = folder / "market.duckdb"
    with duckdb.connect(str(db)) as con:
        con.execute("create table prices as select * from read_parquet($p)", {"p": str(folder / "prices.parquet")})
    return {
        "pq": str(folder / "prices.parquet"),
        "csv": str(folder / "prices.csv"),
        "hive": str(folder / "hive"),
        "globbed": str(folder / "glob_*.parquet"),
        "db": {"database": str(db), "table": "prices"},
        "frame": PANEL,
    }


LOCK_BLOCKS = [
    ("select * from read_csv('{inputs}/not_an_input.csv')", "Cannot access file"),  # a sibling of inputs
    ("select * from read_parquet('{inputs}/glob_*.parquet')", "Cannot access file"),  # no listing, not even inputs'
    ("select * from read_csv('{inputs}/hive/../not_an_input.csv')", "Cannot access file"),
    ("copy (select 1) to '{inputs}/written.csv'", "Cannot access file"),
    ("copy (select 1) to '{inputs}/prices.csv'", "Cannot access file"),  # not even over an input
    ("export database '{inputs}/dump'", "Cannot access directory"),
    ("attach '{inputs}/new.duckdb' as other", "Cannot access file"),
    ("install httpfs", "Cannot access directory"),
    ("load httpfs", "Loading external extensions is disabled"),
    ("select * from read_csv('https://example.com/x.csv')", "Cannot access file"),
    ("create secret s (type s3, key_id 'a', secret 'b')", "Secret type 's3' does not exist"),  # no autoload
    ("set memory_limit = '10GB'", "the configuration has been locked"),
    ("set enable_external_access = true", "the configuration has been locked"),
    ("pragma enable_profiling", "the configuration has been locked"),
    ("select * from PANEL", "does not exist"),  # Python replacement scans are off
    ("insert into src_db.prices select * from src_db.prices limit 1", "read-only mode"),  # attached before
]


@pytest.fixture(scope="module")
def fenced(inputs: dict[str, Any], world: World, tmp_path_factory: pytest.TempPathFactory) -> duckdb.DuckDBPyConnection:
    """A connection with one input of each form registered, then locked, as load_sources does."""
    con = working_connection(64, tmp_path_factory.mktemp("spill"))
    cfg = load_config({"data": {"prices": PANEL}})
    for name, source in inputs.items():
        register(con, name, source, cfg)
    lock(con, [f for s in inputs.values() for f in input_files(con, s, cfg)])
    return con


@pytest.mark.parametrize(("sql", "error"), LOCK_BLOCKS, ids=[s[:40] for s, _ in LOCK_BLOCKS])
def test_the_lock_blocks(sql: str, error: str, fenced: duckdb.DuckDBPyConnection, world: World):
    before = digest(world.root)
    with pytest.raises(duckdb.Error, match=re.escape(error)):
        fenced.execute(sql.format(inputs=world.root / "inputs")).fetchall()
    assert digest(world.root) == before


def test_the_lock_leaves_the_inputs_the_spill_folder_and_the_engine_working(
    fenced: duckdb.DuckDBPyConnection, inputs: dict[str, Any]
):
    rows = PANEL.height
    counts = {
        n: fenced.sql(f"select count(*) from {n}").fetchall()[0][0] for n in ("pq", "csv", "globbed", "db", "frame")
    }
    assert counts == dict.fromkeys(counts, rows)
    assert fenced.sql("select count(*), min(asset) from hive").fetchall() == [(8, "S0")]
    read = "select count(*) from read_parquet($p)"  # an input file may be read by its own path too
    assert fenced.sql(read, params={"p": inputs["pq"]}).fetchall() == [(rows,)]
    # the engine's own work: temp tables and frames registered later
    fenced.execute("create or replace temp table later_table as select * from pq")
    fenced.register("later", PANEL.to_arrow())
    assert fenced.sql("select count(*) from later join later_table using (date, asset)").fetchall() == [(rows,)]


@pytest.mark.parametrize("spill", [True, False])
def test_a_locked_connection_still_spills_to_its_temp_directory(spill: bool, tmp_path: Path):
    con = duckdb.connect()
    con.execute("set memory_limit = '16MB'")
    con.execute("set temp_directory = $d", {"d": str(tmp_path) if spill else ""})
    lock(con, [])
    query = (
        "select count(*) from (select distinct i, i * 2 as j, i * 3 as k from (select range as i from range(600000)))"
    )
    if spill:
        assert con.sql(query).fetchall() == [(600_000,)]
    else:  # the same query needs the disk: without a temp directory it runs out of memory
        with pytest.raises(duckdb.OutOfMemoryException):
            con.sql(query).fetchall()


def test_the_lock_cannot_be_undone(fenced: duckdb.DuckDBPyConnection):
    for setting in ("allowed_directories = ['/']", "allowed_paths = ['/etc/passwd']", "lock_configuration = false"):
        with pytest.raises(duckdb.Error, match="locked"):
            fenced.execute(f"set {setting}")


# --- the wall's own rules ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "sql",
    [
        "select date, asset, 1.0 / $top_n as weight from prices qualify row_number() over (partition by date "
        "order by score desc, asset) <= $top_n",
        "select date, asset, 0.5 as weight from prices where asset in ('S0', 'S1') -- a trailing comment",
        "select date, asset, 0.5 as weight from prices where asset in ('S0', 'S1');  ",
        "/* leading */ select date, asset, 0.5 as weight from prices where asset in ('S0', 'S1') /* trailing */ ;",
        "with a as (select * from prices where asset <> 'S2') select date, asset, 0.5 as weight from a",
        "from prices select date, asset, 0.5 as weight where asset <> 'S2'",
        "select date, asset, 0.5 as weight from prices where asset <> ';' and asset <> 'S2' --;",
        "select date, asset, 0.5 as weight from prices where asset <> 'S2' -- {{ 'x' }} ; drop table prices",
    ],
)
def test_plain_queries_still_run(sql: str, locked: duckdb.DuckDBPyConnection):
    cfg = load_config({"data": {"prices": PANEL}, "strategy": {"sql": sql, "top_n": 2}})
    custom_targets(locked, cfg, [cfg.strategy])
    per_date = locked.sql("select count(*), sum(weight) from ml4t.final_targets group by date").fetchall()
    assert per_date == [(2, 1.0)] * PANEL["date"].n_unique()


def test_a_query_that_does_not_parse_is_refused_with_duckdbs_first_line_and_never_run():
    with pytest.raises(
        ConfigError,
        match=r'\[strategy\] sql: DuckDB cannot parse the SQL: Parser Error: syntax error at or near "where"$',
    ):
        user_query("select * from prices where where", "[strategy] sql")


def test_the_wrapper_is_checked_too():
    con = duckdb.connect()
    with pytest.raises(ConfigError, match="does not fit"):
        create_from_query(con, "view", "v", "select 1; drop table x", relation="v", where="test")
    assert con.sql("select count(*) from duckdb_views() where view_name = 'v'").fetchall() == [(0,)]


@pytest.mark.parametrize("suffix", ["parquet", "csv"])
def test_values_read_from_inputs_are_not_echoed(suffix: str, untouched: Path):
    (untouched / "user").mkdir()
    notes = PANEL.head(1).select("date", "asset", note=pl.lit(SECRET))
    path = untouched / "user" / f"notes.{suffix}"
    notes.write_parquet(path) if suffix == "parquet" else notes.write_csv(path)
    sql = "select date, asset, cast(note as double) as weight from notes where note <> 'x'"
    config = {"data": {"prices": PANEL, "tables": {"notes": str(path)}}, "strategy": {"sql": sql}}
    with pytest.raises(InputError, match="Conver") as caught:
        ml4t_sql.run(config, write=False)
    assert SECRET not in str(caught.value)
    if suffix == "parquet":  # DuckDB quotes the value; the message keeps only quotes of the query's own text
        assert "Could not convert string '...' to DOUBLE" in str(caught.value)


def test_check_cannot_spill_and_locks_before_user_sql(untouched: Path, monkeypatch: pytest.MonkeyPatch):
    seen: list[tuple[Any, ...]] = []
    real = validation.load_sources

    def spy(con: duckdb.DuckDBPyConnection, cfg: Any, report: QualityReport) -> None:
        real(con, cfg, report)
        names = "'temp_directory', 'enable_external_access', 'lock_configuration'"
        seen.append(con.sql(f"select value from duckdb_settings() where name in ({names}) order by name").fetchall())

    monkeypatch.setattr(validation, "load_sources", spy)
    (untouched / "user").mkdir()
    (untouched / "user" / "signals.sql").write_text("select date, asset, score from prices")
    result = ml4t_sql.check({"data": {"prices": PANEL, "signals": "user/signals.sql"}, "strategy": STRATEGY})
    assert result.ok, result.errors
    assert seen == [[("false",), ("true",), ("",)]]


# --- Jinja: template errors, not tracebacks; no files; bounded -----------------------------------


TEMPLATES = [
    ("{% include 'other.sql' %}", r"\{% include %\} is not available in user SQL"),
    ("{% import 'macros.sql' as m %}select 1", r"\{% import %\} is not available"),
    ("{% from 'macros.sql' import f %}select 1", r"\{% from \.\.\. import %\} is not available"),
    ("{% extends 'base.sql' %}", r"\{% extends %\} is not available"),
    ("{% for i in range(10**9) %}{% endfor %}", "range\\(\\) of 1,000,000,000 items"),
    ("{% for i in range(99999) %}{% for j in range(99999) %}{% endfor %}{% endfor %}", "loops ran more than"),
    ("{% set a = range(1000)|list %}{% for x in a %}{% for y in a %}{% endfor %}{% endfor %}", "loops ran more than"),
    ("{% macro f() %}{{ f() }}{% endmacro %}{{ f() }}", "recursion too deep"),
    ("{% for x in [1] recursive %}{{ loop([x]) }}{% endfor %}", "recursive loops are not available"),
    ("select '{{ 'x' * 10**9 }}'", "builds a text of 1,000,000,000 characters"),
    ("{% set s = 'x' * 600000 %}{% set s = s ~ s %}", "builds a text of 1,200,000 characters"),
    ("{% set s = 'x' * 600000 %}{{ [s, s]|join }}", "builds a text of 1,200,000 characters"),
    ("{{ 'x'|replace('', 'y' * 1000) }}{{ ('y' * 999)|replace('', 'y' * 9999) }}", "builds a text of"),
    ("{% set s %}{% for i in range(20000) %}{{ 'y' * 100 }}{% endfor %}{% endset %}", "builds a text of"),
    ("{{ '%099999999d' % 1 }}", "formatting text with % is not available"),
    ("{{ 7 ** 99999 }}", "too large a number"),
    ("{{ 'x'.center(10**9) }}", "attribute 'center' of 'str' object is unsafe"),
    ("{{ 'x'|center(1000000000) }}", "No filter named 'center'"),
    ("{{ lipsum(10**6) }}", "'lipsum' is undefined"),
    ("{{ ''.__class__.__mro__ }}", "attribute '__class__' of 'str' object is unsafe"),
    ("{{ 1 + 'a' }}", "TypeError: unsupported operand"),
    ("{% if %}", "Expected an expression"),
]


@pytest.mark.parametrize(("template", "message"), TEMPLATES, ids=[t[:40] for t, _ in TEMPLATES])
def test_template_errors_are_config_errors(template: str, message: str):
    with pytest.raises(ConfigError, match=r"^\[strategy\] sql: template error: .*" + message):
        render_user(template)


@pytest.mark.parametrize("template", [t for t, _ in TEMPLATES[:8:2]])
def test_template_errors_name_the_input_through_a_run(template: str, untouched: Path):
    (untouched / "user").mkdir()
    (untouched / "user" / "other.sql").write_text("select 1")
    (untouched / "user" / "signals.sql").write_text(template)
    where = rf"\[data\] signals \({re.escape(str(untouched))}/user/signals\.sql\): template error"
    with pytest.raises(ConfigError, match=where):
        ml4t_sql.run({"data": {"prices": PANEL, "signals": "user/signals.sql"}, "strategy": STRATEGY}, write=False)


def test_what_templates_are_for_still_works():
    sql = (
        "select date, asset{% for w in [2, 3] %}, avg(close) over (partition by asset order by date rows {{ w - 1 }} "
        "preceding) as {{ ('ma' ~ w)|ident }}{% endfor %} from {{ 'prices'|ident }}"
        "{% if top_n|default(0) > 1 %} where {{ ['1', '1']|join(' = ') }}{% endif %}"
    )
    text = render_user(sql, top_n=2)
    assert '"ma2", avg' in text and 'from "prices" where 1 = 1' in text
    assert USER_SQL_CHARS == 1_000_000 and USER_LOOP_ITERATIONS == 100_000
