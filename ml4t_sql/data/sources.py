"""The run's input relations, registered, typed, checked and snapshotted on one connection.

Leaves on the connection, in this order (later ones may read earlier ones), each in the engine's
schema `ml4t` (ml4t_sql.data.relations); the public ones are also views of the same name that user
SQL reads:

- every input that is not SQL (files, globs, hive folders, database tables, frames): the
  `[data.tables]` as temp views under their own names, and `ml4t.input_prices`, `input_signals`,
  `input_benchmark`; then the connection is locked to them (ml4t_sql.data.sandbox): user SQL runs
  only after that (a `.sql` input is registered where it is needed);
- `ml4t.input_prices`: the prices input; `ml4t.typed_prices`: a table, the input read once (a
  snapshot: it cannot change under the run), typed and flagged (sql/sources/typed_prices.sql);
  `prices` (public): a view of it after the [data.quality] policies (sql/sources/prices.sql);
- `signals` (public): a view (sql/sources/signals.sql), over `ml4t.input_signals` or over `prices`;
- `calendar(date, date_idx)` (public) and `ml4t.assets(asset, asset_idx)`: the window's dates and assets
  (where the window starts: ml4t_sql.data.window);
- with `[data] rates` / `[data] borrow_fees`: `ml4t.rates` and `ml4t.borrow_fees`, checked
  (ml4t_sql.data.financing);
- with `[data] actions`: `ml4t.actions`, checked, and `ml4t.action_factors` (ml4t_sql.data.actions);
- `adjusted_prices` (public): prices back-adjusted by the actions (prices without them);
- with `[data] universe` / `[data] assets`: `ml4t.members` and `ml4t.attributes`, checked
  (ml4t_sql.data.universe);
- `ml4t.schedule_dates(schedule, date)`: every schedule's dates, computed once per run; and, for
  the built-in strategy, `rebalance_dates` (public) of its schedule;
- `[data.tables]` given as .sql files (they may read everything above);
- `ml4t.universe_returns` and, with `[data] benchmark`, `ml4t.benchmark_returns` (data/benchmark.py).

Every rule of ml4t_sql.data.rules runs here, in that order; docs/DATA_QUALITY.md lists them.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

import duckdb

from ..choices import BarTime, Schedule
from ..config import AUTO, Config
from ..errors import InputError
from ..templates import render
from .actions import load_actions, load_adjusted_prices
from .benchmark import load_benchmarks
from .financing import load_financing
from .inputs import input_files, is_sql, register, register_input
from .quality import QualityReport, check_date_column, check_signal_column, price_columns
from .relations import check_user_names, create, start
from .rules import (
    check_extra_columns,
    check_intraday,
    check_prices,
    check_prices_used,
    check_signal_columns,
    check_signal_dates,
    check_signals,
    note_gaps,
)
from .sandbox import lock
from .universe import load_assets, load_universe
from .window import note_start, window_start


def load_sources(
    con: duckdb.DuckDBPyConnection,
    cfg: Config,
    report: QualityReport,
    every: Sequence[int] = (),
    *,
    signals: Sequence[str] = (),
    restart: dt.date | None = None,
) -> None:
    """Register and check every input; leave the relations above on `con`. `every`: the
    `rebalance_every` values of a sweep's variants (`cfg`'s own is always included); `signals`:
    its variants' signals (for the "auto" start; `cfg`'s own is always included); `restart`: a
    custom strategy's first row date under "auto", found by a first pass (ml4t_sql.data.window)."""
    d = cfg.data
    start(con)
    check_user_names(list(d.tables))
    files = {name: source for name, source in d.tables.items() if not is_sql(source)}
    engine = {"prices": d.prices, "signals": d.signals, "benchmark": d.benchmark, "universe": d.universe,
              "assets": d.assets, "rates": d.rates, "borrow_fees": d.borrow_fees, "actions": d.actions}  # fmt: skip
    engine = {name: source for name, source in engine.items() if source is not None and not is_sql(source)}
    for name, source in files.items():
        register(con, name, source, cfg)
    registered = {name: register_input(con, name, source, cfg) for name, source in engine.items()}
    lock(con, [f for source in [*files.values(), *engine.values()] for f in input_files(con, source, cfg)])
    deferred = {name: source for name, source in d.tables.items() if name not in files}  # SQL: last

    load_prices(con, cfg, report, registered.get("prices"))
    builtin = cfg.strategy.sql is None
    load_signals(con, cfg, report, registered.get("signals"), builtin=builtin)

    x = cfg.execution
    begin = restart or window_start(con, cfg, [cfg.strategy.signal, *signals], separate=d.signals is not None)
    create(con, "calendar", render("sources/calendar"), {"start": begin, "end": x.end})
    if not con.sql("select count(*) from ml4t.calendar").fetchall()[0][0]:
        span = con.sql("select min(date), max(date) from ml4t.prices").fetchall()[0]
        raise InputError(
            "prices",
            f"no trading dates in the window {begin or '...'} to {x.end or '...'}",
            hint=f"the prices run from {span[0]} to {span[1]}; change [execution] start or end",
        )
    note_start(con, cfg, report, found=begin is not None and x.start == AUTO)
    create(con, "assets", render("sources/assets"))
    load_financing(con, cfg, report, registered)
    load_actions(con, cfg, report, registered)
    load_adjusted_prices(con, cfg)
    if d.universe is not None:
        load_universe(con, cfg, report, registered.get("universe"))
    if d.assets is not None:
        load_assets(con, cfg, report, registered.get("assets"))
    ks = sorted({*every, *([cfg.strategy.rebalance_every] if cfg.strategy.rebalance_every else [])})
    create(con, "schedule_dates", render("strategy/schedule_dates"), {"every": ks})
    if builtin:
        schedule = cfg.strategy.schedule or Schedule.DAILY
        create(con, "rebalance_dates", render("strategy/rebalance_dates"), {"schedule": schedule})
        check_signal_dates(con, d.quality, report, cfg.strategy.signal, separate=d.signals is not None)
    for name, source in deferred.items():
        register(con, name, source, cfg)
    load_benchmarks(con, cfg, report, registered.get("benchmark"))


