"""The runs of a warehouse: list them, find one, load several for a comparison.

Reads `<warehouse>/runs/*/` directly (runs.parquet and metrics.parquet), so it works on any
warehouse, including one whose DuckDB file is held open by another process.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import duckdb
import polars as pl
import pyarrow as pa
import pyarrow.parquet as pq

from ..errors import Ml4tError
from ..schema import TABLES
from ..templates import render
from .warehouse import check_run_id

INPUT_TABLES = ("runs", "equity", "positions", "trades", "benchmark", "metrics")
"""The tables a report or a comparison reads."""
LATEST = "latest"
"""A run id that names the warehouse's most recent run."""


def list_runs(warehouse: str | Path) -> pl.DataFrame:
    """One row per run, oldest first (sql/reports/runs_overview.sql): id, created, strategy, headline metrics.

    A sweep (ml4t_sql.sweep) is listed with its base strategy and no metrics: compare its variants
    with `Sweep.compare`.
    """
    root = _root(warehouse)
    con = duckdb.connect()
    try:
        for name in ("runs", "metrics"):
            pattern = str(root / "runs" / "*" / f"{name}.parquet")
            con.execute(
                f"create temp table {name} as select * from read_parquet($pattern, union_by_name = true)",
                {"pattern": pattern},
            )
        if "variant" in con.sql("select * from metrics limit 0").columns:
            con.execute("delete from metrics where variant is not null")  # a sweep has no single headline
        return con.sql(f"{render('reports/runs_overview')} order by created_at, run_id").pl()
    finally:
        con.close()


def resolve_run_id(warehouse: str | Path, run_id: str) -> str:
    """`run_id` itself, or the most recent run's id for `latest`."""
    if run_id != LATEST:
        return run_id
    runs = list_runs(warehouse)
    return str(runs["run_id"][-1])


def load_run(warehouse: str | Path, run_id: str) -> dict[str, pa.Table]:
    """One run's tables, read from `<warehouse>/runs/<run_id>/` (missing tables come back empty)."""
    folder = Path(warehouse) / "runs" / check_run_id(run_id)
    if not (folder / "runs.parquet").is_file():
        known = sorted(p.name for p in (Path(warehouse) / "runs").glob("*") if (p / "runs.parquet").is_file())
        hint = f"; runs there: {', '.join(known[-5:])}" if known else ""
        raise Ml4tError(f"no run {run_id!r} in warehouse {Path(warehouse).resolve()}{hint}")
    if (folder / "variants.parquet").is_file():
        raise Ml4tError(f"run {run_id!r} is a sweep: a report covers one run; compare its variants with Sweep.compare")
    return {
        name: pq.read_table(folder / f"{name}.parquet")
        if (folder / f"{name}.parquet").is_file()
        else TABLES[name].schema.empty_table()
        for name in INPUT_TABLES
    }


def load_runs(warehouse: str | Path, run_ids: Sequence[str]) -> list[dict[str, pa.Table]]:
    """The tables of each run, in the order given (`latest` allowed)."""
    return [load_run(warehouse, resolve_run_id(warehouse, run_id)) for run_id in run_ids]


def _root(warehouse: str | Path) -> Path:
    root = Path(warehouse).resolve()
    if not any((root / "runs").glob("*/runs.parquet")):
        raise Ml4tError(f"no runs in warehouse {root} yet: run `ml4t-sql run CONFIG` first")
    return root


def format_runs(runs: pl.DataFrame) -> str:
    """The runs listing as a fixed-width text table (percentages for returns and drawdowns)."""
    head = ("run_id", "created (UTC)", "name", "strategy", "window", "total", "cagr", "sharpe", "max dd", "excess")
    lines = []
    for r in runs.iter_rows(named=True):
        lines.append(
            (
                r["run_id"],
                f"{r['created_at']:%Y-%m-%d %H:%M}",
                r["name"] or "",
                r["strategy"] or "",
                f"{r['start_date']}..{r['end_date']}",
                _pct(r["total_return"]),
                _pct(r["cagr"]),
                "n/a" if r["sharpe"] is None else f"{r['sharpe']:.2f}",
                _pct(r["max_drawdown"]),
                _pct(r["excess_return"]),
            )
        )
    widths = [max(len(h), *(len(line[i]) for line in lines)) if lines else len(h) for i, h in enumerate(head)]
    numeric = set(range(5, len(head)))

    def row(cells: Sequence[str]) -> str:
        return "  ".join(
            c.rjust(w) if i in numeric else c.ljust(w) for i, (c, w) in enumerate(zip(cells, widths, strict=True))
        )

    return "\n".join([row(head)] + [row(line) for line in lines])


def _pct(value: float | None) -> str:
    return "n/a" if value is None or value != value else f"{value:.1%}"
