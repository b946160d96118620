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
    Case("rebalance_every_5", {"top_n": 3, "rebalance_every": 5}),
    Case("stale_hold_weekly", {"top_n": 3, "rebalance": "weekly", "stale": "hold"}),
    Case("filters", {"top_n": 3, "min_price": 20.0, "min_adv": 1e6, "adv_window": 5, "min_history": 10}),
    Case("inverse_vol", {"top_n": 4, "weighting": "inverse_vol", "vol_window": 10, "rebalance": "weekly"}),
    Case("membership_spans", {"top_n": 3}, data={"universe": lambda panel: spans(panel)}),
    Case("sector_groups", {"top_n": 3, "group": "sector"}, data={"assets": lambda panel: sectors(panel)}),
    Case("quantiles", {"quantiles": 3, "rebalance": "weekly"}),
    Case("hold_rank", {"top_n": 2, "hold_rank": 4, "weighting": "rank"}),
    Case("group_neutral_capped", {"top_n": 1, "group": "sector", "group_neutral": True, "max_weight": 0.3,
                                  "max_group_weight": 0.5}, data={"assets": lambda panel: sectors(panel)}),  # fmt: skip
    Case("inverse_vol_capped_half_exposure", {"top_n": 4, "weighting": "inverse_vol", "vol_window": 5,
                                              "max_weight": 0.2, "long_exposure": 0.5}),  # fmt: skip
]


def spans(panel: pl.DataFrame) -> pl.DataFrame:
    """Membership spans: each asset from its 10th date on, every third asset leaving at date 80."""
    dates = sorted(panel["date"].unique())
    assets = sorted(panel["asset"].unique())
    rows = [(a, dates[10], dates[80] if i % 3 == 0 else None) for i, a in enumerate(assets)]
    return pl.DataFrame(rows, schema={"asset": pl.String, "start_date": pl.Date, "end_date": pl.Date}, orient="row")


def sectors(panel: pl.DataFrame) -> pl.DataFrame:
    """Static sectors, one asset without any (not eligible)."""
    assets = sorted(panel["asset"].unique())
    return pl.DataFrame({"asset": assets[1:], "sector": [f"s{i % 3}" for i in range(len(assets) - 1)]})


def lookahead_panel(n_assets: int = 9, n_days: int = 130, seed: int = 5) -> pl.DataFrame:
    """A ragged daily panel (assets list late, stop early, gaps) with a `score` signal column:
    rounded to one decimal (ties) and NULL on about 8% of rows."""
    prices = make_prices(n_assets, n_days, seed, gap_prob=0.02, delist_prob=0.2)
    rng = random.Random(seed)
    scores = [None if rng.random() < 0.08 else round(rng.uniform(-1.0, 1.0), 1) for _ in range(prices.height)]
    return prices.with_columns(pl.Series("score", scores, dtype=pl.Float64))
