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
    """Orders decided at a close, waiting for the next open."""

    date: int
    asset: I64
    weight: F64
    price: F64  # last close at the decision
    nav: float
    target: F64
    order: F64
    skipped: NDArray[np.bool_]


class _Columns:
    """Appends per-date arrays; concatenates once at the end."""

    def __init__(self, **dtypes: type) -> None:
        self._dtypes = dtypes
        self._parts: dict[str, list[np.ndarray]] = {name: [] for name in dtypes}

    def add(self, **columns: np.ndarray | float | int) -> None:
        n = max(np.size(v) for v in columns.values() if np.ndim(v) > 0)
        if n == 0:
            return
        for name, value in columns.items():
            self._parts[name].append(np.broadcast_to(np.asarray(value, dtype=self._dtypes[name]), (n,)))

    def build(self, order: tuple[str, ...]) -> dict[str, np.ndarray]:
        out = {
            name: (np.concatenate(parts) if parts else np.empty(0, dtype=self._dtypes[name]))
            for name, parts in self._parts.items()
        }
        if order and out[order[0]].size:
            perm = np.lexsort(tuple(out[k] for k in reversed(order)))
            out = {name: col[perm] for name, col in out.items()}
        return out


def run_fold(panel: Panel, targets: Targets, rules: Rules, progress: object = None) -> Ledger:
    """Fold the window's dates into the ledger (see the module docstring for the steps)."""
    T, N = panel.n_dates, panel.n_assets
    cash = float(rules.initial_cash)
    shares = np.zeros(N)
    nav_prev = cash

    eq_cash, eq_mv, eq_nav = np.zeros(T), np.zeros(T), np.zeros(T)
    eq_gross, eq_traded, eq_costs = np.zeros(T), np.zeros(T), np.zeros(T)
    eq_nav_prev = np.zeros(T)

    # trades.shares is signed here (< 0 sells); the table splits it into side and shares
    trades = _Columns(
        date=np.int64, asset=np.int64, shares=np.float64, price=np.float64, notional=np.float64,
        commission=np.float64, slippage_cost=np.float64, reason=np.int8, decision=np.int64,
    )  # fmt: skip
    orders = _Columns(
        decision=np.int64, fill=np.int64, asset=np.int64, weight=np.float64, price=np.float64,
        target=np.float64, order=np.float64, filled=np.float64, status=np.int8,
    )  # fmt: skip
    positions = _Columns(date=np.int64, asset=np.int64, shares=np.float64, close=np.float64)

    pending: _Decision | None = None
    for t in range(T):
        traded = costs = 0.0

        # 1. delisting: sell at the last close, before fills
        gone = panel.delist_asset[panel.delist_ptr[t] : panel.delist_ptr[t + 1]]
        if gone.size:
            gone = gone[shares[gone] != 0]
            if gone.size:
                q = shares[gone]
                px = panel.last_close[t, gone]
                cash += float((q * px).sum())
                notional = np.abs(q) * px
                traded += float(notional.sum())
                trades.add(date=t, asset=gone, shares=-q, price=px, notional=notional,
                           commission=0.0, slippage_cost=0.0, reason=DELISTED, decision=-1)  # fmt: skip
                shares[gone] = 0.0

        # 2. fills of yesterday's decision, all on this bar
        if pending is not None:
            d = pending
            idx = d.asset
            opens = panel.open[t, idx]
            if rules.fill_price_sizing:
                held = np.flatnonzero(shares)
                p_held = panel.open[t, held]
                p_held = np.where(np.isnan(p_held), panel.last_close[d.date, held], p_held)
                nav_open = cash + float(shares[held] @ p_held)
                size_px = np.where(np.isnan(opens), d.price, opens)
                target = _round(d.weight * nav_open / size_px, rules.fractional)
                order = target - shares[idx]
                keep = np.abs(order) * d.price > DUST * d.nav
                idx, opens, target, order = idx[keep], opens[keep], target[keep], order[keep]
                weight, price = d.weight[keep], d.price[keep]
                skipped = np.abs(order) * price < rules.min_trade_value
            else:
                target, order, weight, price, skipped = d.target, d.order, d.weight, d.price, d.skipped

            status = np.full(idx.size, FILLED, dtype=np.int8)
            status[skipped] = SKIPPED
            cancel = ~skipped & np.isnan(opens)
            status[cancel] = CANCELLED
            filled = np.zeros(idx.size)
            live = ~skipped & ~cancel

            sell = np.flatnonzero(live & (order < 0))
            if sell.size:
                q = -order[sell]
                px = opens[sell] * (1.0 - rules.slippage_rate)
                notional = q * px
                commission = notional * rules.commission_rate
                slip = q * opens[sell] * rules.slippage_rate
                cash += float(notional.sum() - commission.sum())
                traded += float(notional.sum())
                costs += float(commission.sum() + slip.sum())
                filled[sell] = -q
                shares[idx[sell]] -= q
                trades.add(date=t, asset=idx[sell], shares=-q, price=px, notional=notional,
                           commission=commission, slippage_cost=slip, reason=REBALANCE, decision=d.date)  # fmt: skip

            buy = np.flatnonzero(live & (order > 0))
            if buy.size:
                q = order[buy]
                px = opens[buy] * (1.0 + rules.slippage_rate)
                need = float((q * px).sum()) * (1.0 + rules.commission_rate)
                scaled = need > cash
                if scaled:
                    scale = cash / need
                    q = _round(q * scale, rules.fractional)
                    if scale < 1.0 - SCALE_EPS:
                        status[buy] = SCALED
                notional = q * px
                commission = notional * rules.commission_rate
                slip = q * opens[buy] * rules.slippage_rate
                cash -= float(notional.sum() + commission.sum())
                if cash < 0.0 or (scaled and rules.fractional):
                    cash = 0.0  # exactly 0 after a common cut; never float dust below 0
                traded += float(notional.sum())
                costs += float(commission.sum() + slip.sum())
                filled[buy] = q
                shares[idx[buy]] += q
                nz = q != 0
                trades.add(date=t, asset=idx[buy][nz], shares=q[nz], price=px[nz], notional=notional[nz],
                           commission=commission[nz], slippage_cost=slip[nz], reason=REBALANCE,
                           decision=d.date)  # fmt: skip

            orders.add(decision=d.date, fill=t, asset=idx, weight=weight, price=price, target=target,
                       order=order, filled=filled, status=status)  # fmt: skip
            pending = None

        # 3. the close
        held = np.flatnonzero(shares)
        close = panel.last_close[t, held]
        values = shares[held] * close
        market_value = float(values.sum())
        nav = cash + market_value
        eq_cash[t], eq_mv[t], eq_nav[t] = cash, market_value, nav
        eq_gross[t] = float(np.abs(values).sum())
        eq_traded[t], eq_costs[t], eq_nav_prev[t] = traded, costs, nav_prev
        if held.size:
            positions.add(date=t, asset=held, shares=shares[held], close=close)
        nav_prev = nav

        # 4. the decision
        if targets.is_rebalance[t]:
            pending = _decide(t, nav, shares, panel, targets, rules)
            if t == T - 1 and pending is not None:
                d = pending
                status = np.where(d.skipped, SKIPPED, PENDING).astype(np.int8)
                orders.add(decision=t, fill=-1, asset=d.asset, weight=d.weight, price=d.price,
                           target=d.target, order=d.order, filled=0.0, status=status)  # fmt: skip
                pending = None
        if progress is not None:
            progress(t + 1, T)  # type: ignore[operator]

    equity = {
        "date": np.arange(T, dtype=np.int64),
        "cash": eq_cash,
        "market_value": eq_mv,
        "nav": eq_nav,
        "return": eq_nav / eq_nav_prev - 1.0,
        "gross_exposure": eq_gross / eq_nav,
        "net_exposure": eq_mv / eq_nav,
        "turnover": eq_traded / eq_nav_prev,
        "costs": eq_costs,
    }
    return Ledger(
        equity=equity,
        trades=trades.build(("date", "asset")),
        orders=orders.build(("decision", "asset")),
        positions=positions.build(()),
    )


