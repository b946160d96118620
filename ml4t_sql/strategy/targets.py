"""Targets from SQL for one or more variants: the built-in pipeline or the user's own query.

A run has one variant (variant 0); a sweep has many, which differ in strategy and execution keys.

Produces on the connection: `rebalance(variant, date)` and `final_targets(variant, date, asset,
weight)`, both restricted to the window (`calendar`).
"""

from __future__ import annotations

from collections.abc import Sequence

import duckdb

from ..config import Config, Strategy
from ..templates import render
from .builtin import built_in_targets
from .custom import custom_targets


def build_targets(con: duckdb.DuckDBPyConnection, cfg: Config, strategies: Sequence[Strategy] | None = None) -> None:
    """Targets of each strategy variant (default: the run's one strategy) into `final_targets`."""
    variants = list(strategies) if strategies is not None else [cfg.strategy]
    con.execute(f"create or replace temp table schedule_dates as {render('strategy/schedule_dates')}")
    if variants[0].sql is None:
        built_in_targets(con, cfg, variants)
    else:
        custom_targets(con, cfg, variants)


