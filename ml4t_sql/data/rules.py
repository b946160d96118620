"""Every data-quality rule, in the order it runs, per relation: prices, signals, benchmark, a custom
strategy's targets (the universe inputs' rules: ml4t_sql.data.universe). Each rule is a file of
sql/checks/ (run by ml4t_sql.data.checks); this module says which rules a relation has, in what
order, how each is worded, and what a policy's effect does.

To add a rule: write sql/checks/<rule>.sql (a row rule defines `where()`; see ml4t_sql.data.checks),
add a `Rule` to the relation's list below, a line to docs/DATA_QUALITY.md, a literal-row test in
tests/sql/test_<rule>.py and a case in tests/test_bad_input.py.
"""

from __future__ import annotations

from typing import Any

import duckdb
import pyarrow as pa

from ..choices import AssetVariants
from ..config import Quality
from ..errors import InputError
from ..templates import ident, render
from .checks import (
    MAX_PRICE,
    MAX_VOLUME,
    MIN_PRICE,
    Checked,
    Rule,
    count_rows,
    examples,
    run_rules,
)
from .quality import NUMERIC, QualityReport, apply_policy
from .relations import create

PRICE_COLUMNS = "date, asset, open, high, low, close, volume"
SPELLING_COLUMNS = "asset, n_rows, first_date"
KEYS = {"keys": ("date", "asset")}
BAD_PRICE = "NULL, NaN, infinite, zero or negative prices, or a negative or non-finite volume"
VARIANTS = "asset names that differ only by case or surrounding whitespace"


def _number(x: float) -> str:
    """1e12, 1e-6: a bound as the docs write it."""
    return f"{x:.0e}".replace("e+", "e").replace("e-0", "e-").replace("e0", "e")


def _extreme(prices: str) -> str:
    return f"{prices} above {_number(MAX_PRICE)} or below {_number(MIN_PRICE)}"


def _key_rules(keys: dict[str, Any] = KEYS) -> list[Rule]:
    """The first rules of a relation keyed by (date, asset) or (date): keys present, dates readable."""
    key_text = " or ".join(keys["keys"])
    return [
        Rule("null_key", f"NULL {key_text}", structure=keys),
        Rule(
            "date_range",
            "dates outside 0001-01-01 .. 9999-12-31, or infinite",
            hint="every reader of the tables (Python, Arrow, the report) stops at those years",
        ),
    ]


def _name_rules(relation: str, against: str | None) -> list[Rule]:
    """The rules of a relation's asset names, read from its spellings (sql/sources/spellings.sql)."""
    variants = VARIANTS + (" (or from the prices' names)" if against else "")
    finding = None if relation == "prices" else f"{relation}.asset_variants"
    return [
        Rule("empty_asset", "empty asset names ('' or only whitespace)", hint="give every asset a name"),
        Rule("asset_variants", variants, policy="asset_variants", structure={"against": against}, order="asset",
             unit="spellings", finding=finding, consequence="each spelling is an asset of its own"),
    ]  # fmt: skip


def spellings(con: duckdb.DuckDBPyConnection, name: str, relation: str) -> None:
    """`ml4t.<name>`: the asset names of `ml4t.<relation>` with their rows, again (after a fold;
    the first profile comes from the row rules' scan, `run_rules(profile=...)`)."""
    create(con, name, render("sources/spellings", relation=relation, counts={}))


# --- prices ---------------------------------------------------------------------------------------


def check_intraday(con: duckdb.DuckDBPyConnection, relation: str, table: str, column: str, report: QualityReport,
                   *, utc: bool = False, asset: str | None = None, bars: bool = False) -> None:  # fmt: skip
    """Naive timestamps must all be midnights (with `utc`: UTC midnights): ml4t-sql works on daily
    bars. The examples show the `asset` column too; the hint says how to take the date part
    (`bars`: the prices and signals, which `[data] bar_time = "date"` covers)."""
    text = "time-zone-aware timestamps that are not UTC midnights" if utc else "timestamps with a time of day"
    cast = f"cast({column} as date)"
    hint = (
        f'to take the date part as the bar\'s date, set [data] bar_time = "date" (two rows of one asset on a date '
        f"are then duplicate keys), or {cast} in a .sql input"
        if bars
        else f"take the date part in a .sql input: {cast}"
    )
    order = ", ".join(ident(c) for c in (asset, column) if c is not None)
    rule = Rule("intraday", f"{text}; daily bars need one row per date", hint=hint,
                structure={"column": column, "utc": utc, "asset": asset})  # fmt: skip
    run_rules(con, report, Checked(relation, table, order=order), [rule])


