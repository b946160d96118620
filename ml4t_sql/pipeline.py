"""run(config) -> Run: one backtest, from inputs to published tables.

The steps, in order, and where each lives:

1. load and check the configuration                      config.load_config
2. register the inputs as views                           sources.load_sources, inputs.register
3. type the prices, flag dirty rows, refuse or apply      sql/sources/typed_prices.sql, validate.check_prices,
   the [data.quality] policies; snapshot the result       sql/sources/prices.sql
4. the signals, checked                                   sql/sources/signals.sql, validate.check_signals
5. the window's calendar and assets                       sql/sources/calendar.sql
6. targets: built-in top-N SQL or the user's query        strategy.build_targets (sql/strategy/*.sql)
7. dense arrays of the window's bars and targets          panel.load_panel, panel.load_targets
8. the fold over dates                                    fold.run_fold
9. tables, benchmarks and metrics                         ledger_tables below, benchmark.benchmark_table,
                                                          stats.metrics_table
10. publish atomically to the warehouse                   warehouse.publish

Nothing is written before step 10, so bad input never leaves a partial run.
"""

from __future__ import annotations

import datetime as dt
import json
import secrets
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import duckdb
import numpy as np
import polars as pl
import pyarrow as pa
import pyarrow.compute as pc

from . import __version__
from .benchmark import benchmark_table
from .config import Config, Execution, load_config
from .fold import CASH_SHORTFALLS, ORDER_STATUSES, ROUNDINGS, TRADE_REASONS, Ledger, Rules, run_fold
from .panel import load_panel, load_targets
from .report import write_report
from .schema import RUN_TABLES, TABLES, conform, with_variant
from .sources import load_sources
from .stats import metrics_table
from .strategy import build_targets
from .validate import QualityReport
from .warehouse import ensure_catalog, publish


@dataclass
class Run:
    """A finished backtest: its id, its tables as Polars frames, and where they were written."""

    run_id: str
    tables: dict[str, pl.DataFrame]
    config: Config
    quality: dict[str, Any] = field(default_factory=dict)
    path: Path | None = None
    timings: dict[str, float] = field(default_factory=dict)

    @property
    def equity(self) -> pl.DataFrame:
        return self.tables["equity"]

    @property
    def positions(self) -> pl.DataFrame:
        return self.tables["positions"]

    @property
    def trades(self) -> pl.DataFrame:
        return self.tables["trades"]

    @property
    def orders(self) -> pl.DataFrame:
        return self.tables["orders"]

    @property
    def targets(self) -> pl.DataFrame:
        return self.tables["targets"]

    @property
    def metrics(self) -> pl.DataFrame:
        return self.tables["metrics"]

    @property
    def benchmark(self) -> pl.DataFrame:
        return self.tables["benchmark"]

    def stats(self) -> dict[str, float]:
        """The metrics as a dict (see ml4t_sql.stats for each definition)."""
        return dict(zip(self.metrics["metric"].to_list(), self.metrics["value"].to_list(), strict=True))

    def report(self, path: str | Path = "report.html") -> Path:
        """Write the run's self-contained HTML report (ml4t_sql.report) to `path` and return the path."""
        return write_report(self.tables, path)


def run(
    config: Config | Mapping[str, Any] | str | Path,
    *,
    warehouse: str | Path | None = None,
    write: bool = True,
    progress: Callable[[int, int], None] | None = None,
) -> Run:
    """Run one backtest. `config` is a TOML path, a dict of the same shape, or a `Config`.

    warehouse: overrides `[output] warehouse`. write: False keeps the run in memory only.
    progress: called as progress(dates_done, dates_total) during the fold.
    """
    started = time.perf_counter()
    timings: dict[str, float] = {}
    cfg = load_config(config)
    con = duckdb.connect()
    try:
        report = QualityReport()
        tick = time.perf_counter()
        load_sources(con, cfg, report)
        timings["load_validate"] = time.perf_counter() - tick

        tick = time.perf_counter()
        build_targets(con, cfg)
        timings["targets"] = time.perf_counter() - tick

        tick = time.perf_counter()
        panel, dates, assets = load_panel(con, cfg.execution.delist_after)
        targets = load_targets(con, panel.n_dates)
        x = cfg.execution
        rules = rules_for([x])
        timings["panel"] = time.perf_counter() - tick

        tick = time.perf_counter()
        ledger = run_fold(panel, targets, rules, progress)
        timings["fold"] = time.perf_counter() - tick

        tick = time.perf_counter()
        run_id = new_run_id()
        target_rows = con.sql("select date, asset, weight from final_targets order by date, asset").to_arrow_table()
        tables = ledger_tables(run_id, ledger, pa.array(dates, pa.date32()), pa.array(assets, pa.string()), target_rows)
        tables["benchmark"] = benchmark_table(con, cfg, run_id)
        tables["metrics"] = metrics_table(run_id, tables, cfg)
        timings["tables"] = time.perf_counter() - tick
        tables["runs"] = runs_row(con, cfg, run_id, report, dates, len(assets), time.perf_counter() - started)
    finally:
        con.close()

    path = None
    if write:
        tick = time.perf_counter()
        root = Path(warehouse) if warehouse is not None else cfg.resolve(cfg.output.warehouse)
        path = publish(root, run_id, tables)
        if not ensure_catalog(root):
            report.warnings.append(
                f"{root / 'ml4t.duckdb'} is held open by another process: the run is saved in {path}, "
                "and its views will be created by the next run (ml4t_sql.connect reads it now)"
            )
        timings["write"] = time.perf_counter() - tick
    timings["total"] = time.perf_counter() - started
    frames = {name: pl.from_arrow(tables[name]) for name in RUN_TABLES}
    return Run(run_id, frames, cfg, report.as_dict(), path, timings)  # type: ignore[arg-type]


