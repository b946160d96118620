"""The cash rule of the buys: what happens when a decision's buys cost more than the cash.

`cash_shortfall` per variant (docs/SEMANTICS.md, step 2.4 and *Compatibility options*):
`scale` (the default: one common factor per variant), `sequential` (vectorbt: buys in turn, by
the value each adds) or `borrow` (zipline, bt: every buy fills, cash may go below 0). Used by the
fill step; `cut_buys` dispatches, the other functions are the rules.

The cash the buys may spend is what lies above the floor `(1 - max_leverage) x nav_decision`
(`floor`; 0 when that NAV is not positive): 0 without leverage; `scale` ends exactly at it,
`sequential` fills in turn down to it, `borrow` has no floor at all.
"""

from __future__ import annotations

import numpy as np

from .context import Context, per_variant
from .costs import commission, scale_with_minimums
from .panel import F64, I64, B
from .rules import SCALE_EPS, SCALED
from .state import Book, Decision


def cut_buys(
    ctx: Context, book: Book, d: Decision, buy: I64, vb: I64, q: F64, px: F64, raw: F64, status: np.ndarray
) -> tuple[F64, B]:
    """The shares each buy of `d` fills under its variant's cash rule.

    `buy`: positions in d of the live buys, `vb` their variants, `q` their ordered shares, `px`
    their fill prices (slippage included), `raw` the opens.

    Requires: book.cash [V] after the sells, book.shares (sequential), d (sizing values).
    Sets: status[buy] = SCALED where a buy fills fewer shares than ordered (beyond SCALE_EPS).
    Returns (shares filled per buy, [V] the variants whose buys were cut to their cash).
    """
    cash = book.cash if not ctx.any_leverage else book.cash - floor(ctx, d)
    if ctx.any_fixed_commission:  # per-share fees and minimums: the commission of each buy in full
        value = q * px
        need = per_variant(vb, value + commission(ctx, vb, q, value), ctx.V)
    else:
        need = per_variant(vb, q * px, ctx.V) * ctx.buy_cost
    scaled = need > cash
    in_turn = np.zeros(ctx.V, dtype=bool)
    if ctx.any_borrowing or ctx.any_sequential:  # compatibility rules; the default skips this
        scaled &= ctx.lending
        in_turn, scaled = scaled & ctx.sequential, scaled & ~ctx.sequential
        if in_turn.any():
            q = _sequential(ctx, book, d, buy, vb, q, px, raw, status, in_turn, cash)
    if scaled.any():
        if ctx.any_fixed_commission:
            q, nothing = _scale_fixed(ctx, buy, vb, q, px, cash, status, scaled)
            scaled &= ~nothing  # no buy fits its minimum: cash stays as the sells left it
        else:
            q = _scale(ctx, buy, vb, q, need, cash, status, scaled)
    return q, scaled | in_turn


def floor(ctx: Context, d: Decision) -> F64:
    """[V] the cash floor of the buys of `d`: (1 - max_leverage) x the NAV `d` was sized with
    (at the fill open for `fill_price` variants once re-sized, else at the decision close)."""
    nav = d.nav if d.nav_open is None else np.where(ctx.fill_price, d.nav_open, d.nav)
    return ctx.floor_rate * np.maximum(nav, 0.0)  # a book at NAV <= 0 borrows nothing


def _scale(ctx: Context, buy: I64, vb: I64, q: F64, need: F64, cash: F64, status: np.ndarray, scaled: B) -> F64:
    """`scale`: every buy of a short variant times room / need, `cash` being the room above the
    floor (none when it is below: no buy fills); whole shares: toward zero."""
    if ctx.signed:  # cash may be below the floor: no room, and a variant without buys is not cut
        scaled = scaled & (need > 0.0)
        cash = np.maximum(cash, 0.0)
    scale = np.where(scaled, cash / np.where(scaled, need, 1.0), 1.0)
    q = q * scale[vb]
    if ctx.any_whole:
        q = np.where(ctx.fractional[vb], q, np.trunc(q) if not ctx.any_lot else np.trunc(q / ctx.lot[vb]) * ctx.lot[vb])
    status[buy[scale[vb] < 1.0 - SCALE_EPS]] = SCALED
    return q


