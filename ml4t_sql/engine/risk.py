"""The `[risk]` rules' per-fold inputs (`Risk`), as the steps stops, trail, drawdown and reentry read them.

Built once per fold by `Risk.build` (None when no variant has a `[risk]` rule, so the default
path runs none of those steps' work). Levels are per variant, NaN where a variant has the rule
off; the steps compare with NaN, which is never true, so an off rule never fires. The stops'
levels are factors on a price per side and variant ([2V]: side x V + variant, side 0 short,
1 long), so step stops prices each held position's levels with one look-up each.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .panel import F64, I64, B, Panel
from .rules import Rules


@dataclass(frozen=True, slots=True, kw_only=True)
class Risk:
    """Per-variant levels ([V], the stops' [2V]) and the bars' high and low ([T, N]) of one fold."""

    stops: bool  # some variant has a stop_loss, take_profit or trailing_stop
    drawdown: bool  # some variant has a max_drawdown
    stop_factor: F64  # [2V] the stop_loss level over the entry price: short (1 + x), then long (1 - x)
    trailing_factor: F64  # [2V] the trailing stop over the best close: 1 + x, then 1 - x
    take_factor: F64  # [2V] the take-profit over the entry price: 1 - x, then 1 + x
    reentry_after: I64
    any_reentry: bool
    max_drawdown: F64
    halt_dates: I64
    high: F64
    low: F64
    checkable: B  # [T, N] the bar has an open, a high and a low (step stops checks it; [T, 0] without stops)

    @classmethod
    def build(cls, panel: Panel, rules: Rules) -> Risk | None:
        stops, drawdown = rules.any_stops, rules.any_drawdown
        if not stops and not drawdown:
            return None
        V, T = rules.n_variants, panel.n_dates
        if stops and (panel.high is None or panel.low is None):
            raise ValueError("rules with stops need the panel's high and low")
        off = np.full(V, np.nan)
        reentry = rules.reentry_after if rules.reentry_after is not None else np.zeros(V, dtype=np.int64)
        empty = np.empty((T, 0))
        stop_loss, take_profit = _or(rules.stop_loss, off), _or(rules.take_profit, off)
        trailing_stop = _or(rules.trailing_stop, off)
        return cls(
            stops=stops,
            drawdown=drawdown,
            stop_factor=np.concatenate([1.0 + stop_loss, 1.0 - stop_loss]),
            trailing_factor=np.concatenate([1.0 + trailing_stop, 1.0 - trailing_stop]),
            take_factor=np.concatenate([1.0 - take_profit, 1.0 + take_profit]),
            reentry_after=reentry,
            any_reentry=stops and bool((reentry > 0).any()),
            max_drawdown=_or(rules.max_drawdown, off),
            halt_dates=rules.halt_dates if rules.halt_dates is not None else np.full(V, 21, dtype=np.int64),
            high=panel.high if panel.high is not None else empty,
            low=panel.low if panel.low is not None else empty,
            checkable=~np.isnan(panel.open + panel.high + panel.low)
            if stops and panel.high is not None and panel.low is not None
            else np.empty((T, 0), dtype=bool),
        )


def _or(x: F64 | None, default: F64) -> F64:
    return x if x is not None else default
