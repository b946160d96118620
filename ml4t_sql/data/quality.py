"""What the data-quality rules found, and what each `[data.quality]` policy does with a finding.

The rules themselves are SQL files under sql/checks/, run in order per relation by ml4t_sql.data.rules
(through the runner ml4t_sql.data.checks). A rule either refuses the input with an `InputError`
naming the relation, the rule and up to five offending rows, or, where `[data.quality]` chose a
policy other than ``fail``, records what the policy did as a `QualityFinding` of the report saved
with the run. docs/DATA_QUALITY.md lists every rule. The structural rules (columns and their types)
are here too: they stop a run before any rule can run.

A run's report is strict: the first refusal raises. `ml4t-sql check` uses a lenient report
(``strict=False``) that collects every refusal and goes on wherever the data still allows it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from ..config import Columns, Quality
from ..errors import InputError
from ..templates import is_ident

EXAMPLES = 5
NUMERIC = re.compile(
    r"^(DOUBLE|FLOAT|REAL|DECIMAL.*|TINYINT|SMALLINT|INTEGER|BIGINT|HUGEINT|UTINYINT|USMALLINT|UINTEGER|UBIGINT|UHUGEINT)$"
)
"""DuckDB types read as numbers (prices, volume, signals, benchmark values, weights)."""
NAIVE_TS = ("TIMESTAMP", "TIMESTAMP_S", "TIMESTAMP_MS", "TIMESTAMP_NS")


@dataclass(frozen=True)
class QualityFinding:
    """What one rule found in one relation and what its policy did (a key of the report's findings).

    key: the rule's key (its `[data.quality]` key, or `gaps`, `off_schedule_target`); relation: the
    input as messages name it; rule: the rule in words; count: offending rows (or dates, assets,
    spellings: see the rule); policy: the choice applied; examples: the first offending rows."""

    key: str
    relation: str
    rule: str
    count: int
    policy: str
    examples: tuple[dict[str, Any], ...] = ()

    def as_dict(self) -> dict[str, Any]:
        """The JSON shape saved in the runs table's `quality` column (without the key)."""
        return {
            "relation": self.relation,
            "rule": self.rule,
            "count": self.count,
            "policy": self.policy,
            "examples": [dict(r) for r in self.examples],
        }


@dataclass
class QualityReport:
    """What the data-quality rules found and what each policy did (saved with the run).

    findings: rule key -> QualityFinding. strict: True (a run) raises the first refusal; False
    (`check`) collects them in `errors`. window: how the window's start was chosen
    (ml4t_sql.data.window); notes: what the run says about it on standard error (not warnings:
    nothing is wrong).
    """

    rows_in: int = 0
    rows_used: int = 0
    findings: dict[str, QualityFinding] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)
    window: dict[str, Any] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    strict: bool = True
    errors: list[InputError] = field(default_factory=list)

    def refuse(self, error: InputError) -> None:
        if self.strict:
            raise error
        self.errors.append(error)

    def note(self, key: str, relation: str, rule: str, count: int, policy: str, rows: list[dict[str, Any]]) -> None:
        self.findings[key] = QualityFinding(key, relation, rule, count, policy, tuple(_jsonable(rows)))

    def as_dict(self) -> dict[str, Any]:
        """The runs table's `quality` JSON: rows_in, rows_used, findings (key -> finding), warnings,
        and the window's start (how it was chosen) with its notes."""
        return {
            "rows_in": self.rows_in,
            "rows_used": self.rows_used,
            "findings": {k: f.as_dict() for k, f in self.findings.items()},
            "warnings": self.warnings,
            "window": dict(self.window),
            "notes": self.notes,
        }


def apply_policy(
    report: QualityReport,
    quality: Quality,
    key: str,
    relation: str,
    rule: str,
    count: int,
    rows: list[dict[str, Any]],
    *,
    finding: str | None = None,
    hint: str = "",
    unit: str = "rows",
    consequence: str = "never used",
) -> None:
    """Record a finding (under `finding`, default `key`) of the rule whose `[data.quality]` key is
    `key`; refuse it under ``fail``, warn under ``warn`` (saying `consequence`). Any other choice
    (drop, keep, no_fill, cash, fold) is the data's own step to apply; it is recorded here."""
    choice: StrEnum = getattr(quality, key)
    policy = str(choice)
    report.note(finding or key, relation, rule, count, policy, rows)
    if policy == "fail":
        alternatives = " or ".join(f'"{c}"' for c in type(choice) if c != "fail")
        how = f"choose a policy: [data.quality] {key} = {alternatives} (see docs/DATA_QUALITY.md)"
        text = hint + how if hint else f"fix the data, or {how}"
        report.refuse(InputError(relation, rule, count=count, rows=rows, hint=text))
    elif policy == "warn":
        example = f", e.g. {next(iter(rows[0].values()))!s}" if rows else ""
        units = unit.removesuffix("s") if count == 1 else unit
        report.warnings.append(f"{relation}: {rule} ({count} {units}{example}); {consequence} ({key} = {policy!r})")


