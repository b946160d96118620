"""Benchmark input: the user's `[data] benchmark` and the built-in equal-weight universe as daily returns.

Both become daily returns on the window's calendar, in SQL:

- `ml4t.benchmark_input` -> `ml4t.benchmark_returns` (sql/sources/): the user's relation,
  `(date, return)` or `(date, price)` (a `price` or `close` column), checked before anything runs
  by the same rules as the other inputs (ml4t_sql.data.rules, sql/checks/);
- `ml4t.universe_returns` (sql/results/): every asset of `prices`, equally weighted, rebalanced
  daily, no costs.

ml4t_sql.results.benchmark turns them into the run table `benchmark`.

The first window date's return is 0 for every series, as for the strategy, whose cash is first
invested at the next open: all curves start together at the first date's close.
"""

from __future__ import annotations

import duckdb

from ..config import Config
from ..errors import InputError
from ..templates import render
from .inputs import register_input
from .quality import NAIVE_TS, NUMERIC, QualityReport
from .relations import create
from .rules import check_benchmark, check_intraday

RELATION = "benchmark"


def load_benchmarks(
    con: duckdb.DuckDBPyConnection, cfg: Config, report: QualityReport, columns: dict[str, str] | None = None
) -> None:
    """Leave `ml4t.universe_returns` (and `ml4t.benchmark_returns` when configured) on `con`.

    `columns`: the input's columns when it was registered already (a file, table or frame is
    registered before the connection is locked; a .sql benchmark is registered here).

    Needs `ml4t.prices` and `ml4t.calendar`. The benchmark's rules (ml4t_sql.data.rules.check_benchmark:
    keys, readable dates, duplicate dates, non-finite values, returns <= -1 or prices <= 0, extreme
    levels, coverage of the window) refuse through `report`; wrong columns or types raise InputError.
    """
    create(con, "universe_returns", render("results/universe_returns"))
    if cfg.data.benchmark is None:
        return
    columns = columns or register_input(con, "benchmark", cfg.data.benchmark, cfg)
    date, value, kind, utc = _plan(columns, cfg.data.columns.date)
    if columns[date] != "DATE":
        check_intraday(con, RELATION, "input_benchmark", date, report, utc=utc)
    create(con, "benchmark_input", render("sources/benchmark_input", date=date, value=value, utc=utc))
    errors = len(report.errors)
    check_benchmark(con, report, kind, value)
    if len(report.errors) == errors:  # returns over rows that break a rule would only add noise
        create(con, "benchmark_returns", render("sources/benchmark_returns", kind=kind))


def _plan(columns: dict[str, str], date_name: str) -> tuple[str, str, str, bool]:
    """(date column, value column, "return" | "price", dates are UTC timestamps) of the input."""
    date = next((c for c in (date_name, "date") if c in columns), None)
    if date is None:
        raise InputError(RELATION, f"missing required column {date_name!r}", hint=f"columns: {', '.join(columns)}")
    dtype = columns[date]
    utc = dtype.startswith("TIMESTAMP WITH TIME ZONE") or dtype == "TIMESTAMPTZ"
    if dtype != "DATE" and dtype not in NAIVE_TS and not utc:
        raise InputError(RELATION, f"column {date!r} must be a DATE or a timestamp, but it is {dtype}")
    for kind, names in (("return", ("return",)), ("price", ("price", "close"))):
        for name in names:
            if name in columns:
                if not NUMERIC.match(columns[name]):
                    raise InputError(RELATION, f"column {name!r} must be numeric, but it is {columns[name]}")
                return date, name, kind, utc
    raise InputError(
        RELATION,
        "needs a `return` column (daily returns) or a `price` / `close` column (levels)",
        hint=f"columns: {', '.join(columns)}",
    )
