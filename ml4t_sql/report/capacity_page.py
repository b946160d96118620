"""The offline HTML page of a capacity analysis (`ml4t-sql capacity CONFIG --capital ... -o FILE`,
`ml4t-sql report CAPACITY_RUN`): the capacity table of ml4t_sql.capacity, one row per capital, and
a chart of total return, fill rate and Sharpe against capital on a log axis.

A capacity run is a sweep whose only swept key is `initial_cash`; its table is recomputed from the
sweep's published tables by the same code the command prints it with (ml4t_sql.capacity.capacity_frame),
read through the sweep page's loader (ml4t_sql.report.sweep_page.load_sweep_tables). Same machinery
and style as the other pages (ml4t_sql.report.common).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import polars as pl
import pyarrow as pa

from ..capacity import CAPACITY_TABLES, COLUMNS, capacity_frame
from ..errors import Ml4tError
from .common import ECHARTS_VERSION, asset, columns, page_script, script_json, template
from .sweep_page import load_sweep_tables, swept_keys

CHART_COLUMNS = ("capital", "total_return", "sharpe", "fill_rate", "cost_bps")
"""What the chart draws (total return and fill rate on the left axis, Sharpe on the right; cost in the tooltip)."""


def is_capacity_sweep(warehouse: str | Path, run_id: str) -> bool:
    """Whether the published sweep `run_id` swept `initial_cash` alone (a capacity run)."""
    variants = load_sweep_tables(warehouse, run_id, ("variants",))["variants"].to_pylist()
    return swept_keys(variants) == ["initial_cash"]


def load_capacity(warehouse: str | Path, run_id: str) -> tuple[pa.Table, pl.DataFrame]:
    """(the sweep's `runs` table, its capacity table) of a published capacity run."""
    tables = load_sweep_tables(warehouse, run_id, ("runs", *CAPACITY_TABLES))
    if swept_keys(tables["variants"].to_pylist()) != ["initial_cash"]:
        raise Ml4tError(f"run {run_id!r} is not a capacity run (a sweep over initial_cash alone: ml4t-sql capacity)")
    frames = {name: pl.from_arrow(tables[name]) for name in CAPACITY_TABLES}
    return tables["runs"], capacity_frame(frames)  # type: ignore[arg-type]


def render_capacity(runs: Any, table: pl.DataFrame) -> str:
    """The self-contained HTML page of one capacity run: its `runs` table (Arrow or Polars) and its
    capacity table (ml4t_sql.capacity.capacity_table)."""
    rows_of_runs = (runs if isinstance(runs, pa.Table) else runs.to_arrow()).to_pylist()
    if len(rows_of_runs) != 1:
        raise Ml4tError(f"a capacity page needs exactly one run's `runs` row, got {len(rows_of_runs)}")
    info = dict(rows_of_runs[0], label=rows_of_runs[0]["name"] or rows_of_runs[0]["run_id"])
    rows = table.sort("capital").to_dicts()
    return template("capacity.html.j2").render(
        info=info,
        columns=COLUMNS,
        rows=rows,
        payload=script_json(columns(rows, CHART_COLUMNS)),
        echarts=asset("echarts/echarts.min.js"),
        echarts_version=ECHARTS_VERSION,
        css=asset("report.css"),
        script=page_script("capacity.js"),
    )


def write_capacity_report(runs: Any, table: pl.DataFrame, path: str | Path) -> Path:
    """Write `render_capacity(runs, table)` to `path`; return the path."""
    out = Path(path)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(render_capacity(runs, table), encoding="utf-8")
    return out
