"""Input rules (SPEC section 2), checked before anything runs or is written.

Each rule either refuses the input with an `InputError` naming the relation, the rule and up to
five offending rows, or, where `[data.quality]` chose a policy other than ``fail``, records what
the policy did in the quality report saved with the run. docs/DATA_QUALITY.md lists every rule.

A run's report is strict: the first refusal raises. `ml4t-sql check` uses a lenient report
(``strict=False``) that collects every refusal and goes on wherever the data still allows it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

import duckdb

from ..config import Columns, Quality
from ..errors import InputError
from ..templates import ident, is_ident

EXAMPLES = 5
NUMERIC = re.compile(
    r"^(DOUBLE|FLOAT|REAL|DECIMAL.*|TINYINT|SMALLINT|INTEGER|BIGINT|HUGEINT|UTINYINT|USMALLINT|UINTEGER|UBIGINT|UHUGEINT)$"
)
NAIVE_TS = ("TIMESTAMP", "TIMESTAMP_S", "TIMESTAMP_MS", "TIMESTAMP_NS")


@dataclass
class QualityReport:
    """What the data-quality rules found and what each policy did (saved with the run).

    findings: rule key -> {relation, rule, count, policy, examples}.
    strict: True (a run) raises the first refusal; False (`check`) collects them in `errors`.
    """

    rows_in: int = 0
    rows_used: int = 0
    findings: dict[str, dict[str, Any]] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)
    strict: bool = True
    errors: list[InputError] = field(default_factory=list)

    def refuse(self, error: InputError) -> None:
        if self.strict:
            raise error
        self.errors.append(error)

    def note(self, key: str, relation: str, rule: str, count: int, policy: str, rows: list[dict[str, Any]]) -> None:
        self.findings[key] = {
            "relation": relation,
            "rule": rule,
            "count": count,
            "policy": policy,
            "examples": _jsonable(rows),
        }

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


# --- structure: columns and types (these stop the run and the check) ---------------------------


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
    """A date column is a DATE or a naive TIMESTAMP (midnights only; see `check_intraday`)."""
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


def check_intraday(
    con: duckdb.DuckDBPyConnection, relation: str, view: str, column: str, report: QualityReport
) -> None:
    """Naive timestamps must all be midnights: ml4t-sql works on daily bars."""
    sql = f"select {ident(column)} as ts from {ident(view)} where cast({ident(column)} as time) <> time '00:00:00'"
    _refuse_if_any(con, report, relation, "timestamps with a time of day; daily bars need one row per date", sql)


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


# --- prices -------------------------------------------------------------------------------------


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
        report.refuse(InputError("prices", "the input has no rows"))
        return
    cols = "date, asset, open, high, low, close, volume"
    if null_keys:
        sql = f"select {cols} from typed_prices where date is null or asset is null"
        report.refuse(InputError("prices", "NULL date or asset", count=null_keys, rows=_examples(con, sql)))
    _refuse_if_any(
        con,
        report,
        "prices",
        "duplicate (date, asset) keys",
        "select date, asset, count(*) as copies from typed_prices group by date, asset having count(*) > 1",
        order="asset, date",
        hint="keep one row per date and asset",
    )
    rules = (
        (
            "bad_price",
            bad,
            "is_bad_price",
            "NULL, NaN, infinite, zero or negative prices, or a negative or non-finite volume",
        ),
        ("missing_open", missing_open, "is_missing_open", "NULL open"),
        (
            "inconsistent_ohlc",
            inconsistent,
            "is_inconsistent",
            "high below max(open, close) or low above min(open, close)",
        ),
    )
    for key, count, flag, rule in rules:
        if count:
            rows = _examples(con, f"select {cols} from typed_prices where {flag}", order="asset, date")
            _apply_policy(report, quality, key, "prices", rule, count, rows)


def check_prices_used(con: duckdb.DuckDBPyConnection, report: QualityReport) -> None:
    report.rows_used = int(con.sql("select count(*) from prices").fetchall()[0][0])
    if report.rows_used == 0 and report.rows_in > 0:
        policies = ", ".join(f"{k} = {v['policy']!r}" for k, v in report.findings.items())
        report.refuse(InputError("prices", "no rows are left after the data-quality policies", hint=policies))


def note_gaps(con: duckdb.DuckDBPyConnection, report: QualityReport, delist_after: int) -> None:
    """Interior gaps: calendar dates between an asset's first and last bar without a bar (no policy:
    no bar means no fill, valuation at the last close, and delisting after `delist_after` dates)."""
    sql = """
        with cal as (select date, row_number() over (order by date) as i from (select distinct date from prices)),
        spans as (  -- cheap first pass: only assets with fewer bars than dates in their span have gaps
            select p.asset from prices as p inner join cal as c using (date)
            group by p.asset having max(c.i) - min(c.i) + 1 > count(*)
        ),
        bars as (
            select p.asset, p.date, c.i, c.i - lag(c.i) over (partition by p.asset order by c.i) - 1 as missing
            from prices as p semi join spans using (asset) inner join cal as c using (date)
        )
        select asset, (select min(date) from cal where cal.i = bars.i - missing) as first_missing,
               missing as missing_dates
        from bars where missing > 0
    """
    found = con.sql(f"select count(*), coalesce(sum(missing_dates), 0), max(missing_dates) from ({sql})").fetchall()[0]
    if not found[0]:
        return
    longest = int(found[2])
    rule = f"interior gaps (missing dates): {int(found[0])} gaps, the longest {longest} dates"
    if 0 < delist_after <= longest:
        rule += f"; a gap of {delist_after}+ dates sells a holding (delisting)"
    policy = f"delist_after = {delist_after}"
    report.note("gaps", "prices", rule, int(found[1]), policy, _examples(con, sql, order="asset, first_missing"))


# --- signals ------------------------------------------------------------------------------------


def check_signals(con: duckdb.DuckDBPyConnection, quality: Quality, report: QualityReport) -> None:
    """A separate `signals` relation: rows, unique keys; unknown assets and off-calendar dates by policy."""
    if not int(con.sql("select count(*) from signals").fetchall()[0][0]):
        report.refuse(InputError("signals", "the input has no rows"))
        return
    _refuse_if_any(
        con, report, "signals", "NULL date or asset", "select * from signals where date is null or asset is null"
    )
    _refuse_if_any(
        con,
        report,
        "signals",
        "duplicate (date, asset) keys",
        "select date, asset, count(*) as copies from signals group by date, asset having count(*) > 1",
        order="asset, date",
        hint="keep one row per date and asset",
    )
    unknown = """
        select asset, count(*) as signal_rows, min(date) as first_date
        from signals anti join (select distinct asset from prices) using (asset)
        group by asset
    """
    off_calendar = """
        select date, count(*) as signal_rows
        from signals anti join (select distinct date from prices) using (date)
        group by date
    """
    for key, rule, sql, order in (
        ("unknown_signal_asset", "signals for assets that have no prices", unknown, "asset"),
        ("off_calendar_signal", "signals dated on days with no price bar at all", off_calendar, "date"),
    ):
        count = _count(con, sql)
        if count:
            _apply_policy(report, quality, key, "signals", rule, count, _examples(con, sql, order=order))


def check_signal_dates(
    con: duckdb.DuckDBPyConnection,
    quality: Quality,
    report: QualityReport,
    signal: str,
    rebalance_sql: str,
    *,
    separate: bool = True,
) -> None:
    """Rebalance dates of the window on which no asset with a bar has a finite signal.

    The built-in strategy would hold cash there. Dates before [execution] start do not count:
    a signal that needs history (12-1 momentum) is NULL there by construction.
    """
    column = f"cast(s.{ident(signal)} as double)"
    has_bar = "semi join prices as p using (date, asset)" if separate else ""  # signals in prices: a bar each
    finite = f"""
        select distinct s.date from signals as s {has_bar}
        where isfinite({column})
    """
    sql = f"""
        with rebalance_dates as ({rebalance_sql}),
        finite as ({finite})
        select r.date,
            (select count(*) from signals as s where s.date = r.date) as signal_rows,
            (select count(*) from signals as s where s.date = r.date and {column} is not null) as non_null
        from rebalance_dates as r anti join finite using (date)
    """
    count = _count(con, sql)
    if not count:
        return
    first = con.sql(f"select min(date) from ({finite}) semi join calendar using (date)").fetchall()[0][0]
    last_flagged = con.sql(f"select max(date) from ({sql})").fetchall()[0][0]
    hint = ""
    if first is not None and last_flagged < first:  # only the start of the window lacks signals
        hint = f"the first window date with a finite signal is {first}: set [execution] start = {first}, or "
    rule = f"rebalance dates on which no asset has a finite {signal!r} signal"
    _apply_policy(report, quality, "no_signal_date", "signals", rule, count, _examples(con, sql, order="date"), hint)


# --- a custom strategy's targets ------------------------------------------------------------------


def check_targets(con: duckdb.DuckDBPyConnection, columns: dict[str, str], report: QualityReport | None = None) -> None:
    """A custom strategy's output: (date, asset, weight), unique keys, calendar dates, sane weights."""
    report = report or QualityReport()
    rel = "strategy sql"
    missing = [c for c in ("date", "asset", "weight") if c not in columns]
    if missing:
        raise InputError(
            rel,
            f"must return columns (date, asset, weight); missing {', '.join(missing)}",
            hint=f"it returns: {', '.join(columns) or '(nothing)'}",
        )
    if columns["date"] not in ("DATE", *NAIVE_TS):
        raise InputError(rel, f"column date must be a DATE, but it is {columns['date']}", hint="cast(... as date)")
    if columns["asset"] != "VARCHAR":
        raise InputError(
            rel, f"column asset must be VARCHAR, but it is {columns['asset']}", hint="cast(... as varchar)"
        )
    if not NUMERIC.match(columns["weight"]):
        raise InputError(
            rel, f"column weight must be numeric, but it is {columns['weight']}", hint="cast(... as double)"
        )
    if not _count(con, "select * from raw_targets"):
        report.refuse(InputError(rel, "returned no rows", hint="to hold cash on a date, return a row with weight 0"))
        return
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
        _refuse_if_any(con, report, rel, rule, sql, order=order)
    if not _count(con, "select * from raw_targets semi join calendar using (date)"):
        window = con.sql("select min(date), max(date) from calendar").fetchall()[0]
        report.refuse(InputError(rel, f"none of its rows is dated in the backtest window {window[0]} to {window[1]}"))


