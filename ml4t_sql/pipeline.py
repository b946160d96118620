"""run(config) -> Run: one backtest, from inputs to published tables. A sweep is the same with
many variants (ml4t_sql.sweep); both go through `execute`.

The steps, in order, and where each lives:

1. load and check the configuration                      config.load_config
2. register the inputs as views                           data.sources.load_sources, data.inputs.register
3. type the prices, flag dirty rows, refuse or apply      sql/sources/typed_prices.sql, data.quality,
   the [data.quality] policies; snapshot the result       sql/sources/prices.sql
4. the signals, checked                                   sql/sources/signals.sql, data.quality
5. the window's calendar and assets (where it starts:      sql/sources/calendar.sql, data.window
   `start = "auto"`)
6. targets of every variant: built-in SQL or the user's   strategy.targets.build_targets (sql/strategy/*.sql);
   a custom strategy first seen to start later: 2-6 again data.window.restart_date
7. dense arrays of the window's bars and targets, in      data.panel.iter_panels, data.panel.load_targets
   chunks of dates that fit the memory budget
8. the fold over dates, chunk after chunk                 engine.run_fold (engine/fold.py: the steps)
9. tables, benchmarks and metrics                         results.tables, results.benchmark,
                                                          results.metrics
10. publish atomically to the warehouse                   store.warehouse.Stage, store.catalog.refresh_catalog

Nothing is published before step 10, so bad input never leaves a partial run; a warehouse that
cannot take the run is refused before step 2 (store.preflight). Steps 7-8 are one
loop over chunks of dates: usually one chunk, the whole window; a window too big for
`[execution] memory_budget_mb` takes several, and a written run's big tables go to its staging
folder as each chunk is done. The tables are the same either way, written or kept in memory.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import secrets
import time
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, TypeVar

import duckdb
import numpy as np
import polars as pl
import pyarrow as pa

from . import __version__
from .choices import Sizing, Stale, code
from .config import Config, Execution, Risk, Strategy, load_config
from .data.actions import action_inputs
from .data.capacity import impact_sigma, sigma_windows
from .data.financing import finance_inputs
from .data.lineage import fingerprint, lineage_table
from .data.panel import BYTES_PER_CELL, chunk_dates, iter_panels, load_targets, window_axes
from .data.quality import QualityReport
from .data.risk import check_high_low, risk_rules
from .data.sandbox import late_refusals
from .data.sources import load_sources
from .data.window import note_cash_at_start, restart_date
from .engine import FoldState, Rules, run_fold
from .report.tearsheet import write_report
from .results.benchmark import benchmark_table, primary_returns, variant_benchmarks
from .results.guard import check_numbers
from .results.tables import Labels, Totals, big_tables, finish
from .schema import RUN_TABLES, TABLES, VARIANTS, conform
from .store.catalog import refresh_catalog
from .store.preflight import estimate_run_bytes, preflight
from .store.warehouse import Spill, Stage
from .strategy.targets import build_targets

T_ = TypeVar("T_")


class RunTables(Mapping[str, pl.DataFrame]):
    """A run's tables as Polars frames: kept in memory, or read from the run's folder when asked
    for (the big tables of a run folded in chunks are only on disk)."""

    def __init__(self, memory: Mapping[str, pa.Table], folder: Path | None, names: Sequence[str]) -> None:
        self._memory, self._folder, self._names = dict(memory), folder, list(names)
        self._frames: dict[str, pl.DataFrame] = {}

    def __getitem__(self, name: str) -> pl.DataFrame:
        if name not in self._frames:
            if name in self._memory:
                self._frames[name] = pl.from_arrow(self._memory[name])  # type: ignore[assignment]
            elif name in self._names and self._folder is not None:
                self._frames[name] = pl.read_parquet(self._folder / f"{name}.parquet")
            else:
                raise KeyError(name)
        return self._frames[name]

    def __iter__(self) -> Iterator[str]:
        return iter(self._names)

    def __len__(self) -> int:
        return len(self._names)


@dataclass
class Run:
    """A finished backtest: its id, its tables as Polars frames, and where they were written."""

    run_id: str
    tables: Mapping[str, pl.DataFrame]
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

    def __repr__(self) -> str:
        """A short summary (ml4t_sql.console.run_summary): id, window, headline metrics; not the config."""
        from .console import run_summary

        return run_summary(self.run_id, self.config.output.name, self.equity, self.stats(), self.path)

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
    cfg = load_config(config)
    out = execute(cfg, [cfg], warehouse=warehouse, write=write, progress=progress)
    return Run(out.run_id, out.tables, cfg, out.quality, out.path, out.timings)


@dataclass
class Outcome:
    """What `execute` produced: the run id, the tables, where they went, timings and quality."""

    run_id: str
    tables: RunTables
    path: Path | None
    timings: dict[str, float]
    quality: dict[str, Any]


def execute(
    base: Config,
    variants: Sequence[Config],
    *,
    combos: Sequence[Mapping[str, Any]] | None = None,
    warehouse: str | Path | None = None,
    write: bool = True,
    progress: Callable[[int, int], None] | None = None,
) -> Outcome:
    """Steps 2-10 for the variants of one strategy over `base`'s data (a run: one variant).

    `combos` (a sweep's swept values per variant) makes the tables a sweep's: `variant` after
    `run_id`, plus the `variants` table. The window is folded in chunks of dates that fit
    `[execution] memory_budget_mb` (usually one chunk: the whole window), whether the run is
    written or kept in memory; a written run's big tables go to its staging folder chunk by chunk.
    """
    clock = Clock()
    sweep, V = combos is not None, len(variants)
    root = Path(warehouse) if warehouse is not None else base.resolve(base.output.warehouse)
    if write:
        preflight(root)  # a folder, writable, one filesystem: refused before any work
    with contextlib.ExitStack() as stack:
        stack.enter_context(late_refusals())  # first in, last out: wraps every step below
        spill = stack.enter_context(Spill(root if write else None))  # in <warehouse>/.staging, or private
        every = [k for v in variants if (k := v.strategy.rebalance_every)]
        signals = [v.strategy.signal for v in variants]
        restart: dt.date | None = None
        while True:  # twice only for a custom strategy whose first row is after the data's first date
            con = stack.enter_context(
                contextlib.closing(working_connection(base.execution.memory_budget_mb, spill.path))
            )
            report = QualityReport()
            with clock("load_validate"):
                load_sources(con, base, report, every=every, signals=signals, restart=restart)
            with clock("targets"):
                first_row = build_targets(con, base, [v.strategy for v in variants], report)
            restart = None if restart is not None else restart_date(con, base, first_row)
            if restart is None:
                break
            con.close()  # the window starts later: load again from there (ml4t_sql.data.window)
        note_cash_at_start(con, report)

        dates, assets = window_axes(con)
        T, N = len(dates), len(assets)
        labels = Labels(pa.array(dates, pa.date32()), pa.array(assets, pa.string()))
        targets = load_targets(con, T, V, stale=any(v.strategy.stale == Stale.HOLD for v in variants),
                               legs=leg_exposures([v.strategy for v in variants]))  # fmt: skip
        rules = rules_for([v.execution for v in variants], [v.risk for v in variants])
        extremes = rules.any_stops
        if extremes:
            check_high_low(con)
        run_id = new_run_id()
        size = estimate_run_bytes(T, N, V)
        stage = (
            stack.enter_context(Stage(root, run_id, expected_bytes=size)) if write else None
        )  # gone unless committed
        big = BigTables(stage)
        totals = Totals(T, V)
        state = FoldState.start(rules, N, T)
        cells = BYTES_PER_CELL + (8 if base.data.borrow_fees is not None else 0)  # the fee array
        windows = sigma_windows([v.execution for v in variants])
        if windows is not None:  # volume and bars; sigma's returns, row keys and planes (data/capacity.py)
            cells += 1 + 8 * (4 + len(windows))
        cells += 16 if extremes else 0  # high and low
        chunk = chunk_dates(T, N, V, base.execution.memory_budget_mb, cells) or max(T, 1)
        financing = finance_inputs(con, base, [v.execution for v in variants], dates)
        actions = action_inputs(con, base, T, N)
        prev_close = np.full(N, np.nan)
        for start, stop, panel in clock.each("panel", iter_panels(con, base.execution.delist_after, T, N, chunk,
                                                                     extremes=extremes, volume=windows is not None)):
            if financing is not None:
                panel = replace(panel, finance=financing.chunk(con, start, stop, N, prev_close))
            if actions is not None:
                panel = replace(panel, actions=actions.chunk(start, stop, prev_close))
            prev_close = panel.last_close[-1] if stop > start else prev_close
            chunk_targets = targets.chunk(start, stop)
            if windows:
                with clock("capacity"):
                    sigma = impact_sigma(con, windows, start, stop, panel, actions=actions is not None,
                                         targets=chunk_targets)  # fmt: skip
                panel = replace(panel, sigma=sigma, sigma_windows=windows)
            with clock("fold"):
                ledger = run_fold(panel, chunk_targets, rules, progress, state)
            state = ledger.state
            with clock("tables"):
                big.add(big_tables(run_id, ledger, labels, variants=sweep))
                totals.add(ledger)

        with clock("tables"):
            order = "order by date, variant, asset" if sweep else "order by date, asset"
            columns = "variant, date, asset, weight" if sweep else "date, asset, weight"
            target_rows = con.sql(f"select {columns} from ml4t.final_targets {order}").to_arrow_table()
            small = {"targets": finish("targets", run_id, target_rows, variants=sweep)}
            small["equity"] = totals.equity_table(run_id, labels, variants=sweep)
            small["benchmark"] = (
                variant_benchmarks(con, variants, run_id) if sweep else benchmark_table(con, base, run_id)
            )
            bench = primary_returns(small["benchmark"]) if small["benchmark"].num_rows else None
            small["metrics"] = totals.metrics_table(run_id, variants, bench, variants=sweep)
            if combos is not None:
                small["variants"] = variants_table(run_id, combos)
            small["lineage"] = lineage_table(con, base, run_id)
        small["runs"] = runs_row(base, run_id, report, fingerprint(small["lineage"]), dates, N, clock.elapsed())
        check_numbers(small)  # no NaN or infinity leaves the run (positions, trades, orders: in big_tables)

        path = None
        if stage is not None:
            with clock("write"):
                for name, table in small.items():
                    stage.write(name, table)
                path = stage.commit()
                refresh_catalog(root)  # never raises: the run has landed; a StoreWarning says what to do
    timings = clock.timings()
    names = [*RUN_TABLES, *(["variants"] if sweep else [])]
    memory = {**big.in_memory(), **small}
    return Outcome(run_id, RunTables(memory, path, names), path, timings, report.as_dict())


class BigTables:
    """positions, trades and orders, chunk by chunk: written to the run's stage, or kept in memory."""

    def __init__(self, stage: Stage | None) -> None:
        self.stage = stage
        self.parts: dict[str, list[pa.Table]] = {}

    def add(self, tables: Mapping[str, pa.Table]) -> None:
        for name, table in tables.items():
            if self.stage is not None:
                self.stage.write(name, table)
            else:
                self.parts.setdefault(name, []).append(table)

    def in_memory(self) -> dict[str, pa.Table]:
        return {name: pa.concat_tables(parts) for name, parts in self.parts.items()}


class Clock:
    """Seconds spent per phase of a run (`with clock("fold"): ...`), summed over chunks, plus the total."""

    def __init__(self) -> None:
        self.started = time.perf_counter()
        self.spent: dict[str, float] = {}

    @contextlib.contextmanager
    def __call__(self, phase: str) -> Iterator[None]:
        tick = time.perf_counter()
        try:
            yield
        finally:
            self.spent[phase] = self.spent.get(phase, 0.0) + time.perf_counter() - tick

    def each(self, phase: str, items: Iterable[T_]) -> Iterator[T_]:
        """The items of `items`, the time spent producing each counted to `phase`."""
        iterator = iter(items)
        while True:
            with self(phase):
                item = next(iterator, _DONE)
            if item is _DONE:
                return
            yield item  # type: ignore[misc]

    def elapsed(self) -> float:
        return time.perf_counter() - self.started

    def timings(self) -> dict[str, float]:
        return {**self.spent, "total": self.elapsed()}


_DONE = object()


def working_connection(budget_mb: float, spill: Path) -> duckdb.DuckDBPyConnection:
    """The run's in-memory DuckDB: half the memory budget (the fold's arrays get the other half),
    spilling to `spill` beyond it. Both are set here because load_sources locks the connection's
    settings once the inputs are registered (ml4t_sql.data.sandbox); spilling works after that."""
    con = duckdb.connect()
    con.execute(f"set memory_limit = '{max(int(budget_mb // 2), 64)}MB'")  # a number we computed
    con.execute("set temp_directory = $dir", {"dir": str(spill)})
    return con


def variants_table(run_id: str, combos: Sequence[Mapping[str, Any]]) -> pa.Table:
    """A sweep's `variants` table: each variant's number, a readable name and its values."""
    table = pa.table(
        {
            "run_id": pa.array([run_id] * len(combos), pa.string()),
            "variant": pa.array(range(len(combos)), pa.int64()),
            "name": pa.array([", ".join(f"{k}={v}" for k, v in c.items()) for c in combos], pa.string()),
            "params": pa.array([json.dumps(dict(c), sort_keys=True) for c in combos], pa.string()),
        }
    )
    return table.cast(VARIANTS.schema)


def leg_exposures(strategies: Sequence[Strategy]) -> tuple[np.ndarray, np.ndarray]:
    """Each variant's long and short leg exposure ([V] each), which `stale = "hold"` reduces (a
    custom strategy's: 1 and 0; it cannot hold stale assets)."""
    builtin = [s.sql is None for s in strategies]
    long = [s.long_exposure if b else 1.0 for s, b in zip(strategies, builtin, strict=True)]
    short = [s.short_exposure if b else 0.0 for s, b in zip(strategies, builtin, strict=True)]
    return np.array(long, dtype=np.float64), np.array(short, dtype=np.float64)


def rules_for(executions: Sequence[Execution], risks: Sequence[Risk] | None = None) -> Rules:
    """The fold's per-variant execution arrays from one `[execution]` (and `[risk]`) section per variant."""
    return Rules(
        **(risk_rules(risks) if risks is not None else {}),
        initial_cash=np.array([x.initial_cash for x in executions], dtype=np.float64),
        fill_price_sizing=np.array([x.sizing == Sizing.FILL_PRICE for x in executions]),
        fractional=np.array([x.fractional for x in executions]),
        commission_rate=np.array([x.commission_bps / 1e4 for x in executions]),
        slippage_rate=np.array([x.slippage_bps / 1e4 for x in executions]),
        min_trade_value=np.array([x.min_trade_value for x in executions], dtype=np.float64),
        cash_shortfall=np.array([code(x.cash_shortfall) for x in executions], dtype=np.int64),
        rounding=np.array([code(x.rounding) for x in executions], dtype=np.int64),
        cash_rate=np.array([x.cash_rate for x in executions], dtype=np.float64),
        margin_rate=np.array([x.margin_rate for x in executions], dtype=np.float64),
        short_fee=np.array([x.short_fee for x in executions], dtype=np.float64),
        max_leverage=np.array([x.max_leverage for x in executions], dtype=np.float64),
        max_participation=np.array([_or(x.max_participation, np.inf) for x in executions], dtype=np.float64),
        commission_per_share=np.array([x.commission_per_share for x in executions], dtype=np.float64),
        commission_min=np.array([x.commission_min for x in executions], dtype=np.float64),
        impact_coefficient=np.array([x.impact_coefficient for x in executions], dtype=np.float64),
        impact_vol_window=np.array([x.impact_vol_window for x in executions], dtype=np.int64),
        drift_band=np.array([_or(x.drift_band, np.nan) for x in executions], dtype=np.float64),
        lot_size=np.array([_or(x.lot_size, 1) for x in executions], dtype=np.float64),
    )


def _or(value: float | None, default: float) -> float:
    return default if value is None else value


def runs_row(
    cfg: Config,
    run_id: str,
    report: QualityReport,
    input_fingerprint: str,
    dates: np.ndarray,
    n_assets: int,
    elapsed: float,
) -> pa.Table:
    row = {
        "run_id": run_id,
        "created_at": dt.datetime.now(dt.UTC),
        "name": cfg.output.name,
        "status": "complete",
        "config": cfg.to_json(),
        "config_hash": cfg.digest(),
        "input_fingerprint": input_fingerprint,
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
