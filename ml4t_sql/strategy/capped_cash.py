"""Rebalance dates on which a capped leg cannot reach its exposure (k x max_weight, or the groups'
caps, below it): the rest of the leg stays in cash, as SPEC 8 says; a warning-level finding with
the cash share it implies, so a cap too small for its leg is seen, not silently under-invested."""

from __future__ import annotations

import duckdb

from ..data.quality import QualityReport

RULE = "rebalance dates on which the caps leave part of a leg in cash (fewer assets than exposure / max_weight)"
TOLERANCE = 1e-9
"""A leg short of its exposure by at most this (a fraction of NAV) is float noise, not cash."""


def capped_cash(con: duckdb.DuckDBPyConnection, report: QualityReport) -> None:
    """Reads `ml4t.variants`, `ml4t.rebalance`, `ml4t.final_targets`; notes `capped_cash`."""
    rows = con.sql(
        """
        with legs as (
            select variant, date, sign(weight) as leg, sum(abs(weight)) as held
            from ml4t.final_targets
            group by all
        )
        select v.variant, l.date, cast(l.leg as integer) as leg,
               case when l.leg > 0 then v.long_exposure else v.short_exposure end - l.held as cash
        from legs as l
        inner join ml4t.variants as v on v.variant = l.variant
        where (v.max_weight is not null or v.max_group_weight is not null)
            and case when l.leg > 0 then v.long_exposure else v.short_exposure end - l.held > $tolerance
        order by cash desc, v.variant, l.date
        """,
        params={"tolerance": TOLERANCE},
    ).fetchall()
    if not rows:
        return
    examples = [{"variant": v, "date": d, "leg": "long" if g > 0 else "short", "cash": c} for v, d, g, c in rows[:5]]
    report.note("capped_cash", "strategy", RULE, len(rows), "cash", examples)
    v, d, g, c = rows[0]
    report.warnings.append(
        f"strategy: {RULE} ({len(rows)} leg-dates; at most {c:.1%} of NAV, variant {v}'s "
        f"{'long' if g > 0 else 'short'} leg on {d}): raise max_weight or hold more assets"
    )
