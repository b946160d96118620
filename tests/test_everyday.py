"""Everyday use (issue 14): readable `query`, one warehouse, sweeps as runs, a movable warehouse."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import duckdb
import polars as pl
import pytest

import ml4t_sql
from ml4t_sql.console import config_differences, readable, render, sweep_text
from ml4t_sql.store.locate import ENV, last_warehouse, locate
from ml4t_sql.sweeps import sweep

from .clirunner import cli
from .test_inputs import PANEL, STRATEGY

BASE = {"data": {"prices": PANEL}, "strategy": STRATEGY}


@pytest.fixture(scope="module")
def two_runs(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[ml4t_sql.Run], ml4t_sql.Sweep]:
    root = tmp_path_factory.mktemp("wh")
    first = ml4t_sql.run({**BASE, "output": {"name": "first"}}, warehouse=root)
    second = ml4t_sql.run({**BASE, "strategy": {**STRATEGY, "top_n": 3}, "output": {"name": "second"}}, warehouse=root)
    grid = sweep(BASE, grid={"top_n": [1, 2, 3]}, warehouse=root)
    return root, [first, second], grid


# --- 1. query ------------------------------------------------------------------------------------


def test_readable_rounds_money_to_cents_others_to_four_digits_and_keeps_years_plain():
    frame = pl.DataFrame(
        {"nav": [1121.2536867898746], "sum(notional)": [2.5e8 + 0.126], "weight": [0.123456789], "year": [2017]}
    )
    with pl.Config(thousands_separator=True, tbl_hide_column_data_types=True):
        text = str(readable(frame))
    assert "1,121.25" in text and "250,000,000.13" in text and "0.1235" in text and "2017" in text
    assert "1121.2536" not in text and "2,017" not in text


def test_query_fits_the_terminal_without_wrapping(two_runs, monkeypatch: pytest.MonkeyPatch):
    root, runs, grid = two_runs
    for width in (60, 100, 200):
        monkeypatch.setenv("COLUMNS", str(width))
        done = cli("query", "select * from trades order by all limit 8", "--warehouse", str(root))
        assert done.returncode == 0, done.stderr
        lines = done.stdout.rstrip("\n").splitlines()
        assert max(len(line) for line in lines) <= width
        body = [line for line in lines if line.startswith("│")]
        assert len(body) == 1 + 8  # header and one line per row: no cell wrapped onto a second line
    ids = [r.run_id for r in runs] + [grid.run_id]  # at 200 columns a run id is cut with "…" or shown whole
    assert "…" in done.stdout or any(run_id in done.stdout for run_id in ids)


def test_query_run_filter_raw_and_machine_outputs(two_runs, tmp_path: Path):
    root, runs, grid = two_runs
    count = "select run_id, count(*) as n from equity group by run_id"
    latest = cli("query", count, "--run", "latest", "--warehouse", str(root), "--csv")
    assert latest.stdout.splitlines()[1:] == [f"{grid.run_id},{grid.tables['equity'].height}"]
    named = cli("query", count, "--run", "first", "--warehouse", str(root), "--csv")
    assert named.stdout.splitlines()[1:] == [f"{runs[0].run_id},{runs[0].equity.height}"]
    unknown = cli("query", count, "--run", "nope", "--warehouse", str(root))
    assert unknown.returncode == 2 and "no run 'nope'" in unknown.stderr

    sql = "select nav from equity order by date desc limit 1"
    nav = runs[1].equity.sort("date")["nav"][-1]
    raw = cli("query", sql, "--run", runs[1].run_id, "--raw", "--warehouse", str(root))
    rounded = cli("query", sql, "--run", runs[1].run_id, "--warehouse", str(root))
    assert repr(nav) in raw.stdout and f"{nav:,.2f}" in rounded.stdout and repr(nav) not in rounded.stdout

    files = {kind: tmp_path / f"out.{kind}" for kind in ("csv", "json", "parquet")}
    done = cli(
        "query", sql, "--run", runs[1].run_id, "--warehouse", str(root), *(f"--{k}={p}" for k, p in files.items())
    )
    assert done.returncode == 0 and done.stdout == ""
    assert pl.read_csv(files["csv"])["nav"][0] == nav
    assert json.loads(files["json"].read_text().splitlines()[0])["nav"] == nav
    assert pl.read_parquet(files["parquet"])["nav"][0] == nav


# --- 2. one warehouse ----------------------------------------------------------------------------


def test_the_warehouse_order_flag_env_config_default(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.chdir(tmp_path)
    assert locate(None) == locate(None, config_warehouse=None)
    assert (locate(None).path, locate(None).source) == (tmp_path / "warehouse", "default")
    assert (locate(None, config_warehouse=tmp_path / "c").source) == "config"
    monkeypatch.setenv(ENV, str(tmp_path / "e"))
    assert (locate(None, config_warehouse=tmp_path / "c").path, locate(None).source) == (tmp_path / "e", "env")
    assert (locate("f", config_warehouse=tmp_path / "c").path, locate("f").source) == (tmp_path / "f", "flag")


def test_every_command_uses_one_warehouse_and_says_which(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    PANEL.write_parquet(tmp_path / "prices.parquet")
    config = tmp_path / "cfg" / "run.toml"
    config.parent.mkdir()
    config.write_text(
        '[data]\nprices = "../prices.parquet"\n[strategy]\nsignal = "score"\ntop_n = 2\n[output]\nwarehouse = "../wh"\n'
    )
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    done = cli("run", str(config), "--quiet", cwd=elsewhere)  # the config's [output] warehouse
    assert done.returncode == 0 and f"warehouse: {tmp_path / 'wh'} (from the config" in done.stderr
    empty = cli("runs", cwd=elsewhere)  # ./warehouse: nothing there, and it says where the last run went
    assert empty.returncode == 2
    assert str(elsewhere / "warehouse") in empty.stderr and f"the last run went to {tmp_path / 'wh'}" in empty.stderr
    assert last_warehouse() == tmp_path / "wh"

    monkeypatch.setenv(ENV, str(tmp_path / "wh"))
    listed = cli("runs", cwd=elsewhere)
    assert listed.returncode == 0 and done.stdout.strip() in listed.stdout
    assert f"warehouse: {tmp_path / 'wh'} (from {ENV})" in listed.stderr
    again = cli("run", str(config), "--quiet", cwd=elsewhere)  # the environment beats the config
    assert f"(from {ENV})" in again.stderr
    flagged = cli("runs", "--warehouse", str(tmp_path / "wh"))
    assert flagged.returncode == 0 and "warehouse:" not in flagged.stderr  # the flag: nothing to say


# --- 3. one number format, compare's config differences ------------------------------------------


def test_config_differences_lists_only_what_differs():
    a = {"strategy": {"top_n": 25, "signal": "m"}, "execution": {"commission_bps": 1.0}}
    b = {"strategy": {"top_n": 10, "signal": "m"}, "execution": {}}
    assert config_differences([a, b]) == {
        "execution.commission_bps": ["1.0", "(unset)"],
        "strategy.top_n": ["25", "10"],
    }
    assert config_differences([a, a]) == {}


def test_run_prints_headline_metrics_in_the_shared_format(tmp_path: Path):
    PANEL.write_parquet(tmp_path / "prices.parquet")
    (tmp_path / "run.toml").write_text('[data]\nprices = "prices.parquet"\n[strategy]\nsignal = "score"\ntop_n = 2\n')
    done = cli("run", str(tmp_path / "run.toml"), "--warehouse", str(tmp_path / "wh"))
    lines = {line.split()[0]: line.split()[1] for line in done.stdout.splitlines()[:-1]}
    stats = ml4t_sql.connect(tmp_path / "wh").sql("select metric, value from metrics").fetchall()
    value = dict(stats)
    assert lines["total_return"] == f"{value['total_return'] * 100:.2f}%".replace("-0.00%", "0.00%")
    assert lines["sharpe"] == f"{value['sharpe']:.2f}" and lines["total_costs"] == f"{value['total_costs']:,.2f}"


# --- 4. sweeps as runs ---------------------------------------------------------------------------


def test_runs_lists_a_sweeps_variant_count_and_best_and_worst(two_runs):
    root, _, grid = two_runs
    sharpe = grid.compare("sharpe").sort("sharpe", descending=True)
    listed = ml4t_sql.store.runs.list_runs(root).filter(pl.col("run_id") == grid.run_id)
    assert listed["variants"][0] == 3
    assert listed["best"][0] == f"{sharpe['variant'][0]}: {sharpe['name'][0]}"
    assert listed["worst"][0] == f"{sharpe['variant'][-1]}: {sharpe['name'][-1]}"
    done = cli("runs", "--warehouse", str(root))
    assert f"3 variants; best by Sharpe {sharpe['variant'][0]}: {sharpe['name'][0]}" in done.stdout


def test_report_and_compare_a_sweeps_variant(two_runs):
    root, runs, grid = two_runs
    best = grid.compare("sharpe").sort("sharpe", descending=True)["variant"][0]
    done = cli("report", grid.run_id, "--variant", "best", "--warehouse", str(root))
    assert done.returncode == 0, done.stderr
    page = Path(done.stdout.strip())
    assert page.parent == root / "reports" and page.is_file()  # no -o: the warehouse's reports/ folder
    assert f"{grid.run_id}:{best}" in page.read_text()
    bare = cli("report", grid.run_id, "--warehouse", str(root))  # a sweep's own page: the heatmap
    assert bare.returncode == 0 and "--variant best" in bare.stderr
    assert 'id="chart-heatmap"' in Path(bare.stdout.strip()).read_text()

    cmp = cli("compare", runs[0].run_id, f"{grid.run_id}:{best}", f"{grid.run_id}:top_n=1", "--warehouse", str(root))
    assert cmp.returncode == 0, cmp.stderr
    head = cmp.stdout.splitlines()[0].split()
    assert head[1:] == [runs[0].run_id, f"{grid.run_id}:{best}", f"{grid.run_id}:0"]
    sharpe = next(line for line in cmp.stdout.splitlines() if line.startswith("sharpe "))
    expected = grid.compare("sharpe").sort("variant")["sharpe"].to_list()
    assert sharpe.split()[2:] == [f"{expected[best]:.2f}", f"{expected[0]:.2f}"]
    bad = cli("compare", runs[0].run_id, f"{grid.run_id}:9", "--warehouse", str(root))
    assert bad.returncode == 2 and "no variant '9'" in bad.stderr and "0: top_n=1" in bad.stderr


def test_sweep_table_sorted_by_a_metric_with_names_unwrapped(two_runs):
    _, _, grid = two_runs
    table = grid.compare()
    text = sweep_text(table, sort="cagr")
    lines = text.splitlines()
    assert lines[0].split()[:4] == ["variant", "name", "sharpe", "cagr"]
    order = table.sort("cagr", descending=True)["variant"].to_list()
    assert [int(line.split()[0]) for line in lines[1:]] == order
    assert all(name in text for name in table["name"])
    with pytest.raises(ml4t_sql.errors.Ml4tError, match="--sort 'nope'"):
        sweep_text(table, sort="nope")


# --- 8. print(run) -------------------------------------------------------------------------------


def test_print_run_is_a_short_summary(two_runs):
    _, runs, _ = two_runs
    text = repr(runs[0])
    dates = runs[0].equity["date"]
    assert text.splitlines()[0] == f"Run {runs[0].run_id}  first"
    assert f"{dates.min()} .. {dates.max()}" in text and "sharpe " in text
    assert len(text.splitlines()) <= 5 and "config" not in text.lower()
    _, _, grid = two_runs
    assert repr(grid).splitlines()[0] == f"Sweep {grid.run_id}: 3 variants" and len(repr(grid).splitlines()) == 5


# --- 9. a warehouse can move ---------------------------------------------------------------------


def test_a_moved_warehouse_rebuilds_its_views_once(two_runs, tmp_path: Path):
    root, runs, grid = two_runs
    old = tmp_path / "old"
    shutil.copytree(root, old)  # a warehouse with its views pointing inside it
    ml4t_sql.store.catalog.ensure_catalog(old)
    new = tmp_path / "moved"
    old.rename(new)

    plain = duckdb.connect(str(new / "ml4t.duckdb"), read_only=True)  # a plain DuckDB client
    with pytest.raises(duckdb.Error, match="No files found"):
        plain.sql("select count(*) from equity").fetchall()
    ((hint,),) = plain.sql("select hint from ml4t_status").fetchall()
    plain.close()
    assert "ml4t-sql check --warehouse DIR" in hint and str(old) in hint

    first = cli("query", "select count(distinct run_id) as n from equity", "--warehouse", str(new), "--csv")
    assert first.returncode == 0 and first.stdout.splitlines()[1] == "3"
    assert first.stderr.count("the warehouse was moved or copied") == 1 and str(old) in first.stderr
    second = cli("runs", "--warehouse", str(new))
    assert second.returncode == 0 and "moved" not in second.stderr  # said once

    plain = duckdb.connect(str(new / "ml4t.duckdb"), read_only=True)
    try:
        rows = dict(plain.sql("select run_id, count(*) from equity group by run_id").fetchall())
        assert rows == {r.run_id: r.equity.height for r in runs} | {grid.run_id: grid.tables["equity"].height}
        assert plain.sql("select warehouse from ml4t_status").fetchall() == [(str(new),)]
    finally:
        plain.close()


def test_connect_rebuilds_a_copied_warehouses_views(two_runs, tmp_path: Path):
    root, _, _ = two_runs
    copy = tmp_path / "copy"
    shutil.copytree(root, copy)
    with pytest.warns(ml4t_sql.errors.StoreWarning, match="moved or copied"):
        con = ml4t_sql.connect(copy)
    con.close()
    plain = duckdb.connect(str(copy / "ml4t.duckdb"), read_only=True)
    try:
        assert plain.sql("select count(*) from equity").fetchall()[0][0] > 0
        ((sql,),) = plain.sql("select sql from duckdb_views() where view_name = 'equity'").fetchall()
        assert str(copy) in sql and str(root) not in sql
    finally:
        plain.close()


def test_render_keeps_small_tables_whole():
    frame = pl.DataFrame({"a": [1, 2], "b": ["x", "y"]})
    text = render(frame, width=80)
    assert "shape" not in text and text.count("\n") == 5


def test_render_shows_nan_inf_and_null_and_never_minus_zero():
    frame = pl.DataFrame(
        {
            "nav": [1.0, float("nan"), float("inf"), None],
            "weight": [-0.0, 0.5, None, 1.0],
            "cash": [-0.001, 2.0, 3.0, 4.0],
        }
    )
    text = render(frame, width=80)
    assert "NaN" in text and "inf" in text and "null" in text
    assert "-0.0" not in text and "│ 0.00 " in text.replace("┆", "│")
