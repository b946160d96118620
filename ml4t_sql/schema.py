"""The one place where every output table's columns, types and grain are declared.

Each run writes these tables; every one starts with `run_id`. `conform` checks a produced table
against its contract (exact column names, order and types) before anything is written.
"""

from __future__ import annotations

from dataclasses import dataclass

import pyarrow as pa

from .errors import Ml4tError


@dataclass(frozen=True)
class Table:
    name: str
    grain: str
    columns: tuple[tuple[str, pa.DataType, str], ...]
    """(name, type, description) in output order."""
    key: tuple[str, ...] = ()
    """The grain as columns: unique per row (a sweep's tables add `variant` after `run_id`)."""

    @property
    def schema(self) -> pa.Schema:
        return pa.schema([(name, dtype) for name, dtype, _ in self.columns])

    @property
    def names(self) -> list[str]:
        return [name for name, _, _ in self.columns]


_RUN_ID = ("run_id", pa.string(), "run identifier")
_F = pa.float64()
_D = pa.date32()
_S = pa.string()

TABLES: dict[str, Table] = {
    t.name: t
    for t in (
        Table(
            "runs",
            "one row per run",
            (
                _RUN_ID,
                ("created_at", pa.timestamp("us", tz="UTC"), "when the run finished (UTC)"),
                ("name", _S, "optional run name from [output] name"),
                ("status", _S, "'complete' (a run is written whole or not at all)"),
                ("config", _S, "the run configuration as JSON"),
                ("config_hash", _S, "sha256 prefix of the configuration JSON"),
                ("input_fingerprint", _S, "digest of every input's rows (the run's lineage table)"),
                ("package_version", _S, "ml4t-sql version"),
                ("start_date", _D, "first window date"),
                ("end_date", _D, "last window date"),
                ("n_assets", pa.int64(), "assets in the validated prices"),
                ("n_dates", pa.int64(), "window dates"),
                ("quality", _S, "data-quality report as JSON: what each policy dropped or kept"),
                ("elapsed_s", _F, "run time in seconds"),
            ),
            ("run_id",),
        ),
        Table(
            "targets",
            "rebalance date x asset",
            (
                _RUN_ID,
                ("date", _D, "decision date (close)"),
                ("asset", _S, "asset"),
                ("weight", _F, "target fraction of NAV"),
            ),
            ("run_id", "date", "asset"),
        ),
        Table(
            "orders",
            "decision x asset",
            (
                _RUN_ID,
                ("decision_date", _D, "date whose close decided the order"),
                ("fill_date", _D, "next window date, where the order filled or was cancelled; NULL if pending"),
                ("asset", _S, "asset"),
                ("target_weight", _F, "target weight (0 for a held asset absent from the targets)"),
                ("decision_price", _F, "last close at the decision"),
                ("target_shares", _F, "shares the target asks for"),
                ("order_shares", _F, "target_shares - shares held (signed): the shares requested"),
                ("capped_shares", _F, "order_shares after the max_participation cap (signed; = order_shares uncapped)"),
                ("filled_shares", _F, "shares filled (signed); 0 unless filled, scaled or partial"),
                ("status", _S, "filled | scaled | cancelled | skipped | pending | partial | in_band"),
            ),
            ("run_id", "decision_date", "asset"),
        ),
        Table(
            "trades",
            "fill",
            (
                _RUN_ID,
                ("date", _D, "fill date"),
                ("asset", _S, "asset"),
                ("side", _S, "buy | sell"),
                ("shares", _F, "shares traded (> 0)"),
                ("price", _F, "fill price, slippage included"),
                ("notional", _F, "shares * price"),
                ("commission", _F, "commission paid"),
                ("slippage_cost", _F, "shares * open * (slippage + impact): spread and impact"),
                ("impact_cost", _F, "shares * open * impact: the square-root impact part of slippage_cost"),
                ("reason", _S, "rebalance | delisted | stop_loss | take_profit | trailing_stop"),
                ("decision_date", _D, "decision the fill belongs to; NULL for delistings"),
            ),
            ("run_id", "date", "asset", "reason"),
        ),
        Table(
            "positions",
            "date x held asset",
            (
                _RUN_ID,
                ("date", _D, "date (close)"),
                ("asset", _S, "asset"),
                ("shares", _F, "shares held after the date's fills"),
                ("close", _F, "last close at or before date"),
                ("market_value", _F, "shares * close"),
                ("weight", _F, "market_value / nav"),
            ),
            ("run_id", "date", "asset"),
        ),
        Table(
            "equity",
            "date",
            (
                _RUN_ID,
                ("date", _D, "date (close)"),
                ("cash", _F, "cash after the date's fills"),
                ("market_value", _F, "sum of shares * last close"),
                ("nav", _F, "cash + market_value"),
                ("return", _F, "nav / previous nav - 1 (initial cash before the first date)"),
                ("gross_exposure", _F, "sum |shares * close| / nav"),
                ("net_exposure", _F, "market_value / nav"),
                ("long_exposure", _F, "sum of positive shares * close / nav"),
                ("short_exposure", _F, "sum of |negative shares * close| / nav"),
                ("turnover", _F, "traded notional (fills and delistings) / previous nav"),
                ("costs", _F, "commission + slippage cost of the date"),
                ("financing", _F, "interest and short fees booked on the date: + earned, - paid"),
                ("dividends", _F, "dividends booked on the ex-date ([data] actions): + received, - paid by shorts"),
            ),
            ("run_id", "date"),
        ),
        Table(
            "events",
            "date x asset x rule",
            (
                _RUN_ID,
                ("date", _D, "date the rule applied (an action's ex-date)"),
                ("asset", _S, "asset (NULL: the whole book: max_drawdown, resume)"),
                ("rule", _S, "split | dividend | stop_loss | take_profit | trailing_stop | max_drawdown | resume "
                 "(ml4t_sql.choices.EventRule)"),
                ("detail", _S, "what it did, in words (e.g. 'ratio 2: 100 -> 200 shares')"),
            ),
            ("run_id", "date", "asset", "rule"),
        ),
        Table(
            "metrics",
            "run x metric",
            (
                _RUN_ID,
                ("metric", _S, "metric name (see ml4t_sql.stats and docs/METRICS.md)"),
                ("value", _F, "metric value"),
            ),
            ("run_id", "metric"),
        ),
        Table(
            "benchmark",
            "run x series x date",
            (
                _RUN_ID,
                ("series", _S, "'benchmark' ([data] benchmark) or 'universe' (equal-weight universe, built in)"),
                ("date", _D, "window date (close)"),
                ("return", _F, "series return from the previous window date's close; 0 on the first date"),
                ("nav", _F, "initial cash invested in the series at the first date's close"),
                ("is_primary", pa.bool_(), "the series alpha, beta, tracking error and information ratio use"),
            ),
            ("run_id", "series", "date"),
        ),
        Table(
            "lineage",
            "run x input x date",
            (
                _RUN_ID,
                ("input", _S, "prices | signals | benchmark | tables.<name> (a [data.tables] relation)"),
                ("date", _D, "date of the input's rows; NULL for an input without a date column"),
                ("n_rows", pa.int64(), "the input's rows on that date"),
                ("digest", _S, "order-independent digest of those rows (sql/sources/lineage.sql)"),
            ),
            ("run_id", "input", "date"),
        ),
    )
}

