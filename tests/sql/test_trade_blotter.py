"""sql/reports/trade_blotter.sql: each run's $limit latest fills, newest first, in a unique order."""

import datetime as dt


def _trade(run, day, asset, reason="rebalance"):
    return {"run_id": run, "date": dt.date(2020, 1, day), "asset": asset, "side": "buy", "shares": 1.0,
            "price": 1.0, "notional": 1.0, "commission": 0.0, "slippage_cost": 0.0, "reason": reason,
            "decision_date": None}  # fmt: skip


def test_the_latest_fills_of_each_run(sql):
    trades = [_trade("r", 2, "A"), _trade("r", 3, "B"), _trade("r", 3, "A"), _trade("r", 3, "A", "delisted"),
              _trade("s", 2, "A")]  # fmt: skip
    out = sql("reports/trade_blotter", {"trades": trades}, {"limit": 3})
    got = sorted((r["run_id"], r["n"], r["date"].day, r["asset"], r["reason"]) for r in out)
    assert got == [
        ("r", 1, 3, "A", "delisted"), ("r", 2, 3, "A", "rebalance"), ("r", 3, 3, "B", "rebalance"),
        ("s", 1, 2, "A", "rebalance"),
    ]  # fmt: skip
    assert "decision_date" in out[0] and "slippage_cost" in out[0]  # every trades column comes along
