"""An independent plain-Python reference of the built-in strategy (SPEC section 3, docs/SEMANTICS.md).

Written a second way, sharing no code with sql/strategy/: loops and dicts over rows, no SQL.

- calendar: the sorted distinct price dates; the window: those within [start, end];
- schedule: a window date opens a period when its period key (ISO week, month, quarter) differs
  from the previous window date's (`month_end`: from the next one's); daily: every date;
  `rebalance_every = k`: the window's dates 0, k, 2k, ... (it replaces `rebalance`);
- eligible on t: a price bar on t and a finite signal dated t (and signal > min_signal when set),
  and each universe filter set (SPEC 8, 14.3): close on t >= min_price; the mean of close x volume
  over the asset's last adv_window bars up to t (fewer when fewer; bars without a volume left out)
  >= min_adv; at least min_history bars dated <= t; a member on t (spans: start <= t <= end, end
  None = open; snapshots: the latest snapshot dated <= t); a group on t (static: the asset's
  value; dated: its latest row dated <= t; None = no group); with inverse_vol, at least vol_window
  returns over its own consecutive bars and their sample standard deviation > 0;
- rank by signal descending, ties by asset ascending; hold the first top_n;
- equal: 1/k each; signal: signal / sum over the selected assets with a positive signal;
  inverse_vol: (1 / sigma) / sum of 1 / sigma.
"""

from __future__ import annotations

import bisect
import datetime as dt
import math
import statistics
from collections.abc import Iterable, Sequence


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
    prices: Iterable[tuple[dt.date, str, float, float | None]] = (),
    min_price: float | None = None,
    min_adv: float | None = None,
    adv_window: int = 20,
    min_history: int | None = None,
    members: Sequence[tuple[object, ...]] | None = None,
    groups: Sequence[tuple[object, ...]] | None = None,
    vol_window: int = 60,
) -> dict[tuple[dt.date, str], float]:
    """{(date, asset): weight} of the built-in strategy.

    `prices`: (date, asset, close, volume) of every bar, for the universe filters. `members`:
    (asset, start, end) spans or (date, asset) snapshots; `groups`: (asset, value) static or
    (date, asset, value) dated rows; None: that filter is off."""
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
    history = _History(prices)
    out: dict[tuple[dt.date, str], float] = {}
    dates = window[::rebalance_every] if rebalance_every else schedule(window, rebalance)
    for d in dates:
        eligible = []
        for a, s in by_date.get(d, []):
            if min_price is not None and not history.close(d, a) >= min_price:
                continue
            if min_adv is not None and not history.adv(d, a, adv_window) >= min_adv:
                continue
            if min_history is not None and not history.bars_up_to(d, a) >= min_history:
                continue
            if members is not None and not _member(members, d, a):
                continue
            if groups is not None and _group(groups, d, a) is None:
                continue
            if weighting == "inverse_vol" and not history.sigma(d, a, vol_window) > 0:
                continue
            eligible.append((a, s))
        ranked = sorted(eligible, key=lambda pair: (-pair[1], pair[0]))[:top_n]
        if weighting == "signal":
            ranked = [(a, s) for a, s in ranked if s > 0]
            total = math.fsum(s for _, s in ranked)
            out.update({(d, a): s / total for a, s in ranked})
        elif weighting == "inverse_vol":
            inverse = {a: 1.0 / history.sigma(d, a, vol_window) for a, _ in ranked}
            total = math.fsum(inverse.values())
            out.update({(d, a): v / total for a, v in inverse.items()})
        else:
            out.update({(d, a): 1.0 / len(ranked) for a, _ in ranked})
    return out


