"""Targets from SQL: the built-in top-N pipeline, or the user's own query.

Built in, the files of `sql/strategy/` compose into one query, each file one CTE named after the
relation it produces, in this order:

    rebalance_dates -> universe -> cutoffs -> ranks -> selection -> targets

`rebalance_dates` is materialized first (it is small and both paths use it); the rest runs as one
statement so DuckDB plans it whole, with `$top_n` and `$min_signal` bound as parameters.

Produces on the connection: `rebalance(date)` and `final_targets(date, asset, weight)`, both
restricted to the window (`calendar`).
"""

from __future__ import annotations

from pathlib import Path

import duckdb

from .config import Config
from .errors import ConfigError, InputError
from .templates import params_for, render, render_user
from .validate import check_targets

STEPS = ("universe", "cutoffs", "ranks", "selection", "targets")


def compose(steps: tuple[str, ...], **structure: object) -> str:
    """One query with each step's SQL file as a CTE; the last step is the result."""
    ctes = ",\n".join(f"{name} as (\n{render(f'strategy/{name}', **structure).strip()}\n)" for name in steps)
    return f"with {ctes}\nselect * from {steps[-1]}"


def build_targets(con: duckdb.DuckDBPyConnection, cfg: Config) -> None:
    s = cfg.strategy
    schedule = s.rebalance or ("daily" if s.sql is None else None)
    if schedule is not None:
        con.execute(
            f"create or replace temp table rebalance_dates as {render('strategy/rebalance_dates', schedule=schedule)}"
        )
    if s.sql is None:
        sql = compose(
            STEPS,
            signal=s.signal,
            weighting=s.weighting,
            has_min_signal=s.min_signal is not None,
            signals_in_prices=cfg.data.signals is None,
        )
        values = {"top_n": s.top_n, "min_signal": s.min_signal}
        con.execute(f"create or replace temp table final_targets as {sql}", params_for(sql, values))
        con.execute("create or replace temp table rebalance as select date from rebalance_dates")
        return

    sql = render_user(_user_sql(s.sql, cfg)).strip().rstrip(";")
    values = {"top_n": s.top_n, "min_signal": s.min_signal}
    try:
        con.execute(f"create or replace temp table raw_targets as {sql}", params_for(sql, values))
    except duckdb.Error as exc:
        raise InputError("strategy sql", f"the query fails: {str(exc).strip().splitlines()[0]}") from None
    columns = {str(r[0]): str(r[1]) for r in con.sql("describe raw_targets").fetchall()}
    check_targets(con, columns)
    if schedule is None:
        con.execute(
            "create or replace temp table rebalance as "
            "select distinct cast(date as date) as date from raw_targets semi join calendar using (date)"
        )
    else:
        con.execute("create or replace temp table rebalance as select date from rebalance_dates")
    con.execute(
        """
        create or replace temp table final_targets as
        select cast(date as date) as date, cast(asset as varchar) as asset, cast(weight as double) as weight
        from raw_targets
        semi join rebalance using (date)
        semi join assets using (asset)
        """
    )


def _user_sql(sql: str, cfg: Config) -> str:
    """The strategy SQL: a `.sql` file (relative to the config) or the SQL text itself."""
    text = sql.strip()
    if text.lower().endswith(".sql") and "\n" not in text and " " not in text:
        path = cfg.resolve(text)
        if not path.is_file():
            raise ConfigError(f"[strategy] sql: file not found: {path}")
        return Path(path).read_text()
    return sql
