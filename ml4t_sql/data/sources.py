"""The run's input relations, registered, typed, checked and snapshotted on one connection.

Leaves on the connection, in this order (later ones may read earlier ones):

- every input that is not SQL (files, globs, hive folders, database tables, frames): the
  `[data.tables]` under their own names, `input_prices`, `input_signals`, `input_benchmark`;
  then the connection is locked to them (ml4t_sql.data.sandbox): user SQL runs only after that;
- `typed_prices`: a temp table, the input read once (a snapshot: it cannot change under the
  run), typed and flagged (sql/sources/typed_prices.sql); `prices`: a view of it after the
  [data.quality] policies (sql/sources/prices.sql);
- `signals`: a view (sql/sources/signals.sql), over the signals input or over `prices`;
- `calendar(date, date_idx)` and `assets(asset, asset_idx)`: the window's dates and assets;
- `[data.tables]` given as .sql files (they may read everything above);
- `universe_returns` and, with `[data] benchmark`, `benchmark_returns` (ml4t_sql.benchmark).

Every rule of validate.py runs here, in that order; docs/DATA_QUALITY.md lists them.
"""

from __future__ import annotations

import duckdb

from ..choices import Schedule
from ..config import Config
from ..errors import ConfigError, InputError
from ..templates import render
from .benchmark import load_benchmarks
from .inputs import input_files, is_sql, register
from .quality import (
    QualityReport,
    check_date_column,
    check_intraday,
    check_prices,
    check_prices_used,
    check_signal_column,
    check_signal_dates,
    check_signals,
    note_gaps,
    price_columns,
)
from .sandbox import lock

RESERVED = frozenset(
    {"prices", "signals", "calendar", "assets", "rebalance", "rebalance_dates", "raw_targets", "final_targets"}
    | {"input_prices", "input_signals", "typed_prices", "universe", "ranks", "selection", "targets"}
)
"""Relation names the run itself creates; `[data.tables]` cannot take them."""


def load_sources(con: duckdb.DuckDBPyConnection, cfg: Config, report: QualityReport) -> None:
    """Register and check every input; leave `prices`, `signals`, `calendar`, `assets` on `con`."""
    d = cfg.data
    for name in d.tables:
        if name.lower() in RESERVED:
            raise ConfigError(
                f"[data.tables] `{name}`: the run creates a relation of that name; choose another name "
                f"(taken: {', '.join(sorted(RESERVED))})"
            )
    named = {**d.tables, "input_prices": d.prices, "input_signals": d.signals, "input_benchmark": d.benchmark}
    inputs = {name: source for name, source in named.items() if source is not None and not is_sql(source)}
    registered = {name: register(con, name, source, cfg) for name, source in inputs.items()}
    lock(con, [f for source in inputs.values() for f in input_files(con, source, cfg)])
    deferred = {name: source for name, source in d.tables.items() if name not in registered}  # SQL: last

    columns = registered.get("input_prices") or register(con, "input_prices", d.prices, cfg)
    plan = price_columns(columns, d.columns)
    if plan.date_type != "DATE":
        check_intraday(con, "prices", "input_prices", plan.date, report)
    # the snapshot: the input is read once, typed and flagged; every check and step reads this table
    con.execute(
        f"create or replace temp table typed_prices as {render('sources/typed_prices', columns=plan, extra=plan.extra)}"
    )
    check_prices(con, d.quality, report)
    con.execute(
        f"create or replace temp view prices as {render('sources/prices', quality=d.quality, extra=plan.extra)}"
    )
    check_prices_used(con, report)
    note_gaps(con, report, cfg.execution.delist_after)

    if d.signals is not None:
        raw = registered.get("input_signals") or register(con, "input_signals", d.signals, cfg)
        date_col = d.columns.date if d.columns.date in raw else "date"
        asset_col = d.columns.asset if d.columns.asset in raw else "asset"
        for std, name in (("date", date_col), ("asset", asset_col)):
            if name not in raw:
                raise InputError(
                    "signals",
                    f"missing required column {name!r} ({std})",
                    hint=f"the input's columns are: {', '.join(raw)}; map yours in [data.columns]",
                )
        if check_date_column("signals", date_col, raw[date_col]) != "DATE":
            check_intraday(con, "signals", "input_signals", date_col, report)
        sql = render("sources/signals", from_prices=False, date=date_col, asset=asset_col)
    else:
        sql = render("sources/signals", from_prices=True)
    con.execute(f"create or replace temp view signals as {sql}")
    sig_columns = {str(r[0]): str(r[1]) for r in con.sql("describe signals").fetchall()}
    builtin = cfg.strategy.sql is None
    if builtin:
        check_signal_column(sig_columns, cfg.strategy.signal, relation="signals" if d.signals is not None else "prices")
    if d.signals is not None:
        check_signals(con, d.quality, report)

    x = cfg.execution
    con.execute(
        f"create or replace temp table calendar as {render('sources/calendar')}", {"start": x.start, "end": x.end}
    )
    if not con.sql("select count(*) from calendar").fetchall()[0][0]:
        span = con.sql("select min(date), max(date) from prices").fetchall()[0]
        raise InputError(
            "prices",
            f"no trading dates in the window {x.start or '...'} to {x.end or '...'}",
            hint=f"the prices run from {span[0]} to {span[1]}; change [execution] start or end",
        )
    con.execute(
        """
        create or replace temp table assets as
        select asset, row_number() over (order by asset) - 1 as asset_idx
        from (select distinct asset from prices semi join calendar using (date))
        """
    )
    if builtin:
        con.execute(f"create or replace temp table schedule_dates as {render('strategy/schedule_dates')}")
        con.execute(
            "create or replace temp table rebalance_dates as select date from schedule_dates where schedule = $s",
            {"s": cfg.strategy.rebalance or Schedule.DAILY},
        )
        rebalance = "select date from rebalance_dates"
        check_signal_dates(con, d.quality, report, cfg.strategy.signal, rebalance, separate=d.signals is not None)
    for name, source in deferred.items():
        register(con, name, source, cfg)
    load_benchmarks(con, cfg, registered.get("input_benchmark"))
