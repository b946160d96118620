"""Step *delist*: held assets gone for `delist_after` dates are sold at their last close, before any fill.

docs/SEMANTICS.md, *What happens on each window date*, step 1.
"""

from __future__ import annotations

import numpy as np

from .context import Context, per_variant
from .ledger import Day
from .rules import DELISTED
from .state import Book


def delist(ctx: Context, book: Book, day: Day) -> None:
    """Sell every variant's holding of the assets delisting on t at its last close, with no costs.

    Requires: panel.delist_ptr / delist_asset at t, panel.last_close[t], book.shares.
    Sets: book.cash (+ proceeds), book.shares (0), day.traded, day.fills (reason `delisted`, no
        decision).
    """
    t = day.t
    lo, hi = ctx.delist_ptr[t], ctx.delist_ptr[t + 1]
    if lo == hi:
        return
    shares = book.shares
    f = (ctx.variant_base + ctx.panel.delist_asset[lo:hi]).ravel()
    f = f[shares[f] != 0]
    if not f.size:
        return
    V = ctx.V
    v, a = np.divmod(f, ctx.N)
    q = shares[f]
    px = ctx.last_close[t][a]
    book.cash += per_variant(v, q * px, V)
    notional = np.abs(q) * px
    day.traded += per_variant(v, notional, V)
    zero = np.zeros(f.size)
    day.trade(DELISTED, -1, f, v, a, -q, px, notional, zero, zero, zero)
    shares[f] = 0.0