RUN_TABLES = tuple(TABLES)
LATER_TABLES = ("events",)
"""Run tables that runs published before them lack (a warehouse's older runs stay sound)."""


def conform(name: str, table: pa.Table) -> pa.Table:
    """Check `table` against the contract of `name`; cast only where types are equivalent."""
    contract = TABLES[name]
    if table.column_names != contract.names:
        raise Ml4tError(f"internal: table {name} has columns {table.column_names}, contract says {contract.names}")
    if table.schema.equals(contract.schema):
        return table
    return table.cast(contract.schema, safe=True)


VARIANT = ("variant", pa.int64(), "variant number of a sweep (see the variants table)")
VARIANTS = Table(
    "variants",
    "sweep variant",
    (
        _RUN_ID,
        VARIANT,
        ("name", _S, "the variant's swept values, as key=value, ..."),
        ("params", _S, "the variant's swept values as JSON"),
    ),
    ("run_id", "variant"),
)
"""A sweep's extra table: what each variant is. Every other table of a sweep is the run table
of the same name with `variant` after `run_id` (see `with_variant`)."""


def with_variant(name: str, table: pa.Table) -> pa.Table:
    """Check a sweep's table against the contract of `name` with `variant` after `run_id`."""
    fields = list(TABLES[name].schema)
    schema = pa.schema([fields[0], pa.field(VARIANT[0], VARIANT[1]), *fields[1:]])
    if table.column_names != schema.names:
        raise Ml4tError(f"internal: sweep table {name} has columns {table.column_names}, contract says {schema.names}")
    return table if table.schema.equals(schema) else table.cast(schema, safe=True)



