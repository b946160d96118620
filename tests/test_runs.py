"""`ml4t-sql runs`, `compare` and `report` on the bundled example's two runs (daily and monthly)."""

from __future__ import annotations

from pathlib import Path

import pytest

import ml4t_sql
from ml4t_sql.store.runs import list_runs, resolve_run_id

from .clirunner import cli

ROOT = Path(__file__).resolve().parents[1]



@pytest.fixture(scope="module")
def warehouse(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[ml4t_sql.Run]]:
    root = tmp_path_factory.mktemp("wh")
    runs = [
        ml4t_sql.run(ROOT / "examples" / name, warehouse=root)
        for name in ("top25_momentum.toml", "top25_momentum_monthly.toml")
    ]
    return root, runs


def test_runs_lists_every_run_with_its_strategy_and_headline_metrics(warehouse):
    root, runs = warehouse
    frame = list_runs(root)
    assert frame["run_id"].to_list() == [r.run_id for r in runs]  # oldest first
    assert frame["strategy"].to_list() == ["top 25 by momentum, equal, daily", "top 25 by momentum, equal, monthly"]
    assert frame["sharpe"].to_list() == [r.stats()["sharpe"] for r in runs]
    assert frame["kind"].to_list() == ["backtest", "backtest"]  # research runs: tests/test_research.py
    done = cli("runs", "--warehouse", str(root))
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert len(lines) == 3 and lines[0].split()[:3] == ["run_id", "kind", "created"]
    daily = runs[0].stats()
    assert (
        runs[0].run_id in lines[1]
        and f"{daily['total_return']:.2%}" in lines[1]
        and f"{daily['sharpe']:.2f}" in lines[1]
    )


def test_compare_prints_metrics_side_by_side_and_writes_one_page(warehouse, tmp_path: Path):
    root, runs = warehouse
    page = tmp_path / "cmp" / "compare.html"
    done = cli("compare", runs[0].run_id, runs[1].run_id, "--warehouse", str(root), "-o", str(page))
    assert done.returncode == 0, done.stderr
    metrics = done.stdout.split("\n\n")[0].splitlines()
    table = {line.split()[0]: line.split()[1:] for line in metrics[1:]}
    assert metrics[0].split()[1:] == [runs[0].run_id, runs[1].run_id]
    for key, scale, tol in (("total_return", 100, 5e-3), ("max_drawdown", 100, 5e-3), ("alpha", 100, 5e-3)):
        assert [float(v.rstrip("%").replace(",", "")) for v in table[key]] == [
            pytest.approx(r.stats()[key] * scale, abs=tol) for r in runs
        ], key
    for key in ("sharpe", "information_ratio"):
        assert [float(v) for v in table[key]] == [pytest.approx(r.stats()[key], abs=5e-3) for r in runs], key
    assert "strategy.rebalance" in done.stdout.split("\n\n")[1]  # the config values that differ
    html = page.read_text()
    assert html.count('id="chart-') == 2 and runs[0].run_id in html and runs[1].run_id in html
    assert "top25_momentum_monthly" in html


def test_report_by_id_and_latest(warehouse, tmp_path: Path):
    root, runs = warehouse
    assert resolve_run_id(root, "latest") == runs[1].run_id
    out = tmp_path / "r.html"
    done = cli("report", "latest", "-o", str(out), "--warehouse", str(root))
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == str(out) and runs[1].run_id in out.read_text()


def test_unknown_run_and_empty_warehouse_are_short_errors(warehouse, tmp_path: Path):
    root, _ = warehouse
    done = cli("report", "nope", "--warehouse", str(root), "-o", str(tmp_path / "x.html"))
    assert done.returncode == 2 and "no run 'nope'" in done.stderr and "Traceback" not in done.stderr
    empty = cli("runs", "--warehouse", str(tmp_path / "empty"))
    assert empty.returncode == 2 and "no runs in warehouse" in empty.stderr
    assert not (tmp_path / "x.html").exists()


def test_a_sweep_is_listed_without_headline_metrics_and_has_no_single_report(tmp_path: Path):
    from ml4t_sql.sweeps import sweep

    from .test_inputs import PANEL, STRATEGY

    single = ml4t_sql.run({"data": {"prices": PANEL}, "strategy": STRATEGY}, warehouse=tmp_path)
    grid = sweep({"data": {"prices": PANEL}, "strategy": STRATEGY}, grid={"top_n": [1, 2]}, warehouse=tmp_path)
    frame = list_runs(tmp_path)
    assert frame["run_id"].to_list() == [single.run_id, grid.run_id]
    assert frame["sharpe"].to_list() == [single.stats()["sharpe"], None]
    done = cli("report", grid.run_id, "--warehouse", str(tmp_path), "-o", str(tmp_path / "x.html"))
    assert done.returncode == 2 and "is a sweep" in done.stderr
