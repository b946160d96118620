"""The `[risk]` section as the fold's per-variant arrays, and the check that stops have high and low."""

from __future__ import annotations

from collections.abc import Sequence

import duckdb
import numpy as np

from ..config import Risk
from ..errors import InputError


def risk_rules(risks: Sequence[Risk]) -> dict[str, np.ndarray]:
    """The `[risk]` fields of `Rules` (levels NaN where unset); none when no variant has a rule."""
    if all(r == Risk() for r in risks):
        return {}

    def level(name: str) -> np.ndarray:
        return np.array([np.nan if getattr(r, name) is None else getattr(r, name) for r in risks], dtype=np.float64)

    return dict(
        stop_loss=level("stop_loss"), take_profit=level("take_profit"), trailing_stop=level("trailing_stop"),
        max_drawdown=level("max_drawdown"), reentry_after=np.array([r.reentry_after for r in risks], dtype=np.int64),
        halt_dates=np.array([r.halt_dates for r in risks], dtype=np.int64),
    )  # fmt: skip


def check_high_low(con: duckdb.DuckDBPyConnection) -> None:
    """`[risk]` stops read the bars' high and low: refused when the prices have none."""
    (highs, lows), = con.sql("select count(high), count(low) from ml4t.prices").fetchall()
    if not highs or not lows:
        raise InputError(
            "prices",
            "[risk] stop_loss, take_profit and trailing_stop need the bars' high and low, and the input has "
            f"{'no high' if not highs else 'no low'} values",
            hint="add high and low columns (map them in [data.columns]), or remove the stop keys from [risk]",
        )
