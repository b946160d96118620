"""Commissions with a per-share fee and a minimum, and the cash rule's common factor that includes them.

docs/SEMANTICS.md, *Capacity and trading costs*. A fill of q > 0 shares at notional x pays
``max(commission_min, commission_bps x x + commission_per_share x q)``; a fill of 0 shares pays
nothing (delisting closes never call this). `commission` is what the fill step charges;
`scale_with_minimums` is `scale`'s factor when a variant pays per share or a minimum (the cost is
no longer proportional to the factor, but it is piecewise linear and increasing in it).
"""

from __future__ import annotations

from typing import cast

import numpy as np

from .context import Context
from .panel import F64, I64, B


def commission(ctx: Context, v: I64, q: F64, notional: F64, *, empty: bool = False) -> F64:
    """The commission of fills of `q` > 0 shares (variants `v`) at `notional`; with `empty`, some
    fills may have 0 shares (they pay nothing)."""
    paid = notional * ctx.commission[v]
    if not ctx.any_fixed_commission:
        return cast(F64, paid)
    fixed = np.maximum(ctx.commission_min[v], paid + ctx.per_share[v] * q)
    return cast(F64, np.where(q > 0, fixed, 0.0) if empty else fixed)


def scale_with_minimums(ctx: Context, vb: I64, q: F64, px: F64, room: F64, scaled: B) -> F64:
    """[V] the common factor s in [0, 1] of each `scaled` variant's buys (1 for the others).

    Every buy i (q_i shares at price px_i) at factor s > 0 costs s n_i + max(m, s c_i), with
    n_i = q_i px_i, c_i = q_i (bps px_i + per_share) and m the minimum: above its breakpoint
    b_i = m / c_i the buy pays the proportional commission, below it the minimum. The total is
    continuous and increasing in s; s solves total(s) = room on the segment between the
    breakpoints where it crosses (the buys whose breakpoint is at most s pay proportionally).
    If room is below the minimums of all the variant's buys (k m), no s > 0 fits: s = 0.
    """
    V = ctx.V
    rows = np.flatnonzero(scaled[vb])
    if not rows.size:
        return np.ones(V)
    v = vb[rows]
    n = q[rows] * px[rows]
    c = q[rows] * (ctx.commission[v] * px[rows] + ctx.per_share[v])
    m = ctx.commission_min[v]
    b = np.divide(m, c, out=np.full(c.size, np.inf), where=c > 0)  # a minimum-only commission: never proportional
    by = np.lexsort((b, v))
    v, n, c, b, m = v[by], n[by], c[by], b[by], m[by]
    k = np.bincount(v, minlength=V)  # buys per variant
    end = np.cumsum(k)  # one past each variant's last buy (v is sorted)
    after = end[v] - 1 - np.arange(v.size)  # the variant's buys after this one
    cum_c = np.cumsum(c)
    cum_c -= (cum_c - c)[(end - k)[v]]  # from the variant's first buy
    total_n = np.bincount(v, weights=n, minlength=V)
    # the total at each breakpoint (the buys up to this one in the sorted order pay proportionally;
    # inf at b = inf: total_n > 0, the buys have a notional)
    at_b = b * (total_n[v] + cum_c) + after * m
    ok = at_b <= room[v]
    j = np.bincount(v, weights=ok, minlength=V)  # buys paying proportionally at s
    slope = total_n + np.bincount(v, weights=np.where(ok, c, 0.0), minlength=V)
    minimum = ctx.commission_min
    room_v = np.maximum(room, 0.0)
    factor = np.divide(room_v - (k - j) * minimum, slope, out=np.zeros(V), where=slope > 0)
    factor = np.where(room_v < k * minimum, 0.0, np.minimum(np.maximum(factor, 0.0), 1.0))
    return np.where(k > 0, factor, 1.0)
