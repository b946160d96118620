"""A user's own strategy: one SQL query returning `(date, asset, weight)`, run once per variant.

The query may read `prices`, `signals`, `calendar`, the `[data.tables]` and, when `rebalance` is
set, `rebalance_dates(date)`; `$top_n` and `$min_signal` are bound parameters. It must be one
read-only query and runs on the locked connection (ml4t_sql.data.sandbox). Its output,
`ml4t.raw_targets`, is checked (ml4t_sql.data.rules.check_targets) before it becomes the variant's
targets; rows on window dates off its `rebalance` schedule are ignored and reported.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import duckdb

from ..config import Config, Strategy
from ..data.quality import QualityReport
from ..data.relations import create
from ..data.rules import check_targets, note_off_schedule, off_schedule_targets
from ..data.sandbox import create_from_query, user_query
from ..errors import ConfigError
from ..templates import params_for, render


def custom_targets(
    con: duckdb.DuckDBPyConnection, cfg: Config, variants: list[Strategy], report: QualityReport | None = None
) -> dt.date | None:
    """The user's query, run once per variant with its `$top_n` and `$min_signal`; its findings go
    to `report` (default: a strict report of its own). Returns the first window date on which any
    variant's query returned a row (where `start = "auto"` starts the window: ml4t_sql.data.window)."""
    report = report if report is not None else QualityReport()
    con.execute("create or replace table ml4t.rebalance (variant bigint, date date)")
    con.execute("create or replace table ml4t.final_targets (variant bigint, date date, asset varchar, weight double)")
    ignored: list[tuple[int, list[dict[str, Any]], str]] = []  # per variant: off-schedule rows, examples, schedule
    firsts: list[dt.date] = []
    for variant, s in enumerate(variants):
        assert s.sql is not None
        if s.schedule is not None:  # the user's SQL may read `rebalance_dates(date)` of its schedule
            create(con, "rebalance_dates", render("strategy/rebalance_dates"), {"schedule": s.schedule})
        text, where = _user_sql(s.sql, cfg)
        values = {"top_n": s.top_n, "min_signal": s.min_signal}
        query = user_query(text, where)
        create_from_query(
            con,
            "table",
            "ml4t.raw_targets",
            query,
            relation="strategy sql",
            where=where,
            params=values,
            temporary=False,
        )
        columns = {str(r[0]): str(r[1]) for r in con.sql("describe ml4t.raw_targets").fetchall()}
        x = cfg.execution
        check_targets(con, columns, report, allow_short=x.allow_short, max_leverage=x.max_leverage)
        firsts += [d for (d,) in con.sql(_FIRST_ROW).fetchall() if isinstance(d, dt.date)]
        if s.schedule is None:
            dates = (
                "select distinct cast(date as date) as date from ml4t.raw_targets semi join ml4t.calendar using (date)"
            )
        else:
            dates = "select date from ml4t.rebalance_dates"
            count, rows = off_schedule_targets(con, variant)
            if count:
                ignored.append((count, rows, _schedule_text(s)))
        insert = f"insert into ml4t.rebalance select $variant, date from ({dates})"
        con.execute(insert, params_for(insert, {"variant": variant}))
        con.execute(
            """
            insert into ml4t.final_targets
            select $variant, cast(date as date), cast(asset as varchar), cast(weight as double)
            from ml4t.raw_targets
            where cast(date as date) in (select date from ml4t.rebalance where variant = $variant)
                and asset in (select asset from ml4t.assets)
            """,
            {"variant": variant},
        )
    if ignored:
        rows = [row for _, found, _ in ignored for row in found][:5]
        schedules = ", ".join(sorted({schedule for _, _, schedule in ignored}))
        note_off_schedule(report, sum(count for count, _, _ in ignored), rows, schedules)
    return min(firsts, default=None)


_FIRST_ROW = """
    select min(c.date) from ml4t.calendar as c
    where c.date in (select try_cast(date as date) from ml4t.raw_targets)
"""


def _user_sql(sql: str, cfg: Config) -> tuple[str, str]:
    """The strategy SQL and where it comes from: a `.sql` file (relative to the config) or the text."""
    text = sql.strip()
    if text.lower().endswith(".sql") and "\n" not in text and " " not in text:
        path = cfg.resolve(text)
        if not path.is_file():
            raise ConfigError(f"[strategy] sql: file not found: {path}")
        return Path(path).read_text(), f"[strategy] sql ({path})"
    return sql, "[strategy] sql"


def _schedule_text(s: Strategy) -> str:
    """The schedule as the user set it, for messages."""
    if s.rebalance_every is not None:
        return f"rebalance_every = {s.rebalance_every}"
    return f"rebalance = {str(s.rebalance)!r}"
