"""Targets from SQL: the built-in top-N pipeline, or the user's own query, for one or more variants.

A run has one variant (variant 0); a sweep has many, which differ in strategy and execution keys.
Built in, the files of `sql/strategy/` compose into one query, each file one CTE named after the
relation it produces, in this order:

    universe -> cutoffs -> ranks -> selection -> targets

over two small tables made first: `variants(variant, signal_id, top_n, weighting, schedule,
min_signal)` (from the configuration, as Arrow: values never enter SQL text) and
`schedule_dates(schedule, date)`. Every variant is decided in the same statement, so ranking a
signal happens once however many variants use it.

Produces on the connection: `rebalance(variant, date)` and `final_targets(variant, date, asset,
weight)`, both restricted to the window (`calendar`).
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import duckdb
import pyarrow as pa

from .config import Config, Strategy
from .errors import ConfigError, InputError
from .templates import params_for, render, render_user
from .validate import check_targets

STEPS = ("universe", "cutoffs", "ranks", "selection", "targets")


def compose(steps: tuple[str, ...], **structure: object) -> str:
    """One query with each step's SQL file as a CTE; the last step is the result."""
    ctes = ",\n".join(f"{name} as (\n{render(f'strategy/{name}', **structure).strip()}\n)" for name in steps)
    return f"with {ctes}\nselect * from {steps[-1]}"


def build_targets(con: duckdb.DuckDBPyConnection, cfg: Config, strategies: Sequence[Strategy] | None = None) -> None:
    """Targets of each strategy variant (default: the run's one strategy) into `final_targets`."""
    variants = list(strategies) if strategies is not None else [cfg.strategy]
    con.execute(f"create or replace temp table schedule_dates as {render('strategy/schedule_dates')}")
    if variants[0].sql is None:
        _built_in(con, cfg, variants)
    else:
        _custom(con, cfg, variants)


def _built_in(con: duckdb.DuckDBPyConnection, cfg: Config, variants: list[Strategy]) -> None:
    signals = list(dict.fromkeys(s.signal for s in variants))
    table = pa.table(
        {
            "variant": pa.array(range(len(variants)), pa.int64()),
            "signal_id": pa.array([signals.index(s.signal) for s in variants], pa.int64()),
            "top_n": pa.array([s.top_n for s in variants], pa.int64()),
            "weighting": pa.array([s.weighting for s in variants], pa.string()),
            "schedule": pa.array([s.rebalance or "daily" for s in variants], pa.string()),
            "min_signal": pa.array([s.min_signal for s in variants], pa.float64()),
        }
    )
    con.register("variant_rows", table)
    con.execute("create or replace temp table variants as select * from variant_rows")
    con.unregister("variant_rows")
    sql = compose(STEPS, signals=signals, signals_in_prices=cfg.data.signals is None)
    con.execute(
        f"create or replace temp table final_targets as {sql}",
        params_for(sql, {"top_n": max(s.top_n for s in variants)}),
    )
    con.execute(
        """
        create or replace temp table rebalance as
        select v.variant, r.date
        from variants as v
        inner join schedule_dates as r on r.schedule = v.schedule
        """
    )


def _custom(con: duckdb.DuckDBPyConnection, cfg: Config, variants: list[Strategy]) -> None:
    """The user's query, run once per variant with its `$top_n` and `$min_signal`."""
    con.execute("create or replace temp table rebalance (variant bigint, date date)")
    con.execute("create or replace temp table final_targets (variant bigint, date date, asset varchar, weight double)")
    for variant, s in enumerate(variants):
        assert s.sql is not None
        if s.rebalance is not None:  # the user's SQL may read `rebalance_dates(date)` of its schedule
            con.execute(
                "create or replace temp table rebalance_dates as select date from schedule_dates where schedule = $s",
                {"s": s.rebalance},
            )
        sql = render_user(_user_sql(s.sql, cfg)).strip().rstrip(";")
        values = {"top_n": s.top_n, "min_signal": s.min_signal}
        try:
            con.execute(f"create or replace temp table raw_targets as {sql}", params_for(sql, values))
        except duckdb.Error as exc:
            raise InputError("strategy sql", f"the query fails: {str(exc).strip().splitlines()[0]}") from None
        columns = {str(r[0]): str(r[1]) for r in con.sql("describe raw_targets").fetchall()}
        check_targets(con, columns)
        if s.rebalance is None:
            dates = "select distinct cast(date as date) as date from raw_targets semi join calendar using (date)"
        else:
            dates = "select date from schedule_dates where schedule = $schedule"
        params = {"variant": variant, "schedule": s.rebalance}
        insert = f"insert into rebalance select $variant, date from ({dates})"
        con.execute(insert, params_for(insert, params))
        con.execute(
            """
            insert into final_targets
            select $variant, cast(date as date), cast(asset as varchar), cast(weight as double)
            from raw_targets
            where cast(date as date) in (select date from rebalance where variant = $variant)
                and asset in (select asset from assets)
            """,
            {"variant": variant},
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
