"""Literal rows in, rows out: run one SQL file of sql/ against tables given as Python rows.

Engine SQL reads the run's relations from the schema `ml4t` (ml4t_sql.data.relations), so each
literal table is created as `ml4t.<name>`; it is also a temp view `<name>`, for the steps that read
an earlier step of a composed query by its CTE name (`universe`, `ranks`, ...). That engine SQL never
reads an unqualified run relation is checked apart (tests/test_relations.py).
"""

from __future__ import annotations

from typing import Any

import duckdb
import polars as pl
import pytest

from ml4t_sql.templates import module, params_for, render

Tables = dict[str, list[dict[str, Any]] | pl.DataFrame | str]
"""name -> rows as dicts, a Polars frame, or a DuckDB query (for values Python cannot hold: 'infinity'::date)."""


def load_tables(con: duckdb.DuckDBPyConnection, tables: Tables) -> None:
    """Each literal table as `ml4t.<name>` and the temp view `<name>` over it."""
    con.execute("create schema if not exists ml4t")
    for name, rows in tables.items():
        if isinstance(rows, str):
            con.execute(f'create table ml4t."{name}" as {rows}')
        else:
            frame = rows if isinstance(rows, pl.DataFrame) else pl.DataFrame(rows)
            con.from_arrow(frame.to_arrow()).create(f'ml4t."{name}"')
        con.execute(f'create temp view "{name}" as select * from ml4t."{name}"')


def returns(*, actions: bool = False) -> str:
    """The table `returns` as the loaded `prices` (and `action_factors`) give it: a `tables` entry
    after them, for the SQL that reads ml4t.returns (sql/sources/returns.sql)."""
    return render("sources/returns", actions=actions)


def impact_sigma(tables: Tables, windows: tuple[int, ...], start: int, stop: int, *, actions: bool = False) -> Any:
    """[K, stop - start, N] impact's sigma of the fills on window dates start..stop-1 over the
    literal `tables` (prices, calendar, assets; with `actions`, action_factors too), as the fold
    reads it (every entry); stop may be the date after the last (its fills read the last bars).
    Prices without an open get their close as the open."""
    from ml4t_sql.data.capacity import impact_sigma as load_sigma
    from ml4t_sql.data.panel import iter_panels

    prices = tables["prices"]
    if isinstance(prices, pl.DataFrame) and "open" not in prices.columns:
        prices = prices.with_columns(open=pl.col("close"))
    elif isinstance(prices, list):
        prices = [{"open": r.get("close"), **r} for r in prices]
    con = duckdb.connect()
    try:
        load_tables(con, {**tables, "prices": prices})
        n_assets = con.sql("select count(*) from ml4t.assets").fetchall()[0][0]
        n_dates = con.sql("select count(*) from ml4t.calendar").fetchall()[0][0]
        ((_, _, panel),) = iter_panels(con, 0, n_dates, n_assets, n_dates, volume=True)
        sigma = load_sigma(con, windows, start, stop, panel.chunk(start, min(stop, n_dates)), actions=actions)
    finally:
        con.close()
    return every_sigma(sigma)


def every_sigma(sigma: Any) -> Any:
    """[K, T, N] every entry of a sigma the fold reads as sigma[k, t, a] (engine/sigma.py)."""
    import numpy as np

    K, T, N = sigma.known.shape
    a = np.arange(N)
    return np.array([[sigma[np.full(N, k), t, a] for t in range(T)] for k in range(K)]).reshape(K, T, N)


def spells() -> dict[str, str]:
    """The report relations window_dates and position_spells as the loaded `equity` and
    `positions` give them: `tables` entries after those, for the reports that read them."""
    return {name: render(f"reports/{name}") for name in ("window_dates", "position_spells")}


def run_sql(
    file: str,
    tables: Tables,
    params: dict[str, Any] | None = None,
    **structure: Any,
) -> list[dict[str, Any]]:
    """Render sql/<file>.sql, give it `tables` as inputs, return its rows sorted by all columns."""
    con = duckdb.connect()
    try:
        load_tables(con, tables)
        sql = render(file, **structure)
        rel = con.sql(sql, params=params_for(sql, params or {}))
        names = rel.columns
        out = [dict(zip(names, row, strict=True)) for row in rel.fetchall()]
    finally:
        con.close()
    return sorted(out, key=lambda r: tuple((v is None, str(v)) for v in r.values()))


@pytest.fixture
def sql() -> Any:
    return run_sql


def run_check(
    rule: str, relation: str, tables: Tables, params: dict[str, Any] | None = None, **structure: Any
) -> list[dict[str, Any]]:
    """The offending rows of sql/checks/<rule>.sql on `ml4t.<relation>`, sorted; for a row rule, also
    checks that its `where()` macro (what the runner counts in its one aggregate) counts as many."""
    rows = run_sql(f"checks/{rule}", tables, params, relation=relation, **structure)
    m = module(f"checks/{rule}", relation=relation, **structure)
    if hasattr(m, "where"):
        con = duckdb.connect()
        try:
            load_tables(con, tables)
            query = f'select count(*) filter (where ({m.where()})) from ml4t."{relation}"'
            (count,) = con.sql(query, params=params_for(query, params or {})).fetchall()[0]
        finally:
            con.close()
        assert count == len(rows), f"{rule}: where() counts {count}, the query returns {len(rows)}"
    return rows


@pytest.fixture
def check() -> Any:
    return run_check
