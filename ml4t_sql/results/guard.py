"""The last check before a run's tables are published or returned: every number is a number.

A NaN, an infinity or a NULL in a floating-point column of an output table (the contracts of
ml4t_sql.schema say each is a number) stops the run with the table, the column and the first
offending rows, before anything is written. The one exception is the `metrics` table: a metric
listed in `NAN_METRICS` (docs/METRICS.md says when each is NaN, e.g. Sortino without a day below
the risk-free rate) may be NaN; no metric may be infinite.

Reads only the tables it is given; changes nothing.
"""

from __future__ import annotations

from collections.abc import Mapping

import pyarrow as pa
import pyarrow.compute as pc

from ..errors import InputError
from .metrics import NAN_METRICS

EXAMPLES = 5


def check_numbers(tables: Mapping[str, pa.Table]) -> None:
    """Raise InputError naming the first table and column that holds a non-finite number."""
    for name, table in tables.items():
        for field in table.schema:
            if not pa.types.is_floating(field.type):
                continue
            bad = _not_finite(table, name, field.name)
            count = pc.sum(bad).as_py() or 0
            if count:
                _refuse(table, name, field.name, bad, count)


def _not_finite(table: pa.Table, name: str, column: str) -> pa.ChunkedArray:
    values = table.column(column)
    bad = pc.fill_null(pc.invert(pc.is_finite(values)), True)  # NULL is not a number either
    if name == "metrics" and column == "value":
        documented = pc.and_(pc.is_nan(values), pc.is_in(table.column("metric"), pa.array(sorted(NAN_METRICS))))
        bad = pc.and_(bad, pc.invert(pc.fill_null(documented, False)))
    return bad


def _refuse(table: pa.Table, name: str, column: str, bad: pa.ChunkedArray, count: int) -> None:
    keys = [f.name for f in table.schema if not pa.types.is_floating(f.type) and f.name not in ("run_id", "config")]
    rows = table.filter(bad).slice(0, EXAMPLES).select([*keys[:4], column]).to_pylist()
    raise InputError(
        f"output table {name}",
        f"column `{column}` holds NaN, infinite or NULL values",
        rows=rows,
        count=count,
        hint=(
            "its contract (ml4t_sql.schema) says a number, so nothing was written. The inputs or the "
            "configuration produced numbers a double cannot hold (an overflow, or 0 / 0): check the "
            "magnitudes of prices, signals and [execution] values"
        ),
    )
