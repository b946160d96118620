"""The data-quality runner: each rule is a query under sql/checks/ that returns the offending rows
(dbt's singular tests); this module runs a relation's rules in order and builds the report.

A rule file is named after its rule and opens with the standard header (reads, produces, grain,
policy). Two kinds, told apart by the file itself:

- a **row rule** defines a Jinja macro `where()`: its rule as a predicate on one row. Its query is
  `select * from <relation> where {{ where() }}`;
- a **set rule** (duplicates, joins, per-date conditions) has no `where()`.

One statement counts a list of rules (`run_rules`): every row rule in **one scan** of the relation
(`count(*) filter (where ...)` per rule; with `profile`, grouped by asset and kept, so that the
asset-name rules read the small profile next), and each set rule's count beside them. Only a rule
whose count is not zero runs its own query, for five example rows.

What a finding does is the rule's: refused (no policy), or the `[data.quality]` policy the user
chose (ml4t_sql.data.quality.apply_policy), after which an effect may change the data (folding
asset names). Values reach the rules as bound parameters (`BOUNDS`).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import duckdb

from ..config import Quality
from ..errors import InputError
from ..templates import module, params_for, render
from .quality import EXAMPLES, QualityReport, apply_policy
from .relations import create, qualified

MAX_PRICE = 1e12
MIN_PRICE = 1e-6
MAX_VOLUME = 1e15
BOUNDS: Mapping[str, float] = {"max_price": MAX_PRICE, "min_price": MIN_PRICE, "max_volume": MAX_VOLUME}
"""Magnitudes refused at input (sql/checks/extreme_value.sql; why these: docs/DATA_QUALITY.md)."""


@dataclass(frozen=True)
class Checked:
    """The relation a list of rules checks: `ml4t.<table>`, called `name` in messages."""

    name: str
    table: str
    show: str = "*"
    """Columns of a row rule's example rows."""
    order: str = ""
    """Order of example rows (a set rule's own columns may differ: see Rule.order)."""


@dataclass(frozen=True)
class Rule:
    """One rule: the file sql/checks/<name>.sql, its text in messages, and what a finding does."""

    name: str
    text: str
    policy: str | None = None
    """The `[data.quality]` key whose choice decides; None: always refused."""
    structure: Mapping[str, object] = field(default_factory=dict)
    """The file's Jinja structure; `relation` (default: the checked one) names the relation it reads."""
    order: str | None = None
    hint: str = ""
    unit: str = "rows"
    """What the count counts, in warnings."""
    finding: str | None = None
    """The finding's key in the report (default: the policy key)."""
    consequence: str = "never used"
    """What a warned-about finding means for the run, in the warning."""


Effect = Callable[[str, str], None]
"""Called as effect(rule_sql, policy) after a finding of the rule: applies the chosen policy."""


