"""`ml4t-sql check CONFIG`: validate a configuration and its data without running the backtest.

Runs the steps of a run up to the targets (config, inputs, every data-quality rule, the strategy's
SQL and its checks) with a lenient quality report, so that every problem is listed rather than
only the first. The fold is not run and nothing is written: the connection is in memory, may not
spill to disk, and is locked to the inputs before any user SQL runs (ml4t_sql.data.sandbox), so
the user's SQL, refused if it is not one read-only query, cannot write either.

    result = check("examples/top25_momentum.toml")
    result.ok, result.errors, result.report.findings
    print(format_check(result))
"""

from __future__ import annotations

import contextlib
import dataclasses
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import duckdb

from .config import Config, Quality, load_config
from .data.quality import QualityReport
from .data.sandbox import refusal
from .data.sources import load_sources
from .errors import Ml4tError, format_rows
from .strategy.targets import build_targets


@dataclasses.dataclass
class CheckResult:
    """What `check` found. `errors` would each stop a run; `report` has the counts per rule."""

    config: Config | None
    report: QualityReport
    errors: list[str]
    summary: dict[str, Any]

    @property
    def ok(self) -> bool:
        return not self.errors


def check(config: Config | Mapping[str, Any] | str | Path) -> CheckResult:
    """Validate `config` and its inputs; never raises for a problem in them (see `.errors`)."""
    report = QualityReport(strict=False)
    try:
        cfg = load_config(config)
    except Ml4tError as exc:
        return CheckResult(None, report, [str(exc)], {})
    errors: list[str] = []
    summary: dict[str, Any] = {}
    con = duckdb.connect()
    con.execute("set temp_directory = ''")  # no spill files: check writes nothing, not even those
    try:
        try:
            load_sources(con, cfg, report)
            if not report.errors:  # a strategy over rows that break the rules would only add noise
                build_targets(con, cfg)
                summary.update(_target_summary(con))
        except Ml4tError as exc:
            errors.append(str(exc))
        except duckdb.PermissionException as exc:  # a user view, read late, reached a file that is no input
            errors.append(str(refusal(exc)))
        with contextlib.suppress(duckdb.Error):  # what could be read before a structural error
            summary = {**_source_summary(con), **summary}
    finally:
        con.close()
    warehouse_problem = _warehouse_problem(cfg.resolve(cfg.output.warehouse))
    if warehouse_problem:
        errors.append(warehouse_problem)
    return CheckResult(cfg, report, [str(e) for e in report.errors] + errors, summary)


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
    if "rebalance_dates" in s:
        lines.append(
            f"strategy  {s['rebalance_dates']:,} rebalance dates, {s['target_rows']:,} target rows, "
            f"{s['cash_dates']:,} rebalance dates with no targets (cash)"
        )
    if result.config is not None:
        lines += ["", "data quality:", _rules_table(result.config.data.quality, r)]
        for key, finding in r.findings.items():
            if finding["examples"]:
                lines += ["", f"{key}: {finding['rule']} ({finding['count']:,}), first rows:"]
                lines.append(format_rows(finding["examples"]))
    if r.warnings:
        lines += ["", *(f"warning: {w}" for w in r.warnings)]
    if result.errors:
        lines += ["", f"{len(result.errors)} error(s); a run would stop at the first:"]
        lines += [f"error: {e}" for e in result.errors]
    else:
        lines += ["", "ok: no errors; `ml4t-sql run` would start with these inputs"]
    return "\n".join(lines).strip("\n")


def _rules_table(quality: Quality, report: QualityReport) -> str:
    rows = []
    for f in dataclasses.fields(Quality):
        found = report.findings.get(f.name)
        rows.append(
            {
                "rule": f.name,
                "count": found["count"] if found else 0,
                "policy": getattr(quality, f.name),
                "what": found["rule"] if found else "",
            }
        )
    gaps = report.findings.get("gaps")
    if gaps:
        rows.append({"rule": "gaps", "count": gaps["count"], "policy": gaps["policy"], "what": gaps["rule"]})
    return format_rows(rows)


def _source_summary(con: duckdb.DuckDBPyConnection) -> dict[str, Any]:
    row = con.sql(
        """
        select (select count(*) from prices), (select count(distinct asset) from prices),
               (select count(distinct date) from prices), (select min(date) from prices),
               (select max(date) from prices), (select count(*) from calendar),
               (select min(date) from calendar), (select max(date) from calendar)
        """
    ).fetchall()[0]
    keys = ("prices_rows", "assets", "dates", "first_date", "last_date", "window_dates", "window_start", "window_end")
    return dict(zip(keys, row, strict=True))


def _target_summary(con: duckdb.DuckDBPyConnection) -> dict[str, Any]:
    row = con.sql(
        """
        select (select count(*) from rebalance), (select count(*) from final_targets),
               (select count(*) from rebalance anti join (select distinct date from final_targets) using (date))
        """
    ).fetchall()[0]
    return dict(zip(("rebalance_dates", "target_rows", "cash_dates"), row, strict=True))


def _warehouse_problem(path: Path) -> str:
    if path.exists() and not path.is_dir():
        return f"[output] warehouse: {path} exists and is not a folder"
    existing = next((p for p in (path, *path.parents) if p.exists()), None)
    if existing is None or not os.access(existing, os.W_OK | os.X_OK):
        return f"[output] warehouse: cannot create or write {path} (no write permission on {existing})"
    return ""
