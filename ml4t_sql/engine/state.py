"""The fold's state: the `Book` the steps work on, and the `FoldState` one fold hands to the next.

`Book` is the working state inside one fold: cash[V], shares[V * N] (flat: variant * N + asset)
and the decision waiting for the next open (`Decision`). Steps change it in place; it never
leaves the fold.

`FoldState` is the same state as a plain value, between chunks of dates: arrays and scalars only
(the pending decision flattened into `pending_*` arrays), with `to_dict` / `from_dict` and a
bitwise `equals`, so it can be written (ml4t_sql.store.state), shipped and read back to continue
a fold bit for bit. A fold never changes the state it is given; it returns a new one, whose
arrays are read-only.

A later rule that carries something from date to date (stop references, a drawdown peak) adds
a field to `Book` and one to `FoldState`, and a line to each of `Book.open` / `Book.state`.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from typing import Any

import numpy as np

from .panel import F64, I64, B
from .rules import Rules


@dataclass(slots=True)
class Decision:
    """Orders decided at the close of `date` (window index), waiting for the next open.

    Entries are (variant, asset) pairs: `flat` = variant * N + asset, with `variant` and `asset`
    split out; every other array but `nav`, `close_row` and `nav_open` is aligned on them. The
    fold owns a decision: steps replace its arrays (`keep`, re-sizing), never write into them.
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
    in_band: B | None = None  # entries skipped by `drift_band` (also in `skipped`); None: none
    requested: F64 | None = None  # the orders before step cap cut `order` (None: not capped)
    impact: F64 | None = None  # each entry's impact, a fraction of the open (step cap; None: 0)

    def keep(self, mask: B) -> None:
        """Only the entries where `mask` is true remain."""
        self.flat, self.variant, self.asset = self.flat[mask], self.variant[mask], self.asset[mask]
        self.weight, self.price, self.target = self.weight[mask], self.price[mask], self.target[mask]
        self.order, self.skipped = self.order[mask], self.skipped[mask]
        if self.in_band is not None:
            self.in_band = self.in_band[mask]


@dataclass(slots=True)
class Book:
    """What the steps read and change from date to date: cash[V], shares[V * N], the pending decision.

    With `[risk]` rules (empty arrays otherwise): entry[V * N] average fill price of the position
    (NaN: flat), best[V * N] its best close since entry (NaN: entered at today's open),
    reentry[V * N] decisions the asset stays blocked; peak[V] the running NAV peak (NaN: none yet),
    halt_left[V] dates without a decision still to come, waiting[V] halted, until a schedule date.
    """

    cash: F64
    shares: F64
    pending: Decision | None
    entry: F64 = field(default_factory=lambda: _no_f())
    best: F64 = field(default_factory=lambda: _no_f())
    reentry: I64 = field(default_factory=lambda: _no_i())
    peak: F64 = field(default_factory=lambda: _no_f())
    halt_left: I64 = field(default_factory=lambda: _no_i())
    waiting: B = field(default_factory=lambda: _no_b())

    @classmethod
    def open(cls, state: FoldState, n_assets: int) -> Book:
        """A working copy of `state` (copies: the fold never writes to what it was given)."""
        p = None
        if state.pending_date >= 0:
            variant, asset = state.pending_variant.copy(), state.pending_asset.copy()
            p = Decision(
                date=state.pending_date,
                flat=variant * n_assets + asset,
                variant=variant,
                asset=asset,
                weight=state.pending_weight.copy(),
                price=state.pending_price.copy(),
                target=state.pending_target.copy(),
                order=state.pending_order.copy(),
                skipped=state.pending_skipped.copy(),
                nav=state.pending_nav.copy(),
                close_row=state.pending_close.copy() if state.pending_close.size else None,
                in_band=state.pending_in_band.copy() if state.pending_in_band.size else None,
            )
        return cls(state.cash.copy(), state.shares.copy(), p, entry=state.entry_price.copy(),
                   best=state.best_close.copy(), reentry=state.reentry_left.copy(), peak=state.peak.copy(),
                   halt_left=state.halt_left.copy(), waiting=state.halt_waiting.copy())  # fmt: skip

    def state(self, nav_prev: F64, offset: int, n_dates: int) -> FoldState:
        """The book as a `FoldState` (read-only arrays; the book must not be used afterwards)."""
        p = self.pending
        risk: dict[str, Any] = dict(entry_price=self.entry, best_close=self.best, reentry_left=self.reentry,
                                    peak=self.peak, halt_left=self.halt_left, halt_waiting=self.waiting)  # fmt: skip
        if p is None:
            return _frozen(FoldState(self.cash, self.shares, nav_prev, offset, n_dates, **risk))
        assert p.nav_open is None, "a decision re-sized at an open has filled there"
        return _frozen(FoldState(
            self.cash, self.shares, nav_prev, offset, n_dates, **risk, pending_date=p.date, pending_variant=p.variant,
            pending_asset=p.asset, pending_weight=p.weight, pending_price=p.price, pending_target=p.target,
            pending_order=p.order, pending_skipped=p.skipped, pending_nav=p.nav,
            pending_close=p.close_row if p.close_row is not None else _no_f(),
            pending_in_band=p.in_band if p.in_band is not None else _no_b(),
        ))  # fmt: skip


