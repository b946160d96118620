"""The fold's index-keyed arrays as the output tables of schema.py, whole or chunk by chunk.

`Labels` turns date and asset indices back into dates and names. The big tables (positions,
trades, orders) are made per ledger, so a streamed run writes them chunk by chunk; `Totals`
collects what the small ones need (equity, holdings per date, trades per variant) across chunks.
A sweep's tables carry `variant` after `run_id` (schema.with_variant).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from ..choices import labels as choice_labels
from ..config import Config
from ..engine.ledger import Equity, Ledger, Records
from ..schema import conform, with_variant
from .guard import check_numbers
from .metrics import compute_metrics


@dataclass(frozen=True)
class Labels:
    """The window's dates and the assets, in index order, as Arrow arrays."""

    dates: pa.Array
    assets: pa.Array

    def date_of(self, idx: np.ndarray) -> pa.Array:
        """Dates of window indices; -1 is NULL."""
        valid = idx >= 0
        taken = pc.take(self.dates, pa.array(np.where(valid, idx, 0)))
        return taken if valid.all() else pc.if_else(pa.array(valid), taken, pa.scalar(None, pa.date32()))

    def asset_of(self, idx: np.ndarray) -> pa.Array:
        return pc.take(self.assets, pa.array(idx, mask=idx < 0))  # -1: none (a portfolio's event)


def finish(name: str, run_id: str, table: pa.Table, *, variants: bool) -> pa.Table:
    """`run_id` first, then checked against the contract of `name` (with `variant`: a sweep's)."""
    table = table.add_column(0, "run_id", pa.repeat(pa.scalar(run_id, pa.string()), table.num_rows))
    return with_variant(name, table) if variants else conform(name, table)


def big_tables(run_id: str, ledger: Ledger, labels: Labels, *, variants: bool) -> dict[str, pa.Table]:
    """positions, trades and orders of one ledger (the whole window, or one chunk of it)."""
    records: list[Records] = [ledger.positions, ledger.trades, ledger.orders]
    if ledger.events is not None:
        records.append(ledger.events)
    tables = {r.TABLE: finish(r.TABLE, run_id, arrow(r, labels, variants=variants), variants=variants) for r in records}
    check_numbers(tables)  # a chunk's tables are written as they come: checked here, before that
    return tables


def arrow(records: Records, labels: Labels, *, variants: bool) -> pa.Table:
    """A record of the fold as its table (ml4t_sql.engine.ledger): `*date_idx` fields become dates,
    `asset_idx` assets, coded fields their labels, `return_` `return`; `variant` only if `variants`."""
    columns: dict[str, pa.Array | np.ndarray] = {}
    for name, values in records.columns().items():
        if name.endswith("date_idx"):
            columns[name.removesuffix("_idx")] = labels.date_of(values)
        elif name == "asset_idx":
            columns["asset"] = labels.asset_of(values)
        elif name in records.CODES:
            columns[name] = pc.take(pa.array(choice_labels(records.CODES[name]), pa.string()), pa.array(values))
        elif values.dtype == np.object_:
            columns[name] = pa.array(values, pa.string())
        elif name != "variant" or variants:
            columns[name.rstrip("_")] = values
    return pa.table(columns)


