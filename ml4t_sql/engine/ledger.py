"""What the fold writes: typed records of the equity, trades, orders and positions tables.

Each record is a dataclass of aligned arrays, one field per column of the table of the same name
in ml4t_sql.schema, in the table's order, after `variant` (a sweep's tables keep it; a single
run's drop it). Three kinds of fields are not yet the table's values, and say so by their names:

- `*date_idx`: window date indices (-1: none; e.g. the decision of a delisting) for `*date`;
- `asset_idx`: asset indices for `asset`;
- the fields in `CODES` (status, reason, side): integer codes of ml4t_sql.choices.

A trailing underscore avoids a Python keyword (`return_` is `return`). ml4t_sql.results.tables
turns records into Arrow tables by these rules alone.

`Journal` is how the steps write: one `Day` (the scratch of the date being folded) and row logs
appended per date, built into records once at the end.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, fields
from enum import StrEnum
from typing import Any, ClassVar, Self

import numpy as np
from numpy.typing import NDArray

from ..choices import EventRule, OrderStatus, Side, TradeReason
from .panel import F64, I64
from .rules import BUY, SELL
from .state import FoldState

assert (BUY, SELL) == (0, 1), "trades' side is made from a bool array"

I8 = NDArray[np.int8]
"""Integer codes of ml4t_sql.choices (status, reason, side)."""


@dataclass(frozen=True)
class Records:
    """Rows of one table as aligned arrays (a base class: subclasses declare the fields)."""

    TABLE: ClassVar[str]
    CODES: ClassVar[dict[str, type[StrEnum]]] = {}

    def __len__(self) -> int:
        return int(getattr(self, fields(self)[0].name).size)

    def columns(self) -> dict[str, np.ndarray]:
        """Field name -> array, in field order."""
        return {f.name: getattr(self, f.name) for f in fields(self)}

    @classmethod
    def concat(cls, parts: Sequence[Self]) -> Self:
        """The rows of `parts`, one after another (e.g. the chunks of a window)."""
        return cls(**{f.name: np.concatenate([getattr(p, f.name) for p in parts]) for f in fields(cls)})


@dataclass(frozen=True)
class Equity(Records):
    """One row per (date, variant), date-major."""

    TABLE: ClassVar[str] = "equity"
    variant: I64
    date_idx: I64
    cash: F64
    market_value: F64
    nav: F64
    return_: F64
    gross_exposure: F64
    net_exposure: F64
    long_exposure: F64
    short_exposure: F64
    turnover: F64
    costs: F64
    financing: F64
    dividends: F64


@dataclass(frozen=True)
class Events(Records):
    """One row per (date, variant, asset, rule): what happened to a position outside the fills."""

    TABLE: ClassVar[str] = "events"
    CODES: ClassVar[dict[str, type[StrEnum]]] = {"rule": EventRule}
    variant: I64
    date_idx: I64
    asset_idx: I64
    rule: I8
    detail: NDArray[np.object_]  # str


@dataclass(frozen=True)
class Trades(Records):
    """One row per fill or delisting, in (date, variant, asset) order."""

    TABLE: ClassVar[str] = "trades"
    CODES: ClassVar[dict[str, type[StrEnum]]] = {"side": Side, "reason": TradeReason}
    variant: I64
    date_idx: I64
    asset_idx: I64
    side: I8
    shares: F64  # > 0
    price: F64
    notional: F64
    commission: F64
    slippage_cost: F64
    impact_cost: F64
    reason: I8
    decision_date_idx: I64


@dataclass(frozen=True)
class Orders(Records):
    """One row per (decision, variant, asset) order, in (decision date, variant, asset) order."""

    TABLE: ClassVar[str] = "orders"
    CODES: ClassVar[dict[str, type[StrEnum]]] = {"status": OrderStatus}
    variant: I64
    decision_date_idx: I64
    fill_date_idx: I64
    asset_idx: I64
    target_weight: F64
    decision_price: F64
    target_shares: F64
    order_shares: F64
    capped_shares: F64
    filled_shares: F64
    status: I8


@dataclass(frozen=True)
class Positions(Records):
    """One row per (date, variant, held asset), in (date, variant, asset) order."""

    TABLE: ClassVar[str] = "positions"
    variant: I64
    date_idx: I64
    asset_idx: I64
    shares: F64
    close: F64
    market_value: F64
    weight: F64


@dataclass(frozen=True)
class Ledger:
    """Everything one fold produced, and the state to continue it with."""

    equity: Equity
    trades: Trades
    orders: Orders
    positions: Positions
    state: FoldState
    events: Events | None = None


class _Log:
    """Rows of one output table, appended per date as (scalars..., arrays...); built once at the end.

    Appending costs one list append; scalars (dates) are repeated and arrays concatenated only in
    `build`.
    """

    def __init__(self, scalars: tuple[tuple[str, type], ...], arrays: tuple[tuple[str, type], ...]) -> None:
        self.scalars, self.arrays = scalars, arrays
        self.rows: list[tuple[Any, ...]] = []
        self.append = self.rows.append

    def build(self) -> dict[str, np.ndarray]:
        k = len(self.scalars)
        if not self.rows:
            return {name: np.empty(0, dtype=dtype) for name, dtype in self.scalars + self.arrays}
        columns = list(zip(*self.rows, strict=True))
        sizes = np.fromiter((a.size for a in columns[k]), dtype=np.int64, count=len(self.rows))
        out: dict[str, np.ndarray] = {}
        for (name, dtype), values in zip(self.scalars, columns[:k], strict=True):
            out[name] = np.repeat(np.asarray(values, dtype=dtype), sizes)
        for (name, dtype), values in zip(self.arrays, columns[k:], strict=True):
            out[name] = np.concatenate(values).astype(dtype, copy=False)
        return out


class Day:
    """The scratch of the date being folded: what the steps of one date tell each other.

    t: local date index (into the chunk's panel), date: window index (t + the state's offset);
    traded, costs: [V] notional traded and costs of the date so far (rows of the journal's
    equity arrays, added to in place); financing: [V] the date's financing (step finance);
    dividends: [V] the date's dividends (step actions);
    fills: the date's trades so far, pieces of aligned
    arrays, each in (variant, asset) order (see `trade`); nav: [V] NAV at the close (set by the
    close step); kept, leg_scale: the held assets whose shares the decision keeps (flat indices,
    sorted) and the factor on each variant's long and short target weights ([V, 2]), set by step
    keep_stale (None: nothing kept on t). `[risk]`: deciding [V] the variants that decide on t
    and flatten [V] those whose targets are all zero (step drawdown; None: the schedule's), blocked
    the flat indices whose target weight is 0 (step reentry; None: none).
    """

    __slots__ = ("journal", "t", "date", "traded", "costs", "financing", "dividends", "fills", "nav", "kept",
                 "leg_scale", "deciding", "flatten", "blocked")  # fmt: skip

    def __init__(self, journal: Journal) -> None:
        self.journal = journal
        self.t, self.date = -1, -1
        self.traded = self.costs = self.financing = self.dividends = self.nav = np.empty(0)
        self.fills: list[tuple[np.ndarray, ...]] = []
        self.kept: np.ndarray | None = None
        self.leg_scale: np.ndarray | None = None
        self.deciding: np.ndarray | None = None
        self.flatten: np.ndarray | None = None
        self.blocked: np.ndarray | None = None

    def start(self, t: int) -> None:
        """Turn to local date t: nothing traded yet."""
        self.t, self.date = t, self.journal.t0 + t
        self.traded, self.costs = self.journal.traded[t], self.journal.costs[t]
        self.financing = self.journal.financing[t]
        self.dividends = self.journal.dividends[t]
        self.fills = []
        self.kept = self.leg_scale = None
        self.deciding = self.flatten = self.blocked = None

    def trade(
        self, reason: int | I8, decision: int, flat: I64, v: I64, a: I64, shares: F64, price: F64,
        notional: F64, commission: F64, slippage_cost: F64, impact_cost: F64,
    ) -> None:  # fmt: skip
        """Trades of this date, sorted by `flat` (variant * N + asset), all of one decision (-1: none)
        and of one reason or one per trade; `shares` signed (< 0: sells); `slippage_cost` includes
        `impact_cost`."""
        n = flat.size
        self.fills.append((flat, v, a, shares, price, notional, commission, slippage_cost, impact_cost,
                           np.full(n, reason, dtype=np.int8), np.full(n, decision, dtype=np.int64)))  # fmt: skip

    def event(self, rule: int | I8, v: I64, a: I64, detail: list[str] | Callable[[], list[str]]) -> None:
        """Events rows of this date in (variant, asset) order, of one rule or one per row; `detail`:
        their texts, or a function giving them, called once when the fold is done (the formatting
        is what costs, and a step firing on most dates should not pay it per date)."""
        self.journal.events.append((self.date, np.full(v.size, rule, dtype=np.int8), v, a, detail))

    def book_trades(self) -> None:
        """The date's trades to the journal; `Journal.ledger` puts them in (variant, asset) order,
        appends' order kept for one pair (one sort at the end, not one per date)."""
        fills = self.fills
        if not fills:
            return
        journal = self.journal
        for piece in fills:
            journal.trades.append((self.date, *piece[1:]))
        if len(fills) > 1:
            journal.trades_interleaved = True


class Journal:
    """The rows one fold writes, date by date.

    Equity: [T, V] arrays written per date (cash, market_value, gross, traded, costs). Trades,
    orders, positions: row logs whose columns are named as in the records; trades carry signed
    shares (< 0: sells) until `ledger` splits them into side and shares; `Day.book_trades` appends
    each date's pieces of trades, put in (date, variant, asset) order by `ledger`.
    """

    def __init__(self, n_dates: int, n_variants: int, n_assets: int, t0: int) -> None:
        shape = (n_dates, n_variants)
        self.t0, self.n_dates, self.n_variants, self.n_assets = t0, n_dates, n_variants, n_assets
        self.cash, self.market_value, self.gross = np.zeros(shape), np.zeros(shape), np.zeros(shape)
        self.traded, self.costs, self.financing = np.zeros(shape), np.zeros(shape), np.zeros(shape)
        self.dividends = np.zeros(shape)
        self.trades_interleaved = False  # a date's trades came in more than one piece (Day.book_trades)
        self.events = _Log((("date_idx", np.int64),), (("rule", np.int8), ("variant", np.int64),
                           ("asset_idx", np.int64), ("detail", np.object_)))  # fmt: skip
        self.trades = _Log(
            (("date_idx", np.int64),),
            (("variant", np.int64), ("asset_idx", np.int64), ("signed_shares", np.float64), ("price", np.float64),
             ("notional", np.float64), ("commission", np.float64), ("slippage_cost", np.float64),
             ("impact_cost", np.float64), ("reason", np.int8), ("decision_date_idx", np.int64)),
        )  # fmt: skip
        self.orders = _Log(
            (("decision_date_idx", np.int64), ("fill_date_idx", np.int64)),
            (("variant", np.int64), ("asset_idx", np.int64), ("target_weight", np.float64),
             ("decision_price", np.float64), ("target_shares", np.float64), ("order_shares", np.float64),
             ("capped_shares", np.float64), ("filled_shares", np.float64), ("status", np.int8)),
        )  # fmt: skip
        self.positions = _Log(
            (("date_idx", np.int64),),
            (("variant", np.int64), ("asset_idx", np.int64), ("shares", np.float64), ("close", np.float64),
             ("market_value", np.float64), ("weight", np.float64)),
        )  # fmt: skip

    def ledger(self, nav_before: F64, state: FoldState) -> Ledger:
        """The records of every date written, and `state` to continue from (`nav_before`: [V] NAV
        of the date before the first)."""
        T, V, t0 = self.n_dates, self.n_variants, self.t0
        nav = self.cash + self.market_value
        nav_prev = np.vstack([nav_before[None, :], nav[:-1]])
        equity = Equity(
            variant=np.tile(np.arange(V, dtype=np.int64), T),
            date_idx=np.repeat(np.arange(t0, t0 + T, dtype=np.int64), V),
            cash=self.cash.ravel(),
            market_value=self.market_value.ravel(),
            nav=nav.ravel(),
            return_=(nav / nav_prev - 1.0).ravel(),
            gross_exposure=(self.gross / nav).ravel(),
            net_exposure=(self.market_value / nav).ravel(),
            # long = (gross + net) / 2, short = (gross - net) / 2: exactly gross and 0 for a long-only
            # book (the sums of |value| and of value are the same sums there), no per-date work
            long_exposure=((np.maximum(self.gross + self.market_value, 0.0) + 0.0) * 0.5 / nav).ravel(),
            short_exposure=((np.maximum(self.gross - self.market_value, 0.0) + 0.0) * 0.5 / nav).ravel(),
            turnover=(self.traded / nav_prev).ravel(),
            costs=self.costs.ravel(),
            financing=self.financing.ravel(),
            dividends=self.dividends.ravel(),
        )
        t = self.trades.build()  # every other log is in (date, variant, asset) order as appended
        if self.trades_interleaved:  # some date had trades of more than one step: (date, variant, asset)
            key = (t["date_idx"] * self.n_variants + t["variant"]) * self.n_assets + t["asset_idx"]
            by = np.argsort(key, kind="stable")
            t = {name: values[by] for name, values in t.items()}
        signed = t.pop("signed_shares")
        side = (signed < 0).view(np.int8)  # SELL is 1, BUY 0 (checked at import)
        trades = Trades(side=side, shares=np.abs(signed), **t)
        positions = Positions(**self.positions.build())
        orders = Orders(**self.orders.build())
        rows = self.events.rows
        rows[:] = [(*row[:-1], np.array(row[-1]() if callable(row[-1]) else row[-1], dtype=object)) for row in rows]
        events = _events(self.events.build())
        return Ledger(equity=equity, trades=trades, orders=orders, positions=positions, state=state, events=events)


def _events(columns: dict[str, np.ndarray]) -> Events:
    """The events log as records in (date, variant, asset, rule) order (appended per date and rule)."""
    by = np.lexsort((columns["rule"], columns["asset_idx"], columns["variant"], columns["date_idx"]))
    return Events(**{name: values[by] for name, values in columns.items()})