def load_prices(
    con: duckdb.DuckDBPyConnection, cfg: Config, report: QualityReport, columns: dict[str, str] | None
) -> None:
    """`ml4t.input_prices` (registered already unless it is SQL: its `columns`) -> `ml4t.typed_prices`
    (checked) -> `prices`, with the gaps noted."""
    d = cfg.data
    columns = columns or register_input(con, "prices", d.prices, cfg)
    plan = price_columns(columns, d.columns)
    check_extra_columns(con, render("sources/typed_prices", columns=plan, extra=()), plan.extra, "prices")
    if plan.date_type != "DATE" and d.bar_time == BarTime.MIDNIGHT:  # "date": cast to its date part
        check_intraday(con, "prices", "input_prices", plan.date, report, asset=plan.asset, bars=True)
    # the snapshot: the input is read once, typed and flagged; every check and step reads this table
    create(con, "typed_prices", render("sources/typed_prices", columns=plan, extra=plan.extra))
    check_prices(con, d.quality, report)
    create(con, "prices", render("sources/prices", quality=d.quality, extra=plan.extra), view=True)
    check_prices_used(con, report)
    note_gaps(con, report, cfg.execution.delist_after)


def load_signals(
    con: duckdb.DuckDBPyConnection, cfg: Config, report: QualityReport, raw: dict[str, str] | None, *, builtin: bool
) -> None:
    """`signals`: from `ml4t.input_signals` (registered already unless it is SQL: its columns `raw`;
    checked; asset names folded if the policy says so), or the extra columns of `prices`."""
    d = cfg.data
    if d.signals is None:
        create(con, "signals", render("sources/signals", from_prices=True), view=True)
        if builtin:
            rel = con.sql("select * from ml4t.signals")
            columns = {str(c): str(t) for c, t in zip(rel.columns, rel.types, strict=True)}
            check_signal_column(columns, cfg.strategy.signal, relation="prices")
        return
    raw = raw or register_input(con, "signals", d.signals, cfg)
    date = d.columns.date if d.columns.date in raw else "date"
    asset = d.columns.asset if d.columns.asset in raw else "asset"
    missing = [f"{name!r} ({std})" for std, name in (("date", date), ("asset", asset)) if name not in raw]
    if missing:  # both at once
        raise InputError(
            "signals",
            f"missing required column{'s' if len(missing) > 1 else ''} {' and '.join(missing)}",
            hint=f"the input's columns are: {', '.join(raw)}; map yours in [data.columns]",
        )
    extra = check_signal_columns(raw, date, asset)
    if check_date_column("signals", date, raw[date]) != "DATE" and d.bar_time == BarTime.MIDNIGHT:
        check_intraday(con, "signals", "input_signals", date, report, asset=asset, bars=True)
    if builtin:
        check_signal_column({c: raw[c] for c in extra}, cfg.strategy.signal, relation="signals")

    def view(*, fold: bool) -> None:
        sql = render("sources/signals", from_prices=False, date=date, asset=asset, extra=extra, fold=fold)
        create(con, "signals", sql, view=True)

    def refold(folds_sql: str) -> None:
        create(con, "signal_folds", folds_sql)
        view(fold=True)

    view(fold=False)
    check_signals(con, d.quality, report, refold=refold)
