"""Targets from SQL for one or more variants: the built-in pipeline or the user's own query.

A run has one variant (variant 0); a sweep has many, which differ in strategy and execution keys.

Reads `ml4t.schedule_dates` (made once per run by ml4t_sql.data.sources) and the sources. Produces
on the connection: `ml4t.rebalance(variant, date)` and `ml4t.final_targets(variant, date, asset,
weight)`, both restricted to the window (`ml4t.calendar`).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

import duckdb

from ..config import Config, Strategy
from ..data.quality import QualityReport
from .builtin import built_in_targets
from .custom import custom_targets


def build_targets(
    con: duckdb.DuckDBPyConnection,
    cfg: Config,
    strategies: Sequence[Strategy] | None = None,
    report: QualityReport | None = None,
) -> dt.date | None:
    """Targets of each strategy variant (default: the run's one strategy) into `ml4t.final_targets`.

    `report` receives a custom strategy's findings and the built-in's missing groups (default: a
    strict report of its own). Returns a custom strategy's first row date (ml4t_sql.data.window),
    None for the built-in."""
    variants = list(strategies) if strategies is not None else [cfg.strategy]
    if variants[0].sql is None:
        built_in_targets(con, cfg, variants, report)
        return None
    return custom_targets(con, cfg, variants, report)
