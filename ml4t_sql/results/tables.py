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

from ..choices import OrderStatus, Side, TradeReason
from ..choices import labels as choice_labels
from ..config import Config
from ..engine.fold import Ledger
from ..schema import TABLES, conform, with_variant
from .guard import check_numbers
from .metrics import compute_metrics

BIG_TABLES = ("positions", "trades", "orders")


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
        return pc.take(self.assets, pa.array(idx))


def finish(name: str, run_id: str, table: pa.Table, *, variants: bool) -> pa.Table:
    """`run_id` first, then checked against the contract of `name` (with `variant`: a sweep's)."""
    table = table.add_column(0, "run_id", pa.repeat(pa.scalar(run_id, pa.string()), table.num_rows))
    return with_variant(name, table) if variants else conform(name, table)


def big_tables(run_id: str, ledger: Ledger, labels: Labels, *, variants: bool) -> dict[str, pa.Table]:
    """positions, trades and orders of one ledger (the whole window, or one chunk of it)."""
    e, p, t, o = ledger.equity, ledger.positions, ledger.trades, ledger.orders
    n_variants = int(e["variant"].max()) + 1 if e["variant"].size else 1
    first = int(e["date"][0]) if e["date"].size else 0
    nav = e["nav"][(p["date"] - first) * n_variants + p["variant"]]
    value = p["shares"] * p["close"]
    out = {
        "positions": pa.table(
            {
                "variant": p["variant"],
                "date": labels.date_of(p["date"]),
                "asset": labels.asset_of(p["asset"]),
                "shares": p["shares"],
                "close": p["close"],
                "market_value": value,
                "weight": value / nav,
            }
        ),
        "trades": pa.table(
            {
                "variant": t["variant"],
                "date": labels.date_of(t["date"]),
                "asset": labels.asset_of(t["asset"]),
                "side": _label(choice_labels(Side), (t["shares"] < 0).astype(np.int8)),
                "shares": np.abs(t["shares"]),
                "price": t["price"],
                "notional": t["notional"],
                "commission": t["commission"],
                "slippage_cost": t["slippage_cost"],
                "reason": _label(choice_labels(TradeReason), t["reason"]),
                "decision_date": labels.date_of(t["decision"]),
            }
        ),
        "orders": pa.table(
            {
                "variant": o["variant"],
                "decision_date": labels.date_of(o["decision"]),
                "fill_date": labels.date_of(o["fill"]),
                "asset": labels.asset_of(o["asset"]),
                "target_weight": o["weight"],
                "decision_price": o["price"],
                "target_shares": o["target"],
                "order_shares": o["order"],
                "filled_shares": o["filled"],
                "status": _label(choice_labels(OrderStatus), o["status"]),
            }
        ),
    }
    tables = {
        name: finish(name, run_id, _drop_variant(table, variants), variants=variants) for name, table in out.items()
    }
    check_numbers(tables)  # a chunk's tables are written as they come: checked here, before that
    return tables


@dataclass
class Totals:
    """Per (date, variant) equity, holdings and per-variant trade counts, gathered over chunks."""

    n_dates: int
    n_variants: int
    equity: list[dict[str, np.ndarray]] = field(default_factory=list)
    holdings: np.ndarray = field(init=False)
    n_trades: np.ndarray = field(init=False)

    def __post_init__(self) -> None:
        self.holdings = np.zeros(self.n_dates * self.n_variants, dtype=np.int64)
        self.n_trades = np.zeros(self.n_variants, dtype=np.int64)

    def add(self, ledger: Ledger) -> None:
        V = self.n_variants
        self.equity.append(ledger.equity)
        p = ledger.positions
        self.holdings += np.bincount(p["date"] * V + p["variant"], minlength=self.n_dates * V)
        self.n_trades += np.bincount(ledger.trades["variant"], minlength=V)

    def column(self, name: str) -> np.ndarray:
        """Equity column `name`, as [T, V]."""
        return np.concatenate([part[name] for part in self.equity]).reshape(self.n_dates, self.n_variants)

    def equity_table(self, run_id: str, labels: Labels, *, variants: bool) -> pa.Table:
        columns = {name: np.concatenate([part[name] for part in self.equity]) for name in self.equity[0]}
        table = pa.table(
            {
                "variant": columns["variant"],
                "date": labels.date_of(columns["date"]),
                **{name: columns[name] for name in TABLES["equity"].names[2:]},
            }
        )
        return finish("equity", run_id, _drop_variant(table, variants), variants=variants)

    def metrics_table(
        self, run_id: str, configs: Sequence[Config], benchmark: np.ndarray | None, *, variants: bool
    ) -> pa.Table:
        """Every variant's metrics (ml4t_sql.stats), long: (variant,) metric, value."""
        nav, returns = self.column("nav"), self.column("return")
        turnover, costs = self.column("turnover"), self.column("costs")
        gross, net = self.column("gross_exposure"), self.column("net_exposure")
        holdings = self.holdings.reshape(self.n_dates, self.n_variants)
        rows: dict[str, list[object]] = {"variant": [], "metric": [], "value": []}
        for v, cfg in enumerate(configs):
            values = compute_metrics(
                nav=nav[:, v],
                returns=returns[:, v],
                turnover=turnover[:, v],
                costs=costs[:, v],
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


def _label(names: Sequence[str], codes: np.ndarray) -> pa.Array:
    return pc.take(pa.array(names, pa.string()), pa.array(codes))


def _drop_variant(table: pa.Table, variants: bool) -> pa.Table:
    return table if variants else table.drop_columns(["variant"])
