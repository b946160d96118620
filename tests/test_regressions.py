"""The three classic failures of event-driven engines, each impossible here (SPEC section 1).

Run on the canonical case: the real S&P 500 sample, top 25 by 12-1 momentum, equal weight.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import replace
from pathlib import Path

import polars as pl
import pytest

import ml4t_sql

EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "top25_momentum.toml"


@pytest.fixture(scope="module")
def daily() -> ml4t_sql.Run:
    cfg = ml4t_sql.load_config(EXAMPLE)
    cfg = replace(cfg, execution=replace(cfg.execution, end=dt.date(2015, 6, 30)))
    return ml4t_sql.run(cfg, write=False)


def test_retargeting_the_same_weights_at_unchanged_prices_trades_nothing():
    """Failure 1, adding instead of targeting: a 'buy 4%' that adds 4% on every rebalance."""
    days = [dt.date(2022, 1, 3) + dt.timedelta(days=i) for i in range(10)]
    prices = pl.DataFrame(
        [{"date": d, "asset": a, "open": p, "high": p, "low": p, "close": p, "volume": 1.0}
         for d in days for a, p in (("A", 10.0), ("B", 20.0), ("C", 30.0))]
    )  # fmt: skip
    targets = pl.DataFrame([{"date": d, "asset": a, "weight": 0.04} for d in days for a in "ABC"])
    config = {"data": {"prices": prices, "tables": {"t": targets}}, "strategy": {"sql": "select * from t"}}
    run = ml4t_sql.run(config, write=False)
    assert run.trades["date"].unique().to_list() == [days[1]]  # only the first decision trades
    assert run.orders["decision_date"].unique().to_list() == [days[0]]
    final = run.positions.filter(pl.col("date") == days[-1])
    assert final["weight"].to_list() == pytest.approx([0.04] * 3, rel=1e-12)  # 4%, not 9 x 4%

    # With commission, the first fill's cost lowers NAV, so 4% of NAV is a few dollars less each
    # time: targeting sells that difference. A minimum trade value keeps such trades from being sent.
    costly = ml4t_sql.run({**config, "execution": {"commission_bps": 5.0, "min_trade_value": 100.0}}, write=False)
    assert costly.trades["date"].unique().to_list() == [days[1]]
    assert set(costly.orders.filter(pl.col("decision_date") > days[0])["status"]) == {"skipped"}


def test_positions_never_accumulate_beyond_their_targets(daily: ml4t_sql.Run):
    assert daily.equity["gross_exposure"].max() <= 1.0 + 1e-9
    assert daily.positions["weight"].max() < 2.0 / 25  # equal weight 4%, drift of one day at most
    assert daily.positions.group_by("date").len()["len"].max() <= 25 + 25  # held + cancelled sells at worst


def test_all_orders_of_one_decision_fill_on_one_bar(daily: ml4t_sql.Run):
    """Failure 2, staggered fills: every order of a decision resolves on the same next bar."""
    calendar = daily.equity["date"].to_list()
    next_date = dict(zip(calendar[:-1], calendar[1:], strict=True))
    orders = daily.orders.filter(pl.col("status") != "pending")
    per_decision = orders.group_by("decision_date").agg(
        pl.col("fill_date").n_unique().alias("n"), pl.col("fill_date").first()
    )
    assert per_decision["n"].to_list() == [1] * per_decision.height
    assert all(next_date[d] == f for d, f in per_decision.select("decision_date", "fill_date").iter_rows())
    fills = daily.trades.filter(pl.col("reason") == "rebalance")
    assert all(next_date[d] == f for d, f in fills.select("decision_date", "date").iter_rows())


def test_no_order_survives_its_bar(daily: ml4t_sql.Run):
    """Failure 3, orders outliving their bar: one row per decision and asset, one fill at most."""
    assert daily.orders.select("decision_date", "asset").is_duplicated().sum() == 0
    fills = daily.trades.filter(pl.col("reason") == "rebalance")
    assert fills.select("decision_date", "asset").is_duplicated().sum() == 0
    cancelled = daily.orders.filter(pl.col("status") == "cancelled").select("decision_date", "asset")
    assert cancelled.join(fills, on=["decision_date", "asset"]).height == 0
    assert daily.orders.filter(pl.col("status") == "pending")["decision_date"].unique().to_list() == [
        daily.equity["date"].max()
    ]
