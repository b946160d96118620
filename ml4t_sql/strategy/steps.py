"""The built-in strategy's relations one by one, for checks that look inside it (the look-ahead check).

`built_in_steps(con, cfg, report)` prepares the built-in strategy as a run does
(`builtin.targets_query`) and takes the query that makes `ml4t.final_targets`:
`builtin.compose(...)` of every step, one CTE per SQL file of sql/strategy/, in pipeline order.
`Steps` splits it at the steps' names (`builtin.STEPS` and, where the built-in strategy has them,
its `WINDOWS`), and `materialize` makes each step a table of its own, step k reading the tables of
the steps before it: every intermediate relation, for the cost of one strategy build. Whatever
variables the built-in strategy's templates and parameters grow, the check reads the query a run
runs. The split is checked: put back together it must be the recorded query, character for
character, and the last step's table must equal `ml4t.final_targets` (`matches_targets`).
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Mapping
from typing import Any

import duckdb

from ..config import Config
from ..data.quality import QualityReport
from ..data.relations import create, qualified
from ..templates import params_for
from . import builtin


@dataclasses.dataclass(frozen=True)
class Steps:
    """The built-in query split into its steps: (name, body) in order, and its bound values."""

    steps: tuple[tuple[str, str], ...]
    params: Mapping[str, Any]

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(name for name, _ in self.steps)

    def sql(self, k: int) -> str:
        """Step k's own query, reading the tables of the steps before it (`table(name)`)."""
        ctes = [f"{name} as (select * from {table(name)})" for name, _ in self.steps[:k]]
        name, body = self.steps[k]
        ctes.append(f"{name} as (\n{body}\n)")
        return "with " + ",\n".join(ctes) + f"\nselect * from {name}"

    def materialize(self, con: duckdb.DuckDBPyConnection, k: int) -> None:
        """`table(step k)`: needs the tables of the steps before it."""
        sql = self.sql(k)
        con.execute(f"create or replace table {table(self.steps[k][0])} as {sql}", params_for(sql, self.params))


def table(step: str) -> str:
    """The table a step is materialized in: `ml4t."lookahead_<step>"`."""
    return qualified(f"lookahead_{step}")


def split(query: str, params: Mapping[str, Any]) -> Steps | None:
    """`query` (a `builtin.compose` of steps) as its steps, or None if it does not split cleanly."""
    names = (*builtin.STEPS, *getattr(builtin, "WINDOWS", ()))
    marks = sorted(
        (m.start(), m.end(), m.group(1))
        for m in re.finditer(r"(?:\Awith |\n\),\n)(" + "|".join(map(re.escape, names)) + r") as \(\n", query)
    )
    tail = re.search(r"\n\)\nselect \* from (\w+)\Z", query)
    if not marks or marks[0][0] != 0 or tail is None:
        return None
    steps = []
    for i, (_, end, name) in enumerate(marks):
        stop = marks[i + 1][0] if i + 1 < len(marks) else tail.start()
        steps.append((name, query[end:stop]))
    if steps[-1][0] != tail.group(1):
        return None
    rebuilt = "with " + ",\n".join(f"{n} as (\n{b}\n)" for n, b in steps) + f"\nselect * from {steps[-1][0]}"
    return Steps(tuple(steps), dict(params)) if rebuilt == query else None


def built_in_steps(
    con: duckdb.DuckDBPyConnection, cfg: Config, report: QualityReport, *, targets: bool = True
) -> Steps | None:
    """The built-in strategy's query on `con`, as a run makes it (builtin.targets_query), and its
    steps (None: not recognized; then only `ml4t.final_targets` can be read). With `targets`, it
    also makes `ml4t.final_targets` and what follows it, as a run does; without, the steps will
    make it, one by one (and `ml4t.rebalance` is made)."""
    plan = builtin.targets_query(con, cfg, [cfg.strategy], report)
    if targets:
        create(con, "final_targets", plan.sql, plan.params)
    builtin.after_targets(con, plan, stale=targets)
    return split(plan.sql, plan.params)


def matches_targets(con: duckdb.DuckDBPyConnection, steps: Steps) -> bool:
    """Whether the last step's table (materialized) has exactly the rows of `ml4t.final_targets`."""
    last = table(steps.names[-1])
    sql = f"""
        select (select count(*) from (from {last} except all from ml4t.final_targets))
             + (select count(*) from (from ml4t.final_targets except all from {last}))
    """
    return int(con.sql(sql).fetchall()[0][0]) == 0
