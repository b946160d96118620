"""The built-in strategy's universe inputs: `[data] universe` (membership) and `[data] assets` (groups).

Both take any source form of the other inputs (ml4t_sql.data.inputs) and are registered before the
connection is locked (a `.sql` input after it, like the others). Leaves on the connection:

- `ml4t.members` (sql/sources/members.sql): `[data] universe` typed, either spans
  `(asset, start_date, end_date)` (inclusive; a NULL end: still a member) or snapshots
  `(date, asset)` (the members on t: the latest snapshot dated <= t). Refused: a missing or
  ambiguous shape, NULL keys, unreadable dates, spans that end before they start, overlapping spans
  of one asset, duplicate snapshot rows. Warned about: assets without any price bar;
- `ml4t.attributes` (sql/sources/attributes.sql): `[data] assets` typed, static `(asset, <columns>)`
  or point-in-time `(date, asset, <columns>)`. Refused: NULL keys, unreadable dates, duplicate
  keys.

`group_plan` says where each `[strategy] group` column is (checked against the schemas before
any identifier is rendered), and `check_missing_group` counts the assets that only their missing
group keeps out (`[data.quality] missing_group`). The relations using them: sql/strategy/.
"""

from __future__ import annotations

import difflib
from typing import Any

import duckdb

from ..config import Config, Quality
from ..errors import ConfigError, InputError
from ..templates import ident, is_ident, render
from .checks import Checked, Rule, examples, run_rules
from .inputs import register_input
from .quality import QualityReport, check_date_column
from .relations import create
from .rules import check_intraday

SPANS = "(asset, start_date, end_date) spans or (date, asset) snapshots"
UNKNOWN = "assets that have no price bar at all; they are never eligible"


def load_universe(
    con: duckdb.DuckDBPyConnection, cfg: Config, report: QualityReport, columns: dict[str, str] | None
) -> None:
    """`ml4t.members` from `[data] universe` (registered already unless it is SQL), checked."""
    columns = columns or register_input(con, "universe", cfg.data.universe, cfg)
    asset = _column(columns, cfg.data.columns.asset, "asset")
    date = _column(columns, cfg.data.columns.date, "date")
    spans = "start_date" in columns or "end_date" in columns
    shown = ", ".join(columns) or "(none)"
    if asset is None or (spans and not {"start_date", "end_date"} <= set(columns)) or (not spans and date is None):
        raise InputError("universe", f"expected {SPANS}", hint=f"its columns are: {shown}")
    if spans and date is not None:
        raise InputError(
            "universe",
            f"has both a {date!r} column and start_date/end_date: expected {SPANS}, not both",
            hint=f"its columns are: {shown}; drop one shape",
        )
    for name in ("start_date", "end_date") if spans else (date,):
        assert name is not None
        if name == "end_date" and columns[name] in ("NULL", "VARCHAR") and _all_null(con, name):
            continue  # every span still open (a CSV's empty column reads as text)
        if check_date_column("universe", name, columns[name]) != "DATE":
            check_intraday(con, "universe", "input_universe", name, report, asset=asset)
    create(con, "members", render("sources/members", spans=spans, asset=asset, date=date or "date"))
    members = Checked("universe", "members", order="asset, start_date" if spans else "asset, date")
    if spans:
        keys = {"keys": ("asset", "start_date")}
        rules = [
            Rule("null_key", "NULL asset or start_date", structure=keys, hint="a span needs an asset and a start"),
            Rule("span_order", "spans whose end_date is before their start_date", hint="swap them, or fix the dates"),
            Rule("overlapping_span", "overlapping spans of one asset (both ends are inclusive)",
                 order="asset, start_date", hint="merge them into one span, or end the first before the next starts"),
        ]  # fmt: skip
    else:
        keys = {"keys": ("date", "asset")}
        rules = [
            Rule("null_key", "NULL date or asset", structure=keys),
            Rule("date_range", "dates outside 0001-01-01 .. 9999-12-31, or infinite"),
            Rule("duplicate_key", "duplicate (date, asset) rows", structure=keys, order="asset, date",
                 hint="list each member once per snapshot date"),
        ]  # fmt: skip
    if run_rules(con, report, members, rules, empty="has no rows", empty_hint="give its members, or drop the key") == 0:
        return
    _warn_unknown(con, report)


def _warn_unknown(con: duckdb.DuckDBPyConnection, report: QualityReport) -> None:
    """Members without any price bar: noted in the report (key `unknown_member_asset`) and warned about."""
    sql = render("checks/unknown_member_asset", relation="members")
    count = int(con.sql(f"select count(*) from ({sql})").fetchall()[0][0])
    if not count:
        return
    rows = examples(con, sql, order="asset")
    report.note("unknown_member_asset", "universe", UNKNOWN, count, "warn", rows)
    report.warnings.append(f"universe: {UNKNOWN} ({count} asset{'s' if count > 1 else ''}, e.g. {rows[0]['asset']})")


