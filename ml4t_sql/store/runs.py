"""The runs of a warehouse: list them, find one, load several for a comparison.

Reads `<warehouse>/runs/*/` directly (runs.parquet and metrics.parquet), so it works on any
warehouse, including one whose DuckDB file is held open or damaged. Each run is checked against
its manifest first (store.manifest): a damaged run is left out of the listing with a StoreWarning,
and loading it is refused with a StoreError naming the run and the file.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path

import duckdb
import polars as pl
import pyarrow as pa
import pyarrow.parquet as pq

from ..errors import Ml4tError, StoreError
from ..schema import RESEARCH_RUN_TABLES, TABLES, run_kind
from ..templates import render
from .layout import RUNS, check_run_id
from .manifest import inspect_run, inspect_runs, sound_runs, table_files

INPUT_TABLES = ("runs", "equity", "positions", "trades", "benchmark", "metrics")
"""The tables a report or a comparison reads."""
LATEST = "latest"
"""A run id that names the warehouse's most recent run."""


def list_runs(warehouse: str | Path) -> pl.DataFrame:
    """One row per run, oldest first (sql/reports/runs_overview.sql): id, created, strategy, headline metrics.

    A sweep (ml4t_sql.sweep) is listed with its base strategy and no metrics: compare its variants
    with `Sweep.compare`. `kind` says what each run is: ``backtest``, ``sweep`` or ``research``
    (`ml4t-sql research`: its strategy column names the signal studied, and it has no metrics).
    """
    root = Path(warehouse).resolve()
    checks = inspect_runs(root)
    if not checks:
        raise Ml4tError(f"no runs in warehouse {root} yet: run `ml4t-sql run CONFIG` first")
    sound = sound_runs(checks, root)
    if not sound:
        raise StoreError(f"every run in warehouse {root} is damaged: `ml4t-sql check --warehouse {root}` lists them")
    con = duckdb.connect()
    try:
        for name in ("runs", "metrics"):
            files = [str(f) for f in table_files(sound, name)]
            if files:
                query = f"create temp table {name} as select * from read_parquet($files, union_by_name = true)"
                con.execute(query, {"files": files})
            else:  # only research runs: no metrics at all
                con.register(f"_empty_{name}", _empty(name))
                con.execute(f"create temp table {name} as select * from _empty_{name}")
        if "variant" in con.sql("select * from metrics limit 0").columns:
            con.execute("delete from metrics where variant is not null")  # a sweep has no single headline
        overview = con.sql(f"{render('reports/runs_overview')} order by created_at, run_id").pl()
        configs = dict(con.sql("select run_id, config from runs").fetchall())
    except (duckdb.IOException, duckdb.InvalidInputException) as exc:  # a file altered in place, same size
        raise StoreError(f"cannot read the runs of {root}: {_first_line(exc)}; {_verify_hint(root)}") from exc
    finally:
        con.close()
    kinds = {c.run_id: run_kind(c.tables) for c in sound}
    ids = overview["run_id"].to_list()
    kind = pl.Series("kind", [kinds.get(r, "backtest") for r in ids], pl.String)
    strategy = [
        _studied(configs.get(r)) if k == "research" else s
        for r, k, s in zip(ids, kind, overview["strategy"], strict=True)
    ]
    overview = overview.with_columns(kind, pl.Series("strategy", strategy, pl.String))
    return overview.select(["run_id", "kind", *[c for c in overview.columns if c not in ("run_id", "kind")]])


def _empty(name: str) -> pa.Table:
    return TABLES[name].schema.empty_table()


def _studied(config: str | None) -> str:
    """`research: SIGNAL, horizons 1/5/21, 5 quantiles` from a research run's config JSON."""
    cfg = json.loads(config or "{}")
    r = cfg.get("research", {})
    signal = cfg.get("strategy", {}).get("signal", "signal")
    horizons = "/".join(str(h) for h in r.get("horizons", [1, 5, 21]))
    return f"research: {signal}, horizons {horizons}, {r.get('quantiles', 5)} quantiles"


def resolve_run_id(warehouse: str | Path, run_id: str) -> str:
    """`run_id` itself, or the most recent run's id for `latest` (refused if the newest run is damaged)."""
    if run_id != LATEST:
        return run_id
    runs = list_runs(warehouse)
    latest = str(runs["run_id"][-1])
    stamp = latest.split("-")[0]  # run ids start with their UTC second: a damaged run as new or newer?
    newer = [c for c in inspect_runs(Path(warehouse).resolve()) if not c.sound and c.run_id.split("-")[0] >= stamp]
    if newer:
        raise StoreError(f"the latest {newer[-1].describe()}; name a run instead of `latest` (`ml4t-sql runs`)")
    return latest