@dataclass(frozen=True)
class PriceColumns:
    """The input's column names for each standard column (None: absent), and the extra columns."""

    date: str
    asset: str
    open: str
    high: str | None
    low: str | None
    close: str
    volume: str | None
    extra: tuple[str, ...]
    date_type: str


# --- structure: columns and types (these stop the run and the check) ---------------------------


def price_columns(columns: dict[str, str], mapping: Columns) -> PriceColumns:
    """Check the prices input's columns and types against the mapping; decide what is extra."""
    default = Columns()
    found: dict[str, str | None] = {}
    missing: list[str] = []
    for std in ("date", "asset", "open", "high", "low", "close", "volume"):
        name = getattr(mapping, std)
        if name in columns:
            found[std] = name
        elif std in ("high", "low", "volume") and name == getattr(default, std):
            found[std] = None  # optional, and the user did not ask for it
        else:
            missing.append(f"[data.columns] {std} = {name!r}" if name != getattr(default, std) else f"column {name!r}")
    if missing:  # every one at once
        plural, verb = ("s", "are") if len(missing) > 1 else ("", "is")
        raise InputError(
            "prices",
            f"missing required column{plural}: {', '.join(missing)} {verb} not in the input",
            hint=f"the input's columns are: {', '.join(columns)}; map yours in [data.columns]",
        )
    used = {v for v in found.values() if v}
    date_type = check_date_column("prices", found["date"] or "", columns[found["date"] or ""])
    for std in ("open", "high", "low", "close", "volume"):
        name = found[std]
        if name is not None and not NUMERIC.match(columns[name]):
            raise InputError(
                "prices",
                f"column {name!r} ({std}) must be numeric, but it is {columns[name]}",
                hint="cast it to DOUBLE in your data (string prices are not parsed silently)",
            )
    extra = tuple(c for c in columns if c not in used)
    for name in extra:
        if not is_ident(name):
            raise InputError("prices", f"column name {name!r} is not a plain identifier; rename it")
    return PriceColumns(
        date=found["date"] or "",
        asset=found["asset"] or "",
        open=found["open"] or "",
        high=found["high"],
        low=found["low"],
        close=found["close"] or "",
        volume=found["volume"],
        extra=extra,
        date_type=date_type,
    )


def check_date_column(relation: str, name: str, dtype: str) -> str:
    """A date column is a DATE or a naive TIMESTAMP (midnights only: sql/checks/intraday.sql)."""
    if dtype == "DATE" or dtype in NAIVE_TS:
        return dtype
    if dtype.startswith("TIMESTAMP WITH TIME ZONE") or dtype == "TIMESTAMPTZ":
        raise InputError(
            relation,
            f"column {name!r} holds time-zone-aware timestamps ({dtype}); daily bars need plain dates",
            hint="convert to the exchange's local date first, e.g. cast((ts at time zone 'America/New_York') as date)",
        )
    if dtype == "VARCHAR":
        raise InputError(
            relation,
            f"column {name!r} holds dates as strings; give a DATE column",
            hint="cast it in your data or in a .sql input: cast(my_date as date)",
        )
    raise InputError(relation, f"column {name!r} must be a DATE, but it is {dtype}")


def check_signal_column(columns: dict[str, str], signal: str, *, relation: str) -> None:
    """The built-in strategy's signal column exists and is numeric."""
    if signal not in columns:
        numeric = [c for c, t in columns.items() if NUMERIC.match(t) and c not in ("date", "asset")]
        raise InputError(
            relation,
            f"no signal column {signal!r}",
            hint=f"set [strategy] signal to one of: {', '.join(numeric)}"
            if numeric
            else f"{relation} has no numeric column besides date, asset and OHLCV: add one, give [data] signals, "
            "or write your own strategy in [strategy] sql",
        )
    if not NUMERIC.match(columns[signal]):
        raise InputError(
            relation,
            f"signal column {signal!r} must be numeric, but it is {columns[signal]}",
            hint="cast it to DOUBLE in your data (string signals are not parsed silently)",
        )


def _jsonable(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [{k: (v if isinstance(v, (int, float, str)) or v is None else str(v)) for k, v in r.items()} for r in rows]
