"""research(config) -> Research: the standard diagnostics of a config's signal, before a backtest.

The steps, in order (docs/RESEARCH.md defines every figure and how each differs from alphalens):

1. load and check the configuration (`[research] horizons`, `quantiles`)      config.load_config
2. register, type and check the inputs, as a run does; the window's calendar    data.sources.load_sources
3. one relation per file of sql/research/, each reading the earlier ones:
   factor (signal and quantile) -> forward_returns (FORWARD-LOOKING) -> information_coefficient,
   quantile_daily_returns -> quantile_returns, quantile_spread; factor_autocorrelation,
   quantile_turnover, signal_coverage; research_summary
4. publish atomically, like a run: `<warehouse>/runs/<run_id>/` with a `runs` row (the run tables'
   columns) and the research tables, committed by one rename (store.warehouse.Stage)

Forward returns exist only here, on the research run's own connection: no strategy SQL, no fold
and no backtest table reads them (tests/test_research.py checks that the strategy path never
names them).
"""

from __future__ import annotations

import contextlib
import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import duckdb
import numpy as np
import polars as pl
import pyarrow as pa
import pyarrow.compute as pc

from .config import Config, load_config
from .data.lineage import fingerprint, lineage_table
from .data.quality import QualityReport
from .data.relations import create
from .data.sandbox import late_refusals
from .data.sources import load_sources
from .errors import ConfigError, InputError
from .pipeline import Clock, new_run_id, runs_row, working_connection
from .schema import RESEARCH, RESEARCH_RUN_TABLES, RESEARCH_TABLES, conform_research
from .store.catalog import refresh_catalog
from .store.preflight import preflight
from .store.warehouse import Spill, Stage
from .templates import params_for, render

STEPS = (
    "factor",
    "forward_returns",
    "information_coefficient",
    "quantile_daily_returns",
    "quantile_returns",
    "quantile_spread",
    "factor_autocorrelation",
    "quantile_turnover",
    "signal_coverage",
    "research_summary",
)
"""The relations of sql/research/, in an order where each reads only earlier ones and the sources."""


@dataclass
class Research:
    """A finished signal study: its id, its tables as Polars frames, and where they were written."""

    run_id: str
    tables: Mapping[str, pl.DataFrame]
    config: Config
    path: Path | None = None
    timings: dict[str, float] = field(default_factory=dict)

    @property
    def summary(self) -> pl.DataFrame:
        return self.tables["research_summary"]

    def report(self, path: str | Path = "research.html") -> Path:
        """Write the study's offline HTML page (ml4t_sql.report.research) to `path`."""
        from .report.research import write_research_report

        return write_research_report(self.tables, path)


def research(
    config: Config | Mapping[str, Any] | str | Path,
    *,
    warehouse: str | Path | None = None,
    write: bool = True,
) -> Research:
    """Study `[strategy] signal` of `config`: forward returns over `[research] horizons`, IC and rank
    IC, quantile returns and spread, rank autocorrelation, quantile turnover, coverage, a summary.

    warehouse: overrides `[output] warehouse`. write: False keeps the tables in memory only.
    Bad input is refused (ConfigError, InputError) before anything is written.
    """
    cfg = load_config(config)
    clock = Clock()
    root = Path(warehouse) if warehouse is not None else cfg.resolve(cfg.output.warehouse)
    if write:
        preflight(root)
    with contextlib.ExitStack() as stack:
        stack.enter_context(late_refusals())
        spill = stack.enter_context(Spill(root if write else None))
        con = stack.enter_context(contextlib.closing(working_connection(cfg.execution.memory_budget_mb, spill.path)))
        con.execute("set enable_progress_bar = false")  # the summary is the output; before the settings lock
        report = QualityReport()
        with clock("load_validate"):
            load_sources(con, cfg, report)
            _check_signal(con, cfg)
        run_id = new_run_id()
        with clock("research"):
            build(con, cfg)
            tables = {name: _table(con, name, run_id) for name in RESEARCH_TABLES}
        _check_finite(tables)
        dates = np.array(
            [d for (d,) in con.sql("select date from ml4t.calendar order by date").fetchall()], dtype="datetime64[D]"
        )
        (n_assets,) = con.sql("select count(*) from ml4t.assets").fetchall()[0]
        lineage = lineage_table(con, cfg, run_id)
        all_tables = {"runs": runs_row(cfg, run_id, report, fingerprint(lineage), dates, n_assets, clock.elapsed())}
        all_tables.update(tables)
        path = None
        if write:
            with clock("write"), Stage(root, run_id, required=RESEARCH_RUN_TABLES) as stage:
                for name, table in all_tables.items():
                    stage.write(name, table)
                path = stage.commit()
            refresh_catalog(root)
    frames: dict[str, pl.DataFrame] = {name: pl.from_arrow(t) for name, t in all_tables.items()}  # type: ignore[misc]
    return Research(run_id, frames, cfg, path, clock.timings())


