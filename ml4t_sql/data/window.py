"""Where the backtest window starts: `[execution] start`, a date or "auto" (the default).

- a date: the window starts there (data before it still feeds signals and strategy SQL);
- "auto", built-in strategy: at the first trading date on which any asset with a bar has a finite
  signal (sql/sources/first_signal_date.sql; in a sweep, any of its variants' signals), so a
  signal that needs history (12-1 momentum: a year) neither stops the run nor sits in cash;
  without any such date up to `end`, at the first date of the prices (and `no_signal_date` says why);
- "auto", custom strategy: at the first trading date on which the strategy SQL returns a row (any
  variant's). The query may read `calendar` and `rebalance_dates`, so it first runs over the
  whole calendar; when its first row is later, the run loads again from that date
  (`restart_date`), and the schedule counts from there as it would from an explicit start.

Dates where signals exist but no asset passes the universe filters stay in the window, in cash;
an interior date without a finite signal still follows `[data.quality] no_signal_date`. What was
chosen and why goes to the report (`window`, and a note the run prints on standard error), with a
note when the strategy holds cash on its first window dates (`note_cash_at_start`).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

import duckdb

from ..config import AUTO, Config
from ..templates import render
from .quality import QualityReport


def window_start(
    con: duckdb.DuckDBPyConnection, cfg: Config, signals: Sequence[str], *, separate: bool
) -> dt.date | None:
    """The bound the window starts at (None: the first date of the prices). Reads `ml4t.signals`
    and `ml4t.prices` for a built-in strategy under "auto"; a custom one starts open (see above)."""
    start = cfg.execution.start
    if start != AUTO:
        return start if isinstance(start, dt.date) else None
    if cfg.strategy.sql is not None or not signals:
        return None
    sql = render("sources/first_signal_date", signals=sorted(set(signals)), separate=separate)
    first = con.sql(sql, params={"end": cfg.execution.end}).fetchall()[0][0]
    return first if isinstance(first, dt.date) else None


def note_start(con: duckdb.DuckDBPyConnection, cfg: Config, report: QualityReport, *, found: bool) -> None:
    """Record how the window's start (the first date of `ml4t.calendar`) was chosen; `found`: the
    "auto" rule found its date (a finite signal, or a custom strategy's first row after a restart)."""
    start = cfg.execution.start
    first, before = con.sql(
        "select min(date), (select count(distinct date) from ml4t.prices where date < (select min(date) "
        "from ml4t.calendar)) from ml4t.calendar"
    ).fetchall()[0]
    if start != AUTO:
        rule, why = ("config", "[execution] start") if start is not None else ("data", "the first date of the prices")
    elif cfg.strategy.sql is not None:
        rule, why = "first_target", "the first date on which the strategy SQL returns a row"
        if not found:
            why += ", also the first date of the prices"
    elif found:
        rule, why = "first_signal", f"the first date on which an asset has a finite {cfg.strategy.signal!r} signal"
    else:
        rule, why = "data", f"no date has a finite {cfg.strategy.signal!r} signal: the first date of the prices"
    report.window = {"start": str(first), "chosen_by": rule, "earlier_dates": int(before)}
    if start == AUTO:
        earlier = f"; the {before:,} earlier dates feed signals only" if before else ""
        report.notes.append(f'window starts {first}: {why} ([execution] start = "auto"{earlier})')


def restart_date(con: duckdb.DuckDBPyConnection, cfg: Config, first_row: dt.date | None) -> dt.date | None:
    """Under "auto" with a custom strategy: the first date of its rows (`first_row`) when it is
    after the first window date, where the run must load again; otherwise None."""
    if cfg.execution.start != AUTO or cfg.strategy.sql is None or first_row is None:
        return None
    (first,) = con.sql("select min(date) from ml4t.calendar").fetchall()[0]
    return first_row if first is not None and first_row > first else None


def note_cash_at_start(con: duckdb.DuckDBPyConnection, report: QualityReport) -> None:
    """A note when a variant has no nonzero target on its first window dates: it holds cash there
    (reads `ml4t.calendar`, `ml4t.rebalance` and `ml4t.final_targets`)."""
    rows = con.sql(
        """
        with firsts as (
            select r.variant, min(r.date) as first_rebalance,
                   min(case when t.date is not null then r.date end) as first_invested
            from ml4t.rebalance as r
            left join (select distinct variant, date from ml4t.final_targets where weight <> 0) as t
                using (variant, date)
            group by r.variant
        )
        select f.variant, f.first_invested,
               (select count(*) from ml4t.calendar as c
                where f.first_invested is null or c.date <= f.first_invested) as cash_dates
        from firsts as f
        order by f.variant
        """
    ).fetchall()
    (start,) = con.sql("select min(date) from ml4t.calendar").fetchall()[0]
    late = [(v, d, n) for v, d, n in rows if d is None or d > start]
    if not late:
        return
    report.window["cash_dates"] = max(n for _, _, n in late)
    _, first, n = max(late, key=lambda r: r[2])
    which = "the strategy" if len(rows) == 1 else f"{len(late)} of {len(rows)} variants"
    if first is None:
        report.notes.append(f"{which} never holds a position: no target with a nonzero weight in the window")
        return
    report.notes.append(
        f"{which} holds cash on the first {n:,} window date{'s' if n != 1 else ''} ({start} .. {first}): "
        f"no target with a nonzero weight before the decision of {first}"
    )
