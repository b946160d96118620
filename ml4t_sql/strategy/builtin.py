"""The built-in strategy: the files of `sql/strategy/` composed into one query for every variant.

Each file is one CTE named after the relation it produces, in this order:

    universe -> [cutoffs] -> ranks -> [held] -> selection -> weights -> [caps] -> targets

over two small tables: `ml4t.variants` (one row per variant: its universe, selection, weighting,
exposure and cap keys; made here from the configuration, as Arrow: values never enter SQL text)
and `ml4t.schedule_dates(schedule, date)` (made once per run by the sources). Every variant is
decided in the same statement, so ranking a universe happens once however many variants use it.

Paths: when every variant is a plain top-N (no bottom_n, quantiles, hold ranks or group_neutral),
`cutoffs` lets `ranks` sort a few rows per date; otherwise every eligible asset is ranked. `held`
(the hold ranks' path-dependent legs) and `caps` enter only when a variant uses them.
"""

from __future__ import annotations

from typing import Any

import duckdb
import pyarrow as pa

from ..choices import Schedule, Weighting
from ..config import Config, Strategy
from ..data.quality import QualityReport
from ..data.relations import create
from ..errors import InputError
from ..templates import params_for, render

STEPS = ("universe", "cutoffs", "ranks", "held", "selection", "weights", "caps", "targets")
"""Every step, in order; a query composes those its variants need (`targets_query`)."""


def compose(steps: tuple[str, ...], **structure: object) -> str:
    """One query with each step's SQL file as a CTE; the last step is the result."""
    ctes = ",\n".join(f"{name} as (\n{render(f'strategy/{name}', **structure).strip()}\n)" for name in steps)
    return f"with {ctes}\nselect * from {steps[-1]}"


def universe_key(s: Strategy) -> tuple[Any, ...]:
    """What makes a universe: the signal column, min_signal, the group column and, for
    inverse_vol, the vol_window (variants that agree on these share their universe and ranks)."""
    vol_window = s.vol_window if s.weighting == Weighting.INVERSE_VOL else None
    return (s.signal, s.min_signal, s.group, vol_window)


def plain(s: Strategy) -> bool:
    """A plain top-N variant: ranks at or above the cutoffs are all it needs."""
    return not (s.bottom_n or s.quantiles is not None or s.group_neutral or s.hold_rank or s.hold_rank_short)


def variants_table(variants: list[Strategy]) -> tuple[pa.Table, list[tuple[Any, ...]]]:
    """`ml4t.variants` as Arrow, and the universes (keys of `universe_key`) in universe_id order."""
    universes = list(dict.fromkeys(universe_key(s) for s in variants))
    quantiled = [s.quantiles is not None for s in variants]
    columns: dict[str, pa.Array] = {
        "variant": pa.array(range(len(variants)), pa.int64()),
        "universe_id": pa.array([universes.index(universe_key(s)) for s in variants], pa.int64()),
        "top_n": pa.array([0 if q else s.top_n for s, q in zip(variants, quantiled, strict=True)], pa.int64()),
        "bottom_n": pa.array([0 if q else s.bottom_n for s, q in zip(variants, quantiled, strict=True)], pa.int64()),
        "quantiles": pa.array([s.quantiles for s in variants], pa.int64()),
        "long_short": pa.array([s.long_short for s in variants], pa.bool_()),
        "hold_rank": pa.array([s.hold_rank for s in variants], pa.int64()),
        "hold_rank_short": pa.array([s.hold_rank_short for s in variants], pa.int64()),
        "group_neutral": pa.array([s.group_neutral for s in variants], pa.bool_()),
        "max_group_weight": pa.array([s.max_group_weight for s in variants], pa.float64()),
        "weighting": pa.array([str(s.weighting) for s in variants], pa.string()),
        "schedule": pa.array([str(s.rebalance or Schedule.DAILY) for s in variants], pa.string()),
        "min_signal": pa.array([s.min_signal for s in variants], pa.float64()),
        "vol_window": pa.array([s.vol_window for s in variants], pa.int64()),
        "long_exposure": pa.array([s.long_exposure for s in variants], pa.float64()),
        "short_exposure": pa.array([s.short_exposure for s in variants], pa.float64()),
        "max_weight": pa.array([s.max_weight for s in variants], pa.float64()),
    }
    return pa.table(columns), universes


