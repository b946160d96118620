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

from .. import format as fmt
from ..errors import Ml4tError, StoreError
from ..schema import LATER_TABLES, RESEARCH_RUN_TABLES, TABLES, run_kind
from ..templates import render
from .layout import RUNS, check_run_id
from .locate import no_runs_message
from .manifest import RunCheck, inspect_run, inspect_runs, sound_runs, table_files
from .variants import load_variant, read_sweep, split_ref, variant_table

INPUT_TABLES = ("runs", "equity", "positions", "trades", "benchmark", "metrics")
"""The tables a report or a comparison reads."""
LATEST = "latest"
"""A run id that names the warehouse's most recent run."""


def list_runs(warehouse: str | Path) -> pl.DataFrame:
    """One row per run, oldest first (sql/reports/runs_overview.sql): id, created, strategy, headline metrics.

    A sweep (ml4t_sql.sweep) is listed with its base strategy and no headline metrics, and with
    `variants` (its variant count), `best` and `worst` (the variants with the highest and lowest
    Sharpe, as `NUMBER: NAME`) and their Sharpe ratios `best_sharpe`, `worst_sharpe`.
    `kind` says what each run is: ``backtest``, ``sweep`` or ``research`` (`ml4t-sql research`:
    its strategy column names the signal studied, and it has no metrics).
    """
    root = Path(warehouse).resolve()
    checks = inspect_runs(root)
    if not checks:
        raise Ml4tError(no_runs_message(root))
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
    sweeps = [r for r, k in zip(ids, kind, strict=True) if k == "sweep"]
    overview = overview.join(_sweeps(root, sweeps), on="run_id", how="left")
    return overview.select(["run_id", "kind", *[c for c in overview.columns if c not in ("run_id", "kind")]])


def _sweeps(root: Path, run_ids: list[str]) -> pl.DataFrame:
    """Per sweep: its variant count and its best and worst variant by Sharpe (store.variants.pick)."""
    from .variants import pick

    rows = []
    for run_id in run_ids:
        tables = read_sweep(root, run_id, ("variants", "metrics"))
        table = variant_table(tables["variants"], tables["metrics"])
        row: dict[str, object] = {"run_id": run_id, "variants": table.height}
        for which in ("best", "worst"):
            number = pick(table, which, run_id)
            chosen = table.filter(pl.col("variant") == number)
            row[which] = f"{number}: {chosen['name'][0]}"
            row[f"{which}_sharpe"] = chosen["sharpe"][0] if "sharpe" in chosen.columns else None
        rows.append(row)
    schema = {"run_id": pl.String, "variants": pl.Int64, "best": pl.String, "best_sharpe": pl.Float64}
    schema |= {"worst": pl.String, "worst_sharpe": pl.Float64}
    return pl.DataFrame(rows, schema=schema)


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
    """`run_id` itself; the most recent run's id for `latest` (refused if the newest run is damaged);
    or the most recent run whose `[output] name` is `run_id` when no run has that id."""
    if run_id != LATEST:
        folder = Path(warehouse).resolve() / RUNS
        if _plain_id(run_id) and (folder / run_id).is_dir():
            return run_id
        named = list_runs(warehouse).filter(pl.col("name") == run_id)
        return str(named["run_id"][-1]) if named.height else run_id  # an unknown id: the loader says so
    runs = list_runs(warehouse)
    latest = str(runs["run_id"][-1])
    stamp = latest.split("-")[0]  # run ids start with their UTC second: a damaged run as new or newer?
    newer = [c for c in inspect_runs(Path(warehouse).resolve()) if not c.sound and c.run_id.split("-")[0] >= stamp]
    if newer:
        raise StoreError(f"the latest {newer[-1].describe()}; name a run instead of `latest` (`ml4t-sql runs`)")
    return latest


def _plain_id(text: str) -> bool:
    try:
        check_run_id(text)
    except Ml4tError:
        return False
    return True


def checked_run(warehouse: str | Path, run_id: str) -> tuple[Path, RunCheck]:
    """A published run's folder and its manifest check (rows and sha256 of every file), or the
    error a reader should see: no such run (with the latest ids there), or which file is damaged."""
    root = Path(warehouse).resolve()
    folder = root / RUNS / check_run_id(run_id)
    if not folder.is_dir():
        known = sorted(p.name for p in (root / RUNS).glob("*") if p.is_dir())
        hint = f"; runs there: {', '.join(known[-5:])}" if known else ""
        raise Ml4tError(f"no run {run_id!r} in warehouse {root}{hint}")
    check = inspect_run(folder, rows=True, checksums=True)
    if not check.sound:
        raise StoreError(f"{check.describe()}; {_verify_hint(root)}")
    return folder, check


