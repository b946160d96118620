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

Relative paths in a TOML file are relative to that file's folder.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import difflib
import hashlib
import json
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
    CashShortfall,
    InconsistentOhlc,
    MissingOpen,
    NoSignalDate,
    Rounding,
    Schedule,
    Sizing,
    WarnOrFail,
    Weighting,
)
from .errors import ConfigError
from .templates import is_ident

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
    Every rule, its choices and what the S&P 500 sample triggers: docs/DATA_QUALITY.md.
    """

    missing_open: MissingOpen = MissingOpen.FAIL
    bad_price: BadPrice = BadPrice.FAIL
    inconsistent_ohlc: InconsistentOhlc = InconsistentOhlc.FAIL
    unknown_signal_asset: WarnOrFail = WarnOrFail.WARN
    off_calendar_signal: WarnOrFail = WarnOrFail.WARN
    no_signal_date: NoSignalDate = NoSignalDate.FAIL
    asset_variants: AssetVariants = AssetVariants.WARN


@dataclass(frozen=True, kw_only=True)
class Data:
    """The inputs. `prices` is required; `tables` adds named relations for custom SQL.

    benchmark: optional `(date, return)` or `(date, price)` relation, same source forms as prices
        (see ml4t_sql.benchmark); without it, metrics compare with the equal-weight universe.
    """

    prices: Source
    signals: Source | None = None
    benchmark: Source | None = None
    tables: Mapping[str, Source] = field(default_factory=dict)
    columns: Columns = field(default_factory=Columns)
    quality: Quality = field(default_factory=Quality)


@dataclass(frozen=True, kw_only=True)
class Strategy:
    """What to hold. Built in: rank by `signal` (descending, ties by asset), hold the `top_n`.

    signal: signal column name (in `signals`, or in `prices` when there is no `signals`).
    top_n: number of assets to hold (>= 1); fewer when fewer are eligible.
    weighting: ``equal`` (1/k each) or ``signal`` (proportional to the positive signal).
    rebalance: ``daily``, ``weekly``, ``monthly``, ``month_end`` or ``quarterly``. Default daily;
        with `sql`, default is the distinct dates of the returned targets.
    min_signal: when set, an asset is eligible only if ``signal > min_signal``.
    sql: your own strategy: a ``.sql`` file or SQL text returning ``(date, asset, weight)``.
    """

    signal: str = "signal"
    top_n: int = 25
    weighting: Weighting = Weighting.EQUAL
    rebalance: Schedule | None = None
    min_signal: float | None = None
    sql: str | None = None


@dataclass(frozen=True, kw_only=True)
class Execution:
    """How orders fill and what they cost.

    initial_cash: starting cash, in the prices' currency.
    sizing: ``decision_close`` (targets sized with NAV and closes of the decision date) or
        ``fill_price`` (sized with NAV and prices at the fill open; peeks, for peer parity).
    fractional: fractional shares (True) or whole shares rounded toward zero (False).
    commission_bps: commission in basis points of traded notional.
    slippage_bps: fill price moved against the trade by this many basis points of the open.
    min_trade_value: orders with notional (at the decision close) below this are skipped.
    delist_after: close a held asset at its last close after this many consecutive trading
        dates without a bar (0 turns it off).
    start, end: the backtest window (inclusive dates); data before `start` still feeds signals.
    memory_budget_mb: memory for the dense dates x assets arrays of the fold. A window that needs
        more than half of it is folded in chunks of dates, each loaded from DuckDB and its tables
        written to the run's staging folder as it goes; the tables are identical either way.

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
    start: dt.date | None = None
    end: dt.date | None = None
    memory_budget_mb: float = 2048.0
    cash_shortfall: CashShortfall = CashShortfall.SCALE
    rounding: Rounding = Rounding.TARGET


@dataclass(frozen=True, kw_only=True)
class Metrics:
    """How metrics are computed (definitions in ml4t_sql.stats and docs/METRICS.md).

    risk_free_rate: annual risk-free rate as a decimal (0.02 = 2%), for Sharpe, Sortino and alpha;
        a trading date's rate is ``(1 + risk_free_rate) ** (1 / periods_per_year) - 1``.
    periods_per_year: trading dates per year, for annualization.
    """

    risk_free_rate: float = 0.0
    periods_per_year: int = 252


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
    _check_keys(raw, ("data", "strategy", "execution", "metrics", "output"), where)
    if "data" not in raw:
        raise ConfigError(f"{where}: missing section [data] (at least `prices = ...`)")
    data_raw = _section(raw, "data", where)
    _check_keys(data_raw, ("prices", "signals", "benchmark", "tables", "columns", "quality"), f"{where} [data]")
    if "prices" not in data_raw:
        raise ConfigError(f"{where} [data]: missing key `prices`")
    tables = data_raw.get("tables", {})
    if not isinstance(tables, Mapping):
        raise ConfigError(f"{where} [data.tables]: expected a table of name = source")
    data = Data(
        prices=data_raw["prices"],
        signals=data_raw.get("signals"),
        benchmark=data_raw.get("benchmark"),
        tables=dict(tables),
        columns=_build(Columns, _section(data_raw, "columns", f"{where} [data]"), f"{where} [data.columns]"),
        quality=_build(Quality, _section(data_raw, "quality", f"{where} [data]"), f"{where} [data.quality]"),
    )
    cfg = Config(
        data=data,
        strategy=_build(Strategy, _section(raw, "strategy", where), f"{where} [strategy]"),
        execution=_build(Execution, _section(raw, "execution", where), f"{where} [execution]"),
        metrics=_build(Metrics, _section(raw, "metrics", where), f"{where} [metrics]"),
        output=_build(Output, _section(raw, "output", where), f"{where} [output]"),
        base_dir=base_dir,
    )
    _check_values(cfg, where)
    return cfg


