"""A user's own strategy: one SQL query returning `(date, asset, weight)`, run once per variant.

The query may read `prices`, `signals`, `calendar`, the `[data.tables]` and, when `rebalance` is
set, `rebalance_dates(date)`; `$top_n` and `$min_signal` are bound parameters. It must be one
read-only query and runs on the locked connection (ml4t_sql.data.sandbox). Its output is
checked (ml4t_sql.data.quality.check_targets) before it becomes the variant's targets.
"""

from __future__ import annotations

from pathlib import Path

import duckdb

from ..config import Config, Strategy
from ..data.quality import check_targets
from ..data.sandbox import create_from_query, user_query
from ..errors import ConfigError
from ..templates import params_for


def custom_targets(con: duckdb.DuckDBPyConnection, cfg: Config, variants: list[Strategy]) -> None:
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
        text, where = _user_sql(s.sql, cfg)
        values = {"top_n": s.top_n, "min_signal": s.min_signal}
        query = user_query(text, where)
        create_from_query(con, "table", "raw_targets", query, relation="strategy sql", where=where, params=values)
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


def _user_sql(sql: str, cfg: Config) -> tuple[str, str]:
    """The strategy SQL and where it comes from: a `.sql` file (relative to the config) or the text."""
    text = sql.strip()
    if text.lower().endswith(".sql") and "\n" not in text and " " not in text:
        path = cfg.resolve(text)
        if not path.is_file():
            raise ConfigError(f"[strategy] sql: file not found: {path}")
        return Path(path).read_text(), f"[strategy] sql ({path})"
    return sql, "[strategy] sql"