@dataclass
class Totals:
    """Per (date, variant) equity, holdings and per-variant trade counts, gathered over chunks."""

    n_dates: int
    n_variants: int
    equity: list[Equity] = field(default_factory=list)
    holdings: np.ndarray = field(init=False)
    n_trades: np.ndarray = field(init=False)
    commission: np.ndarray = field(init=False)
    slippage: np.ndarray = field(init=False)
    impact: np.ndarray = field(init=False)
    traded: np.ndarray = field(init=False)

    def __post_init__(self) -> None:
        self.holdings = np.zeros(self.n_dates * self.n_variants, dtype=np.int64)
        self.n_trades = np.zeros(self.n_variants, dtype=np.int64)
        self.commission = np.zeros(self.n_dates * self.n_variants)  # per (date, variant): sums that
        self.slippage = np.zeros(self.n_dates * self.n_variants)  # do not depend on the chunks
        self.impact = np.zeros(self.n_dates * self.n_variants)
        self.traded = np.zeros(self.n_dates * self.n_variants)

    def add(self, ledger: Ledger) -> None:
        V = self.n_variants
        self.equity.append(ledger.equity)
        p = ledger.positions
        self.holdings += np.bincount(p.date_idx * V + p.variant, minlength=self.n_dates * V)
        t = ledger.trades
        self.n_trades += np.bincount(t.variant, minlength=V)
        at = t.date_idx * V + t.variant
        self.commission += np.bincount(at, weights=t.commission, minlength=self.n_dates * V)
        self.slippage += np.bincount(at, weights=t.slippage_cost, minlength=self.n_dates * V)
        self.impact += np.bincount(at, weights=t.impact_cost, minlength=self.n_dates * V)
        self.traded += np.bincount(at, weights=t.notional, minlength=self.n_dates * V)

    def column(self, name: str) -> np.ndarray:
        """Equity field `name` (ml4t_sql.engine.ledger.Equity), as [T, V]."""
        return np.concatenate([getattr(part, name) for part in self.equity]).reshape(self.n_dates, self.n_variants)

    def equity_table(self, run_id: str, labels: Labels, *, variants: bool) -> pa.Table:
        table = arrow(Equity.concat(self.equity), labels, variants=variants)
        return finish("equity", run_id, table, variants=variants)

    def metrics_table(
        self, run_id: str, configs: Sequence[Config], benchmark: np.ndarray | None, *, variants: bool
    ) -> pa.Table:
        """Every variant's metrics (ml4t_sql.stats), long: (variant,) metric, value."""
        nav, returns = self.column("nav"), self.column("return_")
        turnover, costs, financing = self.column("turnover"), self.column("costs"), self.column("financing")
        dividends = self.column("dividends")
        gross, net = self.column("gross_exposure"), self.column("net_exposure")
        holdings = self.holdings.reshape(self.n_dates, self.n_variants)
        commission = self.commission.reshape(self.n_dates, self.n_variants)
        slippage = self.slippage.reshape(self.n_dates, self.n_variants)
        impact = self.impact.reshape(self.n_dates, self.n_variants)
        traded = self.traded.reshape(self.n_dates, self.n_variants)
        rows: dict[str, list[object]] = {"variant": [], "metric": [], "value": []}
        for v, cfg in enumerate(configs):
            values = compute_metrics(
                nav=nav[:, v],
                returns=returns[:, v],
                turnover=turnover[:, v],
                costs=costs[:, v],
                commission=float(np.sum(commission[:, v])),
                slippage=float(np.sum(slippage[:, v])),
                impact=float(np.sum(impact[:, v])),
                traded=float(np.sum(traded[:, v])),
                financing=financing[:, v],
                dividends=dividends[:, v],
                gross=gross[:, v],
                net=net[:, v],
                holdings=holdings[:, v],
                n_trades=int(self.n_trades[v]),
                initial_cash=cfg.execution.initial_cash,
                benchmark=benchmark,
                risk_free_rate=cfg.metrics.risk_free_rate,
                periods_per_year=cfg.metrics.periods_per_year,
            )
            rows["variant"] += [v] * len(values)
            rows["metric"] += list(values)
            rows["value"] += list(values.values())
        table = pa.table(
            {
                "variant": pa.array(rows["variant"], pa.int64()),
                "metric": pa.array(rows["metric"], pa.string()),
                "value": pa.array(rows["value"], pa.float64()),
            }
        )
        return finish("metrics", run_id, _drop_variant(table, variants), variants=variants)


def _drop_variant(table: pa.Table, variants: bool) -> pa.Table:
    return table if variants else table.drop_columns(["variant"])