def load_run(warehouse: str | Path, run_id: str) -> dict[str, pa.Table]:
    """One run's tables, read from `<warehouse>/runs/<run_id>/`, after checking every file's rows
    and sha256 against the run's manifest (StoreError naming the file if one is missing or altered)."""
    root = Path(warehouse).resolve()
    folder = root / RUNS / check_run_id(run_id)
    if not folder.is_dir():
        known = sorted(p.name for p in (root / RUNS).glob("*") if p.is_dir())
        hint = f"; runs there: {', '.join(known[-5:])}" if known else ""
        raise Ml4tError(f"no run {run_id!r} in warehouse {root}{hint}")
    check = inspect_run(folder, rows=True, checksums=True)
    if not check.sound:
        raise StoreError(f"{check.describe()}; {_verify_hint(root)}")
    if run_kind(check.tables) == "research":
        raise Ml4tError(
            f"run {run_id!r} is a research run (ml4t-sql research): `ml4t-sql report {run_id}` writes its "
            "research page; it has no equity to compare"
        )
    if "variants" in check.tables:
        raise Ml4tError(f"run {run_id!r} is a sweep: a report covers one run; compare its variants with Sweep.compare")
    try:
        return {name: pq.read_table(folder / f"{name}.parquet") for name in INPUT_TABLES}
    except (OSError, ValueError) as exc:  # removed or damaged since it was checked
        raise StoreError(f"run {run_id} cannot be read: {_first_line(exc)}; {_verify_hint(root)}") from exc


def run_kind_of(warehouse: str | Path, run_id: str) -> str:
    """`backtest`, `sweep` or `research`: what the published run `run_id` is (from its manifest)."""
    folder = Path(warehouse).resolve() / RUNS / check_run_id(run_id)
    return run_kind(inspect_run(folder).tables) if folder.is_dir() else "backtest"


def load_research(warehouse: str | Path, run_id: str) -> dict[str, pa.Table]:
    """A research run's tables (`runs` and the research tables), checked as `load_run` checks a run's."""
    root = Path(warehouse).resolve()
    folder = root / RUNS / check_run_id(run_id)
    if not folder.is_dir():
        raise Ml4tError(f"no run {run_id!r} in warehouse {root}")
    check = inspect_run(folder, rows=True, checksums=True)
    if not check.sound:
        raise StoreError(f"{check.describe()}; {_verify_hint(root)}")
    if run_kind(check.tables) != "research":
        raise Ml4tError(f"run {run_id!r} is not a research run")
    try:
        return {name: pq.read_table(folder / f"{name}.parquet") for name in RESEARCH_RUN_TABLES}
    except (OSError, ValueError) as exc:
        raise StoreError(f"run {run_id} cannot be read: {_first_line(exc)}; {_verify_hint(root)}") from exc


def load_runs(warehouse: str | Path, run_ids: Sequence[str]) -> list[dict[str, pa.Table]]:
    """The tables of each run, in the order given (`latest` allowed)."""
    return [load_run(warehouse, resolve_run_id(warehouse, run_id)) for run_id in run_ids]


def _verify_hint(root: Path) -> str:
    return f"`ml4t-sql check --warehouse {root}` checks every run"


def _first_line(exc: BaseException) -> str:
    return (str(exc).strip().splitlines() or [type(exc).__name__])[0]


def format_runs(runs: pl.DataFrame) -> str:
    """The runs listing as a fixed-width text table (percentages for returns and drawdowns)."""
    head: tuple[str, ...] = ("run_id", "kind", "created (UTC)", "name", "strategy", "window")
    head += ("total", "cagr", "sharpe", "max dd", "excess")
    lines = []
    for r in runs.iter_rows(named=True):
        lines.append(
            (
                r["run_id"],
                r.get("kind") or "backtest",
                f"{r['created_at']:%Y-%m-%d %H:%M}",
                r["name"] or "",
                r["strategy"] or "",
                f"{r['start_date']}..{r['end_date']}",
                _pct(r["total_return"]),
                _pct(r["cagr"]),
                "n/a" if r["sharpe"] is None else f"{r['sharpe']:.2f}",
                _pct(r["max_drawdown"]),
                _pct(r["excess_return"]),
            )
        )
    widths = [max(len(h), *(len(line[i]) for line in lines)) if lines else len(h) for i, h in enumerate(head)]
    numeric = set(range(6, len(head)))

    def row(cells: Sequence[str]) -> str:
        return "  ".join(
            c.rjust(w) if i in numeric else c.ljust(w) for i, (c, w) in enumerate(zip(cells, widths, strict=True))
        )

    return "\n".join([row(head)] + [row(line) for line in lines])


def _pct(value: float | None) -> str:
    return "n/a" if value is None or value != value else f"{value:.1%}"
