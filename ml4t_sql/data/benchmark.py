"""Benchmark input: the user's `[data] benchmark` and the built-in equal-weight universe as daily returns.

Both become daily returns on the window's calendar, in SQL:

- `benchmark_input` -> `benchmark_returns` (sql/sources/): the user's relation, `(date, return)`
  or `(date, price)` (a `price` or `close` column), checked here before anything runs;
- `universe_returns` (sql/results/): every asset of `prices`, equally weighted, rebalanced daily,
  no costs.

ml4t_sql.results.benchmark turns them into the run table `benchmark`.

The first window date's return is 0 for every series, as for the strategy, whose cash is first
invested at the next open: all curves start together at the first date's close.
"""

from __future__ import annotations

import re
from typing import Any

import duckdb

from ..config import Config
from ..errors import InputError
from ..templates import ident, render
from .inputs import register

RELATION = "benchmark"
_NUMERIC = re.compile(r"^(DOUBLE|FLOAT|REAL|DECIMAL.*|U?(TINY|SMALL|BIG|HUGE)?INT(EGER)?)$")
_NAIVE = ("DATE", "TIMESTAMP", "TIMESTAMP_S", "TIMESTAMP_MS", "TIMESTAMP_NS")
EXAMPLES = 5


def load_benchmarks(con: duckdb.DuckDBPyConnection, cfg: Config, columns: dict[str, str] | None = None) -> None:
    """Leave `universe_returns` (and `benchmark_returns` when configured) on `con`.

    `columns`: the input's columns when it was registered already (a file, table or frame is
    registered before the connection is locked; a .sql benchmark is registered here).

    Needs `prices` and `calendar` on `con`. Raises InputError for a benchmark that breaks a rule:
    missing columns, wrong types, duplicate dates, non-finite values, returns <= -1 or prices
    <= 0, or dates that do not cover the window.
    """
    con.execute(f"create or replace temp table universe_returns as {render('results/universe_returns')}")
    if cfg.data.benchmark is None:
        return
    columns = columns or register(con, "input_benchmark", cfg.data.benchmark, cfg)
    date, value, kind, utc = _plan(columns, cfg.data.columns.date)
    if not utc and columns[date] != "DATE":
        _refuse(
            con,
            "timestamps with a time of day; a benchmark has one row per date",
            f"""
            select {ident(date)} as date from input_benchmark where cast({ident(date)} as time) <> time '00:00:00'""",
        )
    if utc:
        _refuse(
            con,
            "time-zone-aware timestamps that are not UTC midnights",
            f"""
            select {ident(date)} as date from input_benchmark
            where cast(timezone('UTC', {ident(date)}) as time) <> time '00:00:00'""",
        )
    typed = render("sources/benchmark_input", date=date, value=value, utc=utc)
    con.execute(f"create or replace temp table benchmark_input as {typed}")
    _check_rows(con, kind, value)
    con.execute(f"create or replace temp table benchmark_returns as {render('sources/benchmark_returns', kind=kind)}")


def _plan(columns: dict[str, str], date_name: str) -> tuple[str, str, str, bool]:
    """(date column, value column, "return" | "price", dates are UTC timestamps) of the input."""
    date = next((c for c in (date_name, "date") if c in columns), None)
    if date is None:
        raise InputError(RELATION, f"missing required column {date_name!r}", hint=f"columns: {', '.join(columns)}")
    dtype = columns[date]
    utc = dtype.startswith("TIMESTAMP WITH TIME ZONE") or dtype == "TIMESTAMPTZ"
    if dtype not in _NAIVE and not utc:
        raise InputError(RELATION, f"column {date!r} must be a DATE or a timestamp, but it is {dtype}")
    for kind, names in (("return", ("return",)), ("price", ("price", "close"))):
        for name in names:
            if name in columns:
                if not _NUMERIC.match(columns[name]):
                    raise InputError(RELATION, f"column {name!r} must be numeric, but it is {columns[name]}")
                return date, name, kind, utc
    raise InputError(
        RELATION,
        "needs a `return` column (daily returns) or a `price` / `close` column (levels)",
        hint=f"columns: {', '.join(columns)}",
    )


def _check_rows(con: duckdb.DuckDBPyConnection, kind: str, value: str) -> None:
    if not con.sql("select count(*) from benchmark_input").fetchall()[0][0]:
        raise InputError(RELATION, "is empty")
    _refuse(con, "duplicate dates", "select * from benchmark_input qualify count(*) over (partition by date) > 1")
    _refuse(
        con, f"NULL or non-finite {value}", "select * from benchmark_input where value is null or not isfinite(value)"
    )
    if kind == "return":
        _refuse(con, "returns of -100% or less", "select * from benchmark_input where value <= -1")
    else:
        _refuse(con, "prices <= 0", "select * from benchmark_input where value <= 0")
    first, last, b_first, b_last = con.sql(
        "select (select min(date) from calendar), (select max(date) from calendar), min(date), max(date) "
        "from benchmark_input"
    ).fetchall()[0]
    if b_first > first or b_last < last:
        raise InputError(
            RELATION,
            f"covers {b_first} to {b_last}, but the window runs from {first} to {last}",
            hint="give a benchmark that starts on or before the first window date and ends on or after the last",
        )


def _refuse(con: duckdb.DuckDBPyConnection, rule: str, sql: str) -> None:
    count = con.sql(f"select count(*) from ({sql})").fetchall()[0][0]
    if count:
        rel = con.sql(f"select * from ({sql}) order by 1 limit {EXAMPLES}")
        rows: list[dict[str, Any]] = [dict(zip(rel.columns, r, strict=True)) for r in rel.fetchall()]
        raise InputError(RELATION, rule, rows=rows, count=count)