def load_run(warehouse: str | Path, run_id: str) -> dict[str, pa.Table]:
    """One run's tables, read from `<warehouse>/runs/<run_id>/`, after checking every file's rows
    and sha256 against the run's manifest (StoreError naming the file if one is missing or altered)."""
    folder, check = checked_run(warehouse, run_id)
    if run_kind(check.tables) == "research":
        raise Ml4tError(
            f"run {run_id!r} is a research run (ml4t-sql research): `ml4t-sql report {run_id}` writes its "
            "research page; it has no equity to compare"
        )
    if "variants" in check.tables:
        raise Ml4tError(
            f"run {run_id!r} is a sweep: name one of its variants, `{run_id}:best` (or worst, a number or a name) "
            f"in compare, `ml4t-sql report {run_id} --variant best` for its tearsheet (without --variant: the "
            "sweep's page)"
        )
    try:
        names = INPUT_TABLES + tuple(name for name in LATER_TABLES if name in check.tables)
        return {name: pq.read_table(folder / f"{name}.parquet") for name in names}
    except (OSError, ValueError) as exc:  # removed or damaged since it was checked
        hint = _verify_hint(folder.parent.parent)  # <warehouse>/runs/<run_id>
        raise StoreError(f"run {run_id} cannot be read: {_first_line(exc)}; {hint}") from exc


def run_kind_of(warehouse: str | Path, run_id: str) -> str:
    """`backtest`, `sweep` or `research`: what the published run `run_id` is (from its manifest)."""
    folder = Path(warehouse).resolve() / RUNS / check_run_id(run_id)
    return run_kind(inspect_run(folder).tables) if folder.is_dir() else "backtest"


def load_research(warehouse: str | Path, run_id: str) -> dict[str, pa.Table]:
    """A research run's tables (`runs` and the research tables), checked as `load_run` checks a run's."""
    folder, check = checked_run(warehouse, run_id)
    if run_kind(check.tables) != "research":
        raise Ml4tError(f"run {run_id!r} is not a research run")
    try:
        return {name: pq.read_table(folder / f"{name}.parquet") for name in RESEARCH_RUN_TABLES}
    except (OSError, ValueError) as exc:
        hint = _verify_hint(folder.parent.parent)  # <warehouse>/runs/<run_id>
        raise StoreError(f"run {run_id} cannot be read: {_first_line(exc)}; {hint}") from exc


def load_runs(warehouse: str | Path, run_ids: Sequence[str]) -> list[dict[str, pa.Table]]:
    """The tables of each run, in the order given (`latest`, names and `RUN_ID:VARIANT` allowed)."""
    out = []
    for ref in run_ids:
        run_id, variant = split_ref(ref)
        run_id = resolve_run_id(warehouse, run_id)
        out.append(load_run(warehouse, run_id) if variant is None else load_variant(warehouse, run_id, variant))
    return out


def _verify_hint(root: Path) -> str:
    return f"`ml4t-sql check --warehouse {root}` checks every run"


def _first_line(exc: BaseException) -> str:
    return (str(exc).strip().splitlines() or [type(exc).__name__])[0]


def format_runs(runs: pl.DataFrame) -> str:
    """The runs listing as a fixed-width text table (ml4t_sql.format: percent for returns and
    drawdowns, two decimals for Sharpe); a sweep gets a second line: its variant count and its
    best and worst variant by Sharpe."""
    head: tuple[str, ...] = ("run_id", "kind", "created (UTC)", "name", "strategy", "window")
    head += ("total", "cagr", "sharpe", "max dd", "excess")
    lines: list[tuple[str, ...]] = []
    notes: dict[int, str] = {}
    for r in runs.iter_rows(named=True):
        if r.get("variants") is not None:
            notes[len(lines)] = (
                f"    {r['variants']} variants; best by Sharpe {r['best']} ({fmt.ratio(r['best_sharpe'])}), "
                f"worst {r['worst']} ({fmt.ratio(r['worst_sharpe'])})"
            )
        lines.append(
            (
                r["run_id"],
                r.get("kind") or "backtest",
                f"{r['created_at']:%Y-%m-%d %H:%M}",
                r["name"] or "",
                r["strategy"] or "",
                f"{r['start_date']}..{r['end_date']}",
                fmt.percent(r["total_return"]),
                fmt.percent(r["cagr"]),
                fmt.ratio(r["sharpe"]),
                fmt.percent(r["max_drawdown"]),
                fmt.percent(r["excess_return"]),
            )
        )
    widths = [max(len(h), *(len(line[i]) for line in lines)) if lines else len(h) for i, h in enumerate(head)]
    numeric = set(range(6, len(head)))

    def row(cells: Sequence[str]) -> str:
        return "  ".join(
            c.rjust(w) if i in numeric else c.ljust(w) for i, (c, w) in enumerate(zip(cells, widths, strict=True))
        ).rstrip()

    out = [row(head)]
    for i, line in enumerate(lines):
        out.append(row(line))
        if i in notes:
            out.append(notes[i])
    return "\n".join(out)
