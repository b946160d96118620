"""A plain-Python reference of signal research (docs/RESEARCH.md), written apart from sql/research/:
no SQL, no NumPy, only lists, dicts and sorting. tests/test_research.py compares the two on random
panels.

Inputs: `bars` {(date, asset): open or None} (a key = the asset has a bar that date), `signals`
{(date, asset): value or None}, `window` (the sorted window dates), `horizons`, `q`.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from datetime import date
from typing import Any

Key = tuple[date, str]


def factor(
    bars: dict[Key, float | None], signals: dict[Key, Any], window: Sequence[date], q: int
) -> dict[Key, tuple[float, int]]:
    """(date, asset) -> (signal, quantile): a bar and a finite signal; quantile q holds the highest."""
    out = {}
    for d in window:
        rows = [(float(v), a) for (dd, a), v in signals.items() if dd == d and (d, a) in bars and _finite(v)]
        rows.sort(key=lambda r: (-r[0], r[1]))  # the strategy's order: highest first, ties by asset
        n = len(rows)
        size, extra = divmod(n, q)
        position = 0
        for bucket in range(1, q + 1):  # SQL ntile: the first n % q buckets get one more
            take = size + (1 if bucket <= extra else 0)
            for value, asset in rows[position : position + take]:
                out[(d, asset)] = (value, q + 1 - bucket)
            position += take
    return out


def forward_returns(
    bars: dict[Key, float | None], window: Sequence[date], horizons: Sequence[int]
) -> dict[tuple[date, str, int], float | None]:
    out: dict[tuple[date, str, int], float | None] = {}
    for i, d in enumerate(window):
        for dd, asset in bars:
            if dd != d:
                continue
            for h in horizons:
                entry = bars.get((window[i + 1], asset)) if i + 1 < len(window) else None
                exit_ = bars.get((window[i + 1 + h], asset)) if i + 1 + h < len(window) else None
                out[(d, asset, h)] = exit_ / entry - 1 if entry is not None and exit_ is not None else None
    return out


def pearson(x: Sequence[float], y: Sequence[float]) -> float | None:
    n = len(x)
    if n < 2:
        return None
    mx, my = sum(x) / n, sum(y) / n
    sxx = sum((a - mx) ** 2 for a in x)
    syy = sum((b - my) ** 2 for b in y)
    if len(set(x)) < 2 or len(set(y)) < 2:
        return None
    return sum((a - mx) * (b - my) for a, b in zip(x, y, strict=True)) / math.sqrt(sxx * syy)


def average_ranks(values: Sequence[float]) -> list[float]:
    """1-based ranks, ties sharing the mean of their positions."""
    order = sorted(range(len(values)), key=lambda i: values[i])
    ranks = [0.0] * len(values)
    i = 0
    while i < len(order):
        j = i
        while j + 1 < len(order) and values[order[j + 1]] == values[order[i]]:
            j += 1
        for k in range(i, j + 1):
            ranks[order[k]] = (i + j) / 2 + 1
        i = j + 1
    return ranks


def information_coefficient(
    fac: dict[Key, tuple[float, int]], fwd: dict[tuple[date, str, int], float | None], horizons: Sequence[int]
) -> dict[tuple[date, int], tuple[int, float | None, float | None]]:
    """(date, horizon) -> (n_pairs, Pearson, Spearman), for date-horizons with a pair."""
    out = {}
    for d in sorted({d for d, _ in fac}):
        for h in horizons:
            pairs = [
                (s, fwd[(d, a, h)])
                for (dd, a), (s, _) in sorted(fac.items())
                if dd == d and fwd.get((d, a, h)) is not None
            ]
            if not pairs:
                continue
            x, y = [p[0] for p in pairs], [float(p[1]) for p in pairs]  # type: ignore[arg-type]
            out[(d, h)] = (len(pairs), pearson(x, y), pearson(average_ranks(x), average_ranks(y)))
    return out


def quantile_daily(
    fac: dict[Key, tuple[float, int]], fwd: dict[tuple[date, str, int], float | None], horizons: Sequence[int]
) -> dict[tuple[date, int, int], tuple[int, float]]:
    groups: dict[tuple[date, int, int], list[float]] = {}
    for (d, a), (_, quantile) in fac.items():
        for h in horizons:
            r = fwd.get((d, a, h))
            if r is not None:
                groups.setdefault((d, h, quantile), []).append(r)
    return {k: (len(v), sum(v) / len(v)) for k, v in groups.items()}


def quantile_means(daily: dict[tuple[date, int, int], tuple[int, float]]) -> dict[tuple[int, int], float]:
    by: dict[tuple[int, int], list[float]] = {}
    for (_, h, quantile), (_, mean) in daily.items():
        by.setdefault((h, quantile), []).append(mean)
    return {k: sum(v) / len(v) for k, v in by.items()}


def spread(daily: dict[tuple[date, int, int], tuple[int, float]], q: int) -> dict[tuple[date, int], float]:
    return {
        (d, h): m - daily[(d, h, 1)][1]
        for (d, h, quantile), (_, m) in daily.items()
        if quantile == q and (d, h, 1) in daily
    }


def autocorrelation(fac: dict[Key, tuple[float, int]], window: Sequence[date]) -> dict[date, tuple[int, float | None]]:
    ranks: dict[date, dict[str, float]] = {}
    for d in window:
        assets = sorted(a for dd, a in fac if dd == d)
        values = [fac[(d, a)][0] for a in assets]
        ranks[d] = dict(zip(assets, average_ranks(values), strict=True))
    out = {}
    for prev, d in zip(window, window[1:], strict=False):
        common = sorted(set(ranks[d]) & set(ranks[prev]))
        if common:
            out[d] = (len(common), pearson([ranks[d][a] for a in common], [ranks[prev][a] for a in common]))
    return out


def turnover(
    fac: dict[Key, tuple[float, int]], window: Sequence[date]
) -> dict[tuple[date, int], tuple[int, int, float]]:
    out = {}
    for prev, d in zip(window, window[1:], strict=False):
        members: dict[int, set[str]] = {}
        for (dd, a), (_, quantile) in fac.items():
            if dd == d:
                members.setdefault(quantile, set()).add(a)
        for quantile, now in members.items():
            before = {a for (dd, a), (_, k) in fac.items() if dd == prev and k == quantile}
            new = len(now - before)
            out[(d, quantile)] = (len(now), new, new / len(now))
    return out


def summary(
    values: Sequence[float],
) -> tuple[int, float | None, float | None, float | None, float | None, float | None]:
    """(n, mean, std ddof 1, IR, t-stat, hit rate) of the non-NULL values."""
    n = len(values)
    if n == 0:
        return 0, None, None, None, None, None
    mean = sum(values) / n
    hit = sum(1 for v in values if v > 1e-12) / n  # 0 but for rounding is not a hit
    if n < 2:
        return n, mean, None, None, None, hit
    std = math.sqrt(sum((v - mean) ** 2 for v in values) / (n - 1))
    ir = mean / std if std > 0 else None
    return n, mean, std, ir, ir * math.sqrt(n) if ir is not None else None, hit


def _finite(value: Any) -> bool:
    return value is not None and math.isfinite(float(value))