def build(con: duckdb.DuckDBPyConnection, cfg: Config) -> None:
    """Every relation of sql/research/ as `ml4t.<name>` on `con` (after load_sources)."""
    values = {"horizons": list(cfg.research.horizons), "quantiles": cfg.research.quantiles}
    for step in STEPS:
        sql = render(f"research/{step}", signal=cfg.strategy.signal)
        create(con, step, sql, params_for(sql, values))


def _check_signal(con: duckdb.DuckDBPyConnection, cfg: Config) -> None:
    """The studied signal is a numeric column of `signals` (a custom strategy's config is not checked
    for it by load_sources)."""
    rel = con.sql("select * from ml4t.signals limit 0")
    types = {str(c): str(t) for c, t in zip(rel.columns, rel.types, strict=True)}
    name = cfg.strategy.signal
    numeric = (
        "DOUBLE",
        "FLOAT",
        "INTEGER",
        "BIGINT",
        "SMALLINT",
        "TINYINT",
        "HUGEINT",
        "DECIMAL",
        "UBIGINT",
        "UINTEGER",
    )
    if name not in types:
        others = [c for c in types if c not in ("date", "asset")]
        raise ConfigError(
            f"[strategy] signal: {name!r} is not a column of the signals; research studies that column "
            f"(the signals' columns: {', '.join(others) or 'none'})"
        )
    if not types[name].startswith(numeric):
        raise InputError("signals", f"column {name!r} is {types[name]}, research needs a number", hint="cast it")


def _table(con: duckdb.DuckDBPyConnection, name: str, run_id: str) -> pa.Table:
    """`ml4t.<name>` with `run_id` first, sorted by its key, checked against its contract."""
    contract = RESEARCH[name]
    order = ", ".join(k for k in contract.key if k != "run_id")
    columns = ", ".join(c for c in contract.names if c != "run_id")
    rows = con.sql(f"select $run_id as run_id, {columns} from ml4t.{name} order by {order}", params={"run_id": run_id})
    return conform_research(name, rows.to_arrow_table())


def _check_finite(tables: Mapping[str, pa.Table]) -> None:
    """No NaN or infinity leaves a study (NULL is the documented 'undefined')."""
    for name, table in tables.items():
        for f in table.schema:
            if pa.types.is_floating(f.type):
                column = table.column(f.name)
                bad = pc.sum(pc.fill_null(pc.invert(pc.is_finite(column)), False)).as_py() or 0
                if bad:
                    raise InputError(
                        f"research table {name}", f"{bad} non-finite values in column {f.name}",
                        hint="a price or signal out of range; `ml4t-sql check CONFIG` lists the inputs' problems",
                    )  # fmt: skip


def summary_lines(tables: Mapping[str, pl.DataFrame]) -> list[str]:
    """The summary as text lines, for the CLI: per horizon the IC's and the rank IC's mean, std, IR,
    t-stat and hit rate, and the mean top-minus-bottom spread in basis points; then the signal's mean
    rank autocorrelation."""
    columns = (  # (heading, summary column, width, digits)
        ("horizon", "horizon", 7, None), ("dates", "n_dates", 5, None),
        ("IC", "mean_ic", 7, 4), ("IC std", "ic_std", 7, 4), ("IC IR", "ic_ir", 6, 3),
        ("IC t", "ic_t_stat", 6, 2), ("IC hit", "ic_hit_rate", 6, 3),
        ("rank IC", "mean_rank_ic", 7, 4), ("std", "rank_ic_std", 7, 4), ("IR", "rank_ic_ir", 6, 3),
        ("t", "rank_ic_t_stat", 6, 2), ("hit", "rank_ic_hit_rate", 6, 3), ("spread bp", "mean_spread", 9, 2),
    )  # fmt: skip
    lines = ["  ".join(head.rjust(width) for head, _, width, _ in columns)]
    for r in tables["research_summary"].iter_rows(named=True):
        cells = []
        for _, key, width, digits in columns:
            value = r[key] * 1e4 if key == "mean_spread" and r[key] is not None else r[key]
            cells.append(str(value).rjust(width) if digits is None else _num(value, width, digits))
        lines.append("  ".join(cells))
    auto = [v for v in tables["factor_autocorrelation"]["autocorrelation"].to_list() if v is not None]
    if auto:
        lines.append(f"mean rank autocorrelation of the signal: {sum(auto) / len(auto):.4f} over {len(auto)} dates")
    return lines


def _num(value: float | None, width: int, digits: int) -> str:
    text = "n/a" if value is None or not math.isfinite(value) else f"{value:.{digits}f}"
    return text.rjust(width)
