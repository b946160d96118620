"""The borrow fee against cvxportfolio's holding cost (`StocksHoldingCost`), in its own pinned environment.

cvxportfolio charges, for the period from one trading time t to the next, the post-trade short
positions' absolute value at t's price times `(1 + fee / 100) ** (days / 365.24) - 1` (compounded
over the period's calendar days, on a 365.24-day year), and debits it before the period's returns.
ml4t-sql (SPEC 9, 14.2) charges, at the end of the same period, `short_fee x days / 365` (simple,
actual/365) on the shorts' value at the previous close. The two agree exactly when:

- the rate is mapped: a point-in-time `[data] borrow_fees` row dated t (in force at the previous
  close of t's successor) carries `365 / days x ((1 + fee / 100) ** (days / 365.24) - 1)`, so that
  one period costs the same in both;
- the price at which cvxportfolio values its post-trade holdings is ml4t-sql's previous close:
  bars with open = close (a panel whose prices move overnight only), and `sizing = "fill_price"`,
  so that ml4t-sql's post-trade weights at the open are the targets, as cvxportfolio's are.

Then, with no trading costs and cash earning 0, the NAV paths are equal to 1e-9 relative on every
date of a daily dollar-neutral book with a different fee per asset (0.25% to 40% a year: general
collateral to hard to borrow) over weekends and a holiday.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
from pathlib import Path

import numpy as np
import polars as pl
import pytest

import ml4t_sql
from tests.parity import envs

pytestmark = pytest.mark.parity

RUNNER = Path(__file__).resolve().parent / "peers" / "run_cvxportfolio.py"
REL = 1e-9
FEES = (0.25, 0.5, 1.0, 2.0, 5.0, 10.0, 20.0, 40.0)  # annual percent, one per asset (cvxportfolio's unit)


def calendar(n: int) -> list[dt.date]:
    """n weekdays from 2021-03-01, without 2021-04-02 (a holiday: a 4-day period)."""
    days, d = [], dt.date(2021, 3, 1)
    while len(days) < n:
        if d.weekday() < 5 and d != dt.date(2021, 4, 2):
            days.append(d)
        d += dt.timedelta(days=1)
    return days


def panel(seed: int = 7, n_days: int = 70) -> pl.DataFrame:
    rng = np.random.default_rng(seed)
    dates, n = calendar(n_days), len(FEES)
    price = 50.0 * np.exp(np.cumsum(rng.normal(0.0, 0.02, (n_days, n)), axis=0))
    rows = [
        (d, f"S{j}", p, p, p, p, 1e6, float(rng.normal())) for t, d in enumerate(dates) for j, p in enumerate(price[t])
    ]
    return pl.DataFrame(
        rows, schema=["date", "asset", "open", "high", "low", "close", "volume", "signal"], orient="row"
    )


def mapped_fees(dates: list[dt.date]) -> pl.DataFrame:
    """ml4t-sql's dated fee rows: the row dated t carries the period (t, next date]'s cvxportfolio fee."""
    rows = []
    for t in range(len(dates) - 1):
        days = (dates[t + 1] - dates[t]).days
        for j, fee in enumerate(FEES):
            rows.append((dates[t], f"S{j}", 365.0 / days * ((1.0 + fee / 100.0) ** (days / 365.24) - 1.0)))
    return pl.DataFrame(rows, schema=["date", "asset", "fee"], orient="row")


@pytest.fixture(scope="module")
def cvx_env() -> dict:
    return envs.ensure("cvxportfolio")


def test_borrow_fee_equals_cvxportfolio_holding_cost(cvx_env: dict, tmp_path: Path):
    prices = panel()
    dates = prices["date"].unique().sort().to_list()
    run = ml4t_sql.run(
        {
            "data": {"prices": prices, "borrow_fees": mapped_fees(dates)},
            "strategy": {"signal": "signal", "top_n": 3, "bottom_n": 3, "short_exposure": 1.0, "rebalance": "daily"},
            "execution": {
                "initial_cash": 1_000_000.0,
                "allow_short": True,
                "max_leverage": 2.0,
                "sizing": "fill_price",
                "fractional": True,
                "start": dates[0].isoformat(),
            },
        },  # fmt: skip
        write=False,
    )
    financing = run.equity["financing"].to_numpy()
    assert financing.min() < -100.0, "the book pays a real fee: the test would not see a wrong one"
    # the decision of t is cvxportfolio's target at the next date (its weights are post-trade)
    following = dict(zip(dates[:-1], dates[1:], strict=True))
    weights = run.targets.filter(pl.col("date") != dates[-1]).select(
        pl.col("date").replace_strict(following, return_dtype=pl.Date), "asset", "weight"
    )
    prices.select("date", "asset", pl.col("close").alias("price")).write_parquet(tmp_path / "prices.parquet")
    weights.write_parquet(tmp_path / "weights.parquet")
    case = {"initial_cash": 1_000_000.0, "short_fees": {f"S{j}": fee for j, fee in enumerate(FEES)}}
    (tmp_path / "case.json").write_text(json.dumps(case))
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTHON", "VIRTUAL_ENV"))}
    proc = subprocess.run(
        [cvx_env["python"], str(RUNNER), str(tmp_path)], capture_output=True, text=True, env=env, timeout=600
    )
    assert proc.returncode == 0, proc.stderr[-4000:]
    theirs = pl.read_parquet(tmp_path / "equity.parquet").with_columns(pl.col("date").str.to_date())
    both = run.equity.select("date", "nav").join(theirs, on="date", suffix="_cvx")
    assert both.height >= len(dates) - 2
    rel = (both["nav"] - both["nav_cvx"]).abs() / both["nav"].abs()
    assert rel.max() <= REL, f"NAV differs by {rel.max():.3g} relative; worst date {both['date'][int(rel.arg_max())]}"
