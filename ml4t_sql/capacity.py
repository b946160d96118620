"""Capacity analysis: one strategy as a sweep over initial capital with a participation cap and impact on.

`capacity(config, capitals)` answers the question a PM asks before allocating: how do return,
Sharpe, fill rate and costs decay as the book grows? It runs the configuration once per capital
level, as one sweep over `[execution] initial_cash` (so every level shares the loaded data and the
fold), with `max_participation` and `impact_coefficient` taken from the configuration or, where it
leaves them unset or 0, from the arguments (defaults 1% of the bar's volume and 0.1). The table
has one row per capital:

capital             initial_cash of the variant
total_return, cagr, sharpe, max_drawdown
fill_rate           filled / requested notional of the orders sent (filled, scaled, partial or
                    cancelled), each valued at its decision price; 1 when nothing was sent
partial_orders      orders the participation cap cut
cost_bps            total_costs / traded notional, in basis points
commission_bps, spread_bps, impact_bps   the split of cost_bps (ml4t_sql.results.metrics)
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import polars as pl

from .config import Config, load_config
from .errors import ConfigError
from .format import Kind
from .sweeps import Sweep, sweep

DEFAULT_PARTICIPATION = 0.01
DEFAULT_IMPACT = 0.1
METRICS = ("total_return", "cagr", "sharpe", "max_drawdown", "commission_bps", "spread_bps", "impact_bps")
SENT = ("filled", "scaled", "partial", "cancelled")
COLUMNS: tuple[tuple[str, str, Kind], ...] = (
    ("capital", "capital", "money"), ("total_return", "total return", "pct"), ("cagr", "CAGR", "pct"),
    ("sharpe", "Sharpe", "ratio"), ("max_drawdown", "max drawdown", "pct"), ("fill_rate", "fill rate", "pct"),
    ("partial_orders", "partial orders", "count"), ("cost_bps", "cost bps", "ratio"),
    ("commission_bps", "commission bps", "ratio"), ("spread_bps", "spread bps", "ratio"),
    ("impact_bps", "impact bps", "ratio"),
)  # fmt: skip
"""The capacity table's columns: (column, label, kind of ml4t_sql.format), in order; the command prints
them by column name, the report page by label."""


def capacity(
    config: Config | Mapping[str, Any] | str | Path,
    capitals: Sequence[float],
    *,
    participation: float = DEFAULT_PARTICIPATION,
    impact: float = DEFAULT_IMPACT,
    warehouse: str | Path | None = None,
    write: bool = True,
) -> tuple[pl.DataFrame, Sweep]:
    """(the table of the module docstring, the sweep it came from)."""
    if len(capitals) < 1 or len(set(capitals)) != len(capitals):
        raise ConfigError(f"capacity --capital: give distinct capital levels, e.g. 1e6,1e7,1e8, got {list(capitals)}")
    cfg = load_config(config)
    x = cfg.execution
    execution = dataclasses.replace(
        x,
        max_participation=x.max_participation if x.max_participation is not None else participation,
        impact_coefficient=x.impact_coefficient or impact,
    )
    result = sweep(dataclasses.replace(cfg, execution=execution), grid={"initial_cash": [float(c) for c in capitals]},
                   warehouse=warehouse, write=write)  # fmt: skip
    return capacity_table(result), result


CAPACITY_TABLES = ("variants", "metrics", "orders", "trades")
"""The sweep tables the capacity table reads."""


def capacity_table(result: Sweep) -> pl.DataFrame:
    """One row per variant of a capital sweep: the columns of the module docstring."""
    return capacity_frame({"variants": result.variants, **{k: result.tables[k] for k in CAPACITY_TABLES[1:]}})


def capacity_frame(tables: Mapping[str, pl.DataFrame]) -> pl.DataFrame:
    """`capacity_table` from a capital sweep's tables (CAPACITY_TABLES), e.g. read back from the warehouse."""
    cash = pl.Struct({"initial_cash": pl.Float64})
    params = tables["variants"].select("variant", pl.col("params").str.json_decode(cash).struct.field("initial_cash"))
    long = tables["metrics"].filter(pl.col("metric").is_in((*METRICS, "total_costs")))
    metrics = long.pivot(on="metric", index="variant", values="value")
    orders = tables["orders"]
    value = pl.col("decision_price").fill_nan(None).fill_null(0.0)
    fills = (
        orders.filter(pl.col("status").is_in(SENT))
        .group_by("variant")
        .agg(
            ((pl.col("filled_shares").abs() * value).sum() / (pl.col("order_shares").abs() * value).sum()).alias(
                "fill_rate"
            ),
            (pl.col("status") == "partial").sum().alias("partial_orders"),
        )
    )
    traded = tables["trades"].group_by("variant").agg(pl.col("notional").sum().alias("traded"))
    table = (
        params.join(metrics, on="variant", how="left")
        .join(fills, on="variant", how="left")
        .join(traded, on="variant", how="left")
        .with_columns(
            pl.col("fill_rate").fill_null(1.0).fill_nan(1.0),
            pl.col("partial_orders").fill_null(0),
            pl.when(pl.col("traded") > 0).then(pl.col("total_costs") / pl.col("traded") * 1e4).otherwise(0.0)
            .alias("cost_bps"),
        )
        .sort("variant")
    )  # fmt: skip
    return table.select(
        pl.col("initial_cash").alias("capital"), "total_return", "cagr", "sharpe", "max_drawdown", "fill_rate",
        "partial_orders", "cost_bps", "commission_bps", "spread_bps", "impact_bps",
    )  # fmt: skip
