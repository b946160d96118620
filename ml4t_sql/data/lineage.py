"""Lineage: which rows of which inputs a run read, as a digest per input and per date.

Every input of a run (the prices as read, the signals when they are a separate input, each
`[data.tables]` relation, the benchmark, `[data] universe`, `assets`, `rates`, `borrow_fees` and `actions`)
gets one row per date in the `lineage` table (sql/sources/lineage.sql): the number of rows and an
order-independent digest of them. Two runs read the same data on a date exactly when their
digests for it agree, so a later continuation can tell which dates changed. The runs table's
`input_fingerprint` is a digest of all of it.
"""

from __future__ import annotations

import hashlib

import duckdb
import pyarrow as pa

from ..config import Config
from ..schema import TABLES, conform
from ..templates import ident, render
from .relations import qualified

PRICES, SIGNALS, BENCHMARK = "prices", "signals", "benchmark"


def inputs(cfg: Config) -> list[tuple[str, str, bool]]:
    """(input name, relation on the run's connection, whether it is the engine's: `ml4t.<relation>`)
    for every input of `cfg`; a `[data.tables]` relation is the user's, under its own name."""
    out = [(PRICES, "typed_prices", True)]
    if cfg.data.signals is not None:
        out.append((SIGNALS, "signals", True))
    out += [(f"tables.{name}", name, False) for name in cfg.data.tables]
    if cfg.data.benchmark is not None:
        out.append((BENCHMARK, "benchmark_input", True))
    if cfg.data.universe is not None:
        out.append(("universe", "members", True))
    if cfg.data.assets is not None:
        out.append(("assets", "attributes", True))
    if cfg.data.rates is not None:
        out.append(("rates", "rates", True))
    if cfg.data.borrow_fees is not None:
        out.append(("borrow_fees", "borrow_fees", True))
    if cfg.data.actions is not None:
        out.append(("actions", "actions", True))
    return out


def lineage_table(con: duckdb.DuckDBPyConnection, cfg: Config, run_id: str) -> pa.Table:
    """The run's `lineage` rows (schema.LINEAGE), ordered by input and date."""
    parts = []
    for name, relation, engine in inputs(cfg):
        source = qualified(relation) if engine else ident(relation)
        columns = {str(r[0]).lower(): str(r[1]) for r in con.sql(f"describe {source}").fetchall()}
        has_date = columns.get("date") in ("DATE", "TIMESTAMP", "TIMESTAMP_S", "TIMESTAMP_MS", "TIMESTAMP_NS")
        sql = render("sources/lineage", relation=relation, has_date=has_date, engine=engine)
        parts.append(con.sql(f"{sql} order by date", params={"input": name}).to_arrow_table())
    rows = pa.concat_tables(parts)
    rows = rows.add_column(0, "run_id", pa.repeat(pa.scalar(run_id, pa.string()), rows.num_rows))
    return conform("lineage", rows.cast(TABLES["lineage"].schema))


def fingerprint(lineage: pa.Table) -> str:
    """One digest of every input's rows: sha256 over the lineage rows, in their order."""
    h = hashlib.sha256()
    for row in zip(*(lineage.column(c).to_pylist() for c in ("input", "date", "n_rows", "digest")), strict=True):
        h.update(repr(row).encode())
    return h.hexdigest()[:32]
