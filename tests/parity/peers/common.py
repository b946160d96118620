"""What every peer runner shares: the panel, the strategy's targets, and the result files.

This module runs inside each peer's own virtual environment (pandas 2 or 3, NumPy, PyArrow; no
ml4t_sql). It is also imported by the parity harness in the main environment, which checks that
the targets computed here equal the targets ml4t-sql's SQL produced.

The strategy is the built-in one of SPEC section 3, written a second time in pandas: on each
rebalance date, an asset is eligible if it has a bar and a finite signal; rank by signal
descending, ties by asset ascending; hold the top N at 1/k each (k = number selected). A long-short
scenario (`bottom_n` > 0, SPEC 9 and 14.4) also sells short the `bottom_n` lowest signals among the
eligible assets not in the long leg (ties by asset ascending), each leg at its exposure / its count.
`monthly` rebalances on the first date of each month of the calendar, `daily` on every date.

Workdir protocol (the harness writes the inputs, the runner the outputs):

- in:  panel.parquet (date, asset, open, high, low, close, volume, signal), scenario.json,
       actions.parquet (date, asset, split, dividend) for scenarios with corporate actions
- out: equity.parquet (date, nav, cash), trades.parquet (date, asset, shares (signed), price),
       meta.json (peer, version, seconds, notes)
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd


@dataclass
class Case:
    """The panel as dense T x N arrays, the scenario, and the strategy's decisions."""

    scenario: dict
    dates: list  # datetime.date, the calendar
    assets: list  # str, sorted
    open: np.ndarray  # open where the asset can trade at that open, NaN otherwise
    close: np.ndarray  # close of that date's bar, NaN without a bar
    last_close: np.ndarray  # close of the latest bar at or before the date, NaN before the first
    has_bar: np.ndarray  # bool
    volume: np.ndarray  # volume of that date's bar, NaN without a bar or with a NULL volume
    decisions: dict = field(default_factory=dict)  # date index -> {asset index: weight}; not on the last date
    delist: list = field(default_factory=list)  # (date index, asset index): delisting events of SEMANTICS step 1
    actions: list = field(default_factory=list)  # (date index, asset index, split, dividend): ex-dates

    @property
    def n_dates(self) -> int:
        return len(self.dates)

    @property
    def n_assets(self) -> int:
        return len(self.assets)


def load(workdir: str | Path) -> Case:
    """Read the workdir's panel and scenario and compute the strategy's decisions."""
    workdir = Path(workdir)
    scenario = json.loads((workdir / "scenario.json").read_text())
    panel = pd.read_parquet(workdir / "panel.parquet")
    case = build_case(panel, scenario)
    if (workdir / "actions.parquet").exists():
        actions = pd.read_parquet(workdir / "actions.parquet")
        d_idx = {d: i for i, d in enumerate(case.dates)}
        a_idx = {a: j for j, a in enumerate(case.assets)}
        case.actions = [
            (d_idx[pd.Timestamp(d).date()], a_idx[a], float(s), float(v))
            for d, a, s, v in actions[["date", "asset", "split", "dividend"]].itertuples(index=False)
        ]
    return case


def build_case(panel: pd.DataFrame, scenario: dict) -> Case:
    panel = panel.copy()
    panel["date"] = pd.to_datetime(panel["date"]).dt.date
    dates = sorted(panel["date"].unique())
    assets = sorted(panel["asset"].unique())
    d_idx = {d: i for i, d in enumerate(dates)}
    a_idx = {a: j for j, a in enumerate(assets)}
    rows = panel["date"].map(d_idx).to_numpy()
    cols = panel["asset"].map(a_idx).to_numpy()
    shape = (len(dates), len(assets))
    open_ = np.full(shape, np.nan)
    close = np.full(shape, np.nan)
    has_bar = np.zeros(shape, dtype=bool)
    volume = np.full(shape, np.nan)
    if "volume" in panel.columns:
        volume[rows, cols] = panel["volume"].to_numpy(dtype=float, na_value=np.nan)
    open_[rows, cols] = panel["open"].to_numpy(dtype=float, na_value=np.nan)
    close[rows, cols] = panel["close"].to_numpy(dtype=float)
    has_bar[rows, cols] = True
    last_close = pd.DataFrame(close).ffill().to_numpy()
    case = Case(scenario, dates, assets, open_, close, last_close, has_bar, volume)
    case.decisions = top_n_targets(panel, scenario, d_idx, a_idx)
    case.decisions.pop(len(dates) - 1, None)  # a decision on the last date never fills
    case.delist = delisting_events(has_bar, int(scenario["delist_after"]))
    return case


