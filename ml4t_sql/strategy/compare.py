"""Two versions of a relation compared on its rows dated <= d: as multisets, to the bit.

Relations live on different connections (a run each), so what crosses between them is small:

1. `digests`: per date, the number of rows and the sum of their row hashes (order-independent, as
   the runs' lineage table; DuckDB's 64-bit hash of every value, plus the sign bit of each float
   column, since DuckDB hashes -0.0 like 0.0). Dates whose count and digest agree are taken as
   equal (two different multisets of rows agree by chance with probability about 2^-64).
2. `diff`: the rows of the dates whose digests differ, brought over and compared exactly with
   EXCEPT ALL (every value equal, floats by value and sign; NaN equals NaN): how many rows each
   side has that the other lacks, and the first few of each.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from typing import Any

import duckdb
import pyarrow as pa

from ..data.relations import qualified
from ..templates import ident

_CUT = qualified("lookahead_cut")
_DIGESTS = qualified("lookahead_cut_digests")


@dataclasses.dataclass(frozen=True)
class Diff:
    """Rows dated <= the cut that one side has and the other lacks: counts and the first few."""

    gone: int
    new: int
    gone_examples: tuple[dict[str, Any], ...]
    new_examples: tuple[dict[str, Any], ...]


def digests(con: duckdb.DuckDBPyConnection, relation: str, through: dt.date | None) -> pa.Table:
    """`(date, n, digest)` of `relation`'s rows dated <= `through` (all dated rows when None)."""
    rel = con.sql(f"select * from {relation} limit 0")
    signs = [f"signbit({ident(c)})" for c, t in zip(rel.columns, rel.types, strict=True) if str(t) in _FLOATS]
    row = "hash(r" + "".join(f", {s}" for s in signs) + ")"
    sql = f"""
        select cast(r.date as date) as date, count(*) as n, cast(sum({row}) as varchar) as digest
        from {relation} as r
        where cast(r.date as date) <= coalesce($d, cast('infinity' as date))
        group by 1
    """
    return con.sql(sql, params={"d": through}).to_arrow_table()


def changed_dates(base: duckdb.DuckDBPyConnection, full: str, cut: pa.Table, through: dt.date) -> list[dt.date]:
    """The dates <= `through` whose digests in `full` (a table of `digests` on `base`) and `cut` differ."""
    base.execute(f"drop table if exists {_DIGESTS}")
    base.from_arrow(cut).create("ml4t.lookahead_cut_digests")  # from Arrow: no temp name to shadow
    sql = f"""
        select date
        from (select * from {full} where date <= $d) as f
        full outer join {_DIGESTS} as c using (date)
        where f.n is distinct from c.n or f.digest is distinct from c.digest
        order by date
    """
    return [r[0] for r in base.sql(sql, params={"d": through}).fetchall()]


def diff(base: duckdb.DuckDBPyConnection, full: str, cut: pa.Table, dates: list[dt.date], examples: int) -> Diff:
    """The rows of `full` (on `base`) and of `cut` on `dates`, compared exactly."""
    base.execute(f"drop table if exists {_CUT}")
    base.from_arrow(cut).create("ml4t.lookahead_cut")
    rel = base.sql(f"select * from {full} limit 0")
    columns = list(rel.columns)
    if list(cut.column_names) != columns:
        after, before = ", ".join(cut.column_names), ", ".join(columns)
        raise duckdb.InvalidInputException(f"columns {after} after the cut, {before} before")
    shown = ", ".join(ident(c) for c in columns)
    floats = [c for c, t in zip(columns, rel.types, strict=True) if str(t) in _FLOATS]
    signs = "".join(f", signbit({ident(c)}) as {ident('sign ' + c)}" for c in floats)
    both = f"""
        with f as (select {shown}{signs} from {full} where cast(date as date) in (select unnest($dates))),
            c as (select {shown}{signs} from {_CUT} where cast(date as date) in (select unnest($dates))),
            gone as (from f except all from c),
            new as (from c except all from f)
    """
    params = {"dates": dates}
    counts = base.sql(f"{both} select (select count(*) from gone), (select count(*) from new)", params=params)
    gone, new = (int(v) for v in counts.fetchall()[0])

    def first(side: str) -> tuple[dict[str, Any], ...]:
        rows = base.sql(f"{both} select {shown} from {side} order by all limit {int(examples)}", params=params)
        return tuple(dict(zip(columns, r, strict=True)) for r in rows.fetchall())

    return Diff(gone, new, first("gone"), first("new"))


_FLOATS = ("DOUBLE", "FLOAT")
