"""Engine-level factories: random ragged panels with every rule option, and one-date step setups.

`random_case(seed, ...)` draws a Panel, Targets and Rules straight in NumPy (no DuckDB): gaps,
NULL opens, delistings, rebalance dates per variant, weights summing to less or more than 1
(more forces the cash rule), and per variant: fractional or whole shares, every rounding mode,
every cash_shortfall mode, decision_close or fill_price sizing, commissions, slippage and
min_trade_value; with `risk` (the default), the bars' high and low and, for most seeds, the
`[risk]` rules (`with_risk`). `cases()` is the same as a hypothesis strategy.
"""

from __future__ import annotations

import dataclasses
from dataclasses import replace
from typing import Any

import numpy as np
from hypothesis import strategies as st

from ml4t_sql.engine.context import Context
from ml4t_sql.engine.ledger import Day, Journal
from ml4t_sql.engine.panel import Panel, Targets
from ml4t_sql.engine.rules import Rules
from ml4t_sql.engine.state import Book, Decision, FoldState


def random_case(
    seed: int, n_dates: int = 25, n_assets: int = 6, n_variants: int = 4, *, bar_prob: float = 0.8,
    delist_after: int = 2, risk: bool = True,
) -> tuple[Panel, Targets, Rules]:  # fmt: skip
    """A ragged panel with gaps and NULL opens, random targets, and rules varied per variant."""
    rng = np.random.default_rng(seed)
    T, N, V = n_dates, n_assets, n_variants
    has_bar = rng.random((T, N)) < bar_prob
    close = np.where(has_bar, np.exp(rng.normal(3, 0.5, (T, N))), np.nan)
    opens = np.where(has_bar & (rng.random((T, N)) > 0.1), close * rng.uniform(0.9, 1.1, (T, N)), np.nan)
    latest = np.maximum.accumulate(np.where(has_bar, np.arange(T)[:, None], -1), axis=0)
    last_close = np.take_along_axis(close, np.maximum(latest, 0), axis=0)
    last_close[latest < 0] = np.nan
    gap = np.arange(T)[:, None] - latest
    t_idx, a_idx = np.nonzero((latest >= 0) & (gap == delist_after))
    panel = Panel(opens, last_close, pointers(t_idx, T), a_idx.astype(np.int64))

    rebalance = rng.random((V, T)) < rng.choice([1.0, 0.5], V)[:, None]
    rows: list[tuple[int, int, int, float]] = []
    for t in range(T):
        priced = np.flatnonzero(~np.isnan(last_close[t]))
        for v in range(V):
            if not rebalance[v, t]:
                continue
            k = min(int(rng.integers(0, 5)), priced.size)
            picked = np.sort(rng.choice(priced, size=k, replace=False))
            weights = rng.random(k) + 0.05
            weights *= rng.choice([1.0, 0.7, 1.3]) / weights.sum() if k else 1.0
            rows += [(t, v, int(a), float(w)) for a, w in zip(picked, weights, strict=True)]
    arr = np.array(rows, dtype=float).reshape(-1, 4)
    targets = Targets(rebalance, pointers(arr[:, 0].astype(np.int64), T), arr[:, 1].astype(np.int64),
                      arr[:, 2].astype(np.int64), arr[:, 3])  # fmt: skip

    fractional = rng.random(V) < 0.5
    rules = Rules(
        initial_cash=rng.choice([100.0, 1_000.0, 100_000.0], V),
        fill_price_sizing=rng.random(V) < 0.4,
        fractional=fractional,
        commission_rate=rng.choice([0.0, 0.001, 0.01], V),
        slippage_rate=rng.choice([0.0, 0.002], V),
        min_trade_value=rng.choice([0.0, 0.0, 50.0], V),
        cash_shortfall=rng.integers(0, 3, V).astype(np.int64) if rng.random() < 0.8 else None,
        rounding=np.where(fractional, 0, rng.integers(0, 3, V)).astype(np.int64) if rng.random() < 0.8 else None,
    )
    if rng.random() < 0.5:  # capacity and trading costs: caps, impact, per-share fees, minimums, bands, lots
        volume = np.where(has_bar & (rng.random((T, N)) > 0.1), rng.choice([0.0, 20.0, 300.0, 5_000.0], (T, N)), np.nan)
        sigma = rng.uniform(0.0, 0.05, (1, T, N))
        panel = replace(panel, volume=volume, sigma=sigma, sigma_windows=(20,))
        shortfall = rules.cash_shortfall if rules.cash_shortfall is not None else np.zeros(V, dtype=np.int64)
        fixed = shortfall != 1  # not with sequential
        rules = replace(
            rules,
            max_participation=rng.choice([np.inf, 0.05, 0.5, 1.0], V),
            commission_per_share=np.where(fixed, rng.choice([0.0, 0.01], V), 0.0),
            commission_min=np.where(fixed, rng.choice([0.0, 1.0, 20.0], V), 0.0),
            impact_coefficient=rng.choice([0.0, 0.5], V),
            impact_vol_window=np.full(V, 20, dtype=np.int64),
            drift_band=rng.choice([np.nan, 0.02, 0.1], V),
            lot_size=np.where(fractional, 1.0, rng.choice([1.0, 5.0], V)),
        )
    if risk:
        panel, rules = with_risk(panel, rules, seed)
    return panel, targets, rules


