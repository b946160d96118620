"""`ml4t-sql check CONFIG`: validate a configuration and its data without running the backtest.

Runs the steps of a run up to the targets (config, inputs, every data-quality rule, the strategy's
SQL and its checks) with a lenient quality report, so that every problem is listed rather than
only the first. The fold is not run and nothing is written: the connection is in memory, may not
spill to disk, and is locked to the inputs before any user SQL runs (ml4t_sql.data.sandbox), so
the user's SQL, refused if it is not one read-only query, cannot write either.

    result = check("examples/top25_momentum.toml")
    result.ok, result.errors, result.report.findings
    print(format_check(result))

`check(CONFIG, lookahead=True)` (`ml4t-sql check --lookahead CONFIG [--cuts N]`) then runs the
strategy again on the inputs truncated after several of its rebalance dates and reports the first
relation whose rows dated <= the cut change (ml4t_sql.strategy.lookahead; docs/VALIDATION.md). It
writes nothing either: every run is an in-memory connection locked to its inputs.

`check_warehouse(DIR)` (`ml4t-sql check --warehouse DIR`) is the other check: every published
run's files against its manifest (rows and sha256), the catalog (set aside and rebuilt when it is
damaged, its views refreshed), and what dead processes left in `.staging/` (removed). It writes
only the catalog, and removes only dead processes' leftovers.
"""

from __future__ import annotations

import contextlib
import dataclasses
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import duckdb

from .config import Config, Quality, load_config
from .data.quality import QualityReport
from .data.relations import in_user_words
from .data.risk import check_high_low
from .data.sandbox import refusal
from .data.sources import load_sources
from .data.window import note_cash_at_start, restart_date
from .errors import ConfigError, ConfigErrors, Ml4tError, StoreError, format_rows
from .store.catalog import Catalog, ensure_catalog
from .store.layout import DB_NAME, HOST, STAGING, sweep_staging
from .store.manifest import RunCheck
from .store.preflight import estimate_run_bytes, warehouse_problem
from .strategy.lookahead import DEFAULT_CUTS, LookaheadResult, format_lookahead, lookahead
from .strategy.targets import build_targets

MAX_CUTS = 1000
NOT_CHECKED = (
    "data quality: not checked: the prices and signals could not be read with their columns and types (see below)"
)


@dataclasses.dataclass
class CheckResult:
    """What `check` found. `errors` would each stop a run; `report` has the counts per rule."""

    config: Config | None
    report: QualityReport
    errors: list[str]
    summary: dict[str, Any]
    lookahead: LookaheadResult | None = None
    """With `check(..., lookahead=True)`: what the look-ahead check found (None: not run)."""

    @property
    def ok(self) -> bool:
        return not self.errors


def check(
    config: Config | Mapping[str, Any] | str | Path,
    *,
    warehouse: str | Path | None = None,
    lookahead: bool = False,
    cuts: int = DEFAULT_CUTS,
) -> CheckResult:
    """Validate `config` and its inputs; never raises for a problem in them (see `.errors`).

    warehouse: overrides `[output] warehouse` for the preflight (store.preflight: a folder,
    writable, one filesystem, room for the run's estimated size), which writes nothing.
    lookahead: also check the strategy for look-ahead at `cuts` of its rebalance dates (1 to
    1000; the first, the last and evenly spread between), once the rest checks clean; a relation
    that changes is an error (`.lookahead` has the details).
    """
    if isinstance(cuts, bool) or not isinstance(cuts, int) or not 1 <= cuts <= MAX_CUTS:
        raise ConfigError(f"check: cuts must be a whole number from 1 to {MAX_CUTS}, got {cuts!r}")
    report = QualityReport(strict=False)
    try:
        cfg = load_config(config)
    except ConfigErrors as exc:  # every key, type and range error at once: one line each
        return CheckResult(None, report, [str(e) for e in exc.errors], {})
    except Ml4tError as exc:
        return CheckResult(None, report, [str(exc)], {})
    errors: list[str] = []
    summary: dict[str, Any] = {}
    found: LookaheadResult | None = None
    con = _connection()
    try:
        try:
            load_sources(con, cfg, report)
            if not report.errors:  # a strategy over rows that break the rules would only add noise
                restart = restart_date(con, cfg, build_targets(con, cfg, report=report))
                if restart is not None and not report.errors:  # a custom strategy's later start: again from there
                    con.close()
                    con, report = _connection(), QualityReport(strict=False)
                    load_sources(con, cfg, report, restart=restart)
                    build_targets(con, cfg, report=report)
                if cfg.risk.stops:  # [risk] stops read high and low, as the run refuses
                    check_high_low(con)
                note_cash_at_start(con, report)
                summary.update(_target_summary(con))
                if lookahead and not report.errors:
                    start = _window_start(con)
                    fixed = dataclasses.replace(cfg, execution=dataclasses.replace(cfg.execution, start=start))
                    found = _lookahead(con, fixed, cuts, errors)
        except Ml4tError as exc:
            errors.append(str(exc))
        except duckdb.PermissionException as exc:  # a user view, read late, reached a file that is no input
            errors.append(str(refusal(exc)))
        except duckdb.Error as exc:  # a later step over rows already refused above; never a traceback
            first = in_user_words(str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__)
            errors.append(f"the check stopped early: {first}" + (" (after the errors above)" if report.errors else ""))
        with contextlib.suppress(duckdb.Error):  # what could be read before a structural error
            summary = {**_source_summary(con), **summary}
    finally:
        con.close()
    root = Path(warehouse) if warehouse is not None else cfg.resolve(cfg.output.warehouse)
    need = estimate_run_bytes(summary["window_dates"], summary["assets"]) if "window_dates" in summary else 0
    problem = warehouse_problem(root, need_bytes=need)
    if problem:
        errors.append(f"[output] warehouse: {problem}")
    return CheckResult(cfg, report, [str(e) for e in report.errors] + errors, summary, found)