def check_prices(con: duckdb.DuckDBPyConnection, quality: Quality, report: QualityReport) -> None:
    """Every rule of `ml4t.typed_prices`, in order: row rules (one scan), asset names (from the
    spellings; under asset_variants = "fold" the snapshot's names are folded), then keys."""
    rows = [
        *_key_rules(),
        Rule(
            "extreme_value",
            f"{_extreme('prices')}, or a volume above {_number(MAX_VOLUME)}",
            structure={"columns": ("open", "high", "low", "close"), "volume": True},
            hint="NAV arithmetic on such values overflows or loses its digits (docs/DATA_QUALITY.md); "
            "rescale the prices (e.g. per 1,000 units)",
        ),
        Rule("bad_price", BAD_PRICE, policy="bad_price"),
        Rule("missing_open", "NULL open", policy="missing_open"),
        Rule("inconsistent_ohlc", "high below max(open, close) or low above min(open, close)",
             policy="inconsistent_ohlc"),
    ]  # fmt: skip
    prices = Checked("prices", "typed_prices", show=PRICE_COLUMNS, order="asset, date")
    empty = "the input has no rows"
    report.rows_in = run_rules(con, report, prices, rows, quality=quality, empty=empty, profile="price_spellings") or 0
    if not report.rows_in:
        return

    def fold(sql: str, policy: str) -> None:
        if policy == AssetVariants.FOLD:
            con.execute(
                f"update ml4t.typed_prices as t set asset = f.folds_into from ({sql}) as f where t.asset = f.asset"
            )
            spellings(con, "price_spellings", "typed_prices")

    names = Checked("prices", "price_spellings", show=SPELLING_COLUMNS, order="asset")
    rules = [*_name_rules("prices", None), _duplicates("typed_prices")]  # names first: a fold may make duplicates
    run_rules(con, report, names, rules, quality=quality, effects={"asset_variants": fold})


def check_prices_used(con: duckdb.DuckDBPyConnection, report: QualityReport) -> None:
    """Rows are left after the policies."""
    report.rows_used = int(con.sql("select count(*) from ml4t.prices").fetchall()[0][0])
    if report.rows_used == 0 and report.rows_in > 0:
        policies = ", ".join(f"{k} = {v.policy!r}" for k, v in report.findings.items())
        report.refuse(InputError("prices", "no rows are left after the data-quality policies", hint=policies))


def note_gaps(con: duckdb.DuckDBPyConnection, report: QualityReport, delist_after: int) -> None:
    """Interior gaps (sql/checks/gaps.sql, kept as `ml4t.gaps`): no policy, the engine's rules
    apply; reported."""
    create(con, "gaps", render("checks/gaps"))  # one row per gap: computed once, then read twice
    query = "select count(*), sum(missing_dates), max(missing_dates) from ml4t.gaps"
    gaps, missing, longest = con.sql(query).fetchall()[0]
    if not gaps:
        return
    rule = f"interior gaps (missing dates): {int(gaps)} gaps, the longest {int(longest)} dates"
    if 0 < delist_after <= longest:
        rule += f"; a gap of {delist_after}+ dates sells a holding (delisting)"
    rows = examples(con, "select * from ml4t.gaps", order="asset, first_missing")
    report.note("gaps", "prices", rule, int(missing), f"delist_after = {delist_after}", rows)


# --- signals --------------------------------------------------------------------------------------


def check_signals(con: duckdb.DuckDBPyConnection, quality: Quality, report: QualityReport, refold: Any = None) -> None:
    """Every rule of a separate `ml4t.signals`, in order: row rules (one scan), asset names (from
    their spellings, against the prices'; `refold(folds_sql)` re-creates the view with its names
    folded under asset_variants = "fold"), then keys, unknown assets and off-calendar dates."""
    signals = Checked("signals", "signals", order="asset, date")
    empty = "the input has no rows"
    if not run_rules(con, report, signals, _key_rules(), quality=quality, empty=empty, profile="signal_spellings"):
        return

    def fold(sql: str, policy: str) -> None:
        if policy == AssetVariants.FOLD and refold is not None:
            refold(sql)
            spellings(con, "signal_spellings", "signals")

    rules = [
        *_name_rules("signals", "price_spellings"),
        _duplicates("signals"),
        Rule("unknown_signal_asset", "signals for assets that have no prices", policy="unknown_signal_asset",
             order="asset", unit="assets"),
        Rule("off_calendar_signal", "signals dated on days with no price bar at all", policy="off_calendar_signal",
             order="date", unit="dates"),
    ]  # fmt: skip
    names = Checked("signals", "signal_spellings", show=SPELLING_COLUMNS, order="asset")
    run_rules(con, report, names, rules, quality=quality, effects={"asset_variants": fold})