def _decide(t: int, nav: float, shares: F64, panel: Panel, targets: Targets, rules: Rules) -> _Decision | None:
    """Orders of the decision at the close of t: target - current over targeted and held assets."""
    t_asset = targets.asset[targets.ptr[t] : targets.ptr[t + 1]]
    t_weight = targets.weight[targets.ptr[t] : targets.ptr[t + 1]]
    idx = np.union1d(t_asset, np.flatnonzero(shares))
    if idx.size == 0:
        return None
    weight = np.zeros(idx.size)
    weight[np.searchsorted(idx, t_asset)] = t_weight
    price = panel.last_close[t, idx]
    target = _round(weight * nav / price, rules.fractional)
    order = target - shares[idx]
    keep = np.abs(order) * price > DUST * nav
    if rules.fill_price_sizing and t < panel.n_dates - 1:
        # sized at the next open; keep every asset with a target or a position for re-sizing there
        keep = np.ones(idx.size, dtype=bool)
    idx, weight, price, target, order = idx[keep], weight[keep], price[keep], target[keep], order[keep]
    skipped = np.abs(order) * price < rules.min_trade_value
    return _Decision(t, idx, weight, price, nav, target, order, skipped)


def _round(x: F64, fractional: bool) -> F64:
    return x if fractional else np.trunc(x)