def _scale_fixed(
    ctx: Context, buy: I64, vb: I64, q: F64, px: F64, room: F64, status: np.ndarray, scaled: B
) -> tuple[F64, B]:
    """`scale` with per-share fees or minimums: the factor solved with them (costs.scale_with_minimums);
    whole shares: each scaled buy toward zero (to a multiple of the lot). Also returns [V] the
    variants whose factor is 0 (their buys fill nothing)."""
    scale = scale_with_minimums(ctx, vb, q, px, room, scaled)
    q = q * scale[vb]
    if ctx.any_whole:
        lot = ctx.lot[vb]
        q = np.where(ctx.fractional[vb], q, np.trunc(q / lot) * lot)
    status[buy[scale[vb] < 1.0 - SCALE_EPS]] = SCALED
    return q, scale == 0.0


def _sequential(
    ctx: Context,
    book: Book,
    d: Decision,
    buy: I64,
    vb: I64,
    q: F64,
    px: F64,
    raw: F64,
    status: np.ndarray,
    in_turn: B,
    room: F64,
) -> F64:
    """`sequential`: the buys of the short variants in `in_turn` filled one after another, with the
    cash `room` above the floor."""
    m = np.flatnonzero(in_turn[vb])
    fill_price = ctx.fill_price
    nav_s = d.nav if d.nav_open is None else np.where(fill_price, d.nav_open, d.nav)
    price_s = np.where(fill_price[vb[m]], raw[m], d.price[buy[m]])
    value = d.weight[buy[m]] * nav_s[vb[m]] - book.shares[d.flat[buy[m]]] * price_s
    q_m = in_turn_fills(q[m], px[m], ctx.commission[vb[m]], value, d.asset[buy[m]], vb[m], room, ctx.fractional,
                        ctx.lot if ctx.any_lot else None)
    status[buy[m[q_m < q[m] * (1.0 - SCALE_EPS)]]] = SCALED
    q = q.copy()
    q[m] = q_m
    return q


def in_turn_fills(
    q: F64, px: F64, rate: F64, value: F64, asset: I64, v: I64, cash: F64, fractional: B, lot: F64 | None = None
) -> F64:
    """The shares each buy fills when a variant's buys fill one after another (`sequential`).

    Per variant, in ascending order of `value` (what each adds at sizing), ties by asset: each buy
    fills in full while the cash left pays for it and its commission; the first that does not gets
    what the cash left buys (whole shares: rounded toward zero, to a multiple of the variant's
    `lot` when given), and so on with what remains (for
    fractional shares, nothing). Each round is vectorized over variants; only whole-share variants
    with cash left after a cut need another round. Reads `cash`, never writes it.
    """
    out = np.zeros(q.size)
    left = cash.copy()
    todo = np.lexsort((asset, value, v))
    while todo.size:
        vv = v[todo]
        cost = q[todo] * px[todo] * (1.0 + rate[todo])
        cum = np.cumsum(cost)
        start = np.flatnonzero(np.r_[True, vv[1:] != vv[:-1]])
        cum -= np.repeat(cum[start] - cost[start], np.diff(np.r_[start, todo.size]))
        fits = cum <= left[vv]
        out[todo[fits]] = q[todo[fits]]
        left -= np.bincount(vv[fits], weights=cost[fits], minlength=left.size)
        # the first buy of each variant that does not fit takes what is left
        cut = ~fits & np.r_[True, fits[:-1] | (vv[1:] != vv[:-1])]
        k, vk = todo[cut], vv[cut]
        part = np.maximum(left[vk], 0.0) / (1.0 + rate[k]) / px[k]
        part = np.where(fractional[vk], part, np.trunc(part) if lot is None else np.trunc(part / lot[vk]) * lot[vk])
        out[k] = part
        left[vk] = np.where(fractional[vk], 0.0, left[vk] - part * px[k] * (1.0 + rate[k]))
        # whole-share variants try their later buys with what the cut left over
        later = ~fits & ~cut & ~fractional[vv] & (left[vv] > 0.0)
        todo = todo[later]
    return out