def with_risk(panel: Panel, rules: Rules, seed: int) -> tuple[Panel, Rules]:
    """The panel with bars' high and low, and `[risk]` rules on for most variants of most seeds
    (drawn from their own generator: the rest of the case is that of the seed without them)."""
    rng = np.random.default_rng([seed, 13])
    T, N = panel.n_dates, panel.n_assets
    V = rules.n_variants
    close = np.where(np.isnan(panel.open), panel.last_close, panel.open)  # a stand-in where no open
    top = np.fmax(panel.open, close) * rng.uniform(1.0, 1.12, (T, N))
    bottom = np.fmin(panel.open, close) * rng.uniform(0.88, 1.0, (T, N))
    has_bar = ~np.isnan(panel.open)
    panel = dataclasses.replace(panel, high=np.where(has_bar, top, np.nan), low=np.where(has_bar, bottom, np.nan))
    if rng.random() < 0.15:
        return panel, rules

    def level(p: float, values: list[float]) -> np.ndarray:
        return np.where(rng.random(V) < p, rng.choice(values, V), np.nan)

    rules = dataclasses.replace(
        rules,
        stop_loss=level(0.6, [0.02, 0.05, 0.1]),
        take_profit=level(0.5, [0.03, 0.08, 0.2]),
        trailing_stop=level(0.5, [0.03, 0.06, 0.15]),
        reentry_after=rng.integers(0, 3, V).astype(np.int64),
        max_drawdown=level(0.4, [0.02, 0.05, 0.15]),
        halt_dates=rng.integers(0, 4, V).astype(np.int64),
    )
    return panel, rules


@st.composite
def cases(draw: Any) -> tuple[Panel, Targets, Rules]:
    """random_case with its sizes drawn too (1 date, 1 asset and 1 variant included)."""
    return random_case(
        draw(st.integers(0, 2**32 - 1)),
        n_dates=draw(st.integers(1, 30)),
        n_assets=draw(st.integers(1, 7)),
        n_variants=draw(st.integers(1, 5)),
        bar_prob=draw(st.sampled_from([1.0, 0.85, 0.6])),
        delist_after=draw(st.integers(1, 3)),
    )


def pointers(date_idx: np.ndarray, n_dates: int) -> np.ndarray:
    """CSR row pointers of rows sorted by date index."""
    return np.concatenate(([0], np.cumsum(np.bincount(date_idx, minlength=n_dates)))).astype(np.int64)


def rules(n_variants: int = 1, **values: Any) -> Rules:
    """Rules of `n_variants` variants: cash 1,000, fractional, no costs, unless `values` say otherwise."""
    defaults: dict[str, Any] = {
        "initial_cash": 1_000.0, "fill_price_sizing": False, "fractional": True, "commission_rate": 0.0,
        "slippage_rate": 0.0, "min_trade_value": 0.0,
    }  # fmt: skip
    out: dict[str, Any] = {}
    for name, default in {**defaults, **values}.items():
        if default is None or name in ("cash_shortfall", "rounding"):
            out[name] = None if default is None else np.asarray(default, dtype=np.int64).reshape(-1)
        else:
            out[name] = np.broadcast_to(np.asarray(default), (n_variants,)).copy()
    return Rules(**out)


