"""Step *decide*: the orders of the close, for the variants rebalancing on this date.

docs/SEMANTICS.md, *What happens on each window date*, step 4, and *Sizing*.
"""

from __future__ import annotations

import numpy as np

from .band import in_band
from .context import Context
from .ledger import Day
from .rules import IN_BAND, PENDING, SKIPPED
from .sizing import screen, whole_shares
from .state import Book, Decision


def decide(ctx: Context, book: Book, day: Day) -> None:
    """Target shares from target weights, orders = target - current, dust dropped, small orders skipped.

    Every asset targeted on t or held is a candidate (held and untargeted: weight 0), for the
    variants that rebalance on t. Sized at the close: weight * nav / last close (an unpriced asset
    can only carry a zero target), whole shares rounded (sizing.whole_shares); `fill_price`
    variants are screened only once re-sized at the open (step resize). On the window's last date
    the orders are reported `pending` (or `skipped`) and nothing waits.

    Under `stale = "hold"` (step keep_stale), the kept assets are no candidates (no order: they
    keep their shares) and the other weights are scaled by `day.leg_scale`.

    Requires: day.nav, book.shares, the targets of t, panel.last_close[t], rules (sizing,
        rounding, min_trade_value), day.kept and day.leg_scale; `[risk]`: day.deciding and
        day.flatten (step drawdown), day.blocked (step reentry).
    Sets: book.pending (a new Decision), or on the last window date orders rows (pending,
        skipped); ctx.weight_buf is used and reset.
    """
    t = day.t
    rebalancing, any_rebalance, all_rebalance = ctx.rebalancing[t], ctx.any_rebalance[t], ctx.all_rebalance[t]
    if day.deciding is not None:  # step drawdown: a halt decides off schedule, a pause does not decide
        rebalancing = day.deciding
        any_rebalance, all_rebalance = bool(rebalancing.any()), bool(rebalancing.all())
    if not any_rebalance:
        return
    N, shares = ctx.N, book.shares
    lo, hi = ctx.target_ptr[t], ctx.target_ptr[t + 1]
    chosen = ctx.target_flat[lo:hi]
    candidate = shares != 0
    candidate[chosen] = True
    if not all_rebalance:
        candidate &= np.repeat(rebalancing, N)
    if day.kept is not None:  # step keep_stale: a kept asset holds its shares, no order
        kept = day.kept if day.flatten is None else day.kept[~day.flatten[day.kept // N]]  # a halt sells it
        candidate[kept] = False
    f = candidate.nonzero()[0]
    if not f.size:
        return
    v, a = np.divmod(f, N)
    buf = ctx.weight_buf
    buf[chosen] = ctx.targets.weight[lo:hi]
    if day.blocked is not None:  # step reentry: an asset blocked after a risk exit targets 0
        buf[day.blocked] = 0.0
    weight = buf[f]
    buf[chosen] = 0.0
    close_row = ctx.last_close[t]
    price = close_row[a]
    valued = np.where(np.isnan(price), 0.0, price)
    held = shares[f]
    if day.kept is not None:  # step keep_stale: legs shrunk by the kept assets' weights
        assert day.leg_scale is not None
        weight = weight * np.where(weight < 0, day.leg_scale[v, 1], day.leg_scale[v, 0])
    if day.flatten is not None:  # step drawdown: a halted variant targets all zero
        weight = np.where(day.flatten[v], 0.0, weight)
    # a book whose NAV is not positive (shorts can take it there) is sized to nothing: it closes out
    nav = np.maximum(day.nav, 0.0) if ctx.signed else day.nav
    target = whole_shares(ctx, weight * nav[v] / np.where(valued > 0, valued, 1.0), held, v)
    order = target - held
    d = Decision(day.date, f, v, a, weight, price, target, order, np.zeros(f.size, dtype=bool), day.nav)
    resize_later = ctx.any_fill_price and t < ctx.last
    spare = ctx.fill_price[v] if resize_later else None
    screen(d, np.abs(order) * valued, ctx.rules.min_trade_value, spare=spare, signed=ctx.signed)
    if ctx.any_band:
        in_band(ctx, d, shares)
    if resize_later:
        d.close_row = close_row.copy()
    if t == ctx.last:
        status = np.where(d.skipped, SKIPPED, PENDING).astype(np.int8)
        if d.in_band is not None:
            status[d.in_band] = IN_BAND
        day.journal.orders.append(
            (d.date, -1, d.variant, d.asset, d.weight, d.price, d.target, d.order, d.order, np.zeros(d.flat.size),
             status)
        )
        return
    book.pending = d
