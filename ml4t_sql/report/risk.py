"""The tearsheet's risk section: the exits of the position rules and the drawdown halts (SPEC 11).

From the run's `events` through sql/reports/stop_exits.sql, stop_exit_totals.sql and halts.sql:
the table "Risk exits" (per rule: exits, their P&L), the list of halts (date, drawdown at the
halt, resume, dates halted), and for the charts the halted spans (shaded on the equity and
drawdown charts) and the exits per date by rule (bars on the drawdown chart). A run with no
risk-rule events gets no section: `risk_section` returns None and the page is the default one.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from typing import Any

from .common import plain

RULES = ("stop_loss", "take_profit", "trailing_stop")
"""The position rules, in the order the page lists them."""


def risk_section(rows_of: Mapping[str, Sequence[Mapping[str, Any]]], last_date: Any) -> dict[str, Any] | None:
    """{totals, halts, payload} for the template and the charts, or None when nothing to show."""
    totals = sorted(rows_of["stop_exit_totals"], key=lambda r: RULES.index(r["rule"]))
    halts = sorted(rows_of["halts"], key=lambda r: r["date"])
    if not totals and not halts:
        return None
    per_date = Counter((r["date"], r["rule"]) for r in rows_of["stop_exits"])
    exits = {
        rule: [[plain(d), n] for (d, rl), n in sorted(per_date.items()) if rl == rule]
        for rule in RULES
        if any(rl == rule for _, rl in per_date)
    }
    spans = [[plain(h["date"]), plain(h["resume_date"] or last_date)] for h in halts]
    return {"totals": totals, "halts": halts, "payload": {"halts": spans, "exits": exits}}
