"""Step *keep_stale*: under `stale = "hold"`, a held asset without a bar or a finite signal on a
rebalance date keeps its shares, and its weight comes out of its leg's exposure.

docs/SEMANTICS.md, *Stale holdings*.
"""

from __future__ import annotations

import numpy as np

from .context import Context, per_variant
from .ledger import Day
from .state import Book


def keep_stale(ctx: Context, book: Book, day: Day) -> None:
    """The kept assets of t and the factors that shrink each leg by their weights.

    A kept asset's signed weight at the decision close is w = shares * last close / nav. Per
    variant, the long leg's target weights are multiplied by max(E_long - sum of the kept longs'
    w, 0) / E_long, the short leg's by max(E_short - sum of the kept shorts' |w|, 0) / E_short
    (0 when the leg's exposure E is 0): with no cap binding, exactly the leg the strategy would
    build at the reduced exposure; a cap that binds stays satisfied.

    Requires: the stale assets of t (ctx.stale_*), book.shares, day.nav, panel.last_close[t],
        the variants' leg exposures.
    Sets: day.kept (flat indices, sorted), day.leg_scale ([V, 2]); both stay None when no held
        asset is stale on t.
    """
    if ctx.stale_ptr is None:
        return
    t = day.t
    lo, hi = ctx.stale_ptr[t], ctx.stale_ptr[t + 1]
    if lo == hi or not ctx.any_rebalance[t]:
        return
    flat = ctx.stale_flat[lo:hi]
    flat = flat[book.shares[flat] != 0]
    if not flat.size:
        return
    v, a = np.divmod(flat, ctx.N)
    nav = day.nav[v]
    value = book.shares[flat] * ctx.last_close[t][a]
    w = np.divide(value, nav, out=np.zeros(flat.size), where=nav > 0)
    kept_long = per_variant(v, np.maximum(w, 0.0), ctx.V)
    kept_short = per_variant(v, np.maximum(-w, 0.0), ctx.V)
    day.kept = flat
    day.leg_scale = np.stack([_shrink(ctx.long_exposure, kept_long), _shrink(ctx.short_exposure, kept_short)], axis=1)


def _shrink(exposure: np.ndarray, kept: np.ndarray) -> np.ndarray:
    """max(E - kept, 0) / E per variant (0 where E is 0)."""
    room = np.maximum(exposure - kept, 0.0)
    return np.divide(room, exposure, out=np.zeros(exposure.size), where=exposure > 0)