def load_assets(
    con: duckdb.DuckDBPyConnection, cfg: Config, report: QualityReport, columns: dict[str, str] | None
) -> None:
    """`ml4t.attributes` from `[data] assets` (registered already unless it is SQL), checked."""
    columns = columns or register_input(con, "assets", cfg.data.assets, cfg)
    asset = _column(columns, cfg.data.columns.asset, "asset")
    date = _column(columns, cfg.data.columns.date, "date")
    if asset is None:
        raise InputError(
            "assets",
            "expected (asset, <group columns>) or (date, asset, <group columns>)",
            hint=f"its columns are: {', '.join(columns) or '(none)'}; map yours in [data.columns]",
        )
    if date is not None and check_date_column("assets", date, columns[date]) != "DATE":
        check_intraday(con, "assets", "input_assets", date, report, asset=asset)
    extra = tuple(c for c in columns if c not in (asset, date) and is_ident(c))  # others cannot be a `group`
    create(con, "attributes", render("sources/attributes", dated=date is not None, asset=asset, date=date, extra=extra))
    keys = {"keys": ("date", "asset") if date is not None else ("asset",)}
    key_text = "(date, asset)" if date is not None else "asset"
    rules = [Rule("null_key", f"NULL {' or '.join(keys['keys'])}", structure=keys)]
    if date is not None:
        rules.append(Rule("date_range", "dates outside 0001-01-01 .. 9999-12-31, or infinite"))
    rules.append(
        Rule("duplicate_key", f"duplicate {key_text} rows", structure=keys, order=", ".join(keys["keys"]),
             hint=f"give one row per {key_text}")
    )  # fmt: skip
    run_rules(con, report, Checked("assets", "attributes", order="asset"), rules, empty="has no rows")


def group_plan(con: duckdb.DuckDBPyConnection, cfg: Config, groups: list[str]) -> list[dict[str, str]]:
    """Where each `[strategy] group` column is: `{"column", "source"}` with source ``static`` or
    ``dated`` (`[data] assets`) or ``prices``; a column of `[data] assets` wins over one of prices.
    A name that neither has is refused (ConfigError, with the columns there are)."""
    attributes: list[str] = []
    dated = False
    if cfg.data.assets is not None:
        names = [str(r[0]) for r in con.sql("describe ml4t.attributes").fetchall()]
        dated = "date" in names
        attributes = [n for n in names if n not in ("date", "asset")]
    prices = [str(r[0]) for r in con.sql("describe ml4t.prices").fetchall() if r[0] not in ("date", "asset")]
    plan = []
    for column in groups:
        if column in attributes:
            plan.append({"column": column, "source": "dated" if dated else "static"})
        elif column in prices:
            plan.append({"column": column, "source": "prices"})
        else:
            near = difflib.get_close_matches(column, attributes + prices, n=1)
            sources = [f"[data] assets ({', '.join(attributes) or 'no other columns'})"]
            sources = sources if cfg.data.assets is not None else []
            sources.append(f"prices ({', '.join(prices)})")
            hint = f"; did you mean {near[0]!r}?" if near else ""
            raise ConfigError(f"[strategy] group = {column!r} names no column of {' or '.join(sources)}{hint}")
    return plan


def check_volumes(con: duckdb.DuckDBPyConnection) -> None:
    """`min_adv` averages close x volume: prices without any volume would leave every asset out."""
    if con.sql("select count(volume) from ml4t.prices").fetchall()[0][0] == 0:
        raise InputError(
            "prices",
            "[strategy] min_adv needs volumes, but no bar of prices has one",
            hint="give a volume column (map yours in [data.columns] volume = ...), or drop min_adv",
        )


def check_missing_group(
    con: duckdb.DuckDBPyConnection, quality: Quality, report: QualityReport, relation: str, columns: list[str]
) -> None:
    """The rows of `ml4t.ungrouped` (otherwise eligible, without a group): counted under
    `[data.quality] missing_group` (warn: not eligible that date; fail: refused, with examples)."""
    rule = Rule(
        "missing_group",
        f"assets without a {' / '.join(repr(c) for c in columns)} group on a rebalance date they are otherwise "
        "eligible on",
        policy="missing_group",
        order="date, asset",
        unit="asset-dates",
        consequence="not eligible on those dates",
        hint="give every eligible asset a group (a row of [data] assets in force on the date), or ",
    )
    run_rules(con, report, Checked(relation, "ungrouped"), [rule], quality=quality)


def _all_null(con: duckdb.DuckDBPyConnection, column: str) -> bool:
    return con.sql(f"select count({ident(column)}) from ml4t.input_universe").fetchall()[0][0] == 0


def _column(columns: dict[str, Any], mapped: str, standard: str) -> str | None:
    """The input's name for a standard column: the [data.columns] mapping, else the standard name."""
    return mapped if mapped in columns else standard if standard in columns else None