def rebalance_dates(dates: list, schedule: str) -> list:
    """`daily`: every date; `monthly`: the first date of each month (the first date opens one)."""
    if schedule == "daily":
        return list(dates)
    if schedule == "monthly":
        out, seen = [], set()
        for d in dates:
            if (d.year, d.month) not in seen:
                seen.add((d.year, d.month))
                out.append(d)
        return out
    raise ValueError(f"unknown schedule {schedule!r}")


def top_n_targets(panel: pd.DataFrame, scenario: dict, d_idx: dict, a_idx: dict) -> dict:
    """{date index: {asset index: weight}} for every rebalance date (empty dict = go to cash)."""
    top_n = int(scenario["top_n"])
    bottom_n = int(scenario.get("bottom_n", 0))
    long_exposure = float(scenario.get("long_exposure", 1.0))
    short_exposure = float(scenario.get("short_exposure", 0.0))
    out: dict = {}
    schedule = rebalance_dates(sorted(d_idx), scenario["rebalance"])
    eligible = panel[np.isfinite(panel["signal"].to_numpy(dtype=float, na_value=np.nan))]
    eligible = eligible[eligible["date"].isin(set(schedule))]
    ranked = eligible.sort_values(["date", "signal", "asset"], ascending=[True, False, True])
    for d in schedule:
        out[d_idx[d]] = {}
    for d, group in ranked.groupby("date", sort=True):
        longs = list(group["asset"][:top_n])
        rest = group[~group["asset"].isin(longs)].sort_values(["signal", "asset"], ascending=[True, True])
        shorts = list(rest["asset"][:bottom_n])
        weights = {a_idx[a]: long_exposure / len(longs) for a in longs}
        weights.update({a_idx[a]: -short_exposure / len(shorts) for a in shorts})
        out[d_idx[d]] = weights
    return out


def targets_frame(case: Case) -> pd.DataFrame:
    """The decisions as (date, asset, weight) rows, for comparison with ml4t-sql's targets."""
    rows = [
        (case.dates[t], case.assets[j], w)
        for t, weights in sorted(case.decisions.items())
        for j, w in sorted(weights.items())
    ]
    return pd.DataFrame(rows, columns=["date", "asset", "weight"])


def delisting_events(has_bar: np.ndarray, k: int) -> list:
    """(t, j): asset j's last bar is on t - k and it has no bar on t - k + 1 .. t (SEMANTICS step 1)."""
    if k <= 0:
        return []
    T, _ = has_bar.shape
    events = []
    for t in range(k, T):
        quiet = ~has_bar[t - k + 1 : t + 1].any(axis=0)
        for j in np.flatnonzero(quiet & has_bar[t - k]):
            events.append((t, int(j)))
    return events


class Timer:
    def __enter__(self) -> Timer:
        self.start = time.perf_counter()
        return self

    def __exit__(self, *exc: object) -> None:
        self.seconds = time.perf_counter() - self.start


def write_results(workdir: str | Path, case: Case, nav, cash, trades: list, meta: dict) -> None:
    """nav, cash: one value per calendar date. trades: (date index, asset index, signed shares, price)."""
    workdir = Path(workdir)
    pd.DataFrame(
        {"date": [d.isoformat() for d in case.dates], "nav": np.asarray(nav, float), "cash": np.asarray(cash, float)}
    ).to_parquet(workdir / "equity.parquet", index=False)
    pd.DataFrame(
        {
            "date": [case.dates[t].isoformat() for t, _, _, _ in trades],
            "asset": [case.assets[j] for _, j, _, _ in trades],
            "shares": [float(q) for _, _, q, _ in trades],
            "price": [float(p) for _, _, _, p in trades],
        },
        columns=["date", "asset", "shares", "price"],
    ).to_parquet(workdir / "trades.parquet", index=False)
    (workdir / "meta.json").write_text(json.dumps(meta, indent=1, default=str))
