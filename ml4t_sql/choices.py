"""Every enumeration of choices, defined once: configuration, validation, SQL rendering and the fold
all use these (standard library only, so the engine can import it).

A choice's value is what users write in TOML and what the tables say; `code(member)` is the
small integer the fold carries in its arrays (the member's position in its enumeration), and
`labels(Enum)` gives the values in code order, to turn codes back into table values.
"""

from __future__ import annotations

from enum import StrEnum


class Weighting(StrEnum):
    """How a leg's weight is split over its selected assets (docs/SEMANTICS.md, *Built-in strategy*)."""

    EQUAL = "equal"
    SIGNAL = "signal"
    RANK = "rank"
    INVERSE_VOL = "inverse_vol"


class Schedule(StrEnum):
    """Rebalance schedules of the built-in strategy (sql/strategy/schedule_dates.sql)."""

    DAILY = "daily"
    WEEKLY = "weekly"
    MONTHLY = "monthly"
    MONTH_END = "month_end"
    QUARTERLY = "quarterly"


class Stale(StrEnum):
    """A held asset without a bar or a finite signal on a rebalance date: target 0, or keep its shares."""

    EXIT = "exit"
    HOLD = "hold"


class Sizing(StrEnum):
    """Which NAV and prices size the targets: the decision close, or the fill open (peeks)."""

    DECISION_CLOSE = "decision_close"
    FILL_PRICE = "fill_price"


class CashShortfall(StrEnum):
    """What happens when a decision's buys cost more than the cash (docs/SEMANTICS.md, *Compatibility options*)."""

    SCALE = "scale"
    SEQUENTIAL = "sequential"
    BORROW = "borrow"


class Rounding(StrEnum):
    """With whole shares: what is rounded toward zero, the target or the order (and zipline's snap)."""

    TARGET = "target"
    ORDER = "order"
    ORDER_SNAP = "order_snap"


class OrderStatus(StrEnum):
    """The orders table's `status`."""

    FILLED = "filled"
    SCALED = "scaled"
    CANCELLED = "cancelled"
    SKIPPED = "skipped"
    PENDING = "pending"
    PARTIAL = "partial"
    """`max_participation` cut the order below its shares (the rest cancelled, also when then scaled)."""
    IN_BAND = "in_band"
    """`drift_band`: the current weight was within the band of the target; no order sent."""


class TradeReason(StrEnum):
    """The trades table's `reason`."""

    REBALANCE = "rebalance"
    DELISTED = "delisted"
    STOP_LOSS = "stop_loss"
    TAKE_PROFIT = "take_profit"
    TRAILING_STOP = "trailing_stop"


class EventRule(StrEnum):
    """The events table's `rule`: what happened to a position outside the fills (docs/SEMANTICS.md)."""

    SPLIT = "split"
    DIVIDEND = "dividend"
    STOP_LOSS = "stop_loss"
    TAKE_PROFIT = "take_profit"
    TRAILING_STOP = "trailing_stop"
    MAX_DRAWDOWN = "max_drawdown"
    RESUME = "resume"


class Side(StrEnum):
    """The trades table's `side`."""

    BUY = "buy"
    SELL = "sell"


# --- [data.quality] policies: each rule's choices ------------------------------------------------


class MissingOpen(StrEnum):
    FAIL = "fail"
    DROP = "drop"
    NO_FILL = "no_fill"


class BadPrice(StrEnum):
    FAIL = "fail"
    DROP = "drop"


class InconsistentOhlc(StrEnum):
    FAIL = "fail"
    DROP = "drop"
    KEEP = "keep"


class BarTime(StrEnum):
    """`[data] bar_time`: the prices' and signals' timestamps must be midnights (``midnight``, the
    default: a time of day is refused), or their ``date`` part is the bar's date."""

    MIDNIGHT = "midnight"
    DATE = "date"


class WarnOrFail(StrEnum):
    WARN = "warn"
    FAIL = "fail"


class StaleRate(StrEnum):
    """Window dates whose previous close is after the last row of `[data] rates`: refuse the run
    (``fail``) or ``carry`` the last rate forward (a finding in the run's quality report)."""

    FAIL = "fail"
    CARRY = "carry"


class NoSignalDate(StrEnum):
    FAIL = "fail"
    CASH = "cash"


class MissingGroup(StrEnum):
    """An asset otherwise eligible on t without a group on t, when `[strategy] group` is set: not
    eligible, counted in the quality report (``warn``), or refused (``fail``)."""

    WARN = "warn"
    FAIL = "fail"


class AssetVariants(StrEnum):
    """Asset names that differ only by case or surrounding whitespace (sql/checks/asset_variants.sql)."""

    WARN = "warn"
    FOLD = "fold"
    FAIL = "fail"


def code(member: StrEnum) -> int:
    """The fold's integer code of a choice: its position in its enumeration."""
    return list(type(member)).index(member)


def labels(enum: type[StrEnum]) -> tuple[str, ...]:
    """The values of an enumeration in code order."""
    return tuple(m.value for m in enum)