def _structure(variants: list[Strategy], signals_in_prices: bool) -> tuple[dict[str, Any], dict[str, Any]]:
    """The templates' structure and the values of every parameter they may bind."""
    _, universes = variants_table(variants)
    caps = any(s.max_weight is not None or s.max_group_weight is not None for s in variants)
    structure: dict[str, Any] = {
        "universes": [
            {"signal": signal, "min_signal": min_signal is not None, "group": group, "vol_window": vol_window}
            for signal, min_signal, group, vol_window in universes
        ],
        "signals_in_prices": signals_in_prices,
        "full": not all(plain(s) for s in variants),
        "groups": any(s.group_neutral for s in variants),
        "hold": any(s.hold_rank or s.hold_rank_short for s in variants),
        "caps": caps,
        "source": "caps" if caps else "weights",
    }
    values: dict[str, Any] = {"top_n": max(s.top_n for s in variants)}
    for i, (_, min_signal, _, vol_window) in enumerate(universes):
        values[f"min_signal_{i}"] = min_signal
        values[f"vol_window_{i}"] = vol_window
    return structure, values


def targets_query(variants: list[Strategy], signals_in_prices: bool) -> tuple[str, dict[str, Any]]:
    """The composed query of every variant's targets, and its parameters (`ml4t.variants` must hold
    `variants_table(variants)`)."""
    structure, values = _structure(variants, signals_in_prices)
    skip = {"cutoffs": structure["full"], "held": not structure["hold"], "caps": not structure["caps"]}
    steps = tuple(step for step in STEPS if not skip.get(step, False))
    sql = compose(steps, **structure)
    return sql, params_for(sql, values)


def built_in_targets(
    con: duckdb.DuckDBPyConnection, cfg: Config, variants: list[Strategy], report: QualityReport | None = None
) -> None:
    """`ml4t.variants`, then `ml4t.final_targets` and `ml4t.rebalance` of every variant; quantile
    books that a date cannot make (fewer eligible assets than quantiles) go to `report`."""
    table, _ = variants_table(variants)
    con.execute("drop table if exists ml4t.variants")
    con.from_arrow(table).create("ml4t.variants")  # from Arrow: no temp name that a user's could shadow
    sql, params = targets_query(variants, signals_in_prices=cfg.data.signals is None)
    create(con, "final_targets", sql, params)
    create(con, "rebalance", render("strategy/rebalance"))
    if any(s.quantiles is not None for s in variants):
        _short_quantile_dates(con, variants, cfg.data.signals is None, report)


def _short_quantile_dates(
    con: duckdb.DuckDBPyConnection, variants: list[Strategy], signals_in_prices: bool, report: QualityReport | None
) -> None:
    """Rebalance dates on which a quantile variant has fewer eligible assets than quantiles: no book
    that date (cash), a finding; refused when it is every rebalance date of the variant."""
    structure, values = _structure(variants, signals_in_prices)
    eligible = compose(("universe",), **structure)
    query = f"""
select v.variant, d.date, coalesce(c.n, 0) as eligible, v.quantiles
from ml4t.variants as v
inner join ml4t.schedule_dates as d on d.schedule = v.schedule
left join (select universe_id, date, count(*) as n from ({eligible}) group by all) as c
    on c.universe_id = v.universe_id and c.date = d.date
where v.quantiles is not null and coalesce(c.n, 0) < v.quantiles
order by v.variant, d.date
"""
    params = params_for(query, values)
    rows = con.sql(query, params=params_for(query, params)).fetchall()
    if not rows:
        return
    examples = [{"variant": v, "date": d, "eligible": n, "quantiles": q} for v, d, n, q in rows[:5]]
    relation = "strategy"
    rule = "rebalance dates with fewer eligible assets than quantiles: no quantile book (cash) those dates"
    report = report if report is not None else QualityReport()
    report.note("short_quantile_date", relation, rule, len(rows), "cash", examples)
    report.warnings.append(
        f"{relation}: {rule} ({len(rows)} dates, e.g. {rows[0][1]}: {rows[0][2]} eligible for {rows[0][3]} quantiles)"
    )
    counts = con.sql(
        "select v.variant, count(*) from ml4t.variants as v inner join ml4t.schedule_dates as d "
        "on d.schedule = v.schedule where v.quantiles is not null group by v.variant"
    ).fetchall()
    short = {v: 0 for v, _ in counts}
    for v, *_ in rows:
        short[v] += 1
    for v, total in counts:
        if short[v] == total:
            report.refuse(
                InputError(
                    relation,
                    f"variant {v}: every rebalance date has fewer eligible assets than quantiles = "
                    f"{variants[v].quantiles}, so no date has a quantile book",
                    hint="use fewer quantiles or a wider universe",
                )
            )
