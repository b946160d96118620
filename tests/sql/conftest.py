"""Literal rows in, rows out: run one SQL file of sql/ against tables given as Python rows."""

from __future__ import annotations

from typing import Any

import duckdb
import polars as pl
import pytest

from ml4t_sql.templates import params_for, render


def run_sql(
    relation: str,
    tables: dict[str, list[dict[str, Any]] | pl.DataFrame],
    params: dict[str, Any] | None = None,
    **structure: Any,
) -> list[dict[str, Any]]:
    """Render sql/<relation>.sql, give it `tables` as inputs, return its rows sorted by all columns."""
    con = duckdb.connect()
    try:
        for name, rows in tables.items():
            frame = rows if isinstance(rows, pl.DataFrame) else pl.DataFrame(rows)
            con.register(f"_{name}", frame.to_arrow())
            con.execute(f'create table "{name}" as select * from "_{name}"')
        sql = render(relation, **structure)
        rel = con.sql(sql, params=params_for(sql, params or {}))
        names = rel.columns
        out = [dict(zip(names, row, strict=True)) for row in rel.fetchall()]
    finally:
        con.close()
    return sorted(out, key=lambda r: tuple((v is None, str(v)) for v in r.values()))


@pytest.fixture
def sql() -> Any:
    return run_sql
