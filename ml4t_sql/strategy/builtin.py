"""The built-in strategy: the files of `sql/strategy/` composed into one query for every variant.

Each file is one CTE named after the relation it produces, in this order:

    [history, adv, volatility, membership, groups] -> universe -> [cutoffs] -> ranks -> [held]
        -> selection -> weights -> [caps] -> targets

over the small tables of ml4t_sql.strategy.variants (`ml4t.variants`, `ml4t.universes`) and
`ml4t.schedule_dates(schedule, date)` (made once per run by the sources). Every variant is decided
in the same statement, so each distinct universe is ranked once however many variants use it.
The bracketed steps enter only when some variant needs them (Jinja leaves them out of the
default path): the universe's windows for its filters; `cutoffs` when every variant is a plain
top-N (then `ranks` sorts a few rows per date; otherwise every eligible asset is ranked); `held`
for hold ranks (the path-dependent legs); `caps` for max_weight and max_group_weight. After
`ml4t.final_targets`: `ml4t.rebalance` and, when a variant has `stale = "hold"`, `ml4t.stale`.
"""

from __future__ import annotations

from dataclasses import dataclass

import duckdb

from ..choices import Stale, Weighting
from ..config import Config, Strategy
from ..data.quality import QualityReport
from ..data.relations import create
from ..data.universe import check_missing_group, check_volumes, group_plan
from ..templates import params_for, render
from .breadth import check_top_n
from .capped_cash import capped_cash
from .quantile_dates import short_quantile_dates
from .variants import plain, tables

STEPS = ("universe", "cutoffs", "ranks", "held", "selection", "weights", "caps", "targets")
"""Every step, in order; a query composes those its variants need (`targets_query`)."""
WINDOWS = ("history", "adv", "volatility", "membership", "groups")
"""The universe's inputs, in this order; each a CTE only when the `structure` flag of its name is set."""


def compose(steps: tuple[str, ...], **structure: object) -> str:
    """One query with each step's SQL file as a CTE; the last step is the result."""
    ctes = ",\n".join(f"{name} as (\n{render(f'strategy/{name}', **structure).strip()}\n)" for name in steps)
    return f"with {ctes}\nselect * from {steps[-1]}"


def built_in_targets(
    con: duckdb.DuckDBPyConnection, cfg: Config, variants: list[Strategy], report: QualityReport | None = None
) -> None:
    """`ml4t.variants`, `ml4t.universes`, then `ml4t.final_targets`, `ml4t.rebalance` (and
    `ml4t.stale`) of every variant. With a `group`, the assets it alone keeps out are counted first;
    quantile books that a date cannot make, and a `top_n` above every universe, are noted (`report`;
    default: a strict report of its own)."""
    report = report if report is not None else QualityReport()
    plan = targets_query(con, cfg, variants, report)
    create(con, "final_targets", plan.sql, plan.params)
    after_targets(con, plan)
    inputs = tuple(step for step in plan.steps if step in WINDOWS)
    check_top_n(con, variants, compose((*inputs, "universe"), **plan.structure), report)
    if plan.structure["caps"]:
        capped_cash(con, report)


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
    """Everything before `ml4t.final_targets` (the small tables, the group and quantile checks),
    and the query that makes it: one CTE per step (the look-ahead check runs them one by one)."""
    report = report if report is not None else QualityReport()
    membership = cfg.data.universe is not None
    variant_table, universe_table = tables(variants, membership)
    for name, table in (("variants", variant_table), ("universes", universe_table)):
        con.execute(f"drop table if exists ml4t.{name}")
        con.from_arrow(table).create(f"ml4t.{name}")  # from Arrow: no temp name that a user's could shadow
    groups = group_plan(con, cfg, list(dict.fromkeys(s.group for s in variants if s.group is not None)))
    if any(s.min_adv is not None for s in variants):
        check_volumes(con)
    spans = membership and "start_date" in con.sql("select * from ml4t.members limit 0").columns
    caps = any(s.max_weight is not None or s.max_group_weight is not None for s in variants)
    structure: dict[str, object] = {
        "signals": list(dict.fromkeys(s.signal for s in variants)),
        "signals_in_prices": cfg.data.signals is None,
        "min_price": any(s.min_price is not None for s in variants),
        "min_signal": any(s.min_signal is not None for s in variants),
        "history": any(s.min_history is not None for s in variants),
        "adv": any(s.min_adv is not None for s in variants),
        "volatility": any(s.weighting == Weighting.INVERSE_VOL for s in variants),
        "membership": membership,
        "spans": spans,
        "groups": groups,
        "ungrouped": False,
        "full": not all(plain(s) for s in variants),
        "neutral": any(s.group_neutral for s in variants),
        "hold": any(s.hold_rank or s.hold_rank_short for s in variants),
        "caps": caps,
        "source": "caps" if caps else "weights",
    }
    structure["vol"] = structure["volatility"]
    inputs = tuple(name for name in WINDOWS if structure[name])
    if groups:
        create(con, "ungrouped", compose((*inputs, "universe"), **{**structure, "ungrouped": True}))
        relation = "assets" if any(g["source"] != "prices" for g in groups) else "prices"
        check_missing_group(con, cfg.data.quality, report, relation, [g["column"] for g in groups])
    if any(s.quantiles is not None for s in variants):
        create(con, "eligible", compose((*inputs, "universe"), **structure))
        short_quantile_dates(con, variants, report)
    skip = {"cutoffs": structure["full"], "held": not structure["hold"], "caps": not caps}
    steps = (*inputs, *(step for step in STEPS if not skip.get(step, False)))
    sql = compose(steps, **structure)
    params = params_for(sql, {"top_n": max(s.top_n for s in variants)})
    return Plan(sql, params, steps, structure, any(s.stale == Stale.HOLD for s in variants))


def after_targets(con: duckdb.DuckDBPyConnection, plan: Plan, *, stale: bool = True) -> None:
    """`ml4t.rebalance`, and with `stale` `ml4t.stale` when a variant holds stale assets (it reads
    `ml4t.final_targets`)."""
    create(con, "rebalance", render("strategy/rebalance"))
    if stale and plan.hold:
        create(con, "stale", render("strategy/stale", **plan.structure))