class _History:
    """Each asset's bars in date order, for the windows of the universe filters."""

    def __init__(self, prices: Iterable[tuple[dt.date, str, float, float | None]]) -> None:
        self.bars: dict[str, list[tuple[dt.date, float, float | None]]] = {}
        for d, a, close, volume in prices:
            self.bars.setdefault(a, []).append((d, close, volume))
        for rows in self.bars.values():
            rows.sort()

    def _index(self, d: dt.date, a: str) -> int:
        """Position of the asset's bar on d (it has one: eligible assets have a bar)."""
        dates = [row[0] for row in self.bars[a]]
        i = bisect.bisect_left(dates, d)
        assert dates[i] == d
        return i

    def close(self, d: dt.date, a: str) -> float:
        return self.bars[a][self._index(d, a)][1]

    def bars_up_to(self, d: dt.date, a: str) -> int:
        return self._index(d, a) + 1

    def adv(self, d: dt.date, a: str, n: int) -> float:
        i = self._index(d, a)
        values = [c * v for _, c, v in self.bars[a][max(0, i - n + 1) : i + 1] if v is not None]
        return math.fsum(values) / len(values) if values else -math.inf

    def sigma(self, d: dt.date, a: str, n: int) -> float:
        """Sample standard deviation of the last n returns up to d; -inf with fewer than n."""
        i = self._index(d, a)
        if i < n:  # bar i has i returns before it (its first bar none)
            return -math.inf
        rows = self.bars[a]
        returns = [rows[j][1] / rows[j - 1][1] - 1 for j in range(i - n + 1, i + 1)]
        return statistics.stdev(returns)


def _member(members: Sequence[tuple[object, ...]], d: dt.date, a: str) -> bool:
    if members and len(members[0]) == 3:  # spans, both ends inclusive
        return any(m[0] == a and m[1] <= d and (m[2] is None or d <= m[2]) for m in members)  # type: ignore[operator]
    dates = sorted({m[0] for m in members if m[0] <= d})  # type: ignore[operator]
    return bool(dates) and (dates[-1], a) in {(m[0], m[1]) for m in members}


def _group(groups: Sequence[tuple[object, ...]], d: dt.date, a: str) -> object | None:
    if groups and len(groups[0]) == 2:  # static
        return next((g[1] for g in groups if g[0] == a), None)
    rows = sorted((g for g in groups if g[1] == a and g[0] <= d), key=lambda g: g[0])  # type: ignore[arg-type, return-value]
    return rows[-1][2] if rows else None


# --- construction (SPEC 8, 14.4, 14.5): legs, hold ranks, groups, weightings, exposures, caps ---------