def _section(raw: Mapping[str, Any], key: str, where: str) -> Mapping[str, Any]:
    value = raw.get(key, {})
    if not isinstance(value, Mapping):
        raise ConfigError(f"{where}: `{key}` must be a table ([{key}]), not {type(value).__name__}")
    return value


def _check_keys(raw: Mapping[str, Any], allowed: tuple[str, ...], where: str) -> None:
    for key in raw:
        if key not in allowed:
            near = difflib.get_close_matches(str(key), allowed, n=1)
            hint = f"; did you mean `{near[0]}`?" if near else f"; known keys: {', '.join(allowed)}"
            raise ConfigError(f"{where}: unknown key `{key}`{hint}")


def _build(cls: type, raw: Mapping[str, Any], where: str) -> Any:
    hints = typing.get_type_hints(cls)
    _check_keys(raw, tuple(f.name for f in dataclasses.fields(cls)), where)
    values = {key: _coerce(value, hints[key], f"{where} `{key}`") for key, value in raw.items()}
    return cls(**values)


def _coerce(value: Any, annotation: Any, where: str) -> Any:
    """Check one value against its (resolved) annotation; a choice becomes its enumeration member."""
    args = typing.get_args(annotation)
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
        return float(value)
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
        raise ConfigError(f"{where}: expected a date like 2015-01-02, got {value!r}")
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


def _check_names(cfg: Config, where: str) -> None:
    """Names that become SQL identifiers must be plain names before they reach any SQL."""
    names = [(f"[data.columns] `{f.name}`", getattr(cfg.data.columns, f.name)) for f in dataclasses.fields(Columns)]
    names.append(("[strategy] `signal`", cfg.strategy.signal))
    names += [("[data.tables] name", key) for key in cfg.data.tables]
    for what, name in names:
        if not is_ident(name):
            raise ConfigError(
                f"{where} {what}: {name!r} is not a plain name "
                "(letters, digits, '_', ' ', '.', '-', starting with a letter or '_')"
            )


def _check_values(cfg: Config, where: str) -> None:
    _check_names(cfg, where)
    s, x = cfg.strategy, cfg.execution
    if s.top_n < 1:
        raise ConfigError(f"{where} [strategy] `top_n`: must be at least 1, got {s.top_n}")
    if x.initial_cash <= 0:
        raise ConfigError(f"{where} [execution] `initial_cash`: must be positive, got {x.initial_cash}")
    for name in ("commission_bps", "slippage_bps", "min_trade_value"):
        if getattr(x, name) < 0:
            raise ConfigError(f"{where} [execution] `{name}`: must be >= 0, got {getattr(x, name)}")
    if x.delist_after < 0:
        raise ConfigError(f"{where} [execution] `delist_after`: must be >= 0, got {x.delist_after}")
    if x.start and x.end and x.start > x.end:
        raise ConfigError(f"{where} [execution]: start {x.start} is after end {x.end}")
    if x.memory_budget_mb <= 0:
        raise ConfigError(f"{where} [execution] `memory_budget_mb`: must be positive, got {x.memory_budget_mb}")
    if x.rounding != "target" and x.fractional:
        raise ConfigError(
            f"{where} [execution] `rounding`: {x.rounding!r} applies to whole shares only; set `fractional = false`"
        )
    m = cfg.metrics
    if m.periods_per_year < 1:
        raise ConfigError(f"{where} [metrics] `periods_per_year`: must be at least 1, got {m.periods_per_year}")
    if not -1.0 < m.risk_free_rate < 10.0:
        raise ConfigError(f"{where} [metrics] `risk_free_rate`: an annual decimal (0.02 = 2%), got {m.risk_free_rate}")


def _plain(value: Any) -> Any:
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: _plain(getattr(value, f.name)) for f in dataclasses.fields(value) if f.name != "base_dir"}
    if isinstance(value, Mapping):
        return {str(k): _plain(v) for k, v in value.items()}
    if value is None or isinstance(value, (str, int, float, bool)):
        return value
    if isinstance(value, (dt.date, Path)):
        return str(value)
    return f"<in-memory {type(value).__name__}>"
