"""sql/reports/current_holdings.sql: the positions held at the last close, their spell, age and P&L."""

import datetime as dt

import pytest

from .conftest import spells

D = [dt.date(2020, 1, d) for d in (2, 3, 6, 7)]


def _equity(run="r"):
    return [{"run_id": run, "date": d} for d in D]


def _pos(date, asset, shares, close, nav=1000.0, run="r"):
    return {"run_id": run, "date": date, "asset": asset, "shares": shares, "close": close,
            "market_value": shares * close, "weight": shares * close / nav}  # fmt: skip


def _trade(date, asset, side, shares, price, commission=1.0, run="r"):
    return {"run_id": run, "date": date, "asset": asset, "side": side, "notional": shares * price,
            "commission": commission}  # fmt: skip


def test_spell_age_and_pnl_of_long_and_short(sql):
    positions = [
        # A: bought 10 @ 10 on D1, 5 more @ 12 on D2, held to the end at 13: pnl = 195 - 100 - 60 - 2
        _pos(D[1], "A", 10, 11), _pos(D[2], "A", 15, 12), _pos(D[3], "A", 15, 13),
        # B: held D0..D1, sold D2 (gone), bought back D3 @ 20, close 21: a new spell of 1 day
        _pos(D[0], "B", 4, 10), _pos(D[1], "B", 4, 11), _pos(D[3], "B", 2, 21),
        # C: short 3 @ 50 on D3, close 48: pnl = -144 + 150 - 1 = 5
        _pos(D[3], "C", -3, 48),
        # E: long on D1, gone at the end: not a current holding
        _pos(D[1], "E", 1, 5),
    ]  # fmt: skip
    trades = [
        _trade(D[1], "A", "buy", 10, 10), _trade(D[2], "A", "buy", 5, 12),
        _trade(D[0], "B", "buy", 4, 9), _trade(D[2], "B", "sell", 4, 12), _trade(D[3], "B", "buy", 2, 20),
        _trade(D[3], "C", "sell", 3, 50), _trade(D[1], "E", "buy", 1, 5), _trade(D[2], "E", "sell", 1, 6),
    ]  # fmt: skip
    out = sql("reports/current_holdings", {"equity": _equity(), "positions": positions, "trades": trades, **spells()})
    got = {r["asset"]: (r["side"], r["since"], r["days_held"], r["pnl"], r["market_value"]) for r in out}
    assert got == {
        "A": ("long", D[1], 3, pytest.approx(195 - 100 - 60 - 2), 195.0),
        "B": ("long", D[3], 1, pytest.approx(42 - 40 - 1), 42.0),
        "C": ("short", D[3], 1, pytest.approx(-144 + 150 - 1), -144.0),
    }


def test_a_flip_counts_from_the_previous_close(sql):
    # long 2 @ close 10 on D2, sells 5 @ 11 on D3 (close 12): short 3, value -36; pnl = -36 - 20 + 55 - 1
    positions = [_pos(D[2], "A", 2, 10), _pos(D[3], "A", -3, 12)]
    trades = [_trade(D[2], "A", "buy", 2, 10), _trade(D[3], "A", "sell", 5, 11)]
    tables = {"equity": _equity(), "positions": positions, "trades": trades, **spells()}
    (row,) = sql("reports/current_holdings", tables)
    assert (row["side"], row["since"], row["days_held"]) == ("short", D[3], 1)
    assert row["pnl"] == pytest.approx(-36 - 20 + 55 - 1)


def test_runs_are_kept_apart_and_cash_holds_nothing(sql):
    positions = [_pos(D[3], "A", 1, 10, run="r"), _pos(D[2], "A", 1, 10, run="s")]
    trades = [_trade(D[3], "A", "buy", 1, 10, run="r"), _trade(D[2], "A", "buy", 1, 10, run="s")]
    out = sql(
        "reports/current_holdings", {"equity": _equity("r") + _equity("s"), "positions": positions, "trades": trades,
                                 **spells()}
    )
    assert [(r["run_id"], r["asset"]) for r in out] == [("r", "A")]  # run s is in cash at its last date
