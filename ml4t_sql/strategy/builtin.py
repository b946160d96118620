"""The built-in strategy: the files of `sql/strategy/` composed into one query for every variant.

Each file is one CTE named after the relation it produces, in this order:

    [history, adv, volatility, membership, groups] -> universe -> cutoffs -> ranks -> selection -> targets

(the bracketed ones only when some variant's universe needs them: Jinja leaves them out of the
default path) and, when a variant has `stale = "hold"`, `ml4t.stale` (sql/strategy/stale.sql)
after them, over three small tables made here from the configuration, as Arrow (values never
enter SQL text): `ml4t.universes(universe_id, signal_id, schedule, min_price, min_adv,
adv_window, min_history, membership, group_id, vol_window)`, one row per distinct universe;
`ml4t.variants(variant, signal_id, universe_id, top_n, weighting, schedule, min_signal)`; and
`ml4t.schedule_dates(schedule, date)` (made once per run by the sources). Every variant is decided
in the same statement, so each distinct universe is ranked once however many variants use it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import duckdb
import pyarrow as pa

from ..choices import Schedule, Stale, Weighting
from ..config import Config, Strategy
from ..data.quality import QualityReport
from ..data.relations import create
from ..data.universe import check_missing_group, check_volumes, group_plan
from ..templates import params_for, render

STEPS = ("universe", "cutoffs", "ranks", "selection", "targets")
WINDOWS = ("history", "adv", "volatility", "membership", "groups")
"""The universe's inputs, in this order; each a CTE only when the `structure` flag of its name is set."""


def compose(steps: tuple[str, ...], **structure: object) -> str:
    """One query with each step's SQL file as a CTE; the last step is the result."""
    ctes = ",\n".join(f"{name} as (\n{render(f'strategy/{name}', **structure).strip()}\n)" for name in steps)
    return f"with {ctes}\nselect * from {steps[-1]}"


def universe_key(s: Strategy, membership: bool) -> tuple[object, ...]:
    """What makes a universe: variants with equal keys share one (min_signal stays in selection)."""
    return (
        s.signal,
        s.schedule or Schedule.DAILY,
        s.min_price,
        s.min_adv,
        s.adv_window if s.min_adv is not None else None,
        s.min_history,
        membership,
        s.group,
        s.vol_window if s.weighting == Weighting.INVERSE_VOL else None,
    )


def tables(variants: Sequence[Strategy], membership: bool) -> tuple[pa.Table, pa.Table]:
    """`ml4t.variants` and `ml4t.universes` of the variants (ids in order of first use)."""
    signals = list(dict.fromkeys(s.signal for s in variants))
    keys = list(dict.fromkeys(universe_key(s, membership) for s in variants))
    groups = list(dict.fromkeys(s.group for s in variants if s.group is not None))
    variant_table = pa.table(
        {
            "variant": pa.array(range(len(variants)), pa.int64()),
            "signal_id": pa.array([signals.index(s.signal) for s in variants], pa.int64()),
            "universe_id": pa.array([keys.index(universe_key(s, membership)) for s in variants], pa.int64()),
            "top_n": pa.array([s.top_n for s in variants], pa.int64()),
            "weighting": pa.array([s.weighting for s in variants], pa.string()),
            "schedule": pa.array([s.schedule or Schedule.DAILY for s in variants], pa.string()),
            "min_signal": pa.array([s.min_signal for s in variants], pa.float64()),
            "stale": pa.array([str(s.stale) for s in variants], pa.string()),
        }
    )
    columns = list(zip(*keys, strict=True))
    universe_table = pa.table(
        {
            "universe_id": pa.array(range(len(keys)), pa.int64()),
            "signal_id": pa.array([signals.index(str(k)) for k in columns[0]], pa.int64()),
            "schedule": pa.array([str(k) for k in columns[1]], pa.string()),
            "min_price": pa.array(columns[2], pa.float64()),
            "min_adv": pa.array(columns[3], pa.float64()),
            "adv_window": pa.array(columns[4], pa.int64()),
            "min_history": pa.array(columns[5], pa.int64()),
            "membership": pa.array(columns[6], pa.bool_()),
            "group_id": pa.array([None if k is None else groups.index(str(k)) for k in columns[7]], pa.int64()),
            "vol_window": pa.array(columns[8], pa.int64()),
        }
    )
    return variant_table, universe_table


