"""The fold: the only loop over dates. Pure arrays in, arrays out; no I/O, no SQL.

Each window date t runs, in order (docs/SEMANTICS.md has every rule):

1. delisting: held assets on their `delist_after`-th consecutive date without a bar are sold at
   their last close, before any fill;
2. fills of the previous date's decision, all on this bar: cancel where the asset cannot trade at
   this open, sells first, then buys, scaled by one common factor if cash is short;
3. the close: NAV, exposures, turnover, costs, positions;
4. a decision, if t is a rebalance date: target shares from target weights, orders = target -
   current, dust dropped, small orders skipped; on the last date they stay `pending`.

Work per date touches only the assets that matter that day (held, targeted, delisting) as index
arrays; nothing loops over assets in Python.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

F64 = NDArray[np.float64]
I64 = NDArray[np.int64]

DUST = 1e-9
"""Orders with notional at most DUST * NAV are no orders (float noise of re-targeting)."""
SCALE_EPS = 1e-12
"""A buy scale factor within SCALE_EPS of 1 reports as `filled`, not `scaled`."""

# status codes of the orders table, in the order of ORDER_STATUSES
FILLED, SCALED, CANCELLED, SKIPPED, PENDING = range(5)
ORDER_STATUSES = ("filled", "scaled", "cancelled", "skipped", "pending")
REBALANCE, DELISTED = 0, 1
TRADE_REASONS = ("rebalance", "delisted")


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

    @property
    def n_assets(self) -> int:
        return int(self.open.shape[1])


@dataclass(frozen=True)
class Targets:
    """Target weights on rebalance dates (CSR by date index).

    is_rebalance: bool per date. Date t's targets are asset[ptr[t]:ptr[t+1]] with weight[...],
    asset indices sorted within a date.
    """

    is_rebalance: NDArray[np.bool_]
    ptr: I64
    asset: I64
    weight: F64


@dataclass(frozen=True, kw_only=True)
class Rules:
    """Execution parameters of the fold (units as in `ml4t_sql.config.Execution`)."""

    initial_cash: float
    fill_price_sizing: bool
    fractional: bool
    commission_rate: float
    slippage_rate: float
    min_trade_value: float


@dataclass(frozen=True)
class Ledger:
    """Everything the fold produced, keyed by date and asset indices."""

    equity: dict[str, np.ndarray]
    trades: dict[str, np.ndarray]
    orders: dict[str, np.ndarray]
    positions: dict[str, np.ndarray]


@dataclass
class _Decision:
    """Orders decided at a close, waiting for the next open (arrays aligned on `asset`)."""

    date: int
    asset: I64
    weight: F64
    price: F64  # last close at the decision
    nav: float
    target: F64
    order: F64
    skipped: NDArray[np.bool_] | None  # None: nothing skipped


class _Log:
    """Rows of one output table, appended per date as (scalars..., arrays...); built once at the end.

    Appending a tuple costs one list append; scalars (dates, codes) are repeated and arrays
    concatenated only in `build`.
    """

    def __init__(self, scalars: tuple[tuple[str, type], ...], arrays: tuple[tuple[str, type], ...]) -> None:
        self.scalars, self.arrays = scalars, arrays
        self.rows: list[tuple[object, ...]] = []

    def build(self, order: tuple[str, ...] = ()) -> dict[str, np.ndarray]:
        k = len(self.scalars)
        if not self.rows:
            return {name: np.empty(0, dtype=dtype) for name, dtype in self.scalars + self.arrays}
        columns = list(zip(*self.rows, strict=True))
        sizes = np.fromiter((len(a) for a in columns[k]), dtype=np.int64, count=len(self.rows))  # type: ignore[arg-type]
        out: dict[str, np.ndarray] = {}
        for (name, dtype), values in zip(self.scalars, columns[:k], strict=True):
            out[name] = np.repeat(np.asarray(values, dtype=dtype), sizes)
        for (name, dtype), values in zip(self.arrays, columns[k:], strict=True):
            parts = [v if type(v) is np.ndarray else np.full(n, v) for v, n in zip(values, sizes, strict=True)]
            out[name] = np.concatenate(parts).astype(dtype, copy=False)
        if order:
            perm = np.lexsort(tuple(out[key] for key in reversed(order)))
            out = {name: col[perm] for name, col in out.items()}
        return out


def run_fold(panel: Panel, targets: Targets, rules: Rules, progress: object = None) -> Ledger:
    """Fold the window's dates into the ledger (see the module docstring for the steps)."""
    T, N = panel.n_dates, panel.n_assets
    open_, last_close = panel.open, panel.last_close
    delist_ptr = panel.delist_ptr.tolist()
    target_ptr = targets.ptr.tolist()
    is_rebalance = targets.is_rebalance.tolist()
    commission, slippage = rules.commission_rate, rules.slippage_rate
    fractional = rules.fractional

    cash = float(rules.initial_cash)
    shares = np.zeros(N)
    weight_buf = np.zeros(N)  # scratch: dense target weights of one decision, reset after use
    eq_cash, eq_mv, eq_gross = np.zeros(T), np.zeros(T), np.zeros(T)
    eq_traded, eq_costs = np.zeros(T), np.zeros(T)

    # trades: shares are signed here (< 0 sells); the table splits them into side and shares
    trades = _Log(
        (("date", np.int64), ("reason", np.int8), ("decision", np.int64)),
        (("asset", np.int64), ("shares", np.float64), ("price", np.float64), ("notional", np.float64),
         ("commission", np.float64), ("slippage_cost", np.float64)),
    )  # fmt: skip
    orders = _Log(
        (("decision", np.int64), ("fill", np.int64)),
        (("asset", np.int64), ("weight", np.float64), ("price", np.float64), ("target", np.float64),
         ("order", np.float64), ("filled", np.float64), ("status", np.int8)),
    )  # fmt: skip
    positions = _Log((("date", np.int64),), (("asset", np.int64), ("shares", np.float64), ("close", np.float64)))

    pending: _Decision | None = None
    for t in range(T):
        traded = costs = 0.0

        # 1. delisting: sell at the last close, before fills
        if delist_ptr[t] != delist_ptr[t + 1]:
            gone = panel.delist_asset[delist_ptr[t] : delist_ptr[t + 1]]
            gone = gone[shares[gone] != 0]
            if gone.size:
                q = shares[gone]
                px = last_close[t, gone]
                cash += float(q @ px)
                notional = np.abs(q) * px
                traded += float(notional.sum())
                trades.rows.append((t, DELISTED, -1, gone, -q, px, notional, 0.0, 0.0))
                shares[gone] = 0.0

        # 2. fills of yesterday's decision, all on this bar
        if pending is not None:
            d, pending = pending, None
            opens_row = open_[t]
            if rules.fill_price_sizing:
                d = _resize_at_open(d, cash, shares, opens_row, last_close[d.date], rules)
            idx, order = d.asset, d.order
            opens = opens_row[idx]
            status = np.zeros(idx.size, dtype=np.int8)  # FILLED
            tradable = ~np.isnan(opens)
            if d.skipped is not None:
                status[d.skipped] = SKIPPED
                tradable &= ~d.skipped
                status[~tradable & ~d.skipped] = CANCELLED
            else:
                status[~tradable] = CANCELLED
            filled = np.zeros(idx.size)

            sell = np.flatnonzero(tradable & (order < 0))
            if sell.size:
                q = -order[sell]
                raw = opens[sell]
                px = raw * (1.0 - slippage)
                notional = q * px
                paid = notional * commission
                slip = q * raw * slippage
                gross = float(notional.sum())
                fee = float(paid.sum())
                cash += gross - fee
                traded += gross
                costs += fee + float(slip.sum())
                filled[sell] = -q
                shares[idx[sell]] -= q
                trades.rows.append((t, REBALANCE, d.date, idx[sell], -q, px, notional, paid, slip))

            buy = np.flatnonzero(tradable & (order > 0))
            if buy.size:
                q = order[buy]
                raw = opens[buy]
                px = raw * (1.0 + slippage)
                need = float(q @ px) * (1.0 + commission)
                scaled = need > cash
                if scaled:
                    scale = cash / need
                    q = q * scale if fractional else np.trunc(q * scale)
                    if scale < 1.0 - SCALE_EPS:
                        status[buy] = SCALED
                notional = q * px
                paid = notional * commission
                slip = q * raw * slippage
                gross = float(notional.sum())
                fee = float(paid.sum())
                cash -= gross + fee
                if cash < 0.0 or (scaled and fractional):
                    cash = 0.0  # exactly 0 after a common cut; never float dust below 0
                traded += gross
                costs += fee + float(slip.sum())
                filled[buy] = q
                shares[idx[buy]] += q
                if scaled and not q.all():  # a cut to 0 shares (cash 0, or whole shares) is no trade
                    nz = q != 0
                    buy, q, px, notional, paid, slip = buy[nz], q[nz], px[nz], notional[nz], paid[nz], slip[nz]
                trades.rows.append((t, REBALANCE, d.date, idx[buy], q, px, notional, paid, slip))

            orders.rows.append((d.date, t, idx, d.weight, d.price, d.target, order, filled, status))

        # 3. the close
        held = shares.nonzero()[0]
        close = last_close[t, held]
        held_shares = shares[held]
        values = held_shares * close
        market_value = float(values.sum())
        nav = cash + market_value
        eq_cash[t], eq_mv[t] = cash, market_value
        eq_gross[t] = float(np.abs(values).sum())
        eq_traded[t], eq_costs[t] = traded, costs
        if held.size:
            positions.rows.append((t, held, held_shares, close))

        # 4. the decision
        if is_rebalance[t]:
            chosen = targets.asset[target_ptr[t] : target_ptr[t + 1]]
            wanted = targets.weight[target_ptr[t] : target_ptr[t + 1]]
            resize_later = rules.fill_price_sizing and t < T - 1
            decision = _decide(t, nav, shares, chosen, wanted, weight_buf, last_close[t], rules, resize_later)
            if decision is not None and t == T - 1:
                status = np.full(decision.asset.size, PENDING, dtype=np.int8)
                if decision.skipped is not None:
                    status[decision.skipped] = SKIPPED
                d = decision
                orders.rows.append(
                    (t, -1, d.asset, d.weight, d.price, d.target, d.order, np.zeros(d.asset.size), status)
                )
            elif decision is not None:
                pending = decision
        if progress is not None:
            progress(t + 1, T)  # type: ignore[operator]

    nav_all = eq_cash + eq_mv
    nav_prev = np.concatenate(([rules.initial_cash], nav_all[:-1]))
    equity = {
        "date": np.arange(T, dtype=np.int64),
        "cash": eq_cash,
        "market_value": eq_mv,
        "nav": nav_all,
        "return": nav_all / nav_prev - 1.0,
        "gross_exposure": eq_gross / nav_all,
        "net_exposure": eq_mv / nav_all,
        "turnover": eq_traded / nav_prev,
        "costs": eq_costs,
    }
    return Ledger(
        equity=equity,
        trades=trades.build(("date", "asset")),
        orders=orders.build(("decision", "asset")),
        positions=positions.build(),
    )