def _connection() -> duckdb.DuckDBPyConnection:
    con = duckdb.connect()
    con.execute("set temp_directory = ''")  # no spill files: check writes nothing, not even those
    return con


def _window_start(con: duckdb.DuckDBPyConnection) -> Any:
    """The window's first date, as chosen (the look-ahead check's cut runs start there too)."""
    return con.sql("select min(date) from ml4t.calendar").fetchall()[0][0]


def _lookahead(con: duckdb.DuckDBPyConnection, cfg: Config, cuts: int, errors: list[str]) -> LookaheadResult | None:
    """The look-ahead check on the check's connection; a finding, or what stopped it, goes to `errors`."""
    try:
        result = lookahead(con, cfg, cuts=cuts)
    except Ml4tError as exc:
        errors.append(f"the look-ahead check stopped: {str(exc).splitlines()[0]}")
        return None
    except duckdb.Error as exc:
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        errors.append(f"the look-ahead check stopped: {in_user_words(first)}")
        return None
    if result.finding is not None:
        errors.append(result.finding.message())
    return result


def format_check(result: CheckResult) -> str:
    """The report `ml4t-sql check` prints: summary, a line per rule, examples, warnings, errors."""
    s, r = result.summary, result.report
    lines = []
    if "prices_rows" in s:
        lines.append(
            f"prices    {r.rows_in:,} rows in, {s['prices_rows']:,} used; {s['assets']:,} assets; "
            f"{s['dates']:,} dates {s['first_date']} .. {s['last_date']}"
        )
        lines.append(f"window    {s['window_start']} .. {s['window_end']}: {s['window_dates']:,} dates")
        lines += [f"          {note}" for note in r.notes]
    if "rebalance_dates" in s:
        lines.append(
            f"strategy  {s['rebalance_dates']:,} rebalance dates, {s['target_rows']:,} target rows, "
            f"{s['cash_dates']:,} rebalance dates with no targets (cash)"
        )
    if result.config is not None and "prices_rows" not in s:  # an input could not be read or typed: no counts
        lines += [NOT_CHECKED]
    elif result.config is not None:
        lines += ["", "data quality:", _rules_table(result.config.data.quality, r)]
        for key, finding in r.findings.items():
            if finding.examples:
                lines += ["", f"{key}: {finding.rule} ({finding.count:,}), first rows:"]
                lines.append(format_rows(finding.examples))
    if r.warnings:
        lines += ["", *(f"warning: {w}" for w in r.warnings)]
    if result.lookahead is not None:
        lines += ["", format_lookahead(result.lookahead)]
    change = result.lookahead.finding if result.lookahead is not None else None
    peeks = change.message() if change is not None else None
    others = [e for e in result.errors if e != peeks]
    if others:
        why = (
            "a run would stop at the first"
            if result.config is not None
            else "in the configuration (a run lists them too)"
        )
        lines += ["", f"{len(others)} error(s); {why}:"]
        lines += [f"error: {e}" for e in others]
    if peeks is not None:
        lines += ["", "the strategy fails the look-ahead check (a run would use data dated after its decisions):"]
        lines.append(f"error: {peeks}")
    if not result.errors:
        lines += ["", "ok: no errors; `ml4t-sql run` would start with these inputs"]
    return "\n".join(lines).strip("\n")


