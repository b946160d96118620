"""Step *cap*: the pending decision's orders cut to `max_participation` of the fill bar's volume,
and each order's square-root impact priced, before the fills.

docs/SEMANTICS.md, *Capacity and trading costs*. Runs after resize (a `fill_price` decision is
capped once re-sized) and before fill, which prices the impact and applies the cash rule to the
capped buys.
"""

from __future__ import annotations

import numpy as np

from .context import Context
from .ledger import Day
from .state import Book


def cap(ctx: Context, book: Book, day: Day) -> None:
    """Orders at most max_participation x volume shares (whole shares: floor; lots: down to a
    multiple; NULL or 0 volume: nothing), the rest cancelled; impact of each capped order.

    Impact, a fraction of the open moving the price against the trade:
    ``impact_coefficient x sigma x sqrt(|capped order| / volume)``, 0 where volume <= 0 or NULL;
    sigma is that of the decision's returns (`panel.sigma`).

    Requires: book.pending, panel.volume[t] and panel.sigma[:, t], rules (participation, impact,
        lots, fractional).
    Sets: book.pending's order (capped), requested (the orders before), impact.
    """
    d = book.pending
    if d is None or not ctx.capacity:
        return
    t, v, a = day.t, d.variant, d.asset
    assert ctx.panel.volume is not None
    volume = ctx.panel.volume[t][a]  # a row, then the gather (faster than [t, a])
    known = volume > 0  # False for NaN
    vol = np.where(known, volume, 0.0)
    order = d.order
    if ctx.any_cap:
        rate = ctx.participation[v]
        if ctx.all_cap:
            limit = rate * vol
        else:  # an uncapped variant (rate inf) has no limit, with or without volume (never inf x 0)
            capped_here = np.isfinite(rate)
            limit = np.where(capped_here, np.where(capped_here, rate, 0.0) * vol, np.inf)
        if ctx.any_whole:
            whole = ~ctx.fractional[v]
            lot = ctx.lot[v]
            limit = np.where(whole, np.floor(limit / lot) * lot, limit)
        size = np.abs(order)
        capped = np.sign(order) * np.minimum(size, limit)
        d.requested = order
        d.order = order = np.where(d.skipped, order, capped)
    if ctx.any_impact:
        assert ctx.panel.sigma is not None
        sigma = ctx.panel.sigma[0 if ctx.one_plane else ctx.sigma_index[v], t, a]
        share = np.abs(order) / np.where(known, vol, 1.0)
        d.impact = np.where(known, ctx.impact[v] * sigma * np.sqrt(share), 0.0)