def ledger_tables(
    run_id: str, ledger: Ledger, dates: pa.Array, assets: pa.Array, target_rows: pa.Table, *, variants: bool = False
) -> dict[str, pa.Table]:
    """The fold's index-keyed arrays as the output tables of schema.TABLES.

    With `variants` (a sweep), every table keeps the fold's `variant` after `run_id`, and
    `target_rows` must start with it.
    """

    def date_of(idx: np.ndarray) -> pa.Array:
        valid = idx >= 0
        taken = pc.take(dates, pa.array(np.where(valid, idx, 0)))
        return taken if valid.all() else pc.if_else(pa.array(valid), taken, pa.scalar(None, pa.date32()))

    def asset_of(idx: np.ndarray) -> pa.Array:
        return pc.take(assets, pa.array(idx))

    def label(names: Sequence[str], codes: np.ndarray) -> pa.Array:
        return pc.take(pa.array(names, pa.string()), pa.array(codes))

    e = ledger.equity
    n_variants = int(e["variant"].max()) + 1 if e["variant"].size else 1
    equity = pa.table({"date": date_of(e["date"]), **{k: e[k] for k in TABLES["equity"].names[2:]}})

    p = ledger.positions
    nav = e["nav"][p["date"] * n_variants + p["variant"]]
    positions = pa.table(
        {
            "date": date_of(p["date"]),
            "asset": asset_of(p["asset"]),
            "shares": p["shares"],
            "close": p["close"],
            "market_value": p["shares"] * p["close"],
            "weight": p["shares"] * p["close"] / nav,
        }
    )

    t = ledger.trades
    trades = pa.table(
        {
            "date": date_of(t["date"]),
            "asset": asset_of(t["asset"]),
            "side": label(("buy", "sell"), (t["shares"] < 0).astype(np.int8)),
            "shares": np.abs(t["shares"]),
            "price": t["price"],
            "notional": t["notional"],
            "commission": t["commission"],
            "slippage_cost": t["slippage_cost"],
            "reason": label(TRADE_REASONS, t["reason"]),
            "decision_date": date_of(t["decision"]),
        }
    )

    o = ledger.orders
    orders = pa.table(
        {
            "decision_date": date_of(o["decision"]),
            "fill_date": date_of(o["fill"]),
            "asset": asset_of(o["asset"]),
            "target_weight": o["weight"],
            "decision_price": o["price"],
            "target_shares": o["target"],
            "order_shares": o["order"],
            "filled_shares": o["filled"],
            "status": label(ORDER_STATUSES, o["status"]),
        }
    )
    out = {"equity": equity, "positions": positions, "trades": trades, "orders": orders}
    if not variants:
        out["targets"] = target_rows
        return {name: conform(name, _with_run_id(run_id, table)) for name, table in out.items()}
    for name, source in (("equity", e), ("positions", p), ("trades", t), ("orders", o)):
        out[name] = out[name].add_column(0, "variant", pa.array(source["variant"]))
    out["targets"] = target_rows
    return {name: with_variant(name, _with_run_id(run_id, table)) for name, table in out.items()}


def rules_for(executions: Sequence[Execution]) -> Rules:
    """The fold's per-variant execution arrays from one `[execution]` section per variant."""
    return Rules(
        initial_cash=np.array([x.initial_cash for x in executions], dtype=np.float64),
        fill_price_sizing=np.array([x.sizing == "fill_price" for x in executions]),
        fractional=np.array([x.fractional for x in executions]),
        commission_rate=np.array([x.commission_bps / 1e4 for x in executions]),
        slippage_rate=np.array([x.slippage_bps / 1e4 for x in executions]),
        min_trade_value=np.array([x.min_trade_value for x in executions], dtype=np.float64),
        cash_shortfall=np.array([CASH_SHORTFALLS.index(x.cash_shortfall) for x in executions], dtype=np.int64),
        rounding=np.array([ROUNDINGS.index(x.rounding) for x in executions], dtype=np.int64),
    )


def _with_run_id(run_id: str, table: pa.Table) -> pa.Table:
    return table.add_column(0, "run_id", pa.array([run_id] * table.num_rows, pa.string()))


def runs_row(
    con: duckdb.DuckDBPyConnection,
    cfg: Config,
    run_id: str,
    report: QualityReport,
    dates: np.ndarray,
    n_assets: int,
    elapsed: float,
) -> pa.Table:
    fingerprint = con.sql(
        "select (select sum(hash(p))::varchar from prices p) || '-' || (select sum(hash(s))::varchar from signals s)"
    ).fetchall()[0][0]
    row = {
        "run_id": run_id,
        "created_at": dt.datetime.now(dt.UTC),
        "name": cfg.output.name,
        "status": "complete",
        "config": cfg.to_json(),
        "config_hash": cfg.digest(),
        "input_fingerprint": str(fingerprint),
        "package_version": __version__,
        "start_date": dates[0].item(),
        "end_date": dates[-1].item(),
        "n_assets": n_assets,
        "n_dates": len(dates),
        "quality": json.dumps(report.as_dict(), sort_keys=True, default=str),
        "elapsed_s": elapsed,
    }
    return conform("runs", pa.Table.from_pylist([row], schema=TABLES["runs"].schema))


def new_run_id() -> str:
    stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%S")
    return f"{stamp}-{secrets.token_hex(3)}"