def _duplicates(relation: str) -> Rule:
    return Rule("duplicate_key", "duplicate (date, asset) keys", structure={"relation": relation, **KEYS},
                order="asset, date", hint="keep one row per date and asset")  # fmt: skip


def check_signal_dates(
    con: duckdb.DuckDBPyConnection, quality: Quality, report: QualityReport, signal: str, *, separate: bool = True
) -> None:
    """Rebalance dates (`ml4t.rebalance_dates`) on which no asset with a bar has a finite signal.

    The built-in strategy would hold cash there. When only the start of the window lacks signals,
    the message names the first window date that has one."""
    sql = render("checks/no_signal_date", signal=signal, separate=separate)
    count = count_rows(con, sql)
    if not count:
        return
    rows = examples(con, sql, order="date")
    column = f"cast(s.{ident(signal)} as double)"
    has_bar = "semi join ml4t.prices as p using (date, asset)" if separate else ""
    first = con.sql(
        f"select min(s.date) from ml4t.signals as s {has_bar} where isfinite({column}) "
        "and s.date in (select date from ml4t.calendar)"
    ).fetchall()[0][0]
    last_flagged = con.sql(f"select max(date) from ({sql})").fetchall()[0][0] if count > len(rows) else rows[-1]["date"]
    hint = ""
    if first is not None and last_flagged < first:  # only the start of the window lacks signals
        hint = f"the first window date with a finite signal is {first}: set [execution] start = {first}, or "
    rule = f"rebalance dates on which no asset has a finite {signal!r} signal"
    apply_policy(report, quality, "no_signal_date", "signals", rule, count, rows, hint=hint, unit="dates")


def check_signal_columns(raw: dict[str, str], date: str, asset: str) -> tuple[str, ...]:
    """The signals input's columns besides its date and asset: none may be named like a column the
    engine makes in `signals` (`date`, `asset`). Returns them."""
    extra = tuple(c for c in raw if c not in (date, asset))
    taken = [c for c in extra if c.lower() in ("date", "asset")]
    if taken:
        raise InputError(
            "signals",
            f"column {taken[0]!r} has the name of a column the engine makes from [data.columns] "
            f"(date = {date!r}, asset = {asset!r})",
            hint="rename it in your data or in a .sql input",
        )
    return extra


# --- benchmark ------------------------------------------------------------------------------------


def check_benchmark(con: duckdb.DuckDBPyConnection, report: QualityReport, kind: str, value: str) -> None:
    """Every rule of `ml4t.benchmark_input(date, value)`, in order, then its coverage of the window."""
    rules = [
        *_key_rules({"keys": ("date",)}),
        Rule("duplicate_key", "duplicate dates", structure={"keys": ("date",)}, order="date"),
        Rule("non_finite_value", f"NULL or non-finite {value}", structure={"column": "value"}),
        Rule("nonpositive_level", "returns of -100% or less" if kind == "return" else "prices <= 0",
             structure={"kind": kind}),
    ]  # fmt: skip
    if kind == "price":
        rules.append(
            Rule("extreme_value", _extreme("prices"), structure={"columns": ("value",), "volume": False},
                 hint="rescale the benchmark's levels (any level gives the same returns)")
        )  # fmt: skip
    if not run_rules(con, report, Checked("benchmark", "benchmark_input", order="date"), rules, empty="is empty"):
        return
    found = examples(con, render("checks/benchmark_coverage"))
    if found:
        c = found[0]
        report.refuse(
            InputError(
                "benchmark",
                f"covers {c['first_date']} to {c['last_date']}, but the window runs from {c['window_start']} "
                f"to {c['window_end']}",
                hint="give a benchmark that starts on or before the first window date and ends on or after the last",
            )
        )


# --- a custom strategy's targets ------------------------------------------------------------------


STRATEGY = "strategy sql"