def run_rules(
    con: duckdb.DuckDBPyConnection,
    report: QualityReport,
    checked: Checked,
    rules: Sequence[Rule],
    *,
    quality: Quality | None = None,
    empty: str | None = None,
    empty_hint: str = "",
    effects: Mapping[str, Effect] | None = None,
    profile: str | None = None,
) -> int | None:
    """Run `rules` on `ml4t.<checked.table>` in their order; return its row count (None when no
    row rule and no `empty` check needed it).

    One statement counts what every rule finds: one scan of the relation for the row rules, and
    each set rule's count beside them. With `profile`, that scan groups by asset and is kept as
    `ml4t.<profile>` (sql/sources/spellings.sql: each asset name with its rows and its count of
    each row rule), which the asset-name rules read next; the totals are its sums. Only a rule
    with a finding reads its five examples; after an effect (a fold) the later set rules are
    counted again on the changed data. With `empty`, a relation without rows is refused with that
    message and no rule runs. A refusal raises under a strict report."""
    modules = [module(f"checks/{r.name}", **{"relation": checked.table, **r.structure}) for r in rules]
    sqls = [str(m).strip() for m in modules]
    predicates = {i: str(m.where()) for i, m in enumerate(modules) if hasattr(m, "where")}
    sets = {i: sqls[i] for i in range(len(rules)) if i not in predicates}
    scan = bool(predicates) or empty is not None
    if profile is not None:
        names = {f"rule_{i}": p for i, p in predicates.items()}
        sql = render("sources/spellings", relation=checked.table, counts=names)
        create(con, profile, sql, params_for(sql, BOUNDS))
    source = (profile or checked.table) if scan else None
    total, counts, found = _find(con, source, predicates, sets, summed=profile is not None)
    if empty is not None and total == 0:
        report.refuse(InputError(checked.name, empty, hint=empty_hint))
        return 0
    stale = False
    for i, (rule, sql) in enumerate(zip(rules, sqls, strict=True)):
        if i in predicates:  # examples only when there is a finding
            count = counts[i]
            order = rule.order if rule.order is not None else checked.order
            rows = examples(con, sql, show=checked.show, order=order) if count else []
        else:  # a set rule: counted beside the others (again after an effect), examples on a finding
            count = count_rows(con, sql) if stale else found[i]
            rows = examples(con, sql, order=rule.order or "") if count else []
        if not count:
            continue
        if rule.policy is None:
            report.refuse(InputError(checked.name, rule.text, count=count, rows=rows, hint=rule.hint))
            continue
        assert quality is not None, f"rule {rule.name} has a policy: pass the [data.quality] section"
        apply_policy(
            report, quality, rule.policy, checked.name, rule.text, count, rows,
            finding=rule.finding, hint=rule.hint, unit=rule.unit, consequence=rule.consequence,
        )  # fmt: skip
        effect = (effects or {}).get(rule.name)
        if effect is not None:
            effect(sql, str(getattr(quality, rule.policy)))
            stale = True
    return total


def _find(
    con: duckdb.DuckDBPyConnection,
    table: str | None,
    predicates: Mapping[int, str],
    sets: Mapping[int, str],
    *,
    summed: bool = False,
) -> tuple[int | None, dict[int, int], dict[int, int]]:
    """One statement: the rows of `ml4t.<table>` and how many match each predicate (one scan), and
    how many rows each set rule's query returns. `summed`: `table` is a profile whose columns
    `n_rows` and `rule_<i>` count them already."""
    if summed:
        parts = ["coalesce(sum(n_rows), 0)", *(f"coalesce(sum(rule_{i}), 0)" for i in predicates)]
    else:
        parts = ["count(*)"] if table else []
        parts += [f"count(*) filter (where ({p}))" for p in predicates.values()]
    parts += [f"(select count(*) from ({sql}))" for sql in sets.values()]
    if not parts:
        return None, {}, {}
    query = f"select {', '.join(parts)}" + (f" from {qualified(table)}" if table else "")
    row = list(con.sql(query, params=params_for(query, BOUNDS)).fetchall()[0])
    total = int(row.pop(0)) if table else None
    counts = {i: int(row.pop(0)) for i in predicates}
    found = {i: int(row[k]) for k, i in enumerate(sets)}
    return total, counts, found


def count_rows(con: duckdb.DuckDBPyConnection, sql: str) -> int:
    """The number of rows `sql` returns (bound parameters from BOUNDS)."""
    query = f"select count(*) from ({sql})"
    return int(con.sql(query, params=params_for(query, BOUNDS)).fetchall()[0][0])


def examples(con: duckdb.DuckDBPyConnection, sql: str, *, show: str = "*", order: str = "") -> list[dict[str, Any]]:
    """The first EXAMPLES rows of `sql` (its `show` columns, in `order`), as dicts."""
    query = f"select {show} from ({sql}) {'order by ' + order if order else ''} limit {EXAMPLES}"
    rel = con.sql(query, params=params_for(query, BOUNDS))
    return [dict(zip(rel.columns, row, strict=True)) for row in rel.fetchall()]
