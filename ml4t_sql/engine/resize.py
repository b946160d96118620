"""Step *resize*: `sizing = "fill_price"` re-sizes the pending decision at this open, before its fills.

docs/SEMANTICS.md, *Sizing*.
"""

from __future__ import annotations

import numpy as np

from .context import Context
from .ledger import Day
from .sizing import screen, whole_shares
from .state import Book


def resize(ctx: Context, book: Book, day: Day) -> None:
    """Targets of `fill_price` variants sized with the NAV and prices of this open.

    After the delisting credits of t: nav_open = cash + shares valued at this open (at the
    decision close where an asset cannot trade now); target = weight * nav_open / open (the
    decision close for an asset that cannot trade: sized for the report, then cancelled), whole
    shares rounded. Dust and `min_trade_value` use the decision close and NAV. Other variants'
    orders are left as decided.

    Requires: book.pending (with close_row), book.cash, book.shares, panel.open[t], rules.
    Sets: book.pending's target, order, skipped, nav_open (and drops its dust entries).
    """
    d = book.pending
    if d is None or not ctx.any_fill_price:
        return
    use = ctx.fill_price[d.variant]
    if d.in_band is not None:  # `drift_band` decided at the close: an order in band is not re-sized
        use = use & ~d.in_band
    if not use.any():
        return
    assert d.close_row is not None, "a fill_price decision keeps its closes until the open"
    cash, shares, opens = book.cash, book.shares, ctx.open[day.t]
    held = shares.nonzero()[0]
    hv, ha = np.divmod(held, ctx.N)
    p = opens[ha]
    p = np.where(np.isnan(p), d.close_row[ha], p)
    nav_open = cash + np.bincount(hv, weights=shares[held] * p, minlength=cash.size)
    opens_d = opens[d.asset]
    px = np.where(np.isnan(opens_d), d.price, opens_d)
    held_d = shares[d.flat]
    sized = np.maximum(nav_open, 0.0) if ctx.signed else nav_open  # not positive: sized to nothing
    target = whole_shares(ctx, d.weight * sized[d.variant] / np.where(px > 0, px, 1.0), held_d, d.variant)
    order = target - held_d
    d.nav_open = nav_open
    d.target = np.where(use, target, d.target)
    d.order = np.where(use, order, d.order)
    valued = np.where(np.isnan(d.price), 0.0, d.price)
    screen(d, np.abs(d.order) * valued, ctx.rules.min_trade_value, spare=~use, signed=ctx.signed)
