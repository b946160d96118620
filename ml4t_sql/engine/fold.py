"""The fold: the only loop over dates. Pure arrays in, arrays out; no I/O, no SQL.

The state is `cash[V]` and `shares[V, N]`: V variants of one strategy (a single run is V = 1; a
sweep folds all its variants at once) over N assets. Every step below is array arithmetic over
that state, so nothing loops over assets or variants in Python.

Each window date t runs, in order (docs/SEMANTICS.md has every rule):

1. delisting: held assets on their `delist_after`-th consecutive date without a bar are sold at
   their last close, before any fill;
2. fills of the previous date's decision, all on this bar: cancel where the asset cannot trade at
   this open, sells first, then buys, scaled by one common factor per variant if cash is short;
3. the close: NAV, exposures, turnover, costs, positions;
4. a decision, for the variants rebalancing on t: target shares from target weights, orders =
   target - current, dust dropped, small orders skipped; on the last date they stay `pending`.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from ..choices import CashShortfall, OrderStatus, Rounding, TradeReason, code

F64 = NDArray[np.float64]
I64 = NDArray[np.int64]
B = NDArray[np.bool_]

DUST = 1e-9
"""Orders with notional at most DUST * NAV are no orders (float noise of re-targeting)."""
SCALE_EPS = 1e-12
"""A buy scale factor within SCALE_EPS of 1 reports as `filled`, not `scaled`."""

# the integer codes of ml4t_sql.choices that the fold's arrays carry
FILLED, SCALED, CANCELLED, SKIPPED, PENDING = (code(s) for s in OrderStatus)
SCALE, SEQUENTIAL, BORROW = (code(c) for c in CashShortfall)
ROUND_TARGET, ROUND_ORDER, ROUND_ORDER_SNAP = (code(r) for r in Rounding)
SNAP = 1e-4
"""`rounding = "order_snap"`: an order within SNAP of a whole number is that number (zipline)."""
REBALANCE, DELISTED = (code(r) for r in TradeReason)


@dataclass(frozen=True)
class Panel:
    """Dense daily prices over the window: T dates x N assets.

    open: open where the asset can trade at that open, NaN otherwise (no bar, or NULL open).
    last_close: close of the latest bar at or before each date, NaN before the first bar.
    delist_ptr, delist_asset: per date, the assets reaching `delist_after` dates without a bar
        (CSR layout: date t's assets are delist_asset[delist_ptr[t]:delist_ptr[t+1]]).
    """

    open: F64
    last_close: F64
    delist_ptr: I64
    delist_asset: I64

    @property
    def n_dates(self) -> int:
        return int(self.open.shape[0])

    def chunk(self, start: int, stop: int) -> Panel:
        """Dates start..stop-1 (views, no copies)."""
        p0, p1 = int(self.delist_ptr[start]), int(self.delist_ptr[stop])
        return Panel(self.open[start:stop], self.last_close[start:stop], self.delist_ptr[start : stop + 1] - p0,
                     self.delist_asset[p0:p1])  # fmt: skip

    @property
    def n_assets(self) -> int:
        return int(self.open.shape[1])


@dataclass(frozen=True)
class Targets:
    """Target weights of V variants (CSR by date index).

    is_rebalance: bool [V, T]. Date t's targets are the triples (variant, asset, weight) at
    positions ptr[t]:ptr[t+1].
    """

    is_rebalance: B
    ptr: I64
    variant: I64
    asset: I64
    weight: F64

    def chunk(self, start: int, stop: int) -> Targets:
        """Dates start..stop-1 (views, no copies)."""
        k0, k1 = int(self.ptr[start]), int(self.ptr[stop])
        return Targets(self.is_rebalance[:, start:stop], self.ptr[start : stop + 1] - k0, self.variant[k0:k1],
                       self.asset[k0:k1], self.weight[k0:k1])  # fmt: skip


@dataclass(frozen=True, kw_only=True)
class Rules:
    """Execution parameters, one entry per variant (units as in `ml4t_sql.config.Execution`)."""

    initial_cash: F64
    fill_price_sizing: B
    fractional: B
    commission_rate: F64
    slippage_rate: F64
    min_trade_value: F64
    cash_shortfall: I64 | None = None
    """Codes SCALE, SEQUENTIAL, BORROW per variant; None: SCALE for all (the default rule)."""
    rounding: I64 | None = None
    """Whole shares: codes ROUND_TARGET (None: all), ROUND_ORDER, ROUND_ORDER_SNAP per variant."""

    @property
    def n_variants(self) -> int:
        return int(self.initial_cash.size)


@dataclass
class FoldState:
    """What one date hands to the next: enough to fold a window in chunks of dates.

    `offset` is the window index of the next date to fold; `n_dates` the window's length.
    """

    cash: F64
    shares: F64
    nav_prev: F64
    offset: int
    n_dates: int
    pending: _Decision | None = None

    @classmethod
    def start(cls, rules: Rules, n_assets: int, n_dates: int) -> FoldState:
        cash = rules.initial_cash.astype(np.float64).copy()
        return cls(cash, np.zeros(rules.n_variants * n_assets), cash.copy(), 0, n_dates)


@dataclass(frozen=True)
class Ledger:
    """Everything the fold produced, keyed by variant, window date index and asset indices."""

    equity: dict[str, np.ndarray]
    trades: dict[str, np.ndarray]
    orders: dict[str, np.ndarray]
    positions: dict[str, np.ndarray]
    state: FoldState


@dataclass
class _Decision:
    """Orders decided at the close of `date`, waiting for the next open.

    Entries are (variant, asset) pairs: `flat` = variant * N + asset, with `variant` and `asset`
    split out; every other array is aligned on them.
    """

    date: int
    flat: I64
    variant: I64
    asset: I64
    weight: F64
    price: F64  # last close at the decision
    target: F64
    order: F64
    skipped: B
    nav: F64  # [V] NAV at the decision
    close_row: F64 | None = None  # [N] every asset's last close at the decision (fill_price re-sizing)
    nav_open: F64 | None = None  # [V] NAV at the fill open, once re-sized there (fill_price)

    def keep(self, mask: B) -> None:
        for name in ("flat", "variant", "asset", "weight", "price", "target", "order", "skipped"):
            setattr(self, name, getattr(self, name)[mask])


class _Log:
    """Rows of one output table, appended per date as (scalars..., arrays...); built once at the end.

    Appending costs one list append; scalars (dates, codes) are repeated and arrays concatenated
    only in `build`.
    """

    def __init__(self, scalars: tuple[tuple[str, type], ...], arrays: tuple[tuple[str, type], ...]) -> None:
        self.scalars, self.arrays = scalars, arrays
        self.rows: list[tuple[object, ...]] = []

    def build(self) -> dict[str, np.ndarray]:
        k = len(self.scalars)
        if not self.rows:
            return {name: np.empty(0, dtype=dtype) for name, dtype in self.scalars + self.arrays}
        columns = list(zip(*self.rows, strict=True))
        sizes = np.fromiter((a.size for a in columns[k]), dtype=np.int64, count=len(self.rows))  # type: ignore[attr-defined]
        out: dict[str, np.ndarray] = {}
        for (name, dtype), values in zip(self.scalars, columns[:k], strict=True):
            out[name] = np.repeat(np.asarray(values, dtype=dtype), sizes)
        for (name, dtype), values in zip(self.arrays, columns[k:], strict=True):
            out[name] = np.concatenate(values).astype(dtype, copy=False)  # type: ignore[arg-type]
        return out


def run_fold(
    panel: Panel, targets: Targets, rules: Rules, progress: object = None, state: FoldState | None = None
) -> Ledger:
    """Fold the panel's dates into the ledger (see the module docstring for the steps).

    Without `state`, the panel is the whole window. With it, the panel and targets are the next
    chunk of the window's dates, starting at `state.offset`; the ledger's `state` continues the
    fold from the date after the chunk, and the ledgers of all chunks together equal one fold.
    """
    T, N, V = panel.n_dates, panel.n_assets, rules.n_variants
    if state is None:
        state = FoldState.start(rules, N, T)
    t0, last = state.offset, state.n_dates - 1 - state.offset  # last: the window's last date, locally
    open_, last_close = panel.open, panel.last_close
    delist_ptr = panel.delist_ptr.tolist()
    target_ptr = targets.ptr.tolist()
    target_flat = targets.variant * N + targets.asset
    rebalancing = np.ascontiguousarray(targets.is_rebalance.T)  # [T, V]
    any_rebalance: list[bool] = np.asarray(rebalancing.any(axis=1)).tolist()
    all_rebalance: list[bool] = np.asarray(rebalancing.all(axis=1)).tolist()

    commission, slippage = rules.commission_rate, rules.slippage_rate
    fractional, fill_price = rules.fractional, rules.fill_price_sizing
    any_whole, any_fill_price = bool((~fractional).any()), bool(fill_price.any())
    shortfall = rules.cash_shortfall if rules.cash_shortfall is not None else np.zeros(V, dtype=np.int64)
    sequential, borrowing = shortfall == SEQUENTIAL, shortfall == BORROW
    any_sequential, any_borrowing = bool(sequential.any()), bool(borrowing.any())

    cash, shares = state.cash.copy(), state.shares.copy()  # shares flat: variant * N + asset
    weight_buf = np.zeros(V * N)  # scratch: target weights of one decision, reset after use
    eq_cash, eq_mv, eq_gross = np.zeros((T, V)), np.zeros((T, V)), np.zeros((T, V))
    eq_traded, eq_costs = np.zeros((T, V)), np.zeros((T, V))

    # trades: shares are signed here (< 0 sells); the table splits them into side and shares
    trades = _Log(
        (("date", np.int64),),
        (("variant", np.int64), ("asset", np.int64), ("shares", np.float64), ("price", np.float64),
         ("notional", np.float64), ("commission", np.float64), ("slippage_cost", np.float64),
         ("reason", np.int8), ("decision", np.int64)),
    )  # fmt: skip
    orders = _Log(
        (("decision", np.int64), ("fill", np.int64)),
        (("variant", np.int64), ("asset", np.int64), ("weight", np.float64), ("price", np.float64),
         ("target", np.float64), ("order", np.float64), ("filled", np.float64), ("status", np.int8)),
    )  # fmt: skip
    positions = _Log(
        (("date", np.int64),),
        (("variant", np.int64), ("asset", np.int64), ("shares", np.float64), ("close", np.float64)),
    )

    def per_variant(v: I64, x: F64) -> F64:
        return np.bincount(v, weights=x, minlength=V).astype(np.float64, copy=False)

    pending = state.pending
    for t in range(T):
        traded = np.zeros(V)
        costs = np.zeros(V)
        fills: list[tuple[np.ndarray, ...]] = []  # this date's trades: (flat, variant, asset, shares, ...)

        # 1. delisting: sell at the last close, before fills
        if delist_ptr[t] != delist_ptr[t + 1]:
            gone = panel.delist_asset[delist_ptr[t] : delist_ptr[t + 1]]
            f = (np.arange(V)[:, None] * N + gone).ravel()
            f = f[shares[f] != 0]
            if f.size:
                v, a = np.divmod(f, N)
                q = shares[f]
                px = last_close[t, a]
                cash += per_variant(v, q * px)
                notional = np.abs(q) * px
                traded += per_variant(v, notional)
                zero = np.zeros(f.size)
                fills.append((f, v, a, -q, px, notional, zero, zero, np.full(f.size, DELISTED), np.full(f.size, -1)))
                shares[f] = 0.0

        # 2. fills of yesterday's decision, all on this bar
        if pending is not None:
            d, pending = pending, None
            if any_fill_price:
                assert d.close_row is not None
                _resize_at_open(d, cash, shares, open_[t], d.close_row, rules, N)
            f, v, a, order = d.flat, d.variant, d.asset, d.order
            opens = open_[t, a]
            status = np.zeros(f.size, dtype=np.int8)  # FILLED
            tradable = ~np.isnan(opens)
            status[~tradable] = CANCELLED
            status[d.skipped] = SKIPPED
            live = tradable & ~d.skipped
            filled = np.zeros(f.size)

            sell = np.flatnonzero(live & (order < 0))
            if sell.size:
                vs = v[sell]
                q = -order[sell]
                raw = opens[sell]
                px = raw * (1.0 - slippage[vs])
                notional = q * px
                paid = notional * commission[vs]
                slip = q * raw * slippage[vs]
                cash += per_variant(vs, notional - paid)
                traded += per_variant(vs, notional)
                costs += per_variant(vs, paid + slip)
                filled[sell] = -q
                shares[f[sell]] -= q
                fills.append((f[sell], vs, a[sell], -q, px, notional, paid, slip, *_reason(sell.size, d.date)))

            buy = np.flatnonzero(live & (order > 0))
            if buy.size:
                vb = v[buy]
                q = order[buy]
                raw = opens[buy]
                px = raw * (1.0 + slippage[vb])
                need = per_variant(vb, q * px) * (1.0 + commission)
                scaled = need > cash
                in_turn = np.zeros(V, dtype=bool)
                if any_borrowing or any_sequential:  # compatibility rules; the default skips this
                    scaled &= ~borrowing
                    in_turn, scaled = scaled & sequential, scaled & ~sequential
                    if in_turn.any():
                        m = np.flatnonzero(in_turn[vb])
                        nav_s = d.nav if d.nav_open is None else np.where(fill_price, d.nav_open, d.nav)
                        price_s = np.where(fill_price[vb[m]], raw[m], d.price[buy[m]])
                        value = d.weight[buy[m]] * nav_s[vb[m]] - shares[f[buy[m]]] * price_s
                        q_m = _in_turn(q[m], px[m], commission[vb[m]], value, a[buy[m]], vb[m], cash, fractional)
                        status[buy[m[q_m < q[m] * (1.0 - SCALE_EPS)]]] = SCALED
                        q = q.copy()
                        q[m] = q_m
                if scaled.any():
                    scale = np.where(scaled, cash / np.where(scaled, need, 1.0), 1.0)
                    q = q * scale[vb]
                    if any_whole:
                        q = np.where(fractional[vb], q, np.trunc(q))
                    status[buy[scale[vb] < 1.0 - SCALE_EPS]] = SCALED
                notional = q * px
                paid = notional * commission[vb]
                slip = q * raw * slippage[vb]
                cash -= per_variant(vb, notional + paid)
                # exactly 0 after a cut; never float dust below 0 (unless the variant borrows)
                cash[((cash < 0.0) & ~borrowing) | ((scaled | in_turn) & fractional)] = 0.0
                traded += per_variant(vb, notional)
                costs += per_variant(vb, paid + slip)
                filled[buy] = q
                shares[f[buy]] += q
                moved = q != 0  # a cut to 0 shares (cash 0, or whole shares) is no trade
                if not moved.all():
                    buy, vb, q, px, notional, paid, slip = (x[moved] for x in (buy, vb, q, px, notional, paid, slip))
                fills.append((f[buy], vb, a[buy], q, px, notional, paid, slip, *_reason(buy.size, d.date)))

            orders.rows.append((d.date, t0 + t, v, a, d.weight, d.price, d.target, order, filled, status))

        if fills:  # in (variant, asset) order within the date
            columns = fills[0]
            if len(fills) > 1:
                merged = [np.concatenate(c) for c in zip(*fills, strict=True)]
                by_pair = np.argsort(merged[0], kind="stable")
                columns = tuple(c[by_pair] for c in merged)
            trades.rows.append((t0 + t, *columns[1:]))

        # 3. the close
        held = np.flatnonzero(shares)
        v, a = np.divmod(held, N)
        close = last_close[t, a]
        held_shares = shares[held]
        values = held_shares * close
        market_value = per_variant(v, values)
        nav = cash + market_value
        eq_cash[t], eq_mv[t], eq_gross[t] = cash, market_value, per_variant(v, np.abs(values))
        eq_traded[t], eq_costs[t] = traded, costs
        if held.size:
            positions.rows.append((t0 + t, v, a, held_shares, close))

        # 4. the decision, for the variants rebalancing on t
        if any_rebalance[t]:
            chosen = target_flat[target_ptr[t] : target_ptr[t + 1]]
            candidate = shares != 0
            candidate[chosen] = True
            if not all_rebalance[t]:
                candidate &= np.repeat(rebalancing[t], N)
            f = np.flatnonzero(candidate)
            if f.size:
                wanted = targets.weight[target_ptr[t] : target_ptr[t + 1]]
                resize_later = any_fill_price and t < last
                pending = _decide(
                    t0 + t, f, nav, shares, chosen, wanted, weight_buf, last_close[t], rules, N, resize_later
                )
                if resize_later:
                    pending.close_row = last_close[t].copy()
                if t == last:
                    d, pending = pending, None
                    status = np.where(d.skipped, SKIPPED, PENDING).astype(np.int8)
                    orders.rows.append(
                        (t0 + t, -1, d.variant, d.asset, d.weight, d.price, d.target, d.order,
                         np.zeros(d.flat.size), status)
                    )  # fmt: skip
        if progress is not None:
            progress(t0 + t + 1, state.n_dates)  # type: ignore[operator]

    nav_all = eq_cash + eq_mv
    nav_prev = np.vstack([state.nav_prev[None, :], nav_all[:-1]])
    equity = {
        "date": np.repeat(np.arange(t0, t0 + T, dtype=np.int64), V),
        "variant": np.tile(np.arange(V, dtype=np.int64), T),
        "cash": eq_cash.ravel(),
        "market_value": eq_mv.ravel(),
        "nav": nav_all.ravel(),
        "return": (nav_all / nav_prev - 1.0).ravel(),
        "gross_exposure": (eq_gross / nav_all).ravel(),
        "net_exposure": (eq_mv / nav_all).ravel(),
        "turnover": (eq_traded / nav_prev).ravel(),
        "costs": eq_costs.ravel(),
    }
    after = FoldState(cash, shares, nav_all[-1].copy() if T else state.nav_prev, t0 + T, state.n_dates, pending)
    return Ledger(
        equity=equity,
        trades=trades.build(),  # every log is in (date, variant, asset) order as appended
        orders=orders.build(),
        positions=positions.build(),
        state=after,
    )


def _reason(n: int, decision: int) -> tuple[np.ndarray, np.ndarray]:
    return np.full(n, REBALANCE, dtype=np.int8), np.full(n, decision, dtype=np.int64)


def _decide(
    t: int,
    f: I64,
    nav: F64,
    shares: F64,
    chosen: I64,
    wanted: F64,
    weight_buf: F64,
    close_row: F64,
    rules: Rules,
    N: int,
    resize_later: bool,
) -> _Decision:
    """Orders of the decision at the close of t over the candidate pairs `f` (targeted or held)."""
    v, a = np.divmod(f, N)
    weight_buf[chosen] = wanted
    weight = weight_buf[f]
    weight_buf[chosen] = 0.0
    price = close_row[a]
    valued = np.where(np.isnan(price), 0.0, price)  # an unpriced asset can only carry a zero target
    target = _whole_shares(weight * nav[v] / np.where(valued > 0, valued, 1.0), shares[f], v, rules)
    order = target - shares[f]
    d = _Decision(t, f, v, a, weight, price, target, order, np.zeros(f.size, dtype=bool), nav.copy())
    later = rules.fill_price_sizing[v] if resize_later else np.zeros(f.size, dtype=bool)
    _screen(d, np.abs(order) * valued, rules.min_trade_value, spare=later)
    return d


def _resize_at_open(
    d: _Decision, cash: F64, shares: F64, opens: F64, decision_close: F64, rules: Rules, N: int
) -> None:
    """`sizing = "fill_price"` variants: targets re-sized with NAV and prices at this open.

    SEMANTICS (Sizing): after delisting credits; assets that cannot trade at this open are valued
    and sized at the decision close; dust and `min_trade_value` use the decision close and NAV.
    """
    use = rules.fill_price_sizing[d.variant]
    if not use.any():
        return
    held = np.flatnonzero(shares)
    hv, ha = np.divmod(held, N)
    p = opens[ha]
    p = np.where(np.isnan(p), decision_close[ha], p)
    nav_open = cash + np.bincount(hv, weights=shares[held] * p, minlength=cash.size)
    opens_d = opens[d.asset]
    px = np.where(np.isnan(opens_d), d.price, opens_d)
    target = _whole_shares(d.weight * nav_open[d.variant] / np.where(px > 0, px, 1.0), shares[d.flat], d.variant, rules)
    order = target - shares[d.flat]
    d.nav_open = nav_open
    d.target = np.where(use, target, d.target)
    d.order = np.where(use, order, d.order)
    valued = np.where(np.isnan(d.price), 0.0, d.price)
    _screen(d, np.abs(d.order) * valued, rules.min_trade_value, spare=~use)


def _screen(d: _Decision, notional: F64, min_trade_value: F64, *, spare: B) -> None:
    """Drop dust (notional <= DUST * NAV) and mark orders below `min_trade_value` skipped.

    Entries in `spare` are left as they are (fill_price orders, screened after re-sizing).
    """
    nav = d.nav[d.variant]
    keep = spare | (notional > DUST * nav)
    skipped = ~spare & (notional < min_trade_value[d.variant])
    d.skipped = d.skipped | skipped
    if not keep.all():
        d.keep(keep)


def _whole_shares(target: F64, held: F64, v: I64, rules: Rules) -> F64:
    """Target shares rounded for whole-share variants: the target toward zero, or (`rounding =
    "order"`) the order toward zero, the target being what the holding becomes (`order_snap`: an
    order within SNAP of a whole number is rounded to it first)."""
    whole = ~rules.fractional[v]
    if not whole.any():
        return target
    rounded = np.trunc(target)
    if rules.rounding is not None:
        code = np.where(whole, rules.rounding[v], ROUND_TARGET)
        if (code != ROUND_TARGET).any():
            order = target - held
            nearest = np.round(order)
            snap = (code == ROUND_ORDER_SNAP) & (np.abs(order - nearest) <= SNAP)
            order = np.trunc(np.where(snap, nearest, order))
            rounded = np.where(code != ROUND_TARGET, held + order, rounded)
    return np.where(whole, rounded, target)


def _in_turn(q: F64, px: F64, rate: F64, value: F64, asset: I64, v: I64, cash: F64, fractional: B) -> F64:
    """`cash_shortfall = "sequential"`: the buys of short variants, filled one after another.

    Per variant, in ascending order of `value` (what each adds at sizing), ties by asset: each buy
    fills in full while the cash left pays for it and its commission; the first that does not gets
    what the cash left buys (whole shares: rounded toward zero), and so on with what remains (for
    fractional shares, nothing). Each round is vectorized over variants; only whole-share variants
    with cash left after a cut need another round.
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
        part = np.where(fractional[vk], part, np.trunc(part))
        out[k] = part
        left[vk] = np.where(fractional[vk], 0.0, left[vk] - part * px[k] * (1.0 + rate[k]))
        # whole-share variants try their later buys with what the cut left over
        later = ~fits & ~cut & ~fractional[vv] & (left[vv] > 0.0)
        todo = todo[later]
    return out
