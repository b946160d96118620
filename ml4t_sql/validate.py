"""Input rules (SPEC section 2), checked before anything runs or is written.

Each check either raises `InputError` naming the relation, the rule and up to five offending rows,
or, where `[data.quality]` chose a policy other than `fail`, records what the policy did in the
run's quality report.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

import duckdb

from .config import Columns, Quality
from .errors import InputError
from .templates import ident, is_ident

EXAMPLES = 5
_NUMERIC = re.compile(
    r"^(DOUBLE|FLOAT|REAL|DECIMAL.*|TINYINT|SMALLINT|INTEGER|BIGINT|HUGEINT|UTINYINT|USMALLINT|UINTEGER|UBIGINT|UHUGEINT)$"
)
_NAIVE_TS = ("TIMESTAMP", "TIMESTAMP_S", "TIMESTAMP_MS", "TIMESTAMP_NS")


@dataclass
class QualityReport:
    """What the data-quality rules found and what each policy did (saved with the run)."""

    rows_in: int = 0
    rows_used: int = 0
    findings: dict[str, dict[str, Any]] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {
            "rows_in": self.rows_in,
            "rows_used": self.rows_used,
            "findings": self.findings,
            "warnings": self.warnings,
        }


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


def price_columns(columns: dict[str, str], mapping: Columns) -> PriceColumns:
    """Check the prices input's columns and types against the mapping; decide what is extra."""
    default = Columns()
    found: dict[str, str | None] = {}
    for std in ("date", "asset", "open", "high", "low", "close", "volume"):
        name = getattr(mapping, std)
        if name in columns:
            found[std] = name
        elif std in ("high", "low", "volume") and name == getattr(default, std):
            found[std] = None  # optional, and the user did not ask for it
        else:
            how = f"[data.columns] {std} = {name!r}" if name != getattr(default, std) else f"column {name!r}"
            raise InputError(
                "prices",
                f"missing required column: {how} is not in the input",
                hint=f"the input's columns are: {', '.join(columns)}; map yours in [data.columns]",
            )
    used = {v for v in found.values() if v}
    for std in ("date", "asset"):
        assert found[std] is not None
    date_type = _check_date_type("prices", found["date"] or "", columns[found["date"] or ""])
    for std in ("open", "high", "low", "close", "volume"):
        name = found[std]
        if name is not None and not _NUMERIC.match(columns[name]):
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


def _check_date_type(relation: str, name: str, dtype: str) -> str:
    if dtype == "DATE" or dtype in _NAIVE_TS:
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


def check_intraday(con: duckdb.DuckDBPyConnection, relation: str, view: str, column: str) -> None:
    """Naive timestamps must all be midnights: ml4t-sql works on daily bars."""
    sql = f"select {ident(column)} as ts from {ident(view)} where cast({ident(column)} as time) <> time '00:00:00'"
    _refuse_if_any(con, relation, "timestamps with a time of day; daily bars need one row per date", sql)


def check_prices(con: duckdb.DuckDBPyConnection, quality: Quality, report: QualityReport) -> None:
    """Apply the rules to `typed_prices` (see sql/sources/typed_prices.sql for each flag)."""
    counts = con.sql(
        """
        select
            count(*),
            count(*) filter (where date is null or asset is null),
            count(*) filter (where is_bad_price),
            count(*) filter (where is_missing_open),
            count(*) filter (where is_inconsistent)
        from typed_prices
        """
    ).fetchall()[0]
    total, null_keys, bad, missing_open, inconsistent = (int(x) for x in counts)
    report.rows_in = total
    if total == 0:
        raise InputError("prices", "the input has no rows")
    cols = "date, asset, open, high, low, close"
    if null_keys:
        raise InputError(
            "prices",
            "NULL date or asset",
            count=null_keys,
            rows=_examples(con, f"select {cols} from typed_prices where date is null or asset is null"),
        )
    _refuse_if_any(
        con,
        "prices",
        "duplicate (date, asset) keys",
        "select date, asset, count(*) as copies from typed_prices group by date, asset having count(*) > 1",
        order="asset, date",
    )
    rules = (
        ("bad_price", bad, "is_bad_price", "NULL, NaN, infinite, zero or negative prices", ("fail", "drop")),
        ("missing_open", missing_open, "is_missing_open", "NULL open", ("fail", "drop", "no_fill")),
        (
            "inconsistent_ohlc",
            inconsistent,
            "is_inconsistent",
            "high below max(open, close) or low above min(open, close)",
            ("fail", "drop", "keep"),
        ),
    )
    for key, count, flag, rule, choices in rules:
        if not count:
            continue
        rows = _examples(con, f"select {cols} from typed_prices where {flag}", order="asset, date")
        policy = getattr(quality, key)
        if policy == "fail":
            alternatives = " or ".join(f'"{c}"' for c in choices if c != "fail")
            raise InputError(
                "prices",
                rule,
                count=count,
                rows=rows,
                hint=f"fix the data, or choose a policy: [data.quality] {key} = {alternatives} (see README)",
            )
        report.findings[key] = {"rule": rule, "count": count, "policy": policy, "examples": _jsonable(rows)}


