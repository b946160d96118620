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
                ("order_shares", _F, "target_shares - shares held (signed)"),
                ("filled_shares", _F, "shares filled (signed); 0 unless filled or scaled"),
                ("status", _S, "filled | scaled | cancelled | skipped | pending"),
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
                ("slippage_cost", _F, "shares * open * slippage"),
                ("reason", _S, "rebalance | delisted"),
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
                ("turnover", _F, "traded notional (fills and delistings) / previous nav"),
                ("costs", _F, "commission + slippage cost of the date"),
            ),
            ("run_id", "date"),
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

