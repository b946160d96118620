"""The sizing rules a decision shares with its re-sizing at the open (`sizing = "fill_price"`).

Whole-share rounding (`rounding`: target, order, order_snap) and the screen that drops dust and
marks orders below `min_trade_value` skipped. Plain functions of arrays, used by the decide and
resize steps (docs/SEMANTICS.md, *Decision*, *Sizing*, *Compatibility options*).
"""

from __future__ import annotations

import numpy as np

from .context import Context
from .panel import F64, I64, B
from .rules import DUST, ROUND_ORDER_SNAP, ROUND_TARGET, SNAP
from .state import Decision


def whole_shares(ctx: Context, target: F64, held: F64, v: I64) -> F64:
    """Target shares rounded for whole-share variants: the target toward zero (to a multiple of
    `lot_size`), or (`rounding = "order"`) the order toward zero (to a multiple of the lot), the
    target being what the holding becomes (`order_snap`: an order within SNAP of a whole number is
    rounded to it first). Fractional variants: `target`."""
    if not ctx.any_whole:
        return target
    rules = ctx.rules
    whole = ~rules.fractional[v]
    if not whole.any():
        return target
    lot = ctx.lot[v] if ctx.any_lot else None  # `lot_size`: toward zero to a multiple of it
    rounded = np.trunc(target) if lot is None else np.trunc(target / lot) * lot
    if rules.rounding is not None:
        code = np.where(whole, rules.rounding[v], ROUND_TARGET)
        if (code != ROUND_TARGET).any():
            order = target - held
            nearest = np.round(order)
            snap = (code == ROUND_ORDER_SNAP) & (np.abs(order - nearest) <= SNAP)
            order = np.trunc(np.where(snap, nearest, order))
            if lot is not None:
                order = np.trunc(order / lot) * lot
            rounded = np.where(code != ROUND_TARGET, held + order, rounded)
    return np.where(whole, rounded, target)


def screen(d: Decision, notional: F64, min_trade_value: F64, spare: B | None = None, signed: bool = False) -> None:
    """Drop dust (notional <= DUST * NAV at the decision) and mark orders below `min_trade_value` skipped.

    Requires: d.nav, d.variant; `notional` [entries of d] at the decision close.
    Sets: d.skipped; drops the dust entries from d. Entries in `spare` are left as they are
    (fill_price orders, screened after re-sizing). `signed` (a variant levers or shorts): a NAV
    below 0 counts as 0, so a zero order of a bust book is dust too.
    """
    nav = d.nav[d.variant] if not signed else np.maximum(d.nav, 0.0)[d.variant]
    if spare is None:
        keep = notional > DUST * nav
        d.skipped = d.skipped | (notional < min_trade_value[d.variant])
    else:
        keep = spare | (notional > DUST * nav)
        d.skipped = d.skipped | (~spare & (notional < min_trade_value[d.variant]))
    if not keep.all():
        d.keep(keep)
