"""The drift band of a decision (`drift_band`): orders whose asset already sits near its target are not sent.

docs/SEMANTICS.md, *Capacity and trading costs*. Called by step decide once dust is dropped and
before `min_trade_value` counts (an order both in band and small reports `in_band`).
"""

from __future__ import annotations

import numpy as np

from .context import Context
from .panel import F64
from .state import Decision


def in_band(ctx: Context, d: Decision, shares: F64) -> None:
    """Mark `in_band` (and skipped) the orders of `d` whose |current weight - target weight| <=
    drift_band, both signed at the decision close (current: shares x last close / NAV; target:
    the weight before rounding). Exits (target weight 0) always trade; a NAV <= 0 has no band.

    Requires: d (weight, price, nav), book shares, rules.drift_band per variant.
    Sets: d.in_band, d.skipped.
    """
    v = d.variant
    band = ctx.band[v]
    nav = d.nav[v]
    price = np.where(np.isnan(d.price), 0.0, d.price)
    current = shares[d.flat] * price / np.where(nav > 0, nav, 1.0)
    inside = (np.abs(current - d.weight) <= band) & (d.weight != 0) & (nav > 0)  # NaN band: False
    if inside.any():
        d.in_band = inside
        d.skipped = d.skipped | inside
