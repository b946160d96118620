"""An independent plain-Python reference of the built-in strategy (SPEC section 3, docs/SEMANTICS.md).

Written a second way, sharing no code with sql/strategy/: loops and dicts over rows, no SQL.

- calendar: the sorted distinct price dates; the window: those within [start, end];
- schedule: a window date opens a period when its period key (ISO week, month, quarter) differs
  from the previous window date's (`month_end`: from the next one's); daily: every date;
  `rebalance_every = k`: the window's dates 0, k, 2k, ... (it replaces `rebalance`);
- eligible on t: a price bar on t and a finite signal dated t (and signal > min_signal when set);
- rank by signal descending, ties by asset ascending; hold the first top_n;
- equal: 1/k each; signal: signal / sum over the selected assets with a positive signal.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterable


def schedule(window: list[dt.date], rebalance: str) -> list[dt.date]:
    def key(d: dt.date) -> object:
        if rebalance == "weekly":
            iso = d.isocalendar()
            return (iso[0], iso[1])
        if rebalance in ("monthly", "month_end"):
            return (d.year, d.month)
        if rebalance == "quarterly":
            return (d.year, (d.month - 1) // 3)
        return d  # daily: every date is its own period

    if rebalance == "month_end":
        return [d for i, d in enumerate(window) if i == len(window) - 1 or key(window[i + 1]) != key(d)]
    return [d for i, d in enumerate(window) if i == 0 or key(window[i - 1]) != key(d)]


def targets(
    bars: Iterable[tuple[dt.date, str]],
    signals: Iterable[tuple[dt.date, str, float | None]],
    *,
    top_n: int,
    weighting: str = "equal",
    rebalance: str = "daily",
    rebalance_every: int | None = None,
    min_signal: float | None = None,
    start: dt.date | None = None,
    end: dt.date | None = None,
) -> dict[tuple[dt.date, str], float]:
    """{(date, asset): weight} of the built-in strategy."""
    has_bar = set(bars)
    calendar = sorted({d for d, _ in has_bar})
    window = [d for d in calendar if (start is None or d >= start) and (end is None or d <= end)]
    by_date: dict[dt.date, list[tuple[str, float]]] = {}
    for d, a, s in signals:
        if s is None or not math.isfinite(s) or (d, a) not in has_bar:
            continue
        if min_signal is not None and not s > min_signal:
            continue
        by_date.setdefault(d, []).append((a, s))
    out: dict[tuple[dt.date, str], float] = {}
    dates = window[::rebalance_every] if rebalance_every else schedule(window, rebalance)
    for d in dates:
        ranked = sorted(by_date.get(d, []), key=lambda pair: (-pair[1], pair[0]))[:top_n]
        if weighting == "signal":
            ranked = [(a, s) for a, s in ranked if s > 0]
            total = math.fsum(s for _, s in ranked)
            out.update({(d, a): s / total for a, s in ranked})
        else:
            out.update({(d, a): 1.0 / len(ranked) for a, _ in ranked})
    return out