def _decide(
    t: int,
    nav: float,
    shares: F64,
    chosen: I64,
    wanted: F64,
    weight_buf: F64,
    close_row: F64,
    rules: Rules,
    resize_later: bool,
) -> _Decision | None:
    """Orders of the decision at the close of t: target - current over targeted and held assets."""
    candidates = shares != 0
    candidates[chosen] = True
    idx = candidates.nonzero()[0]
    if idx.size == 0:
        return None
    weight_buf[chosen] = wanted
    weight = weight_buf[idx]
    weight_buf[chosen] = 0.0
    price = close_row[idx]
    target = weight * nav / price
    if not rules.fractional:
        target = np.trunc(target)
    order = target - shares[idx]
    notional = np.abs(order) * price
    if resize_later:  # sized at the next open; dust and small orders are decided there
        return _Decision(t, idx, weight, price, nav, target, order, None)
    return _screen(_Decision(t, idx, weight, price, nav, target, order, None), notional, rules.min_trade_value)


def _resize_at_open(
    d: _Decision, cash: float, shares: F64, opens_row: F64, decision_close: F64, rules: Rules
) -> _Decision:
    """`sizing = "fill_price"`: targets re-sized with NAV and prices at this open (SEMANTICS: Sizing)."""
    held = shares.nonzero()[0]
    p_held = opens_row[held]
    p_held = np.where(np.isnan(p_held), decision_close[held], p_held)
    nav_open = cash + float(shares[held] @ p_held)
    opens = opens_row[d.asset]
    target = d.weight * nav_open / np.where(np.isnan(opens), d.price, opens)
    if not rules.fractional:
        target = np.trunc(target)
    order = target - shares[d.asset]
    resized = _Decision(d.date, d.asset, d.weight, d.price, d.nav, target, order, None)
    return _screen(resized, np.abs(order) * d.price, rules.min_trade_value)


def _screen(d: _Decision, notional: F64, min_trade_value: float) -> _Decision:
    """Drop dust orders (notional <= DUST * nav); mark orders below `min_trade_value` skipped."""
    keep = notional > DUST * d.nav
    if not keep.all():
        d = _Decision(d.date, d.asset[keep], d.weight[keep], d.price[keep], d.nav, d.target[keep], d.order[keep], None)
        notional = notional[keep]
    if min_trade_value > 0:
        small = notional < min_trade_value
        if small.any():
            d.skipped = small
    return d