def check_targets(
    con: duckdb.DuckDBPyConnection,
    columns: dict[str, str],
    report: QualityReport,
    *,
    allow_short: bool = False,
    max_leverage: float = 1.0,
) -> None:
    """A custom strategy's output `ml4t.raw_targets`: (date, asset, weight), unique keys, calendar
    dates, sane weights (no negative one unless `allow_short`; a gross sum |w| per date of at most
    `max_leverage`), and at least one row in the window."""
    missing = [c for c in ("date", "asset", "weight") if c not in columns]
    if missing:
        raise InputError(
            STRATEGY,
            f"must return columns (date, asset, weight); missing {', '.join(missing)}",
            hint=f"it returns: {', '.join(columns) or '(nothing)'}",
        )
    if columns["date"] not in ("DATE", "TIMESTAMP", "TIMESTAMP_S", "TIMESTAMP_MS", "TIMESTAMP_NS"):
        raise InputError(STRATEGY, f"column date must be a DATE, but it is {columns['date']}", hint="cast(... as date)")
    if columns["asset"] != "VARCHAR":
        raise InputError(
            STRATEGY, f"column asset must be VARCHAR, but it is {columns['asset']}", hint="cast(... as varchar)"
        )
    if not NUMERIC.match(columns["weight"]):
        raise InputError(
            STRATEGY, f"column weight must be numeric, but it is {columns['weight']}", hint="cast(... as double)"
        )
    limits = pa.table({"max_leverage": pa.array([float(max_leverage)], pa.float64())})
    con.execute("drop table if exists ml4t.target_limits")
    con.from_arrow(limits).create("ml4t.target_limits")  # a value for the leverage rule, never SQL text
    rules = [
        Rule("null_key", "NULL date or asset", structure=KEYS, order="asset"),
        Rule("non_finite_value", "NULL or non-finite weight", structure={"column": "weight"}),
        Rule("duplicate_key", "duplicate (date, asset) keys", structure=KEYS, order="date, asset"),
        *([] if allow_short else [Rule("negative_weight", "negative weight (a short needs allow_short = true)")]),
        Rule("off_calendar_target", "dates that are not trading dates of prices", order="date, asset"),
        Rule("unpriced_target", "assets that have no price bar on or before the target date", order="date, asset"),
        Rule("leverage", f"gross weight sum |w| above max_leverage ({max_leverage:g}) on a date", order="date"),
    ]
    targets = Checked(STRATEGY, "raw_targets", order="date, asset")
    hint = "to hold cash on a date, return a row with weight 0"
    if not run_rules(con, report, targets, rules, empty="returned no rows", empty_hint=hint):
        return
    in_window = "select * from ml4t.raw_targets semi join ml4t.calendar using (date)"
    if not count_rows(con, in_window):
        window = con.sql("select min(date), max(date) from ml4t.calendar").fetchall()[0]
        report.refuse(
            InputError(STRATEGY, f"none of its rows is dated in the backtest window {window[0]} to {window[1]}")
        )


def off_schedule_targets(con: duckdb.DuckDBPyConnection, variant: int) -> tuple[int, list[dict[str, Any]]]:
    """`ml4t.raw_targets` rows on window dates that are not `ml4t.rebalance_dates` (they are ignored):
    their count and the first of them, with the variant."""
    sql = f"select {int(variant)} as variant, * from ({render('checks/off_schedule_target')})"
    count = count_rows(con, sql)
    return count, examples(con, sql, order="date, asset") if count else []


def note_off_schedule(report: QualityReport, count: int, rows: list[dict[str, Any]], schedules: str) -> None:
    """A warning-level finding: target rows off the strategy's `rebalance` schedule, ignored."""
    rule = f"target rows on dates that are not rebalance dates ({schedules}); they are ignored"
    report.note("off_schedule_target", STRATEGY, rule, count, "ignored", rows)
    example = f", e.g. {rows[0]['date']} {rows[0]['asset']}" if rows else ""
    report.warnings.append(f"{STRATEGY}: {rule} ({count} rows{example})")


def check_extra_columns(con: duckdb.DuckDBPyConnection, sql: str, extra: tuple[str, ...], relation: str) -> None:
    """Refuse extra (passed-through) input columns named like a column the engine makes in the
    relation `sql` produces: a quality flag, a standard column. `sql` is rendered without extras,
    so its columns are exactly the engine's."""
    engine = con.sql(sql).columns
    lower = {c.lower(): c for c in engine}
    taken = [c for c in extra if c.lower() in lower]
    if taken:
        raise InputError(
            relation,
            f"column {taken[0]!r} has the name of a column the engine makes ({', '.join(engine)})",
            hint="rename it in your data or in a .sql input (an input column cannot replace the engine's: "
            "a column named like a quality flag would switch that rule off)",
        )