def _rules_table(quality: Quality, report: QualityReport) -> str:
    rows = []
    for f in dataclasses.fields(Quality):
        found = report.findings.get(f.name)
        rows.append(
            {
                "rule": f.name,
                "count": found.count if found else 0,
                "policy": getattr(quality, f.name),
                "what": found.rule if found else "",
            }
        )
    policies = {f.name for f in dataclasses.fields(Quality)}
    for key, found in report.findings.items():  # the other findings: gaps, signals.asset_variants, ...
        if key not in policies:
            rows.append({"rule": key, "count": found.count, "policy": found.policy, "what": found.rule})
    return format_rows(rows)


def _source_summary(con: duckdb.DuckDBPyConnection) -> dict[str, Any]:
    row = con.sql(
        """
        select (select count(*) from ml4t.prices), (select count(distinct asset) from ml4t.prices),
               (select count(distinct date) from ml4t.prices), (select min(date) from ml4t.prices),
               (select max(date) from ml4t.prices), (select count(*) from ml4t.calendar),
               (select min(date) from ml4t.calendar), (select max(date) from ml4t.calendar)
        """
    ).fetchall()[0]
    keys = ("prices_rows", "assets", "dates", "first_date", "last_date", "window_dates", "window_start", "window_end")
    return dict(zip(keys, row, strict=True))


def _target_summary(con: duckdb.DuckDBPyConnection) -> dict[str, Any]:
    row = con.sql(
        """
        select (select count(*) from ml4t.rebalance), (select count(*) from ml4t.final_targets),
               (select count(*) from ml4t.rebalance
                anti join (select distinct date from ml4t.final_targets) using (date))
        """
    ).fetchall()[0]
    return dict(zip(("rebalance_dates", "target_rows", "cash_dates"), row, strict=True))


@dataclasses.dataclass
class WarehouseCheck:
    """What `check_warehouse` found: each run's check, the catalog, and `.staging/` leftovers."""

    warehouse: Path
    catalog: Catalog
    removed: list[Path]
    kept: list[Path]
    set_aside: list[Path]

    @property
    def runs(self) -> tuple[RunCheck, ...]:
        return self.catalog.runs

    @property
    def damaged(self) -> list[RunCheck]:
        return [run for run in self.runs if not run.sound]

    @property
    def ok(self) -> bool:
        """No damaged run, and the catalog's views read every sound run."""
        return not self.damaged and self.catalog.current


def check_warehouse(warehouse: str | Path) -> WarehouseCheck:
    """Verify every run of `warehouse` in full and repair its catalog (see the module docstring).

    Reads every byte of every run; writes `ml4t.duckdb` (views refreshed, a damaged file set
    aside as `ml4t.duckdb.broken-<stamp>` and rebuilt); removes dead processes' staging.
    """
    root = Path(warehouse).resolve()
    if not root.is_dir():
        raise StoreError(f"warehouse {root} {'is not a folder' if root.exists() else 'does not exist'}")
    removed = sweep_staging(root)
    catalog = ensure_catalog(root, full=True)
    kept = sorted((root / STAGING).glob("*")) if (root / STAGING).is_dir() else []
    return WarehouseCheck(
        root, catalog, removed, kept, sorted(p for p in root.glob(f"{DB_NAME}.broken-*") if p.suffix != ".wal")
    )


def format_warehouse_check(result: WarehouseCheck) -> str:
    """The report `ml4t-sql check --warehouse` prints: runs, damage by run and file, catalog, leftovers."""
    runs, damaged = result.runs, result.damaged
    lines = [
        f"warehouse {result.warehouse}: {len(runs)} run(s), {len(runs) - len(damaged)} sound, {len(damaged)} damaged "
        "(every file checked against its manifest: size, rows, sha256)"
    ]
    lines += [f"damaged: {run.describe()}" for run in damaged]
    db = result.warehouse / DB_NAME
    lines += [f"catalog: {note}" for note in result.catalog.notes]
    if result.catalog.current:
        state = f"views read the {len(runs) - len(damaged)} sound run(s)" if runs else "no runs yet, no views"
        lines.append(f"catalog: {db}: {state}")
    lines += [f"removed: {p} (left by a process of {HOST} that is gone)" for p in result.removed]
    lines += [f"in progress: {p} (a live process, or another host's)" for p in result.kept]
    lines += [f"set aside: {p} (a damaged catalog, kept for you; delete it when done)" for p in result.set_aside]
    lines.append("ok: every run is whole and the views are current" if result.ok else "problems found (see above)")
    return "\n".join(lines)