def check_prices_used(con: duckdb.DuckDBPyConnection, report: QualityReport) -> None:
    report.rows_used = int(con.sql("select count(*) from prices").fetchall()[0][0])
    if report.rows_used == 0:
        raise InputError("prices", "no rows are left after the data-quality policies", hint=str(report.findings))


def check_signals(
    con: duckdb.DuckDBPyConnection, columns: dict[str, str], signal: str, report: QualityReport, *, separate: bool
) -> None:
    """The signal column exists and is numeric; keys are unique; unknown assets and dates are noted."""
    relation = "signals" if separate else "prices"
    if signal not in columns:
        numeric = [c for c, t in columns.items() if _NUMERIC.match(t) and c not in ("date", "asset")]
        raise InputError(
            relation,
            f"no signal column {signal!r}",
            hint=f"set [strategy] signal to one of: {', '.join(numeric) or '(no numeric columns)'}",
        )
    if not _NUMERIC.match(columns[signal]):
        raise InputError(relation, f"signal column {signal!r} must be numeric, but it is {columns[signal]}")
    if not separate:
        return
    count = int(con.sql("select count(*) from signals").fetchall()[0][0])
    if count == 0:
        raise InputError("signals", "the input has no rows")
    _refuse_if_any(con, "signals", "NULL date or asset", "select * from signals where date is null or asset is null")
    _refuse_if_any(
        con,
        "signals",
        "duplicate (date, asset) keys",
        "select date, asset, count(*) as copies from signals group by date, asset having count(*) > 1",
        order="asset, date",
    )
    unknown = int(
        con.sql(
            "select count(distinct asset) from signals anti join (select distinct asset from prices) using (asset)"
        ).fetchall()[0][0]
    )
    if unknown:
        report.warnings.append(f"signals: {unknown} assets have signals but no prices; they are never eligible")
    off_calendar = int(
        con.sql("select count(*) from signals anti join (select distinct date from prices) using (date)").fetchall()[0][
            0
        ]
    )
    if off_calendar:
        report.warnings.append(
            f"signals: {off_calendar} rows are dated on days with no price bar at all; they are never used"
        )


def check_targets(con: duckdb.DuckDBPyConnection, columns: dict[str, str]) -> None:
    """A custom strategy's output: (date, asset, weight), unique keys, calendar dates, sane weights."""
    rel = "strategy sql"
    missing = [c for c in ("date", "asset", "weight") if c not in columns]
    if missing:
        raise InputError(
            rel,
            f"must return columns (date, asset, weight); missing {', '.join(missing)}",
            hint=f"it returns: {', '.join(columns) or '(nothing)'}",
        )
    if columns["date"] not in ("DATE", *_NAIVE_TS):
        raise InputError(rel, f"column date must be a DATE, but it is {columns['date']}")
    if not _NUMERIC.match(columns["weight"]):
        raise InputError(rel, f"column weight must be numeric, but it is {columns['weight']}")
    checks = (
        ("NULL date or asset", "select * from raw_targets where date is null or asset is null", "asset"),
        (
            "NULL or non-finite weight",
            "select * from raw_targets where weight is null or not isfinite(weight)",
            "date, asset",
        ),
        (
            "duplicate (date, asset) keys",
            "select date, asset, count(*) as copies from raw_targets group by date, asset having count(*) > 1",
            "date, asset",
        ),
        (
            "negative weight (shorting is not supported)",
            "select * from raw_targets where weight < 0",
            "date, asset",
        ),
        (
            "dates that are not trading dates of prices",
            "select * from raw_targets anti join (select distinct date from prices) using (date)",
            "date, asset",
        ),
        (
            "assets that have no price bar on or before the target date",
            """select t.* from raw_targets t
               where t.weight <> 0 and not exists (
                   select 1 from prices p where p.asset = t.asset and p.date <= t.date
                   and p.date >= (select min(date) from calendar))
                 and t.date >= (select min(date) from calendar)""",
            "date, asset",
        ),
        (
            "total weight above 1 on a date (no leverage)",
            "select date, sum(weight) as total_weight from raw_targets group by date having sum(weight) > 1 + 1e-9",
            "date",
        ),
    )
    for rule, sql, order in checks:
        _refuse_if_any(con, rel, rule, sql, order=order)


def _refuse_if_any(con: duckdb.DuckDBPyConnection, relation: str, rule: str, sql: str, *, order: str = "") -> None:
    count = int(con.sql(f"select count(*) from ({sql})").fetchall()[0][0])
    if count:
        raise InputError(relation, rule, count=count, rows=_examples(con, sql, order=order))


def _examples(con: duckdb.DuckDBPyConnection, sql: str, *, order: str = "") -> list[dict[str, Any]]:
    query = f"select * from ({sql}) {'order by ' + order if order else ''} limit {EXAMPLES}"
    rel = con.sql(query)
    names = rel.columns
    return [dict(zip(names, row, strict=True)) for row in rel.fetchall()]


def _jsonable(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [{k: (v if isinstance(v, (int, float, str)) or v is None else str(v)) for k, v in r.items()} for r in rows]
