"""The run table `benchmark`: the primary benchmark and the equal-weight universe as series with NAVs.

`ml4t_sql.data.benchmark` leaves `universe_returns` (and `benchmark_returns` for a configured
`[data] benchmark`) on the run's connection; sql/results/benchmark.sql turns them into the table.
The primary series (`is_primary`), against which alpha, beta, tracking error and the information
ratio are measured, is the user's benchmark when there is one, else the universe.
"""

from __future__ import annotations

from collections.abc import Sequence

import duckdb
import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from ..config import Config
from ..schema import conform, with_variant
from ..templates import render


def benchmark_table(con: duckdb.DuckDBPyConnection, cfg: Config, run_id: str) -> pa.Table:
    """The run table `benchmark` (schema.TABLES), from what `load_benchmarks` left on `con`."""
    has_benchmark = cfg.data.benchmark is not None
    sql = render("results/benchmark", has_benchmark=has_benchmark)
    params = {"initial_cash": cfg.execution.initial_cash, "primary": "benchmark" if has_benchmark else "universe"}
    rows = con.sql(f"{sql} order by series, date", params=params).to_arrow_table()
    rows = rows.add_column(0, "run_id", pa.repeat(pa.scalar(run_id, pa.string()), rows.num_rows))
    return conform("benchmark", rows)


def variant_benchmarks(con: duckdb.DuckDBPyConnection, cfgs: Sequence[Config], run_id: str) -> pa.Table:
    """A sweep's `benchmark` table: `benchmark_table` of each variant, with `variant` after `run_id`."""
    parts = []
    for variant, cfg in enumerate(cfgs):
        table = benchmark_table(con, cfg, run_id)
        parts.append(table.add_column(1, "variant", pa.array([variant] * table.num_rows, pa.int64())))
    return with_variant("benchmark", pa.concat_tables(parts))


def primary_returns(benchmark: pa.Table) -> np.ndarray:
    """The primary series' returns by date (of the first variant, in a sweep's table)."""
    mask = pc.field("is_primary")
    if "variant" in benchmark.column_names:
        mask = mask & (pc.field("variant") == 0)
    return benchmark.filter(mask).sort_by("date")["return"].to_numpy()
