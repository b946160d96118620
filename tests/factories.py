"""Small seeded factories of price panels and target weights, plus converters to the reference.

Every factory is a plain function of a seed: the same arguments give the same frame.
"""

from __future__ import annotations

import math
import random
from datetime import date, timedelta

import polars as pl

PRICE_SCHEMA = {
    "date": pl.Date,
    "asset": pl.String,
    "open": pl.Float64,
    "high": pl.Float64,
    "low": pl.Float64,
    "close": pl.Float64,
    "volume": pl.Float64,
}
TARGET_SCHEMA = {"date": pl.Date, "asset": pl.String, "weight": pl.Float64}


def business_days(start: date, n: int) -> list[date]:
    """The first `n` weekdays on or after `start`."""
    days, d = [], start
    while len(days) < n:
        if d.weekday() < 5:
            days.append(d)
        d += timedelta(days=1)
    return days


def make_prices(
    n_assets: int = 5,
    n_days: int = 30,
    seed: int = 0,
    *,
    start: date = date(2020, 1, 1),
    ragged: bool = True,
    gap_prob: float = 0.0,
    delist_prob: float = 0.0,
    null_open_prob: float = 0.0,
    jump_prob: float = 0.0,
    flat: bool = False,
) -> pl.DataFrame:
    """A daily OHLCV panel of assets 'A000', 'A001', ... over `n_days` business days.

    ragged: assets may start late and end early.  gap_prob: chance, per interior day, that a gap
    of 1-8 missing days starts there (long gaps exercise delisting and coming back).
    delist_prob: chance that an asset's data stops for good somewhere in the middle.
    null_open_prob: chance that a row's open is NULL.  jump_prob: chance, per row, of an overnight
    x100 or /100 move.  flat: every price of an asset is one constant (open = high = low = close).
    """
    rng = random.Random(seed)
    days = business_days(start, n_days)
    rows = []
    for k in range(n_assets):
        asset = f"A{k:03d}"
        first, last = 0, n_days - 1
        if ragged and n_days > 2:
            if rng.random() < 0.5:
                first = rng.randint(0, n_days // 3)
            if rng.random() < 0.5:
                last = rng.randint(max(first, 2 * n_days // 3), n_days - 1)
        if rng.random() < delist_prob:
            last = rng.randint(first, last)
        missing = set()
        j = first + 1
        while j < last:
            if rng.random() < gap_prob:
                length = rng.randint(1, 8)
                missing.update(range(j, min(j + length, last)))
                j += length
            j += 1

        level = rng.uniform(5.0, 200.0)
        close = level
        for j in range(n_days):
            if flat:
                o = c = level
            else:
                o = close * math.exp(rng.gauss(0.0, 0.01))
                if rng.random() < jump_prob:  # a jump never leaves the prices the inputs accept
                    jump = rng.choice([100.0, 0.01])
                    o *= 100.0 if o * jump < 1e-2 else 0.01 if o * jump > 1e9 else jump
                c = o * math.exp(rng.gauss(0.0, 0.02))
            close = c
            if j < first or j > last or j in missing:
                continue  # the path goes on; the asset just has no bar that day
            if flat:
                h = lo = level
            else:
                h = max(o, c) * (1.0 + abs(rng.gauss(0.0, 0.01)))
                lo = min(o, c) * (1.0 - min(0.5, abs(rng.gauss(0.0, 0.01))))
            if rng.random() < null_open_prob:
                o_out = None
            else:
                o_out = o
            rows.append(
                {"date": days[j], "asset": asset, "open": o_out, "high": h, "low": lo, "close": c,
                 "volume": float(rng.randint(0, 1_000_000))}
            )
    return pl.DataFrame(rows, schema=PRICE_SCHEMA, orient="row").sort("date", "asset")


def make_targets(
    prices: pl.DataFrame,
    seed: int = 0,
    *,
    top_n: int = 3,
    schedule_prob: float = 1.0,
    weight_mode: str = "equal",
    cash_prob: float = 0.0,
    max_gross: float = 1.0,
) -> pl.DataFrame:
    """Targets (date, asset, weight): on each scheduled date, `top_n` random assets with a bar.

    schedule_prob: chance that a date is a rebalance date.  weight_mode: 'equal' (1/k each),
    'random' (random positive weights summing to 1 or less) or 'signed' (each weight negative
    with chance 1/2, the gross sum |w| max_gross on half the dates, else uniform in 0.3 ..
    max_gross).  cash_prob: chance that a scheduled
    date goes to cash instead, written as one row of weight 0 (custom SQL strategies take their
    rebalance dates from the rows).
    """
    if weight_mode not in ("equal", "random", "signed"):
        raise ValueError(f"unknown weight_mode {weight_mode!r}")
    rng = random.Random(seed)
    by_date: dict[date, list[str]] = {}
    for d, a in prices.select("date", "asset").iter_rows():
        by_date.setdefault(d, []).append(a)
    rows = []
    for d in sorted(by_date):
        if rng.random() >= schedule_prob:
            continue
        available = sorted(by_date[d])
        if rng.random() < cash_prob:
            rows.append((d, rng.choice(available), 0.0))
            continue
        chosen = sorted(rng.sample(available, min(top_n, len(available))))
        if weight_mode == "equal":
            weights = [1.0 / len(chosen)] * len(chosen)
        elif weight_mode == "signed":
            raw = [rng.random() + 0.05 for _ in chosen]
            total = max_gross if rng.random() < 0.5 else rng.uniform(0.3, max_gross)
            weights = [r / sum(raw) * total * (-1.0 if rng.random() < 0.5 else 1.0) for r in raw]
        else:
            raw = [rng.random() + 0.05 for _ in chosen]
            total = 1.0 if rng.random() < 0.5 else rng.uniform(0.3, 1.0)
            weights = [r / sum(raw) * total for r in raw]
        rows.extend((d, a, w) for a, w in zip(chosen, weights, strict=True))
    return pl.DataFrame(rows, schema=TARGET_SCHEMA, orient="row")


def shuffled(df: pl.DataFrame, seed: int = 0) -> pl.DataFrame:
    """The same rows in a random order (inputs must not depend on row order)."""
    return df.sample(fraction=1.0, shuffle=True, seed=seed)


# --- converters to the reference's plain-Python inputs -------------------------------------------


def bars_from_prices(prices: pl.DataFrame) -> list[dict]:
    """The reference's `bars`: [{date, asset, open (or None), close, volume, high, low (or None)}]."""
    volume = pl.col("volume") if "volume" in prices.columns else pl.lit(None, pl.Float64).alias("volume")
    extremes = [pl.col(c) if c in prices.columns else pl.lit(None).alias(c) for c in ("high", "low")]
    return [
        {"date": d, "asset": a, "open": o, "close": c, "volume": v, "high": h, "low": lo}
        for d, a, o, c, v, h, lo in prices.select("date", "asset", "open", "close", volume, *extremes).iter_rows()
    ]


def targets_from_frame(targets: pl.DataFrame) -> tuple[dict, set]:
    """The reference's (`targets`, `rebalance_dates`) from a targets frame.

    As with a custom SQL strategy, the rebalance dates are the distinct dates of the rows.
    """
    out: dict[date, dict[str, float]] = {}
    for d, a, w in targets.select("date", "asset", "weight").iter_rows():
        out.setdefault(d, {})[a] = w
    return out, set(out)


def run_engine(prices: pl.DataFrame, targets: pl.DataFrame, *, data: dict | None = None, **execution):
    """ml4t-sql on `prices` with `targets` as a custom strategy (rebalance dates = its dates);
    `data`: more `[data]` keys (e.g. rates, borrow_fees; a `quality` dict adds to the policies).
    The window is every date of the prices, as the reference's (`start` = the first date, not
    "auto": targets that begin later hold cash until then)."""
    import ml4t_sql

    if not prices.is_empty():
        execution.setdefault("start", prices["date"].min())
    extra = dict(data or {})
    quality = {"missing_open": "no_fill", **extra.pop("quality", {})}
    return ml4t_sql.run(
        {
            "data": {"prices": prices, "tables": {"my_targets": targets}, "quality": quality, **extra},
            "strategy": {"sql": "select date, asset, weight from my_targets"},
            "execution": execution,
        },
        write=False,
    )


ACTION_SCHEMA = {"date": pl.Date, "asset": pl.String, "split": pl.Float64, "dividend": pl.Float64}
SPLITS = (2.0, 3.0, 0.5, 1.5, 4.0, 0.25)


def make_actions(
    prices: pl.DataFrame,
    seed: int = 0,
    *,
    split_prob: float = 0.03,
    dividend_prob: float = 0.05,
    off_bar_dividends: bool = True,
    need_open: bool = False,
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """(raw prices, actions): splits and dividends drawn on `prices`, which become raw.

    Per bar after an asset's first: a split with chance `split_prob` (ratio from SPLITS), a
    dividend with chance `dividend_prob` (0.1% .. 3% of the previous raw close). The returned
    prices are raw: every price of an asset from a split's ex-date on is divided by its ratio, so
    `prices` is the split-adjusted series (up to a constant per asset). `off_bar_dividends`: also
    dividends on calendar dates where the asset has no bar (they are paid all the same).
    `need_open`: actions only on bars with an open. Rows sorted by (date, asset); a row has a
    split, a dividend, or both.
    """
    rng = random.Random(seed)
    calendar = sorted(prices["date"].unique().to_list())
    rows: dict[tuple[date, str], list[float]] = {}
    raw = []
    for (asset,), bars in prices.sort("date").group_by("asset", maintain_order=True):
        factor, prev_close = 1.0, None
        dates = bars["date"].to_list()
        closes: dict[date, float] = {}
        for bar in bars.iter_rows(named=True):
            d = bar["date"]
            if prev_close is not None and (not need_open or bar["open"] is not None):
                s = rng.choice(SPLITS) if rng.random() < split_prob else 1.0
                dv = prev_close * rng.uniform(0.001, 0.03) if rng.random() < dividend_prob else 0.0
                if s != 1.0 or dv:
                    rows[(d, str(asset))] = [s, dv]
                factor *= s
            out = dict(bar)
            for c in ("open", "high", "low", "close"):
                if out[c] is not None:
                    out[c] = out[c] / factor
            raw.append(out)
            prev_close = closes[d] = out["close"]
        if off_bar_dividends and len(dates) > 1:
            have = set(dates)
            last = closes[dates[0]]
            for d in calendar:
                if d in have:
                    last = closes[d]
                elif dates[0] < d <= dates[-1] and rng.random() < dividend_prob:
                    rows[(d, str(asset))] = [1.0, last * rng.uniform(0.001, 0.03)]
    actions = pl.DataFrame(
        [(d, a, s, dv) for (d, a), (s, dv) in sorted(rows.items())], schema=ACTION_SCHEMA, orient="row"
    )
    return pl.DataFrame(raw, schema=PRICE_SCHEMA).sort("date", "asset"), actions


def actions_from_frame(actions: pl.DataFrame) -> dict:
    """The reference's `actions`: {(date, asset): (split, dividend)}."""
    return {(d, a): (s, dv) for d, a, s, dv in actions.select("date", "asset", "split", "dividend").iter_rows()}
