"""Built-in constructions that must pass the look-ahead check exactly (tests/test_lookahead.py).

One place for them: each case is a `[strategy]` table, optionally with `[data.quality]` policies
and extra `[data]` inputs (`data`: key -> a function of the panel giving the input, e.g. a
membership table or sector attributes), run on the panel of `lookahead_panel`. Constructions
added later (long-short, quantiles, hold_rank, groups, inverse_vol, caps, rebalance_every, ...)
add their cases here; every case must come out with no relation changed at any cut, every
relation compared at every cut, and no cut left uncompared.
"""

from __future__ import annotations

import dataclasses
import random
from collections.abc import Callable
from typing import Any

import polars as pl

from .factories import make_prices


@dataclasses.dataclass(frozen=True)
class Case:
    id: str
    strategy: dict[str, Any]
    quality: dict[str, Any] = dataclasses.field(default_factory=dict)
    data: dict[str, Callable[[pl.DataFrame], Any]] = dataclasses.field(default_factory=dict)

    def inputs(self, panel: pl.DataFrame) -> dict[str, Any]:
        """The `[data]` entries of the case besides prices: its quality policies and extra inputs."""
        return {"quality": self.quality, **{key: make(panel) for key, make in self.data.items()}}


BUILT_IN: list[Case] = [
    Case("equal_daily", {"top_n": 3, "weighting": "equal", "rebalance": "daily"}),
    Case("equal_weekly", {"top_n": 3, "rebalance": "weekly"}),
    Case("equal_monthly", {"top_n": 3, "rebalance": "monthly"}),
    Case("equal_month_end", {"top_n": 3, "rebalance": "month_end"}),
    Case("equal_quarterly", {"top_n": 2, "rebalance": "quarterly"}),
    Case("signal_daily", {"top_n": 4, "weighting": "signal"}),
    Case("signal_weekly_min_signal", {"top_n": 4, "weighting": "signal", "rebalance": "weekly", "min_signal": 0.2}),
    Case("min_signal_daily", {"top_n": 3, "min_signal": 0.5}, {"no_signal_date": "cash"}),
    Case("top_n_above_universe", {"top_n": 50, "weighting": "signal", "rebalance": "month_end"}),
]


def lookahead_panel(n_assets: int = 9, n_days: int = 130, seed: int = 5) -> pl.DataFrame:
    """A ragged daily panel (assets list late, stop early, gaps) with a `score` signal column:
    rounded to one decimal (ties) and NULL on about 8% of rows."""
    prices = make_prices(n_assets, n_days, seed, gap_prob=0.02, delist_prob=0.2)
    rng = random.Random(seed)
    scores = [None if rng.random() < 0.08 else round(rng.uniform(-1.0, 1.0), 1) for _ in range(prices.height)]
    return prices.with_columns(pl.Series("score", scores, dtype=pl.Float64))
