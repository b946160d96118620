"""The run's input relations, registered, typed, checked and snapshotted on one connection.

Leaves on the connection, in this order (later ones may read earlier ones):

- `[data.tables]` from files and frames, under their own names;
- `prices`: a temp table (a snapshot: the input cannot change under the run), after the
  [data.quality] policies (sql/sources/typed_prices.sql, sql/sources/prices.sql);
- `signals`: a view (sql/sources/signals.sql), over the signals input or over `prices`;
- `calendar(date, date_idx)` and `assets(asset, asset_idx)`: the window's dates and assets;
- `[data.tables]` given as .sql files (they may read everything above).
"""

from __future__ import annotations

from pathlib import Path

import duckdb

from .config import Config
from .errors import InputError
from .inputs import register
from .templates import render
from .validate import QualityReport, check_intraday, check_prices, check_prices_used, check_signals, price_columns


def load_sources(con: duckdb.DuckDBPyConnection, cfg: Config, report: QualityReport) -> None:
    """Register and check every input; leave `prices`, `signals`, `calendar`, `assets` on `con`."""
    d = cfg.data
    deferred = {}
    for name, source in d.tables.items():
        if isinstance(source, (str, Path)) and str(source).lower().endswith(".sql"):
            deferred[name] = source  # SQL tables may read prices and signals: register them last
        else:
            register(con, name, source, cfg)

    columns = register(con, "input_prices", d.prices, cfg)
    plan = price_columns(columns, d.columns)
    if plan.date_type != "DATE":
        check_intraday(con, "prices", "input_prices", plan.date)
    con.execute(
        f"create or replace temp view typed_prices as {render('sources/typed_prices', columns=plan, extra=plan.extra)}"
    )
    check_prices(con, d.quality, report)
    con.execute(
        f"create or replace temp table prices as {render('sources/prices', quality=d.quality, extra=plan.extra)}"
    )
    check_prices_used(con, report)

    if d.signals is not None:
        raw = register(con, "input_signals", d.signals, cfg)
        date_col = d.columns.date if d.columns.date in raw else "date"
        asset_col = d.columns.asset if d.columns.asset in raw else "asset"
        for std, name in (("date", date_col), ("asset", asset_col)):
            if name not in raw:
                raise InputError(
                    "signals", f"missing required column {name!r} ({std})", hint=f"columns: {', '.join(raw)}"
                )
        sql = render("sources/signals", from_prices=False, date=date_col, asset=asset_col)
    else:
        sql = render("sources/signals", from_prices=True)
    con.execute(f"create or replace temp view signals as {sql}")
    sig_columns = {str(r[0]): str(r[1]) for r in con.sql("describe signals").fetchall()}
    if cfg.strategy.sql is None:
        check_signals(con, sig_columns, cfg.strategy.signal, report, separate=d.signals is not None)

    x = cfg.execution
    con.execute(
        f"create or replace temp table calendar as {render('sources/calendar')}", {"start": x.start, "end": x.end}
    )
    if not con.sql("select count(*) from calendar").fetchall()[0][0]:
        raise InputError("prices", f"no trading dates in the window {x.start or '...'} to {x.end or '...'}")
    con.execute(
        """
        create or replace temp table assets as
        select asset, row_number() over (order by asset) - 1 as asset_idx
        from (select distinct asset from prices semi join calendar using (date))
        """
    )
    for name, source in deferred.items():
        register(con, name, source, cfg)
