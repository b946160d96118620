"""sql/reports/stop_exits.sql and stop_exit_totals.sql: each position-rule exit and the P&L of the
position it closed, summed per rule."""

import datetime as dt

import pytest

from .conftest import spells

D = [dt.date(2020, 1, d) for d in (2, 3, 6, 7)]


def _equity(run="r"):
    return [{"run_id": run, "date": d} for d in D]


def _pos(date, asset, shares, close, run="r"):
    return {"run_id": run, "date": date, "asset": asset, "shares": shares, "market_value": shares * close}


def _trade(date, asset, side, shares, price, reason="rebalance", commission=1.0, run="r"):
    return {"run_id": run, "date": date, "asset": asset, "side": side, "shares": shares, "price": price,
            "notional": shares * price, "commission": commission, "reason": reason}  # fmt: skip


def _event(date, asset, rule, run="r"):
    return {"run_id": run, "date": date, "asset": asset, "rule": rule, "detail": ""}


def _tables():
    positions = [
        # A: bought 10 @ 10 on D0, 5 more @ 12 on D1, trailing stop sells 15 @ 11 on D2: 165 - 100 - 60 - 3
        _pos(D[0], "A", 10, 10), _pos(D[1], "A", 15, 12),
        # B: short 4 @ 20 on D1, stop loss buys back 4 @ 22 on D2: 80 - 88 - 2
        _pos(D[1], "B", -4, 21),
        # C: long 2 on D0 (close 9), flips short at D1's open (sells 5 @ 10), take profit buys 3 @ 8 on D2;
        # the spell is D1 alone, the market value before it 18: 50 - 24 - 2 - 18
        _pos(D[0], "C", 2, 9), _pos(D[1], "C", -3, 9),
    ]  # fmt: skip
    trades = [
        _trade(D[0], "A", "buy", 10, 10), _trade(D[1], "A", "buy", 5, 12),
        _trade(D[2], "A", "sell", 15, 11, "trailing_stop"),
        _trade(D[1], "B", "sell", 4, 20), _trade(D[2], "B", "buy", 4, 22, "stop_loss"),
        _trade(D[0], "C", "buy", 2, 9), _trade(D[1], "C", "sell", 5, 10), _trade(D[2], "C", "buy", 3, 8, "take_profit"),
        # D: bought at D3's open and stopped out the same day: no position at any close; 2 x (9 - 10) - 2
        _trade(D[3], "D", "buy", 2, 10), _trade(D[3], "D", "sell", 2, 9, "stop_loss"),
    ]  # fmt: skip
    events = [_event(D[2], "A", "trailing_stop"), _event(D[2], "B", "stop_loss"), _event(D[2], "C", "take_profit"),
              _event(D[3], "D", "stop_loss"), _event(D[1], None, "max_drawdown")]  # fmt: skip
    return {"equity": _equity(), "positions": positions, "trades": trades, "events": events, **spells()}


def test_each_exit_with_the_pnl_of_its_position(sql):
    out = sql("reports/stop_exits", _tables())
    got = {r["asset"]: (r["rule"], r["side"], r["since"], r["pnl"]) for r in out}
    assert got == {
        "A": ("trailing_stop", "sell", D[0], pytest.approx(165 - 100 - 60 - 3)),
        "B": ("stop_loss", "buy", D[1], pytest.approx(80 - 88 - 2)),
        "C": ("take_profit", "buy", D[1], pytest.approx(50 - 24 - 2 - 18)),
        "D": ("stop_loss", "sell", D[3], pytest.approx(-2 - 2)),
    }


def test_totals_per_rule(sql):
    tables = _tables()
    con_tables = {"stop_exits": sql("reports/stop_exits", tables)}
    out = sql("reports/stop_exit_totals", con_tables)
    got = {r["rule"]: (r["exits"], r["pnl"], r["winners"]) for r in out}
    assert got == {
        "trailing_stop": (1, pytest.approx(2.0), 1),
        "stop_loss": (2, pytest.approx(-10 - 4), 0),
        "take_profit": (1, pytest.approx(6.0), 1),
    }