def built_in_targets(
    con: duckdb.DuckDBPyConnection, cfg: Config, variants: list[Strategy], report: QualityReport | None = None
) -> None:
    """`ml4t.variants`, `ml4t.universes`, then `ml4t.final_targets`, `ml4t.rebalance` (and
    `ml4t.stale`) of every variant. With a `group`, the assets it alone keeps out are counted first
    (`report`; default: a strict report of its own)."""
    plan = targets_query(con, cfg, variants, report)
    create(con, "final_targets", plan.sql, plan.params)
    after_targets(con, plan)


@dataclass(frozen=True)
class Plan:
    """The built-in query of every variant: its text (`compose` of `steps`), bound values, and the
    Jinja structure it was rendered with (the relations after it use the same)."""

    sql: str
    params: dict[str, object]
    steps: tuple[str, ...]
    structure: dict[str, object]
    hold: bool


def targets_query(
    con: duckdb.DuckDBPyConnection, cfg: Config, variants: list[Strategy], report: QualityReport | None = None
) -> Plan:
    """Everything before `ml4t.final_targets` (the small tables, the group checks), and the query
    that makes it: one CTE per step (the look-ahead check runs them one by one)."""
    membership = cfg.data.universe is not None
    variant_table, universe_table = tables(variants, membership)
    for name, table in (("variants", variant_table), ("universes", universe_table)):
        con.execute(f"drop table if exists ml4t.{name}")
        con.from_arrow(table).create(f"ml4t.{name}")  # from Arrow: no temp name that a user's could shadow
    groups = group_plan(con, cfg, list(dict.fromkeys(s.group for s in variants if s.group is not None)))
    if any(s.min_adv is not None for s in variants):
        check_volumes(con)
    spans = membership and "start_date" in con.sql("select * from ml4t.members limit 0").columns
    structure: dict[str, object] = {
        "signals": list(dict.fromkeys(s.signal for s in variants)),
        "signals_in_prices": cfg.data.signals is None,
        "min_price": any(s.min_price is not None for s in variants),
        "history": any(s.min_history is not None for s in variants),
        "adv": any(s.min_adv is not None for s in variants),
        "volatility": any(s.weighting == Weighting.INVERSE_VOL for s in variants),
        "membership": membership,
        "spans": spans,
        "groups": groups,
        "ungrouped": False,
    }
    structure["vol"] = structure["volatility"]
    inputs = tuple(name for name in WINDOWS if structure[name])
    if groups:
        create(con, "ungrouped", compose((*inputs, "universe"), **{**structure, "ungrouped": True}))
        relation = "assets" if any(g["source"] != "prices" for g in groups) else "prices"
        check_missing_group(con, cfg.data.quality, report or QualityReport(), relation, [g["column"] for g in groups])
    steps = (*inputs, *STEPS)
    sql = compose(steps, **structure)
    params = params_for(sql, {"top_n": max(s.top_n for s in variants)})
    return Plan(sql, params, steps, structure, any(s.stale == Stale.HOLD for s in variants))


def after_targets(con: duckdb.DuckDBPyConnection, plan: Plan, *, stale: bool = True) -> None:
    """`ml4t.rebalance`, and with `stale` `ml4t.stale` when a variant holds stale assets (it reads
    `ml4t.final_targets`)."""
    create(con, "rebalance", render("strategy/rebalance"))
    if stale and plan.hold:
        create(con, "stale", render("strategy/stale", **plan.structure))
