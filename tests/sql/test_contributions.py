"""sql/reports/contributions.sql: P&L per asset from trades and the final holding; they add up to the run's P&L."""

import datetime as dt

import pytest

D1, D2, D3 = (dt.date(2020, 1, d) for d in (2, 3, 6))


def trade(date, asset, side, notional, commission):
    return {"run_id": "r", "date": date, "asset": asset, "side": side, "notional": notional, "commission": commission}


def test_pnl_per_asset_and_sum_equals_nav_change(sql):
    # cash 1000: buy A 600 (c=1), buy B 300 (c=1); later sell B 330 (c=1); A held at 700 at the end
    trades = [trade(D2, "A", "buy", 600.0, 1.0), trade(D2, "B", "buy", 300.0, 1.0), trade(D3, "B", "sell", 330.0, 1.0)]
    positions = [
        {"run_id": "r", "date": D2, "asset": "A", "market_value": 610.0},
        {"run_id": "r", "date": D2, "asset": "B", "market_value": 305.0},
        {"run_id": "r", "date": D3, "asset": "A", "market_value": 700.0},
    ]
    cash_end = 1000 - 600 - 1 - 300 - 1 + 330 - 1
    equity = [
        {"run_id": "r", "date": D1, "nav": 1000.0, "return": 0.0},
        {"run_id": "r", "date": D2, "nav": 1013.0, "return": 0.013},
        {"run_id": "r", "date": D3, "nav": cash_end + 700.0, "return": (cash_end + 700.0) / 1013.0 - 1},
    ]
    out = sql("reports/contributions", {"trades": trades, "positions": positions, "equity": equity})
    by_asset = {r["asset"]: r for r in out}
    assert by_asset["A"]["pnl"] == pytest.approx(700 - 600 - 1)
    assert by_asset["B"]["pnl"] == pytest.approx(330 - 300 - 2)
    assert (by_asset["A"]["days_held"], by_asset["B"]["days_held"], by_asset["B"]["final_value"]) == (2, 1, 0.0)
    assert by_asset["A"]["contribution"] == pytest.approx(99 / 1000)
    assert sum(r["pnl"] for r in out) == pytest.approx(equity[-1]["nav"] - 1000.0)