# --- helpers ------------------------------------------------------------------------------------


_UNITS = {"unknown_signal_asset": "assets", "off_calendar_signal": "dates"}


def _apply_policy(
    report: QualityReport,
    quality: Quality,
    key: str,
    relation: str,
    rule: str,
    count: int,
    rows: list[dict[str, Any]],
    hint: str = "",
) -> None:
    """Record a finding; refuse it under ``fail``, warn under ``warn``."""
    choice = getattr(quality, key)
    policy = str(choice)
    report.note(key, relation, rule, count, policy, rows)
    if policy == "fail":
        alternatives = " or ".join(f'"{c}"' for c in type(choice) if c != "fail")
        how = f"choose a policy: [data.quality] {key} = {alternatives} (see docs/DATA_QUALITY.md)"
        text = hint + how if hint else f"fix the data, or {how}"
        report.refuse(InputError(relation, rule, count=count, rows=rows, hint=text))
    elif policy == "warn":
        unit = _UNITS.get(key, "rows")
        example = f", e.g. {next(iter(rows[0].values()))}" if rows else ""
        report.warnings.append(f"{relation}: {rule} ({count} {unit}{example}); never used ({key} = {policy!r})")


def _refuse_if_any(
    con: duckdb.DuckDBPyConnection,
    report: QualityReport,
    relation: str,
    rule: str,
    sql: str,
    *,
    order: str = "",
    hint: str = "",
) -> int:
    count = _count(con, sql)
    if count:
        report.refuse(InputError(relation, rule, count=count, rows=_examples(con, sql, order=order), hint=hint))
    return count


def _count(con: duckdb.DuckDBPyConnection, sql: str) -> int:
    return int(con.sql(f"select count(*) from ({sql})").fetchall()[0][0])


def _examples(con: duckdb.DuckDBPyConnection, sql: str, *, order: str = "") -> list[dict[str, Any]]:
    query = f"select * from ({sql}) {'order by ' + order if order else ''} limit {EXAMPLES}"
    rel = con.sql(query)
    names = rel.columns
    return [dict(zip(names, row, strict=True)) for row in rel.fetchall()]


def _jsonable(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [{k: (v if isinstance(v, (int, float, str)) or v is None else str(v)) for k, v in r.items()} for r in rows]
