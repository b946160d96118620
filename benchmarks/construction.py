"""Measure the construction paths on the bundled S&P 500 set (505 assets, 1,259 dates, daily).

    .venv/bin/python benchmarks/construction.py [--repeat 3]

hold_rank is path-dependent. The product computes it in SQL (sql/strategy/held.sql, a recursive
CTE over rebalance dates, one working row per variant); this script also times the alternative,
a plain Python loop over dates between two SQL relations (the candidates out, the legs back in),
checks both give the same legs, and times the other constructions' whole targets query. Signal:
21-day momentum (close / close 21 bars back), every date a rebalance date.
"""

from __future__ import annotations

import argparse
import dataclasses
import sys
import time
from pathlib import Path

import duckdb
import pyarrow as pa

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from ml4t_sql.config import Config, Data, Strategy  # noqa: E402
from ml4t_sql.data.quality import QualityReport  # noqa: E402
from ml4t_sql.strategy.builtin import Plan, compose, targets_query  # noqa: E402
from ml4t_sql.templates import params_for, render  # noqa: E402

CONFIG = Config(data=Data(prices="prices"))  # not validated: short legs reach the SQL

SAMPLE = REPO / "warehouse" / "sample" / "sp500_5yr.parquet"


def connect(variants: list[Strategy]) -> duckdb.DuckDBPyConnection:
    con = duckdb.connect()
    con.execute("create schema ml4t")
    con.execute(
        f"""create table ml4t.prices as
        select cast(date as date) as date, asset, close, substr(asset, 1, 1) as sector,
            close / lag(close, 21) over (partition by asset order by date) - 1 as momentum
        from read_parquet('{SAMPLE}') where close > 0"""
    )
    con.execute("create view ml4t.signals as select date, asset, momentum, sector from ml4t.prices")
    con.execute(
        "create table ml4t.calendar as select date, row_number() over (order by date) - 1 as date_idx "
        "from (select distinct date from ml4t.prices)"
    )
    con.execute(f"create table ml4t.schedule_dates as {render('strategy/schedule_dates')}", {"every": []})
    con.execute(f"create view ml4t.returns as {render('sources/returns')}")  # inverse_vol reads it
    return con


def plan(con: duckdb.DuckDBPyConnection, s: Strategy) -> Plan:
    """The built-in query of `s` (it also makes `ml4t.variants` and `ml4t.universes` on `con`)."""
    return targets_query(con, CONFIG, [s], QualityReport(strict=False))


def best(fn, repeat: int) -> tuple[float, object]:
    times, out = [], None
    for _ in range(repeat):
        t = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - t)
    return min(times), out


def python_hold(con: duckdb.DuckDBPyConnection, s: Strategy) -> dict:
    """The alternative: the same legs from a Python loop over dates (long leg only)."""
    sql = compose(("universe", "ranks"), **plan(con, s).structure)
    bound = max(s.hold_rank or s.top_n, 2 * s.top_n)
    query = f"select date, asset, rank from ({sql}) where rank <= {bound} order by date, rank"
    rows = con.sql(query, params=params_for(query, {})).fetchall()
    out, prev, i = {}, set(), 0
    while i < len(rows):
        day = rows[i][0]
        j = i
        while j < len(rows) and rows[j][0] == day:
            j += 1
        kept = [a for _, a, r in rows[i:j] if a in prev and r <= s.hold_rank][: s.top_n]
        picks = kept + [a for _, a, _ in rows[i:j] if a not in kept][: s.top_n - len(kept)]
        out[day] = set(picks)
        prev, i = out[day], j
    back = pa.table({"date": [d for d, p in out.items() for _ in p], "asset": [a for p in out.values() for a in p]})
    con.from_arrow(back).create("held_py") if "held_py" not in con.sql("show tables").fetchnumpy()["name"] else None
    return out


def sql_hold(con: duckdb.DuckDBPyConnection, s: Strategy) -> dict:
    p = plan(con, s)
    sql, params = p.sql, p.params
    out: dict = {}
    for _, d, a, _ in con.sql(sql, params=params).fetchall():
        out.setdefault(d, set()).add(a)
    return out


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    base = Strategy(signal="momentum", top_n=25)
    cases = {
        "plain top 25 (cutoffs path)": base,
        "top 25, hold_rank 50": dataclasses.replace(base, hold_rank=50),
        "top 25 / bottom 25, short 0.5": dataclasses.replace(base, bottom_n=25, short_exposure=0.5),
        "quantiles 10, long_short": dataclasses.replace(base, quantiles=10, long_short=True, top_n=25,
                                                        short_exposure=1.0),  # fmt: skip
        "group_neutral top 3, rank": dataclasses.replace(base, top_n=3, group="sector", group_neutral=True,
                                                         weighting="rank"),  # fmt: skip
        "max_weight 0.03, signal": dataclasses.replace(base, weighting="signal", max_weight=0.03),
        "inverse_vol 60": dataclasses.replace(base, weighting="inverse_vol"),
    }
    for name, s in cases.items():
        con = connect([s])
        p = plan(con, s)
        sql, params = p.sql, p.params
        seconds, _ = best(lambda: con.sql(sql, params=params).fetchall(), args.repeat)  # noqa: B023
        print(f"| {name} | {seconds:.3f} |")
    s = cases["top 25, hold_rank 50"]
    con = connect([s])
    t_sql, legs_sql = best(lambda: sql_hold(con, s), args.repeat)
    t_py, legs_py = best(lambda: python_hold(con, s), args.repeat)
    assert legs_sql == legs_py, "the two hold_rank paths disagree"
    print(f"hold_rank 50, whole targets query with held.sql: {t_sql:.3f} s")
    print(f"hold_rank 50, Python loop (ranks out, legs back): {t_py:.3f} s")


if __name__ == "__main__":
    main()
