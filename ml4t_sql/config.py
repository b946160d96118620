"""Run configuration: frozen, keyword-only, validated on load.

A configuration comes from a TOML file, a dict of the same shape, or is built directly::

    [data]                      # inputs: a Parquet file, glob or hive folder, a .csv, a .sql query
    prices = "prices.parquet"   #   over `prices`, or {database = "x.duckdb", table = "t"}
    signals = "signals.parquet" # optional; signal columns may also sit in `prices`
    [data.columns]              # input column names, when they differ from ours
    asset = "symbol"
    [data.quality]              # what to do with dirty rows: "fail" (default), "drop", ...
    [strategy]                  # built-in top-N strategy, or `sql` for your own targets
    [execution]                 # money, costs and the fill rule
    [output]                    # where tables go
    [research]                  # signal research (ml4t-sql research): horizons and quantiles

Relative paths in a TOML file are relative to that file's folder.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import difflib
import hashlib
import json
import math
import tomllib
import typing
from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import Any

from .choices import (
    AssetVariants,
    BadPrice,
    BarTime,
    CashShortfall,
    InconsistentOhlc,
    MissingGroup,
    MissingOpen,
    NoSignalDate,
    Rounding,
    Schedule,
    Sizing,
    Stale,
    StaleRate,
    WarnOrFail,
    Weighting,
)
from .errors import ConfigError, Problems
from .templates import is_ident

AUTO = "auto"
"""`[execution] start = "auto"`: the window starts where the strategy first has something to say."""

Source = Any
"""An input relation: a path (str/Path) to Parquet/CSV/SQL, a glob, a hive-partitioned folder,
``{database = ..., table = ...}``, or an in-memory Arrow table / Polars / pandas frame."""


@dataclass(frozen=True, kw_only=True)
class Columns:
    """Names of the standard columns in the inputs (applied to `prices` and `signals`)."""

    date: str = "date"
    asset: str = "asset"
    open: str = "open"
    high: str = "high"
    low: str = "low"
    close: str = "close"
    volume: str = "volume"


@dataclass(frozen=True, kw_only=True)
class Quality:
    """Policies for dirty price rows; each is checked before anything runs.

    missing_open: a bar with a NULL open. ``fail``; ``drop`` the row; or ``no_fill``: keep the bar
        (its close values positions and feeds signals) but no order can fill at that open.
    bad_price: a NULL, NaN, infinite, zero or negative close, a NaN/infinite/non-positive
        open, high or low, or a NaN/infinite/negative volume. ``fail`` or ``drop`` the row.
    inconsistent_ohlc: ``high < max(open, close)``, ``low > min(open, close)`` or ``high < low``
        (NULL high/low are not checked). ``fail``; ``drop`` the row (one of its prices is wrong and
        we cannot tell which); or ``keep`` it (the engine trades at the open and values at the
        close; high and low are not used).
    unknown_signal_asset: signal rows of assets that never appear in prices. ``warn`` (default:
        they are never eligible, and the run's report says so) or ``fail``.
    off_calendar_signal: signal rows dated on a day with no price bar at all (a weekend, a
        holiday). ``warn`` (default: never used) or ``fail``.
    no_signal_date: a rebalance date of the window on which no asset with a bar has a finite
        signal (built-in strategy). ``fail`` (default) or ``cash``: hold cash that date.
    asset_variants: asset names that differ only by case or surrounding whitespace ('AAPL', 'aapl',
        ' AAPL'), in prices or signals. ``warn`` (default: they stay distinct assets, and the run's
        report says so), ``fold`` them into one name (the most frequent spelling, trimmed; for
        signals, the prices' spelling) or ``fail``.
    missing_group: with `[strategy] group` set, an asset that passes every other filter on a
        rebalance date but has no group on it (no row, or a NULL value). ``warn`` (default: it is
        not eligible that date, and the run's report counts it) or ``fail``.
    stale_rate: window dates whose previous close is after the last row of `[data] rates` (the
        series ended). ``fail`` (default: refused) or ``carry`` the last rate forward (the run's
        report has a finding with the dates carried).
    unknown_fee_asset: `[data] borrow_fees` rows of assets that never appear in prices. ``warn``
        (default: never used) or ``fail``.
    Every rule, its choices and what the S&P 500 sample triggers: docs/DATA_QUALITY.md.
    """

    missing_open: MissingOpen = MissingOpen.FAIL
    bad_price: BadPrice = BadPrice.FAIL
    inconsistent_ohlc: InconsistentOhlc = InconsistentOhlc.FAIL
    unknown_signal_asset: WarnOrFail = WarnOrFail.WARN
    off_calendar_signal: WarnOrFail = WarnOrFail.WARN
    no_signal_date: NoSignalDate = NoSignalDate.FAIL
    asset_variants: AssetVariants = AssetVariants.WARN
    missing_group: MissingGroup = MissingGroup.WARN
    stale_rate: StaleRate = StaleRate.FAIL
    unknown_fee_asset: WarnOrFail = WarnOrFail.WARN


@dataclass(frozen=True, kw_only=True)
class Data:
    """The inputs. `prices` is required; `tables` adds named relations for custom SQL.

    benchmark: optional `(date, return)` or `(date, price)` relation, same source forms as prices
        (see ml4t_sql.benchmark); without it, metrics compare with the equal-weight universe.
    universe: optional point-in-time membership of the built-in strategy's universe, same source
        forms: `(asset, start_date, end_date)` spans (inclusive; end NULL = still a member) or
        `(date, asset)` snapshots (the members on t are the latest snapshot dated <= t).
    assets: optional attributes for `[strategy] group`: static `(asset, <columns>)` or
        point-in-time `(date, asset, <columns>)` (the row in force on t: the latest dated <= t).
    rates: optional `(date, rate)` relation: the annual rate (a decimal, -1 < rate < 1) on
        positive cash from each row's date on; overrides `[execution] cash_rate`, which applies
        before its first row. A date's interest uses the row in force at the previous close.
    borrow_fees: optional `(asset, fee)` or `(date, asset, fee)` relation: the annual fee (a
        decimal, >= 0) on the absolute market value of an asset's shorts, overriding
        `[execution] short_fee` for that asset (dated rows: from their date on).
    actions: optional `(date, asset, split, dividend)` relation of corporate actions on raw
        prices: date the ex-date, split new shares per old share (> 0; missing or NULL: 1),
        dividend cash per old share (>= 0; missing or NULL: 0). See docs/SEMANTICS.md,
        *Corporate actions*.
    bar_time: the prices' and signals' date columns given as timestamps: ``midnight`` (default:
        every timestamp must be a midnight; a time of day is refused) or ``date``: the date part
        is the bar's date (bars stamped 16:00 or 23:59:59 at the close); two rows of one asset on
        one date are then duplicate keys, refused as any other.
    """

    prices: Source
    signals: Source | None = None
    benchmark: Source | None = None
    universe: Source | None = None
    assets: Source | None = None
    rates: Source | None = None
    borrow_fees: Source | None = None
    actions: Source | None = None
    bar_time: BarTime = BarTime.MIDNIGHT
    tables: Mapping[str, Source] = field(default_factory=dict)
    columns: Columns = field(default_factory=Columns)
    quality: Quality = field(default_factory=Quality)


@dataclass(frozen=True, kw_only=True)
class Strategy:
    """What to hold. Built in: rank by `signal` (descending, ties by asset), hold the `top_n`.

    signal: signal column name (in `signals`, or in `prices` when there is no `signals`).
    top_n: number of assets to hold, a whole number, 1 <= top_n <= 1e9 assets; fewer when fewer
        are eligible (a top_n above every universe selects every eligible asset).
    weighting: ``equal`` (1/k each), ``signal`` (proportional to the positive signal; on the short
        leg to the negative one), ``rank`` (k, k-1, ..., 1 from the most extreme signal) or
        ``inverse_vol`` (proportional to 1 / the sample std of the last `vol_window` returns).
    rebalance: ``daily``, ``weekly``, ``monthly``, ``month_end`` or ``quarterly``. Default daily;
        with `sql`, default is the distinct dates of the returned targets.
    rebalance_every: rebalance on every k-th window date, the first window date included; a whole
        number, 1 <= rebalance_every <= 1e6 window dates. Replaces `rebalance` when both are set.
    min_signal: when set, an asset is eligible only if ``signal > min_signal``; any finite number,
        in the signal's units.
    stale: a held asset that has no bar or no finite signal on a rebalance date: ``exit``
        (default: its target is 0) or ``hold`` (it keeps its shares, no order; its weight at the
        decision close comes out of its leg, the other assets share the rest). Built-in strategy
        only. Gaps longer than `[execution] delist_after` still delist.
    min_price: when set, eligible on t only if its close on t is at least this;
        0 <= min_price <= 1e12, in the prices' currency.
    min_adv: when set, eligible on t only if its average daily dollar volume (the mean of
        close x volume over its last `adv_window` bars up to t, fewer when fewer exist) is at least
        this; 0 <= min_adv <= 1e27, in the prices' currency per bar.
    adv_window: bars averaged by `min_adv`, a whole number, 1 <= adv_window <= 1e6 bars (default 20).
    min_history: when set, eligible on t only with at least this many bars dated <= t (history
        before `start` counts); a whole number, 1 <= min_history <= 1e6 bars.
    group: a column of `[data] assets` (or else of prices) naming each asset's group on t
        (e.g. ``"sector"``); an asset without a group on t is not eligible
        (`[data.quality] missing_group`).
    vol_window: with ``inverse_vol`` weighting, sigma is the sample standard deviation (ddof 1)
        of the asset's last `vol_window` close-to-close returns up to t; an asset with fewer
        returns is not eligible. A whole number, 2 <= vol_window <= 1e6 returns (default 60).
    sql: your own strategy: a ``.sql`` file or SQL text returning ``(date, asset, weight)``.

    Construction (docs/SEMANTICS.md, *Construction*):

    bottom_n: the short leg, the bottom_n lowest signals among the eligible assets not in the long
        leg; a whole number, 0 <= bottom_n <= 1e9 assets (0: no short leg).
    quantiles: q buckets, 2 <= quantiles <= 1e9 (a whole number): long the top ``ntile(q)`` bucket of the
        ranked eligible assets and, with `long_short`, short the bottom one; replaces top_n,
        bottom_n and the hold ranks (setting them too is refused).
    long_short: with `quantiles`, short the bottom quantile too.
    hold_rank: h ranks, 1 <= hold_rank <= 1e9 and at least top_n (a whole number): an asset of the
        previous rebalance date's long leg stays while its rank is at most h; the leg is then
        filled up to top_n with the best-ranked others.
    hold_rank_short: the same for the short leg, 1 <= hold_rank_short <= 1e9 and at least bottom_n
        (ranks from the lowest signal, among the assets not in the long leg).
    group_neutral: rank and select within each group; each leg's exposure is split over the groups
        in proportion to their number of eligible assets on t.
    max_group_weight: cap on a group's share of a leg, 0 < max_group_weight <= 10 (a fraction of
        NAV, absolute); water-filled like max_weight.
    long_exposure: the long leg's weight sum, 0 <= long_exposure <= 10 (a fraction of NAV: 1 = 100%).
    short_exposure: the short leg's weight sum (as a positive number), 0 <= short_exposure <= 10.
    max_weight: cap on one asset's absolute weight, 0 < max_weight <= 10 (a fraction of NAV, not a
        percent: 0.05 = 5%); the excess is water-filled over the leg's uncapped assets, and what
        no asset can take stays in cash. Above 1 it makes sense only with a levered leg (a value
        above both exposures never binds and is refused as a likely percent).

    Every numeric key's range and unit: `NUMBERS` (and README, *Configuration*).
    """

    signal: str = "signal"
    top_n: int = 25
    weighting: Weighting = Weighting.EQUAL
    rebalance: Schedule | None = None
    rebalance_every: int | None = None
    min_signal: float | None = None
    stale: Stale = Stale.EXIT
    min_price: float | None = None
    min_adv: float | None = None
    adv_window: int = 20
    min_history: int | None = None
    group: str | None = None
    vol_window: int = 60
    sql: str | None = None
    bottom_n: int = 0
    quantiles: int | None = None
    long_short: bool = False
    hold_rank: int | None = None
    hold_rank_short: int | None = None
    group_neutral: bool = False
    max_group_weight: float | None = None
    long_exposure: float = 1.0
    short_exposure: float = 0.0
    max_weight: float | None = None

    @property
    def schedule(self) -> str | None:
        """The schedule's name in `ml4t.schedule_dates`: ``every_<k>`` with `rebalance_every`, else
        `rebalance` (None: unset; the built-in strategy then rebalances daily)."""
        if self.rebalance_every is not None:
            return f"every_{self.rebalance_every}"
        return None if self.rebalance is None else str(self.rebalance)


@dataclass(frozen=True, kw_only=True)
class Execution:
    """How orders fill and what they cost.

    initial_cash: starting cash, 0 < initial_cash <= 1e18, in the prices' currency.
    sizing: ``decision_close`` (targets sized with NAV and closes of the decision date) or
        ``fill_price`` (sized with NAV and prices at the fill open; peeks, for peer parity).
    fractional: fractional shares (True) or whole shares rounded toward zero (False).
    commission_bps: commission, 0 <= commission_bps < 10,000 basis points of traded notional
        (1 bp = 0.01%; 0 < value < 0.1 is refused as a fraction given for basis points).
    slippage_bps: fill price moved against the trade, 0 <= slippage_bps < 10,000 basis points of
        the open (0 < value < 0.1 refused, as for commission_bps). Together: commission_bps +
        slippage_bps < 10,000, so a trade's costs stay below its notional at the open and every
        sell credits cash (it credits ``shares * open * (1 - slippage) * (1 - commission)``).
    min_trade_value: orders with notional (at the decision close) below this are skipped;
        0 <= min_trade_value <= 1e18, in the prices' currency.
    delist_after: close a held asset at its last close after this many consecutive trading
        dates without a bar (0 turns it off); a whole number, 0 <= delist_after <= 1e6 trading dates.
    start, end: the backtest window (inclusive dates, years 1 to 9999); data before `start`
        still feeds signals. `start = "auto"` (the default) starts the window at the first date
        on which any asset with a bar has a finite signal (built-in strategy) or on which the
        strategy SQL returns a row (custom strategy); see docs/SEMANTICS.md, *Calendar, window,
        bars*. `None` (Python only) starts it at the first date of the prices.
    memory_budget_mb: memory for the dense dates x assets arrays of the fold,
        0.001 <= memory_budget_mb <= 1e9 megabytes (2**20 bytes). A window that needs more than
        half of it is folded in chunks of dates, each loaded from DuckDB and its tables written
        to the run's staging folder as it goes; the tables are identical either way.

    allow_short: negative target weights allowed (SPEC 9): shares go negative, a short sale
        credits cash with its proceeds less costs, covering is a buy.
    max_leverage: the largest gross weight sum |w| of a date's targets, 0 < max_leverage <= 100
        (a multiple of NAV). The buys of a decision may take cash down to the floor
        ``(1 - max_leverage) x nav_decision`` (0 at the default 1: no borrowing).

    Financing (docs/SEMANTICS.md, *Financing*): simple interest ``balance x rate x days / 365``
    for the calendar days since the previous window date, on the previous close's balances,
    booked in cash before anything else on each window date but the first:

    cash_rate: annual rate earned on positive cash, a decimal: -1 < cash_rate < 1 (0.02 = 2%; a
        whole-number percent such as 5 is refused with the decimal it probably means). `[data]
        rates` overrides it from its first row on.
    margin_rate: annual rate paid on negative cash (`cash_shortfall = "borrow"`, leverage), a
        decimal: -1 < margin_rate < 1.
    short_fee: annual fee paid on the absolute market value of short positions, a decimal:
        0 <= short_fee < 1. `[data] borrow_fees` overrides it per asset.

    Capacity and trading costs (docs/SEMANTICS.md, *Capacity and trading costs*):

    max_participation: an order fills at most this fraction of its fill bar's volume,
        0 < max_participation <= 1 (0.01 = 1% of the bar's shares; unset: no cap); the rest is
        cancelled (status ``partial``), never carried. A bar with NULL or 0 volume fills nothing.
        Whole shares: ``floor(max_participation x volume)`` (lots: down to a multiple).
    commission_per_share: commission per filled share, 0 <= commission_per_share <= 1e6, in the
        prices' currency (0.005 = half a cent a share).
    commission_min: the least commission of a fill with shares > 0, 0 <= commission_min <= 1e12,
        in the prices' currency: commission = max(commission_min, commission_bps x notional +
        commission_per_share x shares). Delisting closes pay none.
    impact_coefficient: square-root market impact, 0 <= impact_coefficient <= 100 (a multiple of
        sigma): the fill price moves against the trade by a further fraction
        ``impact_coefficient x sigma x sqrt(shares / volume)`` (shares after the cap, volume of
        the fill bar, sigma the sample standard deviation of the asset's last
        ``impact_vol_window`` close-to-close returns up to the decision date).
    impact_vol_window: returns in impact's sigma, a whole number, 2 <= impact_vol_window <= 1e6.
    drift_band: an order is skipped (status ``in_band``) when |current weight - target weight|
        <= drift_band at the decision close, 0 <= drift_band < 1 (a fraction of NAV: 0.01 = 1
        point of weight; unset: none); exits to 0 always trade.
    lot_size: whole shares only: targets round toward zero to a multiple of lot_size shares, a
        whole number, 1 <= lot_size <= 1e9 (unset: 1).

    Compatibility options (docs/SEMANTICS.md, *Compatibility options*), to reproduce a peer
    engine's rule; the defaults are ml4t-sql's own:

    cash_shortfall: when a decision's buys and their commissions need more cash than the sells
        left: ``scale`` (every buy cut by one common factor; cash ends at 0), ``sequential`` (buys
        fill one after another, smallest value first, each taking what the cash left buys:
        vectorbt's call sequence) or ``borrow`` (every buy fills in full; cash may go below 0:
        zipline, bt).
    rounding: with whole shares, round each ``target`` toward zero (order = target - current), each
        ``order`` toward zero (vectorbt's ``size_granularity``), or ``order_snap``: each order toward
        zero after snapping one within 1e-4 of a whole number to it (zipline's ``order_target_*``).
    """

    initial_cash: float = 1_000_000.0
    sizing: Sizing = Sizing.DECISION_CLOSE
    fractional: bool = True
    commission_bps: float = 0.0
    slippage_bps: float = 0.0
    min_trade_value: float = 0.0
    delist_after: int = 5
    start: dt.date | typing.Literal["auto"] | None = "auto"
    end: dt.date | None = None
    memory_budget_mb: float = 2048.0
    cash_shortfall: CashShortfall = CashShortfall.SCALE
    rounding: Rounding = Rounding.TARGET
    allow_short: bool = False
    max_leverage: float = 1.0
    cash_rate: float = 0.0
    margin_rate: float = 0.0
    short_fee: float = 0.0
    max_participation: float | None = None
    commission_per_share: float = 0.0
    commission_min: float = 0.0
    impact_coefficient: float = 0.0
    impact_vol_window: int = 20
    drift_band: float | None = None
    lot_size: int | None = None


@dataclass(frozen=True, kw_only=True)
class Risk:
    """Position and portfolio rules (SPEC 11; docs/SEMANTICS.md, *Position and portfolio rules*).

    stop_loss: exit a position whose price moves this fraction against its entry price (the
        average fill price), 0 < stop_loss < 1 (0.1 = 10%; a percent such as 10 is refused with
        the fraction it probably means). Unset: off.
    take_profit: exit a position whose price moves this fraction in its favour from the entry
        price, 0 < take_profit < 1. Unset: off.
    trailing_stop: exit a position whose price falls this fraction from its best close since
        entry (a short: rises from its lowest close), 0 < trailing_stop < 1. Unset: off. With
        stop_loss too, the tighter of the two levels applies.
        The three are checked after the fills at each open, on the bar's open, low and high: they
        need the prices input's `high` and `low` columns.
    reentry_after: after a risk exit, the asset's target is 0 at this many decisions (the one at
        the exit date's close first), a whole number, 0 <= reentry_after <= 1e6 decisions.
    max_drawdown: when NAV at a close is below (1 - max_drawdown) x its running peak, that
        close's decision targets all zero, 0 < max_drawdown < 1 (0.2 = 20%). Unset: off.
    halt_dates: window dates without a decision after a drawdown halt, a whole number,
        0 <= halt_dates <= 1e6 window dates; decisions resume at the first schedule date after.
    """

    stop_loss: float | None = None
    take_profit: float | None = None
    trailing_stop: float | None = None
    reentry_after: int = 0
    max_drawdown: float | None = None
    halt_dates: int = 21

    @property
    def stops(self) -> bool:
        """A stop_loss, take_profit or trailing_stop is set (the run needs high and low)."""
        return any(x is not None for x in (self.stop_loss, self.take_profit, self.trailing_stop))


@dataclass(frozen=True, kw_only=True)
class Metrics:
    """How metrics are computed (definitions in ml4t_sql.stats and docs/METRICS.md).

    risk_free_rate: annual risk-free rate as a decimal (0.02 = 2%), -1 < risk_free_rate < 1, for
        Sharpe, Sortino and alpha; a trading date's rate is
        ``(1 + risk_free_rate) ** (1 / periods_per_year) - 1``. A whole-number percent (5 for 5%)
        is refused with the decimal it probably means.
    periods_per_year: trading dates per year, for annualization; a whole number,
        1 <= periods_per_year <= 1e9 periods a year.
    """

    risk_free_rate: float = 0.0
    periods_per_year: int = 252


@dataclass(frozen=True, kw_only=True)
class Research:
    """Signal research (`ml4t-sql research`, docs/RESEARCH.md): the `[strategy] signal` before a backtest.

    horizons: forward-return horizons, a non-empty list of distinct whole numbers, each
        1 <= horizon <= 10,000 trading dates; the forward return of horizon h on date t is
        ``open(t+1+h) / open(t+1) - 1`` (from the open after the decision to the open h dates later).
    quantiles: signal quantiles per date, a whole number, 2 <= quantiles <= 1,000 quantiles (by
        ntile over the signal, ties by asset; quantile 1 holds the lowest signals).

    Only research reads this section; a backtest ignores it (and leaves it out of its config hash
    while it is the default).
    """

    horizons: tuple[int, ...] = (1, 5, 21)
    quantiles: int = 5


@dataclass(frozen=True, kw_only=True)
class Output:
    """Where the run's tables go: `<warehouse>/runs/<run_id>/` and `<warehouse>/ml4t.duckdb`."""

    warehouse: str = "warehouse"
    name: str | None = None


@dataclass(frozen=True, kw_only=True)
class Config:
    data: Data
    strategy: Strategy = field(default_factory=Strategy)
    execution: Execution = field(default_factory=Execution)
    metrics: Metrics = field(default_factory=Metrics)
    output: Output = field(default_factory=Output)
    research: Research = field(default_factory=Research)
    risk: Risk = field(default_factory=Risk)
    base_dir: Path = field(default_factory=Path.cwd)
    """Folder that relative paths are resolved against (the TOML file's folder)."""

    def resolve(self, path: str | Path) -> Path:
        p = Path(path).expanduser()
        return p if p.is_absolute() else self.base_dir / p

    def to_json(self) -> str:
        """The configuration as JSON (in-memory inputs appear as ``<in-memory ...>``)."""
        return json.dumps(_plain(self), sort_keys=True, default=str)

    def digest(self) -> str:
        return hashlib.sha256(self.to_json().encode()).hexdigest()[:16]


def load_config(config: Config | Mapping[str, Any] | str | Path) -> Config:
    """A `Config` from a TOML path, a dict of the same shape, or a `Config` (returned as is)."""
    if isinstance(config, Config):
        _check_values(config, "config")  # built in Python: the same checks as a file's
        return config
    if isinstance(config, (str, Path)):
        path = Path(config)
        if not path.is_file():
            raise ConfigError(f"config file not found: {path}")
        try:
            raw = tomllib.loads(path.read_text())
        except tomllib.TOMLDecodeError as exc:
            raise ConfigError(f"{path}: not valid TOML: {exc}") from None
        return from_mapping(raw, base_dir=path.resolve().parent, where=str(path))
    if isinstance(config, Mapping):
        return from_mapping(config, base_dir=Path.cwd(), where="config")
    raise ConfigError(f"config must be a TOML path, a dict or a Config, not {type(config).__name__}")


# --- parsing -----------------------------------------------------------------------------------


def from_mapping(raw: Mapping[str, Any], *, base_dir: Path, where: str) -> Config:
    """A checked `Config` from a dict of the TOML's shape. Every unknown key, wrong type and value
    out of range is found before it stops (a ConfigErrors when there are several; a key in error
    takes its default meanwhile); the rules that tie keys together run once those are clean."""
    problems = Problems()
    with problems:
        _check_keys(raw, ("data", "strategy", "execution", "metrics", "output", "research", "risk"), where)
    if "data" not in raw:
        with problems:
            raise ConfigError(f"{where}: missing section [data] (at least `prices = ...`)")
        problems.raise_all()
    data_raw = _section(raw, "data", where, problems)
    with problems:
        _check_keys(
            data_raw,
            ("prices", "signals", "benchmark", "universe", "assets", "rates", "borrow_fees", "actions", "bar_time",
             "tables", "columns", "quality"),
            f"{where} [data]",
        )  # fmt: skip
    if "prices" not in data_raw:
        with problems:
            raise ConfigError(f"{where} [data]: missing key `prices`")
    tables = data_raw.get("tables", {})
    if not isinstance(tables, Mapping):
        with problems:
            raise ConfigError(f"{where} [data.tables]: expected a table of name = source")
        tables = {}
    bar_time = BarTime.MIDNIGHT
    with problems:
        bar_time = BarTime(_choice(data_raw.get("bar_time", BarTime.MIDNIGHT), BarTime, f"{where} [data] `bar_time`"))
    data = Data(
        prices=data_raw.get("prices"),
        signals=data_raw.get("signals"),
        benchmark=data_raw.get("benchmark"),
        universe=data_raw.get("universe"),
        assets=data_raw.get("assets"),
        rates=data_raw.get("rates"),
        borrow_fees=data_raw.get("borrow_fees"),
        actions=data_raw.get("actions"),
        bar_time=bar_time,
        tables=dict(tables),
        columns=_build(Columns, _section(data_raw, "columns", f"{where} [data]", problems), f"{where} [data.columns]",
                       problems),
        quality=_build(Quality, _section(data_raw, "quality", f"{where} [data]", problems), f"{where} [data.quality]",
                       problems),
    )  # fmt: skip
    research = Research()
    with problems:
        research = _build_research(_section(raw, "research", where, problems), f"{where} [research]")
    cfg = Config(
        data=data,
        strategy=_build(Strategy, _section(raw, "strategy", where, problems), f"{where} [strategy]", problems),
        execution=_build(Execution, _section(raw, "execution", where, problems), f"{where} [execution]", problems),
        metrics=_build(Metrics, _section(raw, "metrics", where, problems), f"{where} [metrics]", problems),
        output=_build(Output, _section(raw, "output", where, problems), f"{where} [output]", problems),
        research=research,
        risk=_build(Risk, _section(raw, "risk", where, problems), f"{where} [risk]", problems),
        base_dir=base_dir,
    )
    _check_values(cfg, where, problems)
    return cfg


def check_value(section: str, key: str, value: Any, where: str) -> Any:
    """One value of `[section] key`, coerced as a file's would be and checked against its range in
    `NUMBERS` (a sweep's values are checked so, one by one, before any variant is built)."""
    cls = {"strategy": Strategy, "execution": Execution, "metrics": Metrics, "risk": Risk}[section]
    coerced = _coerce(value, typing.get_type_hints(cls)[key], f"{where} `{key}`")
    if (section, key) in NUMBERS:
        check_number(coerced, NUMBERS[(section, key)], where, key)
    return coerced


def _section(raw: Mapping[str, Any], key: str, where: str, problems: Problems) -> Mapping[str, Any]:
    value = raw.get(key, {})
    if not isinstance(value, Mapping):
        with problems:
            raise ConfigError(f"{where}: `{key}` must be a table ([{key}]), not {type(value).__name__}")
        return {}
    return value


def _check_keys(raw: Mapping[str, Any], allowed: tuple[str, ...], where: str) -> None:
    """Every unknown key of `raw`, at once."""
    problems = Problems()
    for key in raw:
        if key not in allowed:
            near = difflib.get_close_matches(str(key), allowed, n=1)
            hint = f"; did you mean `{near[0]}`?" if near else f"; known keys: {', '.join(allowed)}"
            with problems:
                raise ConfigError(f"{where}: unknown key `{key}`{hint}")
    problems.raise_all()


def _build(cls: type, raw: Mapping[str, Any], where: str, problems: Problems) -> Any:
    """`cls` from the keys of `raw`; an unknown key or a value of the wrong type goes to `problems`
    (the key keeps its default)."""
    hints = typing.get_type_hints(cls)
    with problems:
        _check_keys(raw, tuple(f.name for f in dataclasses.fields(cls)), where)
    values = {}
    for key, value in raw.items():
        if key in hints:
            with problems:
                values[key] = _coerce(value, hints[key], f"{where} `{key}`")
    return cls(**values)


def _build_research(raw: Mapping[str, Any], where: str) -> Research:
    _check_keys(raw, tuple(f.name for f in dataclasses.fields(Research)), where)
    values = dict(raw)
    if "quantiles" in values:
        values["quantiles"] = _coerce(values["quantiles"], int, f"{where} `quantiles`")
    if "horizons" in values:
        horizons = values["horizons"]
        if isinstance(horizons, int) and not isinstance(horizons, bool):
            horizons = [horizons]
        if not isinstance(horizons, (list, tuple)):
            raise ConfigError(f"{where} `horizons`: expected a list of whole numbers like [1, 5, 21], got {horizons!r}")
        values["horizons"] = tuple(horizons)
    return Research(**values)


def _check_horizons(horizons: Any, where: str) -> None:
    """`[research] horizons`: a non-empty list of distinct whole numbers, each within `HORIZON`."""
    if not isinstance(horizons, (tuple, list)) or not horizons:
        raise ConfigError(
            f"{where} `horizons`: expected a non-empty list of whole numbers like [1, 5, 21], got {horizons!r}"
        )
    for h in horizons:
        check_number(h, HORIZON, where, "horizons")
    if len(set(horizons)) != len(horizons):
        twice = sorted({h for h in horizons if horizons.count(h) > 1})
        raise ConfigError(f"{where} `horizons`: each horizon once; {twice} appear twice in {list(horizons)}")


def _coerce(value: Any, annotation: Any, where: str) -> Any:
    """Check one value against its (resolved) annotation; a choice becomes its enumeration member."""
    args = typing.get_args(annotation)
    words = [w for a in args if typing.get_origin(a) is typing.Literal for w in typing.get_args(a)]
    if words and value in words:  # a word a key takes besides its type: start = "auto"
        return value
    args = tuple(a for a in args if typing.get_origin(a) is not typing.Literal)
    optional = type(None) in args
    if optional:
        annotation = next(a for a in args if a is not type(None))
    if value is None:
        if optional:
            return None
        raise ConfigError(f"{where}: a value is required")
    if isinstance(annotation, type) and issubclass(annotation, StrEnum):
        return _choice(value, annotation, where)
    kind = getattr(annotation, "__name__", str(annotation))
    if kind.startswith("bool"):
        if not isinstance(value, bool):
            raise ConfigError(f"{where}: expected true or false, got {value!r}")
        return value
    if kind.startswith("int"):
        if isinstance(value, bool) or not isinstance(value, int):
            raise ConfigError(f"{where}: expected a whole number, got {value!r}")
        return value
    if kind.startswith("float"):
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise ConfigError(f"{where}: expected a number, got {value!r}")
        try:
            return float(value)
        except OverflowError:
            raise ConfigError(
                f"{where}: {_show(value)} is too large for a number (a double holds up to 1.8e308)"
            ) from None
    if kind == "date":
        if isinstance(value, dt.datetime):
            return value.date()
        if isinstance(value, dt.date):
            return value
        if isinstance(value, str):
            try:
                return dt.date.fromisoformat(value)
            except ValueError:
                pass
        also = "".join(f" or {w!r}" for w in words)
        raise ConfigError(f"{where}: expected a date like 2015-01-02{also}, got {value!r}")
    if kind.startswith("str"):
        if not isinstance(value, str):
            raise ConfigError(f"{where}: expected a string, got {value!r}")
        return value
    return value


def _choice(value: Any, enum: type[StrEnum], where: str) -> StrEnum:
    values = [m.value for m in enum]
    if isinstance(value, str) and value in values:
        return enum(value)
    near = difflib.get_close_matches(str(value), values, n=1)
    hint = f"; did you mean {near[0]!r}?" if near else ""
    raise ConfigError(f"{where}: {value!r} is not one of {', '.join(values)}{hint}")


def _check_names(cfg: Config, where: str, problems: Problems) -> None:
    """Names that become SQL identifiers must be plain names before they reach any SQL."""
    names = [(f"[data.columns] `{f.name}`", getattr(cfg.data.columns, f.name)) for f in dataclasses.fields(Columns)]
    names.append(("[strategy] `signal`", cfg.strategy.signal))
    if cfg.strategy.group is not None:
        names.append(("[strategy] `group`", cfg.strategy.group))
    names += [("[data.tables] name", key) for key in cfg.data.tables]
    for what, name in names:
        if not is_ident(name):
            problems.errors.append(ConfigError(
                f"{where} {what}: {name!r} is not a plain name "
                "(letters, digits, '_', ' ', '.', '-', starting with a letter or '_')"
            ))


def _check_values(cfg: Config, where: str, problems: Problems | None = None) -> None:
    """Names, every numeric key against `NUMBERS`, then (once those are right) the rules that tie
    keys together; every problem at once (with `problems`, the ones found before too)."""
    problems = problems if problems is not None else Problems()
    _check_names(cfg, where, problems)
    for (section, key), bounds in NUMBERS.items():
        with problems:
            check_number(getattr(getattr(cfg, section), key), bounds, f"{where} [{section}]", key)
    with problems:
        _check_horizons(cfg.research.horizons, f"{where} [research]")
    x = cfg.execution
    for name in ("start", "end"):
        value = getattr(x, name)
        if value is not None and not isinstance(value, dt.date) and not (name == "start" and value == AUTO):
            also = ' or "auto"' if name == "start" else ""
            with problems:
                raise ConfigError(
                    f"{where} [execution] `{name}`: expected a date like 2015-01-02{also}, got {value!r}"
                )
    if problems:  # a key in error has its default: the rules between keys would only add noise
        problems.raise_all()
    for rule in (_check_builtin_only, _check_window, _check_costs, _check_construction, _check_share_rules,
                 _check_rounding, _check_risk):  # fmt: skip
        with problems:
            rule(cfg, where)
    problems.raise_all()


def _check_window(cfg: Config, where: str) -> None:
    x = cfg.execution
    if isinstance(x.start, dt.date) and x.end and x.start > x.end:
        raise ConfigError(f"{where} [execution]: start {x.start} is after end {x.end}")


def _check_costs(cfg: Config, where: str) -> None:
    x = cfg.execution
    if x.commission_bps + x.slippage_bps >= MAX_COST_BPS:
        raise ConfigError(
            f"{where} [execution] `commission_bps` + `slippage_bps`: {x.commission_bps:g} + {x.slippage_bps:g} = "
            f"{x.commission_bps + x.slippage_bps:g} bps; allowed: commission_bps + slippage_bps < 10,000 bps, "
            "so that a trade's costs stay below its notional at the open (a sell credits "
            "shares * open * (1 - slippage) * (1 - commission))"
        )


def _check_construction(cfg: Config, where: str) -> None:
    if cfg.strategy.sql is None:
        check_construction(cfg.strategy, cfg.execution, f"{where} [strategy]")


def _check_share_rules(cfg: Config, where: str) -> None:
    x = cfg.execution
    if (x.commission_per_share or x.commission_min) and x.cash_shortfall == "sequential":
        raise ConfigError(
            f"{where} [execution] `commission_per_share` / `commission_min`: not with cash_shortfall = "
            "'sequential' (a compatibility rule for vectorbt, which charges neither); use 'scale' or 'borrow'"
        )
    if x.lot_size is not None and x.fractional:
        raise ConfigError(
            f"{where} [execution] `lot_size`: {x.lot_size} shares needs whole shares; set `fractional = false`"
        )


def _check_rounding(cfg: Config, where: str) -> None:
    x = cfg.execution
    if x.rounding != "target" and x.fractional:
        raise ConfigError(
            f"{where} [execution] `rounding`: {x.rounding!r} applies to whole shares only; set `fractional = false`"
        )


def _check_risk(cfg: Config, where: str) -> None:
    """The `[risk]` keys that need another: reentry_after a stop, halt_dates a max_drawdown."""
    check_risk(cfg.risk, f"{where} [risk]")


def check_risk(r: Risk, where: str) -> None:
    """The `[risk]` keys that need another: reentry_after a stop, halt_dates a max_drawdown."""
    if r.reentry_after and not r.stops:
        raise ConfigError(
            f"{where} `reentry_after`: {r.reentry_after} has no effect without a risk exit; set stop_loss, "
            "take_profit or trailing_stop (or remove it)"
        )
    if r.halt_dates != Risk().halt_dates and r.max_drawdown is None:
        raise ConfigError(f"{where} `halt_dates`: has no effect without `max_drawdown` (set it, or remove halt_dates)")


BUILT_IN_KEYS = (
    "min_price", "min_adv", "min_history", "group", "stale", "bottom_n", "quantiles", "long_short", "hold_rank",
    "hold_rank_short", "group_neutral", "max_group_weight", "long_exposure", "short_exposure", "max_weight",
)  # fmt: skip
"""The built-in strategy's universe, construction and stale keys: a custom `sql` strategy makes
its own universe and weights (and its targets are the whole decision)."""


def _check_builtin_only(cfg: Config, where: str) -> None:
    """The keys of `BUILT_IN_KEYS` and the universe inputs shape the built-in strategy; with
    `[strategy] sql` they would be silently ignored, so a value other than the default is refused
    (a custom query reads its own tables: [data.tables])."""
    if cfg.strategy.sql is None:
        return
    default = Strategy()
    set_keys = [f"[strategy] `{k}`" for k in BUILT_IN_KEYS if getattr(cfg.strategy, k) != getattr(default, k)]
    set_keys += [f"[data] `{k}`" for k in ("universe", "assets") if getattr(cfg.data, k) is not None]
    if set_keys:
        raise ConfigError(
            f"{where} {set_keys[0]}: applies to the built-in strategy only, not with [strategy] sql; "
            "do it in your query instead (a relation it needs can be a [data.tables] entry)"
        )


def check_construction(s: Strategy, x: Execution, where: str) -> None:
    """The construction keys that tie each other (or the execution) together (SPEC 8, 14.4, 14.5)."""
    default = Strategy()
    if s.quantiles is not None:
        taken = [
            k
            for k in ("top_n", "bottom_n", "hold_rank", "hold_rank_short")
            if getattr(s, k) != getattr(default, k)
        ]
        if taken:
            raise ConfigError(
                f"{where} `quantiles` with `{taken[0]}`: contradictory; quantiles replaces top_n, bottom_n "
                "and the hold ranks (remove one)"
            )
    elif s.long_short:
        raise ConfigError(f"{where} `long_short`: applies to `quantiles` only; for a short leg set `bottom_n`")
    if s.hold_rank is not None and s.hold_rank < s.top_n:
        raise ConfigError(f"{where} `hold_rank`: must be at least top_n ({s.top_n}), got {s.hold_rank}")
    if s.hold_rank_short is not None and s.bottom_n == 0:
        raise ConfigError(f"{where} `hold_rank_short`: needs a short leg (`bottom_n` > 0)")
    if s.hold_rank_short is not None and s.hold_rank_short < s.bottom_n:
        raise ConfigError(
            f"{where} `hold_rank_short`: must be at least bottom_n ({s.bottom_n}), got {s.hold_rank_short}"
        )
    for key in ("group_neutral", "max_group_weight"):
        if getattr(s, key) not in (False, None) and s.group is None:
            raise ConfigError(f"{where} `{key}`: needs `group` (a column of [data] assets or of prices)")
    short_leg = s.bottom_n > 0 or (s.quantiles is not None and s.long_short)
    if short_leg != (s.short_exposure > 0):
        raise ConfigError(
            f"{where} `short_exposure`: {s.short_exposure:g} with "
            + ("a short leg: give it a positive short_exposure" if short_leg else "no short leg (set bottom_n)")
        )
    if s.max_weight is not None and s.max_weight > max(1.0, s.long_exposure, s.short_exposure):
        raise ConfigError(
            f"{where} `max_weight`: {s.max_weight:g} is above every leg's exposure, so it never binds; "
            f"did you mean {s.max_weight / 100:g}? (a fraction of NAV, not a percent)"
        )
    if short_leg and not x.allow_short:
        raise ConfigError(f"{where}: a short leg needs `[execution] allow_short = true`")
    if s.long_exposure + s.short_exposure > x.max_leverage:
        raise ConfigError(
            f"{where} `long_exposure` + `short_exposure`: {s.long_exposure + s.short_exposure:g} x NAV needs "
            f"`[execution] max_leverage` of at least that (it is {x.max_leverage:g})"
        )


# --- numbers: what each numeric key means, and the values that make sense ----------------------

MAX_COST_BPS = 10_000.0
"""commission_bps + slippage_bps must stay below this: 100% of a trade's notional."""

MAX_EXPOSURE = 10.0
"""The largest leg exposure and weight cap: 10 x NAV (1,000%); more is a slip, not a portfolio."""


@dataclass(frozen=True)
class Bounds:
    """The meaningful values of one numeric key: finite, between `lo` and `hi` (each end open or
    closed), in `unit`; `whole` keys take whole numbers only. `slip` names values that are in
    range but are probably another unit (see `likely_slip`)."""

    lo: float
    hi: float
    unit: str
    lo_open: bool = False
    hi_open: bool = False
    whole: bool = False
    slip: str = ""
    optional: bool = False

    def text(self, name: str = "value") -> str:
        """The range as a formula, e.g. ``0 <= commission_bps < 10,000``."""
        if math.isinf(self.lo) and math.isinf(self.hi):
            return "any finite number"
        left = "" if math.isinf(self.lo) else f"{_fmt(self.lo)} {'<' if self.lo_open else '<='} "
        right = "" if math.isinf(self.hi) else f" {'<' if self.hi_open else '<='} {_fmt(self.hi)}"
        return f"{left}{name}{right}"


NUMBERS: dict[tuple[str, str], Bounds] = {
    ("strategy", "top_n"): Bounds(1, 1e9, "a whole number of assets", whole=True),
    ("strategy", "rebalance_every"): Bounds(
        1, 1e6, "a whole number of window dates; 1: every date", whole=True, optional=True
    ),
    ("strategy", "min_signal"): Bounds(-math.inf, math.inf, "in the signal's units", optional=True),
    ("strategy", "min_price"): Bounds(0, 1e12, "in the prices' currency", optional=True),
    ("strategy", "min_adv"): Bounds(0, 1e27, "in the prices' currency per bar (close x volume)", optional=True),
    ("strategy", "adv_window"): Bounds(1, 1e6, "a whole number of bars", whole=True),
    ("strategy", "min_history"): Bounds(1, 1e6, "a whole number of bars", whole=True, optional=True),
    ("strategy", "bottom_n"): Bounds(0, 1e9, "a whole number of assets; 0: no short leg", whole=True),
    ("strategy", "quantiles"): Bounds(2, 1e9, "a whole number of buckets", whole=True, optional=True),
    ("strategy", "hold_rank"): Bounds(1, 1e9, "a whole number of ranks, at least top_n", whole=True, optional=True),
    ("strategy", "hold_rank_short"): Bounds(
        1, 1e9, "a whole number of ranks from the lowest signal, at least bottom_n", whole=True, optional=True
    ),
    ("strategy", "max_group_weight"): Bounds(
        0, MAX_EXPOSURE, "a fraction of NAV: 0.3 = 30%", lo_open=True, optional=True
    ),
    ("strategy", "vol_window"): Bounds(2, 1e6, "a whole number of close-to-close returns", whole=True),
    ("strategy", "long_exposure"): Bounds(0, MAX_EXPOSURE, "a fraction of NAV: 1 = 100%"),
    ("strategy", "short_exposure"): Bounds(0, MAX_EXPOSURE, "a fraction of NAV, as a positive number: 0.3 = 30%"),
    ("strategy", "max_weight"): Bounds(0, MAX_EXPOSURE, "a fraction of NAV: 0.05 = 5%", lo_open=True, optional=True),
    ("execution", "max_leverage"): Bounds(0, 100, "a multiple of NAV (gross weight sum)", lo_open=True),
    ("execution", "initial_cash"): Bounds(0, 1e18, "in the prices' currency", lo_open=True),
    ("execution", "commission_bps"): Bounds(
        0, MAX_COST_BPS, "basis points of traded notional; 1 bp = 0.01%", hi_open=True, slip="bps"
    ),
    ("execution", "slippage_bps"): Bounds(
        0, MAX_COST_BPS, "basis points of the open; 1 bp = 0.01%", hi_open=True, slip="bps"
    ),
    ("execution", "min_trade_value"): Bounds(0, 1e18, "in the prices' currency"),
    ("execution", "delist_after"): Bounds(0, 1e6, "a whole number of trading dates; 0: never", whole=True),
    ("execution", "memory_budget_mb"): Bounds(0.001, 1e9, "megabytes of 2**20 bytes"),
    ("execution", "cash_rate"): Bounds(
        -1, 1, "an annual rate as a decimal: 0.05 = 5%", lo_open=True, hi_open=True, slip="percent"
    ),
    ("execution", "margin_rate"): Bounds(
        -1, 1, "an annual rate as a decimal: 0.05 = 5%", lo_open=True, hi_open=True, slip="percent"
    ),
    ("execution", "short_fee"): Bounds(0, 1, "an annual fee as a decimal: 0.01 = 1%", hi_open=True, slip="percent"),
    ("execution", "max_participation"): Bounds(
        0, 1, "a fraction of the fill bar's volume: 0.01 = 1%", lo_open=True, slip="share", optional=True
    ),
    ("execution", "commission_per_share"): Bounds(0, 1e6, "in the prices' currency per share"),
    ("execution", "commission_min"): Bounds(0, 1e12, "in the prices' currency per fill"),
    ("execution", "impact_coefficient"): Bounds(0, 100, "a multiple of sigma x sqrt(shares / volume)"),
    ("execution", "impact_vol_window"): Bounds(2, 1e6, "a whole number of close-to-close returns", whole=True),
    ("execution", "drift_band"): Bounds(
        0, 1, "a fraction of NAV (weight): 0.01 = 1 point", hi_open=True, slip="share", optional=True
    ),
    ("execution", "lot_size"): Bounds(1, 1e9, "a whole number of shares", whole=True, optional=True),
    ("risk", "stop_loss"): Bounds(
        0, 1, "a fraction of the entry price: 0.1 = 10%", lo_open=True, hi_open=True, slip="percent", optional=True
    ),
    ("risk", "take_profit"): Bounds(
        0, 1, "a fraction of the entry price: 0.2 = 20%", lo_open=True, hi_open=True, slip="percent", optional=True
    ),
    ("risk", "trailing_stop"): Bounds(
        0, 1, "a fraction of the best close since entry: 0.1 = 10%", lo_open=True, hi_open=True, slip="percent",
        optional=True,
    ),
    ("risk", "reentry_after"): Bounds(0, 1e6, "a whole number of decisions; 0: none", whole=True),
    ("risk", "max_drawdown"): Bounds(
        0, 1, "a fraction of the running NAV peak: 0.2 = 20%", lo_open=True, hi_open=True, slip="percent",
        optional=True,
    ),
    ("risk", "halt_dates"): Bounds(0, 1e6, "a whole number of window dates", whole=True),
    ("metrics", "risk_free_rate"): Bounds(
        -1, 1, "an annual rate as a decimal: 0.05 = 5%", lo_open=True, hi_open=True, slip="percent"
    ),
    ("metrics", "periods_per_year"): Bounds(1, 1e9, "a whole number of periods a year; 252 for daily bars", whole=True),
    ("research", "quantiles"): Bounds(2, 1000, "a whole number of quantiles per date", whole=True),
}
"""Every numeric key of a run (and of a sweep's values) with its range and unit. Dates (`start`,
`end`) are calendar dates of the years 1 to 9999. README.md, *Configuration*, lists the same.
`[research] horizons` is a list: each of its values is checked against `HORIZON`."""

HORIZON = Bounds(1, 10_000, "a whole number of trading dates", whole=True)
"""Each value of `[research] horizons`."""


def check_number(value: Any, bounds: Bounds, where: str, key: str) -> None:
    """Refuse `value` of `key` unless it is a finite number (a whole one if `bounds.whole`) within
    `bounds` and not a likely slip of unit. `where` is the message's prefix (``config [execution]``)."""
    if value is None and bounds.optional:
        return
    allowed = f"allowed: {bounds.text(key)} ({bounds.unit})"
    if isinstance(value, bool) or not isinstance(value, (int, float)) or (bounds.whole and not isinstance(value, int)):
        kind = "a whole number" if bounds.whole else "a number"
        raise ConfigError(f"{where} `{key}`: expected {kind}, got {_show(value)}; {allowed}")
    if isinstance(value, float) and not math.isfinite(value):
        raise ConfigError(f"{where} `{key}`: must be a finite number, got {value!r}; {allowed}")
    slip = likely_slip(value, bounds.slip) if abs(value) <= 1e300 else ""
    rule = _broken(value, bounds)
    if rule:
        raise ConfigError(
            f"{where} `{key}`: must be {rule}, got {_show(value)}; {allowed}{'; ' + slip if slip else ''}"
        )
    if slip:
        raise ConfigError(f"{where} `{key}`: {value!r} {slip}; {allowed}")


def likely_slip(value: float, kind: str) -> str:
    """A did-you-mean for a value that is probably given in the wrong unit, or "".

    percent: a decimal rate given as a whole-number percent (5 for 0.05): 1 <= |value| <= 100.
    share: a fraction given as a whole-number percent (10 for 0.10): 1 < |value| <= 100.
    bps: basis points given as a fraction (0.0005 for 5 bps): 0 < value < 0.1 (0.1 bp is 0.001%).
    """
    if kind == "percent" and 1 <= abs(value) <= 100:
        return f"did you mean {value / 100:g}? (a percent given as a whole number; the key takes a decimal)"
    if kind == "share" and 1 < abs(value) <= 100:
        return f"did you mean {value / 100:g}? (a percent given as a whole number; the key takes a fraction)"
    if kind == "bps" and 0 < value < 0.1:
        return (
            f"looks like a fraction, but the key takes basis points: did you mean {value * 1e4:g}? "
            f"({value:g} of the notional is {value * 1e4:g} bps; values between 0 and 0.1 bps are refused)"
        )
    return ""


def _broken(value: float, b: Bounds) -> str:
    """The bound `value` breaks, as the words after "must be", or "" within bounds."""
    if value < b.lo or (b.lo_open and value == b.lo):
        if b.lo == 0:
            return "positive" if b.lo_open else ">= 0"
        return f"above {_fmt(b.lo)}" if b.lo_open else f"at least {_fmt(b.lo)}"
    if value > b.hi or (b.hi_open and value == b.hi):
        return f"below {_fmt(b.hi)}" if b.hi_open else f"at most {_fmt(b.hi)}"
    return ""


def _show(value: Any) -> str:
    """`value` for a message: as written, or an absurdly long whole number by its size."""
    text = repr(value)
    if isinstance(value, int) and len(text) > 24:
        return f"{text[:4]}... (a {len(text.lstrip('-'))}-digit number)"
    return text


def _fmt(x: float) -> str:
    """1 -> '1', 10000 -> '10,000', 1e18 -> '1e18', 0.001 -> '0.001'."""
    if x == int(x) and abs(x) < 1e6:
        return f"{int(x):,}"
    if x == int(x):
        mantissa, exponent = f"{x:.0e}".split("e")
        return f"{mantissa}e{int(exponent)}"
    return repr(x)


def _plain(value: Any) -> Any:
    if isinstance(value, Config):  # a section at its default is left out: the hash as before it existed
        skip = {"base_dir"} | {k for k, d in (("research", Research()), ("risk", Risk())) if getattr(value, k) == d}
        return {f.name: _plain(getattr(value, f.name)) for f in dataclasses.fields(value) if f.name not in skip}
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: _plain(getattr(value, f.name)) for f in dataclasses.fields(value) if f.name != "base_dir"}
    if isinstance(value, (tuple, list)):
        return [_plain(v) for v in value]
    if isinstance(value, Mapping):
        return {str(k): _plain(v) for k, v in value.items()}
    if value is None or isinstance(value, (str, int, float, bool)):
        return value
    if isinstance(value, (dt.date, Path)):
        return str(value)
    return f"<in-memory {type(value).__name__}>"