def panel(opens: list[list[float]], closes: list[list[float]], delist: dict[int, list[int]] | None = None) -> Panel:
    """A Panel from rows of opens and last closes (NaN: none), delistings as {date: [assets]}."""
    delist = delist or {}
    T = len(closes)
    who = [a for t in range(T) for a in delist.get(t, [])]
    dates = np.array([t for t in range(T) for _ in delist.get(t, [])], dtype=np.int64)
    return Panel(np.array(opens, dtype=float), np.array(closes, dtype=float), pointers(dates, T),
                 np.array(who, dtype=np.int64))  # fmt: skip


def targets(n_dates: int, n_variants: int, rows: list[tuple[int, int, int, float]],
            rebalance: list[tuple[int, int]] | None = None) -> Targets:  # fmt: skip
    """Targets from (date, variant, asset, weight) rows; rebalance dates: `rebalance` as (variant,
    date), or each (variant, date) of the rows."""
    rows = sorted(rows)
    is_rebalance = np.zeros((n_variants, n_dates), dtype=bool)
    for v, t in rebalance if rebalance is not None else [(v, t) for t, v, _, _ in rows]:
        is_rebalance[v, t] = True
    arr = np.array(rows, dtype=float).reshape(-1, 4)
    return Targets(is_rebalance, pointers(arr[:, 0].astype(np.int64), n_dates), arr[:, 1].astype(np.int64),
                   arr[:, 2].astype(np.int64), arr[:, 3])  # fmt: skip


def one_date(
    p: Panel, r: Rules, t: int = 0, *, cash: list[float] | None = None,
    shares: dict[tuple[int, int], float] | None = None, tg: Targets | None = None, n_dates: int | None = None,
) -> tuple[Context, Book, Day]:  # fmt: skip
    """A step's world at local date t: the book with `cash` per variant and `shares` {(variant, asset): n}."""
    N, V = p.n_assets, r.n_variants
    tg = tg if tg is not None else targets(p.n_dates, V, [])
    state = FoldState.start(r, N, n_dates if n_dates is not None else p.n_dates)
    ctx = Context.build(p, tg, r, state)
    book = Book.open(state, N)
    if cash is not None:
        book.cash[:] = cash
    for (v, a), q in (shares or {}).items():
        book.shares[v * N + a] = q
    day = Day(Journal(p.n_dates, V, N, 0))
    day.start(t)
    return ctx, book, day


def decision(
    n_assets: int, n_variants: int, orders: dict[tuple[int, int], float], *, date: int = 0, nav: float = 1_000.0,
    price: float = 10.0, weight: float = 0.0, skipped: tuple[tuple[int, int], ...] = (),
) -> Decision:  # fmt: skip
    """A pending decision of `orders` {(variant, asset): signed shares}, in (variant, asset) order."""
    pairs = sorted(orders)
    v = np.array([p[0] for p in pairs], dtype=np.int64)
    a = np.array([p[1] for p in pairs], dtype=np.int64)
    order = np.array([orders[p] for p in pairs], dtype=float)
    k = len(pairs)
    return Decision(date, v * n_assets + a, v, a, np.full(k, weight), np.full(k, price), order, order,
                    np.array([p in skipped for p in pairs], dtype=bool), np.full(n_variants, nav))  # fmt: skip


def ledger_of(day: Day, state: FoldState | None = None) -> Any:
    """The records `day`'s journal holds, the date's trades booked first as the close step does
    (equity rows are zero for dates no close step ran)."""
    day.book_trades()
    j = day.journal
    nav_before = np.zeros(j.n_variants)
    state = state if state is not None else FoldState(nav_before, np.zeros(j.n_variants * j.n_assets), nav_before, 0, 0)
    with np.errstate(all="ignore"):  # returns and exposures of dates without a close: 0 / 0
        return j.ledger(nav_before, state)
