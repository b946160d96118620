"""Rebalance dates on which a quantile book cannot be made (fewer eligible assets than quantiles):
no book that date (cash) and a finding; refused when it is every rebalance date of a variant."""

from __future__ import annotations

import duckdb

from ..config import Strategy
from ..data.quality import QualityReport
from ..errors import InputError

RULE = "rebalance dates with fewer eligible assets than quantiles: no quantile book (cash) those dates"


def short_quantile_dates(con: duckdb.DuckDBPyConnection, variants: list[Strategy], report: QualityReport) -> None:
    """Reads `ml4t.variants`, `ml4t.schedule_dates` and the built-in `ml4t.universe` relation of
    the run (made by builtin.targets_query); notes the finding `short_quantile_date` in `report`."""
    query = """
select v.variant, d.date, coalesce(c.n, 0) as eligible, v.quantiles
from ml4t.variants as v
inner join ml4t.schedule_dates as d on d.schedule = v.schedule
left join (select universe_id, date, count(*) as n from ml4t.eligible group by all) as c
    on c.universe_id = v.universe_id and c.date = d.date
where v.quantiles is not null and coalesce(c.n, 0) < v.quantiles
order by v.variant, d.date
"""
    rows = con.sql(query).fetchall()
    if not rows:
        return
    examples = [{"variant": v, "date": d, "eligible": n, "quantiles": q} for v, d, n, q in rows[:5]]
    relation = "strategy"
    report.note("short_quantile_date", relation, RULE, len(rows), "cash", examples)
    report.warnings.append(
        f"{relation}: {RULE} ({len(rows)} dates, e.g. {rows[0][1]}: {rows[0][2]} eligible for {rows[0][3]} quantiles)"
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