def _no_f() -> F64:
    return np.empty(0, dtype=np.float64)


def _no_i() -> I64:
    return np.empty(0, dtype=np.int64)


def _no_b() -> B:
    return np.empty(0, dtype=np.bool_)


@dataclass(frozen=True, eq=False)
class FoldState:
    """What one date hands to the next, as a plain value: enough to fold a window in chunks of dates.

    cash, nav_prev: [V]; shares: [V * N], flat (variant * N + asset). `offset` is the window
    index of the next date to fold; `n_dates` the window's length. `pending_date` is the window
    index of the decision waiting for the next open (-1: none); the `pending_*` arrays are its
    orders, one entry per (variant, asset) pair (`pending_nav`: [V], the NAV it was sized with;
    `pending_close`: [N], the decision's last closes when `sizing = "fill_price"` re-sizes it at
    the open, empty otherwise; `pending_in_band`: the orders `drift_band` skipped, empty when
    none). The `[risk]` fields are those of `Book` (empty without the rules).
    """

    cash: F64
    shares: F64
    nav_prev: F64
    offset: int
    n_dates: int
    pending_date: int = -1
    pending_variant: I64 = field(default_factory=_no_i)
    pending_asset: I64 = field(default_factory=_no_i)
    pending_weight: F64 = field(default_factory=_no_f)
    pending_price: F64 = field(default_factory=_no_f)
    pending_target: F64 = field(default_factory=_no_f)
    pending_order: F64 = field(default_factory=_no_f)
    pending_skipped: B = field(default_factory=_no_b)
    pending_nav: F64 = field(default_factory=_no_f)
    pending_close: F64 = field(default_factory=_no_f)
    pending_in_band: B = field(default_factory=_no_b)
    entry_price: F64 = field(default_factory=_no_f)
    best_close: F64 = field(default_factory=_no_f)
    reentry_left: I64 = field(default_factory=_no_i)
    peak: F64 = field(default_factory=_no_f)
    halt_left: I64 = field(default_factory=_no_i)
    halt_waiting: B = field(default_factory=_no_b)

    @classmethod
    def start(cls, rules: Rules, n_assets: int, n_dates: int) -> FoldState:
        """Before the window's first date: initial cash, no shares, nothing pending (no entries, no
        peak yet)."""
        cash = rules.initial_cash.astype(np.float64).copy()
        V, risk = rules.n_variants, dict[str, Any]()
        if rules.any_stops:
            risk.update(entry_price=np.full(V * n_assets, np.nan), best_close=np.full(V * n_assets, np.nan),
                        reentry_left=np.zeros(V * n_assets, dtype=np.int64))  # fmt: skip
        if rules.any_drawdown:
            risk.update(peak=np.full(V, np.nan), halt_left=np.zeros(V, dtype=np.int64),
                        halt_waiting=np.zeros(V, dtype=np.bool_))  # fmt: skip
        return _frozen(cls(cash, np.zeros(V * n_assets), cash.copy(), 0, n_dates, **risk))

    @property
    def n_variants(self) -> int:
        return int(self.cash.size)

    @property
    def n_assets(self) -> int:
        return int(self.shares.size // max(self.cash.size, 1))

    def to_dict(self) -> dict[str, Any]:
        """Field name -> ndarray or int, in field order (the arrays themselves, not copies)."""
        return {f.name: getattr(self, f.name) for f in fields(self)}

    @classmethod
    def from_dict(cls, values: dict[str, Any]) -> FoldState:
        """The state of `to_dict`'s output (arrays copied); ValueError naming what is inconsistent."""
        names = [f.name for f in fields(cls)]
        values = {**{k: v for k, v in _RISK_EMPTY.items() if k not in values}, **values}  # a state from before [risk]
        if sorted(values) != sorted(names):
            missing, extra = sorted(set(names) - set(values)), sorted(set(values) - set(names))
            raise ValueError(f"fold state: missing fields {missing}, unknown fields {extra}")
        out: dict[str, Any] = {}
        for name in names:
            value, kind = values[name], _KINDS[name]
            if kind is int:
                if isinstance(value, bool) or not isinstance(value, int | np.integer):
                    raise ValueError(f"fold state: {name} must be an integer, got {value!r}")
                out[name] = int(value)
            else:
                array = np.asarray(value)
                if array.ndim != 1 or (array.size and array.dtype != kind):
                    raise ValueError(f"fold state: {name} must be a 1-d {np.dtype(kind)} array, got {array.dtype}")
                out[name] = np.array(array, dtype=kind, copy=True)
        state = _frozen(cls(**out))
        state.check()
        return state

    def check(self) -> None:
        """ValueError if the arrays do not fit together (sizes, indices, offset)."""
        V, K = self.cash.size, self.pending_variant.size
        problems = []
        if V == 0 or self.nav_prev.size != V or self.shares.size % V:
            problems.append(f"{V} variants: cash, nav_prev need {V} entries and shares a multiple of {V}")
        N = self.shares.size // max(V, 1)
        if not 0 <= self.offset <= self.n_dates:
            problems.append(f"offset {self.offset} outside the window of {self.n_dates} dates")
        pending = [self.pending_asset, self.pending_weight, self.pending_price, self.pending_target,
                   self.pending_order, self.pending_skipped]  # fmt: skip
        if any(a.size != K for a in pending):
            problems.append("the pending_* order arrays differ in length")
        if self.pending_date < 0 and (K or self.pending_nav.size or self.pending_close.size
                                      or self.pending_in_band.size):  # fmt: skip
            problems.append("pending orders without a pending_date")
        if self.pending_date >= 0:
            if self.pending_nav.size != V or self.pending_close.size not in (0, N):
                problems.append(f"pending_nav needs {V} entries and pending_close 0 or {N}")
            if self.pending_in_band.size not in (0, K):
                problems.append(f"pending_in_band needs 0 or {K} entries")
            if not self.pending_date < self.offset:
                problems.append(f"pending_date {self.pending_date} is not before offset {self.offset}")
            if K and not ((0 <= self.pending_variant).all() and (self.pending_variant < V).all()
                          and (0 <= self.pending_asset).all() and (self.pending_asset < N).all()):  # fmt: skip
                problems.append("pending variant or asset index out of range")
        if any(x.size not in (0, V * N) for x in (self.entry_price, self.best_close, self.reentry_left)) or any(
            x.size not in (0, V) for x in (self.peak, self.halt_left, self.halt_waiting)
        ):
            problems.append(f"the [risk] arrays need 0 or {V * N} (entries) and 0 or {V} (peak, halt) entries")
        if problems:
            raise ValueError("fold state: " + "; ".join(problems))

    def equals(self, other: object) -> bool:
        """Bitwise equality: same fields, dtypes, shapes and bytes (NaN equals the same NaN)."""
        if not isinstance(other, FoldState):
            return False
        a, b = self.to_dict(), other.to_dict()
        return all(_same(a[k], b[k]) for k in a)

    __eq__ = equals  # type: ignore[assignment]
    __hash__ = None  # type: ignore[assignment]


_KINDS: dict[str, Any] = {
    f.name: int if f.type == "int" else {"F64": np.float64, "I64": np.int64, "B": np.bool_}[str(f.type)]
    for f in fields(FoldState)
}


_RISK_EMPTY: dict[str, Any] = {"entry_price": _no_f(), "best_close": _no_f(), "reentry_left": _no_i(), "peak": _no_f(),
                               "halt_left": _no_i(), "halt_waiting": _no_b()}  # fmt: skip
"""The `[risk]` fields of a state without the rules (and of one saved before they existed)."""


def _frozen(state: FoldState) -> FoldState:
    """`state`, its arrays made read-only (only for arrays the state owns: fresh or the fold's)."""
    for value in state.to_dict().values():
        if isinstance(value, np.ndarray):
            value.setflags(write=False)
    return state


def _same(x: Any, y: Any) -> bool:
    if isinstance(x, np.ndarray):
        return isinstance(y, np.ndarray) and x.dtype == y.dtype and x.shape == y.shape and x.tobytes() == y.tobytes()
    return type(x) is type(y) and x == y
