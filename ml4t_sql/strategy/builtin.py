"""The built-in strategy: the files of `sql/strategy/` composed into one query for every variant.

Each file is one CTE named after the relation it produces, in this order:

    universe -> cutoffs -> ranks -> selection -> targets

and, when a variant has `stale = "hold"`, `ml4t.stale` (sql/strategy/stale.sql) after them.

over two small tables: `ml4t.variants(variant, signal_id, top_n, weighting, schedule,
min_signal)` (made here from the configuration, as Arrow: values never enter SQL text) and
`ml4t.schedule_dates(schedule, date)` (made once per run by the sources). Every variant is
decided in the same statement, so ranking a signal happens once however many variants use it.
"""

from __future__ import annotations

import duckdb
import pyarrow as pa

from ..choices import Schedule, Stale
from ..config import Config, Strategy
from ..data.relations import create
from ..templates import params_for, render

STEPS = ("universe", "cutoffs", "ranks", "selection", "targets")


def compose(steps: tuple[str, ...], **structure: object) -> str:
    """One query with each step's SQL file as a CTE; the last step is the result."""
    ctes = ",\n".join(f"{name} as (\n{render(f'strategy/{name}', **structure).strip()}\n)" for name in steps)
    return f"with {ctes}\nselect * from {steps[-1]}"


def built_in_targets(con: duckdb.DuckDBPyConnection, cfg: Config, variants: list[Strategy]) -> None:
    """`ml4t.variants`, then `ml4t.final_targets` and `ml4t.rebalance` of every variant."""
    signals = list(dict.fromkeys(s.signal for s in variants))
    table = pa.table(
        {
            "variant": pa.array(range(len(variants)), pa.int64()),
            "signal_id": pa.array([signals.index(s.signal) for s in variants], pa.int64()),
            "top_n": pa.array([s.top_n for s in variants], pa.int64()),
            "weighting": pa.array([s.weighting for s in variants], pa.string()),
            "schedule": pa.array([s.schedule or Schedule.DAILY for s in variants], pa.string()),
            "min_signal": pa.array([s.min_signal for s in variants], pa.float64()),
            "stale": pa.array([str(s.stale) for s in variants], pa.string()),
        }
    )
    con.execute("drop table if exists ml4t.variants")
    con.from_arrow(table).create("ml4t.variants")  # from Arrow: no temp name that a user's could shadow
    sql = compose(STEPS, signals=signals, signals_in_prices=cfg.data.signals is None)
    create(con, "final_targets", sql, params_for(sql, {"top_n": max(s.top_n for s in variants)}))
    create(con, "rebalance", render("strategy/rebalance"))
    if any(s.stale == Stale.HOLD for s in variants):
        create(con, "stale", render("strategy/stale", signals=signals, signals_in_prices=cfg.data.signals is None))