_I = pa.int64()
_H = ("horizon", _I, "forward-return horizon h, in trading dates ([research] horizons)")
_Q = ("quantile", _I, "signal quantile on the date, 1 = lowest signals ([research] quantiles = highest)")
RESEARCH: dict[str, Table] = {
    t.name: t
    for t in (
        Table(
            "forward_returns",
            "research run x date x asset x horizon",
            (
                _RUN_ID,
                ("date", _D, "window date t (the decision close)"),
                ("asset", _S, "asset with a bar on t"),
                _H,
                ("fwd_return", _F, "FORWARD-LOOKING: open(t+1+h) / open(t+1) - 1; NULL if either bar is missing"),
            ),
            ("run_id", "date", "asset", "horizon"),
        ),
        Table(
            "information_coefficient",
            "research run x date x horizon",
            (
                _RUN_ID,
                ("date", _D, "window date t"),
                _H,
                ("n_pairs", _I, "assets with a finite signal on t and a forward return"),
                ("ic", _F, "Pearson correlation of signal and forward return; NULL below 2 pairs or if constant"),
                ("rank_ic", _F, "Spearman correlation (average ranks for ties); NULL as ic"),
            ),
            ("run_id", "date", "horizon"),
        ),
        Table(
            "quantile_daily_returns",
            "research run x date x horizon x quantile",
            (
                _RUN_ID,
                ("date", _D, "window date t"),
                _H,
                _Q,
                ("n_assets", _I, "the quantile's assets with a forward return"),
                ("mean_fwd_return", _F, "their mean forward return (equal weight)"),
            ),
            ("run_id", "date", "horizon", "quantile"),
        ),
        Table(
            "quantile_returns",
            "research run x horizon x quantile",
            (
                _RUN_ID,
                _H,
                _Q,
                ("n_dates", _I, "dates with a mean forward return for the quantile"),
                ("mean_fwd_return", _F, "mean over dates of the per-date mean forward return"),
                ("std_fwd_return", _F, "sample standard deviation of the per-date means; NULL on one date"),
            ),
            ("run_id", "horizon", "quantile"),
        ),
        Table(
            "quantile_spread",
            "research run x date x horizon",
            (
                _RUN_ID,
                ("date", _D, "window date t"),
                _H,
                ("top_return", _F, "mean forward return of the top quantile"),
                ("bottom_return", _F, "mean forward return of quantile 1"),
                ("spread", _F, "top_return - bottom_return"),
            ),
            ("run_id", "date", "horizon"),
        ),
        Table(
            "factor_autocorrelation",
            "research run x date",
            (
                _RUN_ID,
                ("date", _D, "window date t"),
                ("n_pairs", _I, "assets with a signal on t and on the previous window date"),
                ("autocorrelation", _F, "Pearson correlation of their ranks on the two dates; NULL if undefined"),
            ),
            ("run_id", "date"),
        ),
        Table(
            "quantile_turnover",
            "research run x date x quantile",
            (
                _RUN_ID,
                ("date", _D, "window date t, after the first"),
                _Q,
                ("n_assets", _I, "assets in the quantile on t"),
                ("n_new", _I, "of those, assets not in the quantile on the previous window date"),
                ("turnover", _F, "n_new / n_assets"),
            ),
            ("run_id", "date", "quantile"),
        ),
        Table(
            "signal_coverage",
            "research run x date",
            (
                _RUN_ID,
                ("date", _D, "window date t"),
                ("n_bars", _I, "assets with a bar on t"),
                ("n_signals", _I, "assets with a bar and a finite signal on t"),
            ),
            ("run_id", "date"),
        ),
        Table(
            "research_summary",
            "research run x horizon",
            (
                _RUN_ID,
                _H,
                ("n_dates", _I, "dates with a rank IC"),
                ("mean_ic", _F, "mean Pearson IC over dates"),
                ("ic_std", _F, "sample standard deviation of the IC (ddof 1)"),
                ("ic_ir", _F, "mean_ic / ic_std"),
                ("ic_t_stat", _F, "mean_ic / (ic_std / sqrt(n))"),
                ("ic_hit_rate", _F, "share of dates with IC > 0"),
                ("mean_rank_ic", _F, "mean Spearman IC over dates"),
                ("rank_ic_std", _F, "sample standard deviation of the rank IC"),
                ("rank_ic_ir", _F, "mean_rank_ic / rank_ic_std"),
                ("rank_ic_t_stat", _F, "mean_rank_ic / (rank_ic_std / sqrt(n))"),
                ("rank_ic_hit_rate", _F, "share of dates with rank IC > 0"),
                ("n_spread_dates", _I, "dates with a top-minus-bottom spread"),
                ("mean_spread", _F, "mean top-minus-bottom quantile spread"),
                ("spread_t_stat", _F, "mean_spread / (std / sqrt(n))"),
            ),
            ("run_id", "horizon"),
        ),
    )
}
"""A research run's tables (`ml4t-sql research`, docs/RESEARCH.md), beside its `runs` row. Each is
the relation of the same name in sql/research/ with `run_id` first."""

RESEARCH_TABLES = tuple(RESEARCH)
RESEARCH_RUN_TABLES = ("runs", *RESEARCH_TABLES)
"""Every table a research run has (its `runs` row has the run tables' columns)."""


def conform_research(name: str, table: pa.Table) -> pa.Table:
    """Check a research table against its contract in `RESEARCH`; cast only where types are equivalent."""
    contract = RESEARCH[name]
    if table.column_names != contract.names:
        raise Ml4tError(f"internal: table {name} has columns {table.column_names}, contract says {contract.names}")
    return table if table.schema.equals(contract.schema) else table.cast(contract.schema, safe=True)


def run_kind(tables: tuple[str, ...] | list[str] | set[str]) -> str:
    """What a published run is, from its tables: ``research``, ``sweep`` or ``backtest``."""
    if "research_summary" in tables:
        return "research"
    return "sweep" if VARIANTS.name in tables else "backtest"
