"""`top_n` above the largest universe of any rebalance date: a warning, not an error.

Then every eligible asset is held on every rebalance date (docs/SEMANTICS.md, *Construction*), and
`top_n` does nothing: probably a slip (a universe smaller than thought, a filter stricter). The
check is cheap on the default path: the long legs in `ml4t.final_targets` are counted first, and
only a variant whose every long leg is shorter than its `top_n` has its universe counted (the
universe step of sql/strategy/ again, ml4t_sql.strategy.builtin).
"""

from __future__ import annotations

from collections.abc import Sequence

import duckdb

from ..config import Strategy
from ..data.quality import QualityReport
from ..templates import params_for

_LEGS = """
    select v.variant, coalesce(max(n), 0) as longest
    from (select unnest($variants) as variant) as v
    left join (
        select variant, date, count(*) as n from ml4t.final_targets where weight > 0 group by variant, date
    ) as t using (variant)
    group by v.variant
"""

_UNIVERSES = """
    with sizes as (
        select universe_id, date, count(*) as n from ({universe}) group by universe_id, date
    ),
    largest as (
        select universe_id, max(n) as n from sizes group by universe_id
    )
    select l.universe_id, l.n, min(s.date) as on_date  -- the first date of the largest size
    from largest as l
    inner join sizes as s on s.universe_id = l.universe_id and s.n = l.n
    group by l.universe_id, l.n
"""


def check_top_n(
    con: duckdb.DuckDBPyConnection, variants: Sequence[Strategy], universe_sql: str, report: QualityReport
) -> None:
    """Warn (in `report`) for each variant whose `top_n` is above its universe on every rebalance
    date. `universe_sql`: the built-in query composed up to its `universe` step."""
    ranked = [i for i, s in enumerate(variants) if s.quantiles is None]
    if not ranked:
        return
    legs = dict(con.sql(_LEGS, params={"variants": ranked}).fetchall())
    suspects = [i for i in ranked if legs.get(i, 0) < variants[i].top_n]
    if not suspects:
        return
    sql = _UNIVERSES.format(universe=universe_sql)
    universes = {u: (n, d) for u, n, d in con.sql(sql, params=params_for(sql, {})).fetchall()}
    which = dict(con.sql("select variant, universe_id from ml4t.variants").fetchall())
    found: dict[tuple[int, int, str], list[int]] = {}
    for i in suspects:
        largest, on_date = universes.get(which[i], (0, None))
        if variants[i].top_n > largest:
            found.setdefault((variants[i].top_n, largest, str(on_date)), []).append(i)
    for (top_n, largest, on_date), ids in found.items():
        where = f"; variants {', '.join(map(str, ids))}" if len(variants) > 1 else ""
        size = f"{largest:,} eligible assets, on {on_date}" if largest else "no eligible asset on any date"
        report.warnings.append(
            f"[strategy] top_n = {top_n:,} is above the largest universe of any rebalance date ({size}{where}): "
            "every eligible asset is held on every rebalance date; lower top_n, or check the universe's filters"
        )