def ntile(n: int, q: int) -> list[int]:
    """The bucket (1..q) of each of n ranked items: n // q each, the first n % q one more."""
    out: list[int] = []
    for b in range(q):
        out += [b + 1] * (n // q + (1 if b < n % q else 0))
    return out


def sample_std(xs: list[float]) -> float:
    mean = math.fsum(xs) / len(xs)
    return math.sqrt(math.fsum((x - mean) ** 2 for x in xs) / (len(xs) - 1))


def waterfill(weights: dict[str, float], cap: float | None) -> dict[str, float]:
    """Cut each weight above `cap` to it, spread the excess over the others in proportion, repeat."""
    if cap is None or not weights:
        return dict(weights)
    total = math.fsum(weights.values())
    capped: set[str] = set()
    out = dict(weights)
    while True:
        over = {a for a, w in out.items() if a not in capped and w > cap}
        if not over:
            return out
        capped |= over
        free = [a for a in weights if a not in capped]
        left = total - cap * len(capped)
        base = math.fsum(weights[a] for a in free)
        out = {a: cap for a in capped}
        for a in free:
            out[a] = weights[a] * left / base if base > 0 else weights[a]


def construct(
    prices: Iterable[tuple[dt.date, str, float, str | None]],
    signals: Iterable[tuple[dt.date, str, float | None]],
    *,
    top_n: int = 25,
    bottom_n: int = 0,
    quantiles: int | None = None,
    long_short: bool = False,
    hold_rank: int | None = None,
    hold_rank_short: int | None = None,
    group: bool = False,
    group_neutral: bool = False,
    max_group_weight: float | None = None,
    weighting: str = "equal",
    vol_window: int = 60,
    long_exposure: float = 1.0,
    short_exposure: float = 0.0,
    max_weight: float | None = None,
    rebalance: str = "daily",
    min_signal: float | None = None,
) -> dict[tuple[dt.date, str], float]:
    """{(date, asset): signed weight}; `prices` rows are (date, asset, close, group)."""
    bars = {(d, a): (c, g) for d, a, c, g in prices}
    calendar = sorted({d for d, _ in bars})
    history: dict[str, list[tuple[dt.date, float]]] = {}
    for (d, a), (c, _) in sorted(bars.items()):
        history.setdefault(a, []).append((d, c))

    def vol(a: str, d: dt.date) -> float | None:
        closes = [c for day, c in history[a] if day <= d]
        rets = [closes[i] / closes[i - 1] - 1 for i in range(1, len(closes))]
        return sample_std(rets[-vol_window:]) if len(rets) >= vol_window else None

    eligible: dict[dt.date, list[tuple[str, float, str | None, float | None]]] = {}
    for d, a, s in signals:
        if s is None or not math.isfinite(s) or (d, a) not in bars:
            continue
        if min_signal is not None and not s > min_signal:
            continue
        g = bars[(d, a)][1]
        if group and g is None:
            continue
        v = vol(a, d) if weighting == "inverse_vol" else None
        if weighting == "inverse_vol" and not (v is not None and v > 0):
            continue
        eligible.setdefault(d, []).append((a, s, g, v))

    out: dict[tuple[dt.date, str], float] = {}
    prev_long: set[str] = set()
    prev_short: set[str] = set()
    for d in schedule(calendar, rebalance):
        rows = eligible.get(d, [])
        info = {a: (s, g, v) for a, s, g, v in rows}
        parts: dict[str | None, list[str]] = {}
        for a, _, g, _ in rows:
            parts.setdefault(g if group_neutral else None, []).append(a)
        longs: dict[str | None, list[str]] = {}
        shorts: dict[str | None, list[str]] = {}
        for p, members in parts.items():
            desc = sorted(members, key=lambda a: (-info[a][0], a))
            if quantiles is not None:
                buckets = ntile(len(desc), quantiles) if len(desc) >= quantiles else []
                longs[p] = [a for a, b in zip(desc, buckets, strict=False) if b == 1]
                shorts[p] = [a for a, b in zip(desc, buckets, strict=False) if b == quantiles] if long_short else []
                continue
            h = hold_rank if hold_rank is not None else top_n
            kept = [a for i, a in enumerate(desc) if a in prev_long and i + 1 <= h][:top_n]  # moved groups
            longs[p] = kept + [a for a in desc if a not in kept][: top_n - len(kept)]
            rest = sorted((a for a in members if a not in longs[p]), key=lambda a: (info[a][0], a))
            hs = hold_rank_short if hold_rank_short is not None else bottom_n
            kept = [a for i, a in enumerate(rest) if a in prev_short and i + 1 <= hs][:bottom_n]
            shorts[p] = kept + [a for a in rest if a not in kept][: bottom_n - len(kept)]
        prev_long = {a for leg in longs.values() for a in leg}
        prev_short = {a for leg in shorts.values() for a in leg}
        for sign, legs, exposure in ((1, longs, long_exposure), (-1, shorts, short_exposure)):
            weights: dict[str, float] = {}
            for p, leg in legs.items():
                share = exposure * len(parts[p]) / len(rows) if group_neutral else exposure
                if weighting == "signal":
                    leg = [a for a in leg if sign * info[a][0] > 0]
                if not leg:
                    continue
                if weighting == "equal":
                    raw = {a: 1.0 for a in leg}
                elif weighting == "signal":
                    raw = {a: sign * info[a][0] for a in leg}
                elif weighting == "rank":
                    extreme = sorted(leg, key=lambda a: (-sign * info[a][0], a))
                    raw = {a: float(len(leg) - i) for i, a in enumerate(extreme)}
                else:
                    raw = {a: 1.0 / info[a][2] for a in leg}
                total = math.fsum(raw.values())
                weights.update({a: share * x / total for a, x in raw.items()})
            by_group: dict[str | None, dict[str, float]] = {}
            for a, w in weights.items():
                g = info[a][1] if (group_neutral or max_group_weight is not None) else None
                by_group.setdefault(g, {})[a] = w
            if max_group_weight is not None:
                totals = {str(g): math.fsum(ws.values()) for g, ws in by_group.items()}
                capped = waterfill(totals, max_group_weight)
                by_group = {
                    g: {a: w * capped[str(g)] / totals[str(g)] for a, w in ws.items()} for g, ws in by_group.items()
                }
            for ws in by_group.values():
                for a, w in waterfill(ws, max_weight).items():
                    if w > 0:
                        out[(d, a)] = sign * w
    return out
