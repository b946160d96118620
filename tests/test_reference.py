"""The reference (tests/reference.py) on tiny hand-computed ledgers: one test per rule of
docs/SEMANTICS.md. Every expected number is derived by hand in the comments."""

from __future__ import annotations

import random
from datetime import date

import pytest

from tests.reference import simulate

D1, D2, D3, D4, D5, D6 = (date(2024, 1, d) for d in (1, 2, 3, 4, 5, 6))


def approx(x):
    return pytest.approx(x, rel=1e-12, abs=1e-9)


def bars(*rows):
    """(date, asset, open, close) tuples -> the reference's bars."""
    return [{"date": d, "asset": a, "open": o, "close": c} for d, a, o, c in rows]


def run(rows, targets, rebalance=None, **kw):
    return simulate(bars(*rows), targets, set(targets) if rebalance is None else rebalance,
                    initial_cash=1000.0, **kw)


def by_date(out, table):
    return {r["date"]: r for r in out[table]}


def one(rows, **keys):
    found = [r for r in rows if all(r[k] == v for k, v in keys.items())]
    assert len(found) == 1, f"{len(found)} rows match {keys}"
    return found[0]


def test_plain_fill():
    # D1: nav 1000; A: 0.5*1000/10 = 50 shares, B: 0.25*1000/20 = 12.5 shares.
    # D2 open: buy 50 @ 11 = 550 and 12.5 @ 18 = 225; cash 1000 - 775 = 225.
    # D2 close: mv = 50*12 + 12.5*16 = 800; nav = 1025; return 0.025; turnover 775/1000.
    out = run(
        [(D1, "A", 10.0, 10.0), (D1, "B", 20.0, 20.0), (D2, "A", 11.0, 12.0), (D2, "B", 18.0, 16.0)],
        {D1: {"A": 0.5, "B": 0.25}},
    )
    eq = by_date(out, "equity")
    assert eq[D1] == dict(date=D1, cash=1000.0, market_value=0.0, nav=1000.0, **{"return": 0.0},
                          gross_exposure=0.0, net_exposure=0.0, long_exposure=0.0, short_exposure=0.0,
                          turnover=0.0, costs=0.0, financing=0.0, dividends=0.0)
    assert eq[D2]["cash"] == approx(225.0)
    assert eq[D2]["market_value"] == approx(800.0)
    assert eq[D2]["nav"] == approx(1025.0)
    assert eq[D2]["return"] == approx(0.025)
    assert eq[D2]["gross_exposure"] == approx(800 / 1025)
    assert eq[D2]["net_exposure"] == approx(800 / 1025)
    assert eq[D2]["turnover"] == approx(0.775)
    assert eq[D2]["costs"] == 0.0

    assert [(t["asset"], t["side"], t["shares"], t["price"], t["notional"]) for t in out["trades"]] == [
        ("A", "buy", 50.0, 11.0, 550.0),
        ("B", "buy", 12.5, 18.0, 225.0),
    ]
    assert all(t["date"] == D2 and t["reason"] == "rebalance" and t["decision_date"] == D1 for t in out["trades"])

    a = one(out["orders"], asset="A")
    assert a == dict(decision_date=D1, fill_date=D2, asset="A", target_weight=0.5, decision_price=10.0,
                     target_shares=50.0, order_shares=50.0, capped_shares=50.0, filled_shares=50.0, status="filled")
    assert one(out["orders"], asset="B")["status"] == "filled"

    assert out["positions"] == [
        dict(date=D2, asset="A", shares=50.0, close=12.0, market_value=600.0, weight=approx(600 / 1025)),
        dict(date=D2, asset="B", shares=12.5, close=16.0, market_value=200.0, weight=approx(200 / 1025)),
    ]


def test_sells_fill_before_buys():
    # D1: all in A: 100 shares, filled D2 @ 10, cash 0.
    # D2: targets B 1.0; A held and absent -> target 0. nav 1000: B 100 shares, A order -100.
    # D3 open: sell A 100 @ 12 -> cash 1200; then buy B 100 @ 11 = 1100 <= 1200: filled, cash 100.
    # (Buys first would find cash 0 and have to scale.)
    out = run(
        [(D1, "A", 10.0, 10.0), (D2, "A", 10.0, 10.0), (D2, "B", 10.0, 10.0),
         (D3, "A", 12.0, 12.0), (D3, "B", 11.0, 11.0)],
        {D1: {"A": 1.0}, D2: {"B": 1.0}},
    )
    a = one(out["orders"], decision_date=D2, asset="A")
    assert (a["target_weight"], a["target_shares"], a["order_shares"], a["status"]) == (0.0, 0.0, -100.0, "filled")
    b = one(out["orders"], decision_date=D2, asset="B")
    assert (b["order_shares"], b["filled_shares"], b["status"]) == (100.0, 100.0, "filled")
    d3 = [(t["asset"], t["side"], t["shares"], t["price"]) for t in out["trades"] if t["date"] == D3]
    assert d3 == [("A", "sell", 100.0, 12.0), ("B", "buy", 100.0, 11.0)]
    eq = by_date(out, "equity")
    assert eq[D3]["cash"] == approx(100.0)
    assert eq[D3]["nav"] == approx(1200.0)  # 100 + 100 * 11
    assert eq[D3]["turnover"] == approx((1200 + 1100) / 1000)
    assert [(p["asset"], p["shares"]) for p in out["positions"] if p["date"] == D3] == [("B", 100.0)]


def test_common_buy_scaling_leaves_cash_exactly_zero():
    # D1 nav 1000: A 0.3*1000/10 = 30 shares, B 0.6*1000/10 = 60 shares.
    # D2 open: B = 30*11 + 60*12 = 1050 > 1000 -> s = 1000/1050 for every buy:
    # A 30*s = 28.5714..., B 60*s = 57.1428...; both "scaled"; cash exactly 0.0.
    # D2 close (= open): mv = 1000 -> nav 1000.
    out = run(
        [(D1, "A", 10.0, 10.0), (D1, "B", 10.0, 10.0), (D2, "A", 11.0, 11.0), (D2, "B", 12.0, 12.0)],
        {D1: {"A": 0.3, "B": 0.6}},
    )
    s = 1000 / 1050
    a, b = one(out["orders"], asset="A"), one(out["orders"], asset="B")
    assert (a["status"], b["status"]) == ("scaled", "scaled")
    assert a["order_shares"] == approx(30.0) and b["order_shares"] == approx(60.0)
    assert a["filled_shares"] == approx(30 * s) and b["filled_shares"] == approx(60 * s)
    assert a["filled_shares"] / a["order_shares"] == approx(b["filled_shares"] / b["order_shares"])
    eq = by_date(out, "equity")
    assert eq[D2]["cash"] == 0.0  # exactly
    assert eq[D2]["nav"] == approx(1000.0)
    assert eq[D2]["gross_exposure"] == approx(1.0)
    assert sum(t["notional"] for t in out["trades"]) == approx(1000.0)


@pytest.mark.parametrize("excess, status", [(1e-10, "scaled"), (1e-14, "filled")])
def test_scale_factor_within_1e_12_of_one_reports_filled(excess, status):
    # D1: A 1.0 -> 100 shares at close 10. D2 open 10*(1+excess): B = 1000*(1+excess) > 1000,
    # s = 1/(1+excess): the buy is cut and cash ends at exactly 0 either way, but s >= 1 - 1e-12
    # is float noise and reports as filled.
    out = run([(D1, "A", 10.0, 10.0), (D2, "A", 10.0 * (1 + excess), 10.0)], {D1: {"A": 1.0}})
    (o,) = out["orders"]
    assert o["status"] == status
    assert o["filled_shares"] == approx(100 / (1 + excess))
    assert o["filled_shares"] < 100.0
    assert by_date(out, "equity")[D2]["cash"] == 0.0


def test_scaling_includes_commission():
    # 100 bps commission. D1: A 1.0 -> 100 shares. D2 open 10: B = 1000 * 1.01 = 1010 > 1000,
    # s = 1000/1010: 99.0099... shares, notional 990.099..., commission 9.90099...; cash 0.0.
    out = run([(D1, "A", 10.0, 10.0), (D2, "A", 10.0, 10.0)], {D1: {"A": 1.0}}, commission_bps=100.0)
    (t,) = out["trades"]
    assert t["shares"] == approx(100 / 1.01)
    assert t["notional"] == approx(1000 / 1.01)
    assert t["commission"] == approx(10 / 1.01)
    assert t["notional"] + t["commission"] == approx(1000.0)
    assert one(out["orders"], asset="A")["status"] == "scaled"
    eq = by_date(out, "equity")
    assert eq[D2]["cash"] == 0.0
    assert eq[D2]["costs"] == approx(10 / 1.01)


def test_commission_and_slippage():
    # 10 bps commission, 100 bps slippage.
    # D1: A 0.5 -> 50 shares. D2 open 10: buy @ 10*1.01 = 10.1, notional 505, commission 0.505,
    #   slippage_cost 50*10*0.01 = 5. B = 505*1.001 = 505.505 <= 1000: cash 494.495.
    #   D2 close 10: nav 494.495 + 500 = 994.495; costs 5.505; turnover 505/1000.
    # D2: A 0 (go to cash: a rebalance date without targets). Order -50.
    # D3 open 10: sell @ 9.9, notional 495, commission 0.495, slippage 5.
    #   cash 494.495 + 495 - 0.495 = 989.0 = nav; turnover 495/994.495.
    out = run(
        [(D1, "A", 10.0, 10.0), (D2, "A", 10.0, 10.0), (D3, "A", 10.0, 10.0)],
        {D1: {"A": 0.5}},
        rebalance={D1, D2},
        commission_bps=10.0,
        slippage_bps=100.0,
    )
    buy, sell = out["trades"]
    assert (buy["side"], buy["price"], buy["notional"], buy["commission"], buy["slippage_cost"]) == (
        "buy", approx(10.1), approx(505.0), approx(0.505), approx(5.0))
    assert (sell["side"], sell["price"], sell["notional"], sell["commission"], sell["slippage_cost"]) == (
        "sell", approx(9.9), approx(495.0), approx(0.495), approx(5.0))
    eq = by_date(out, "equity")
    assert eq[D2]["cash"] == approx(494.495)
    assert eq[D2]["nav"] == approx(994.495)
    assert eq[D2]["return"] == approx(-0.005505)
    assert eq[D2]["costs"] == approx(5.505)
    assert eq[D2]["turnover"] == approx(0.505)
    assert eq[D3]["cash"] == approx(989.0)
    assert eq[D3]["nav"] == approx(989.0)
    assert eq[D3]["return"] == approx(989.0 / 994.495 - 1)
    assert eq[D3]["costs"] == approx(5.495)
    assert eq[D3]["turnover"] == approx(495 / 994.495)
    o = one(out["orders"], decision_date=D2)
    assert (o["target_weight"], o["order_shares"], o["status"]) == (0.0, -50.0, "filled")


def test_min_trade_value_skips_strictly_below():
    # min_trade_value 100. D1 nav 1000, closes 10:
    #   A 0.5 -> notional 500: filled.  B 0.05 -> notional 50 < 100: skipped (reported, no trade).
    #   C 0.1 -> notional exactly 100, not < 100: filled.
    out = run(
        [(D1, "A", 10.0, 10.0), (D1, "B", 10.0, 10.0), (D1, "C", 10.0, 10.0),
         (D2, "A", 10.0, 10.0), (D2, "B", 10.0, 10.0), (D2, "C", 10.0, 10.0)],
        {D1: {"A": 0.5, "B": 0.05, "C": 0.1}},
        min_trade_value=100.0,
    )
    assert [(o["asset"], o["status"]) for o in out["orders"]] == [("A", "filled"), ("B", "skipped"), ("C", "filled")]
    b = one(out["orders"], asset="B")
    assert (b["fill_date"], b["order_shares"], b["filled_shares"]) == (D2, approx(5.0), 0.0)
    assert [t["asset"] for t in out["trades"]] == ["A", "C"]
    assert by_date(out, "equity")[D2]["cash"] == approx(400.0)


def test_dust_is_no_order():
    # D1: A 0.3 at close 3 -> 100 shares; B 0.5 at close 10 -> 50 shares. Filled D2 at opens 3 and 10:
    #   cash 1000 - 300 - 500 = 200, nav 1000 at closes 3 and 10.
    # D2: same targets at unchanged prices -> orders ~0 (float residue at most): dust, no rows.
    #   C has weight 0 and no position: order 0, no row either.
    # D3: A 0.3 + 2e-9 -> order 2e-9*1000/3 shares, notional 2e-6 > 1e-9*nav = 1e-6: an order.
    #     B 0.5 + 0.5e-9 -> notional 5e-7 <= 1e-6: dust.
    rows = [(d, a, p, p) for d in (D1, D2, D3, D4) for a, p in (("A", 3.0), ("B", 10.0), ("C", 7.0))]
    out = run(rows, {D1: {"A": 0.3, "B": 0.5}, D2: {"A": 0.3, "B": 0.5, "C": 0.0},
                     D3: {"A": 0.3 + 2e-9, "B": 0.5 + 0.5e-9}})
    assert [o for o in out["orders"] if o["decision_date"] == D2] == []
    (o,) = [o for o in out["orders"] if o["decision_date"] == D3]
    assert o["asset"] == "A"
    assert o["order_shares"] == pytest.approx(2e-9 * 1000 / 3, rel=1e-6)
    assert o["status"] == "filled"
    assert [t["date"] for t in out["trades"]] == [D2, D2, D4]


def test_cancel_when_no_bar_at_the_fill_open():
    # D1: A 0.5, B 0.5 -> 50 shares each. D2: B has no bar -> B cancelled (not retried), A filled.
    # D2 close: cash 500, mv 50*10 = 500. D3: B is back, but there is no decision on D2: no trade.
    out = run(
        [(D1, "A", 10.0, 10.0), (D1, "B", 10.0, 10.0), (D2, "A", 10.0, 10.0),
         (D3, "A", 10.0, 10.0), (D3, "B", 10.0, 10.0)],
        {D1: {"A": 0.5, "B": 0.5}},
    )
    b = one(out["orders"], asset="B")
    assert (b["fill_date"], b["order_shares"], b["filled_shares"], b["status"]) == (D2, 50.0, 0.0, "cancelled")
    assert one(out["orders"], asset="A")["status"] == "filled"
    assert [(t["date"], t["asset"]) for t in out["trades"]] == [(D2, "A")]
    eq = by_date(out, "equity")
    assert (eq[D2]["cash"], eq[D2]["nav"], eq[D3]["nav"]) == (500.0, 1000.0, 1000.0)


def test_cancel_when_open_is_null():
    # D1: A 0.5, B 0.5 -> 50 each, filled D2 @ 10: cash 0.
    # D2: A 0.5 again (dust, no row); B absent -> order -50.
    # D3: B's bar has a NULL open -> cancelled; B stays held, valued at its D3 close 12.
    #   nav D3 = 0 + 50*10 + 50*12 = 1100.
    out = run(
        [(D1, "A", 10.0, 10.0), (D1, "B", 10.0, 10.0), (D2, "A", 10.0, 10.0), (D2, "B", 10.0, 10.0),
         (D3, "A", 10.0, 10.0), (D3, "B", None, 12.0)],
        {D1: {"A": 0.5, "B": 0.5}, D2: {"A": 0.5}},
    )
    (o,) = [o for o in out["orders"] if o["decision_date"] == D2]
    assert (o["asset"], o["order_shares"], o["filled_shares"], o["status"]) == ("B", -50.0, 0.0, "cancelled")
    assert [t["date"] for t in out["trades"]] == [D2, D2]
    assert by_date(out, "equity")[D3]["nav"] == approx(1100.0)
    assert one(out["positions"], date=D3, asset="B")["close"] == 12.0


DELIST_ROWS = [
    # A: bars D1, D2, none on D3 and D4, back on D5 and D6. B: every date at 10.
    (D1, "A", 10.0, 10.0), (D2, "A", 10.0, 8.0), (D5, "A", 9.0, 9.0), (D6, "A", 9.0, 9.0),
    *[(d, "B", 10.0, 10.0) for d in (D1, D2, D3, D4, D5, D6)],
]
DELIST_TARGETS = {D1: {"A": 0.5}, D3: {"B": 1.0}, D5: {"A": 0.5}}


def test_delisting_at_last_close_before_fills_and_coming_back():
    # delist_after 2.
    # D1: A 50 shares; filled D2 @ 10: cash 500. D2 close A 8: nav 900.
    # D3 (1st missing date of A): nav 500 + 50*8 = 900. Decision: B 1.0 -> 90 shares; A -> order -50.
    # D4 (2nd missing date): delisting first: sell 50 A @ 8 = 400, no costs, cash 900.
    #   Then fills: A's order cancelled (no bar); B 90 @ 10 = 900 <= 900: filled (not scaled,
    #   because the delisting proceeds came first). cash 0, nav 900; turnover (400 + 900)/900.
    # D5: A is back (close 9). Decision: A 0.5*900/9 = 50; B -> -90.
    # D6: sell B 900, buy A 50 @ 9 = 450: cash 450, nav 450 + 450 = 900.
    out = run(DELIST_ROWS, DELIST_TARGETS, delist_after=2)
    (d,) = [t for t in out["trades"] if t["reason"] == "delisted"]
    assert d == dict(date=D4, asset="A", side="sell", shares=50.0, price=8.0, notional=400.0,
                     commission=0.0, slippage_cost=0.0, impact_cost=0.0, reason="delisted", decision_date=None)
    assert one(out["orders"], decision_date=D3, asset="A")["status"] == "cancelled"
    b = one(out["orders"], decision_date=D3, asset="B")
    assert (b["order_shares"], b["filled_shares"], b["status"]) == (90.0, 90.0, "filled")
    eq = by_date(out, "equity")
    assert eq[D3]["nav"] == approx(900.0)
    assert eq[D4]["cash"] == approx(0.0)
    assert eq[D4]["nav"] == approx(900.0)
    assert eq[D4]["turnover"] == approx(1300 / 900)
    assert eq[D4]["costs"] == 0.0
    assert [p["asset"] for p in out["positions"] if p["date"] == D4] == ["B"]
    a = one(out["orders"], decision_date=D5, asset="A")
    assert (a["order_shares"], a["status"]) == (approx(50.0), "filled")
    assert eq[D6]["cash"] == approx(450.0)
    assert eq[D6]["nav"] == approx(900.0)
    assert [(p["asset"], p["shares"]) for p in out["positions"] if p["date"] == D6] == [("A", approx(50.0))]


def test_delisting_fires_on_the_first_missing_date_when_k_is_1():
    # delist_after 1: A (50 shares, last close 8 on D2) is sold on D3 at 8.
    out = run(DELIST_ROWS, {D1: {"A": 0.5}}, delist_after=1)
    (d,) = out["trades"][1:]
    assert (d["date"], d["asset"], d["price"], d["reason"]) == (D3, "A", 8.0, "delisted")
    assert by_date(out, "equity")[D3]["cash"] == approx(900.0)


def test_delist_after_zero_keeps_the_position():
    # delist_after 0: A is never closed out; it is valued at its last close 8 while missing.
    # D3 decision as above (B 90, A -50). D4: A cancelled; B needs 900 but cash is 500:
    #   scaled by s = 500/900 -> 50 shares of B, cash 0. nav D4 = 50*8 + 50*10 = 900.
    out = run(DELIST_ROWS, DELIST_TARGETS, delist_after=0)
    assert all(t["reason"] == "rebalance" for t in out["trades"])
    b = one(out["orders"], decision_date=D3, asset="B")
    assert (b["status"], b["filled_shares"]) == ("scaled", approx(50.0))
    eq = by_date(out, "equity")
    assert eq[D4]["cash"] == 0.0
    assert eq[D4]["nav"] == approx(900.0)
    assert one(out["positions"], date=D4, asset="A")["close"] == 8.0


def test_pending_orders_on_the_last_date():
    # D1: A 0.5 -> 50, filled D2. D2 (last date): A 0.25 -> order -25 (notional 250),
    # B 0.45 -> 0.45*1000/10 = 45 shares (notional 450), C 0.1 -> 10 shares (notional 100).
    # min_trade_value 200: A and B pending, C skipped (it stays skipped); none has a fill date.
    out = run(
        [(D1, "A", 10.0, 10.0), (D2, "A", 10.0, 10.0), (D2, "B", 10.0, 10.0), (D2, "C", 10.0, 10.0)],
        {D1: {"A": 0.5}, D2: {"A": 0.25, "B": 0.45, "C": 0.1}},
        min_trade_value=200.0,
    )
    last = [o for o in out["orders"] if o["decision_date"] == D2]
    assert [(o["asset"], o["order_shares"], o["filled_shares"], o["fill_date"], o["status"]) for o in last] == [
        ("A", -25.0, 0.0, None, "pending"),
        ("B", approx(45.0), 0.0, None, "pending"),
        ("C", approx(10.0), 0.0, None, "skipped"),
    ]
    assert [t["date"] for t in out["trades"]] == [D2]
    assert by_date(out, "equity")[D2]["cash"] == 500.0


def test_whole_shares_truncate_targets_and_scaled_buys():
    # D1 nav 1000: A 0.5*1000/30 = 16.67 -> 16; B 0.5*1000/7 = 71.43 -> 71.
    # D2 open: B = 16*31 + 71*7.5 = 496 + 532.5 = 1028.5 > 1000 -> s = 1000/1028.5 = 0.97229:
    #   A 16*s = 15.56 -> 15, B 71*s = 69.03 -> 69. Cost 465 + 517.5 = 982.5, cash 17.5 (>= 0).
    out = run(
        [(D1, "A", 30.0, 30.0), (D1, "B", 7.0, 7.0), (D2, "A", 31.0, 31.0), (D2, "B", 7.5, 7.5)],
        {D1: {"A": 0.5, "B": 0.5}},
        fractional=False,
    )
    a, b = one(out["orders"], asset="A"), one(out["orders"], asset="B")
    assert (a["target_shares"], a["order_shares"], a["filled_shares"], a["status"]) == (16.0, 16.0, 15.0, "scaled")
    assert (b["target_shares"], b["order_shares"], b["filled_shares"], b["status"]) == (71.0, 71.0, 69.0, "scaled")
    assert by_date(out, "equity")[D2]["cash"] == approx(17.5)


def test_whole_shares_unscaled():
    # D1: A 0.4*1000/30 = 13.33 -> 13 shares; D2 open 29: 377, cash 623; close 32: nav 623 + 416 = 1039.
    # D2: A 0.4*1039/32 = 12.99 -> 12: order -1 (whole), filled D3 @ 33: cash 656.
    out = run(
        [(D1, "A", 30.0, 30.0), (D2, "A", 29.0, 32.0), (D3, "A", 33.0, 33.0)],
        {D1: {"A": 0.4}, D2: {"A": 0.4}},
        fractional=False,
    )
    assert [(o["target_shares"], o["order_shares"], o["status"]) for o in out["orders"]] == [
        (13.0, 13.0, "filled"), (12.0, -1.0, "filled")]
    eq = by_date(out, "equity")
    assert eq[D2]["nav"] == approx(1039.0)
    assert eq[D3]["cash"] == approx(656.0)


def test_fill_price_sizing():
    # D1 nav 1000: A 0.4, B 0.4; decision closes 10 and 20 (reported as decision_price).
    # D2 open A 12, B 25, no holdings: nav_open = 1000; A 400/12 = 33.33, B 400/25 = 16; cash 200.
    # D2 close = open: nav 200 + 400 + 400 = 1000. Decision: A 0.8, B absent -> 0.
    # D3 open A 15, B 20: nav_open = 200 + 33.33*15 + 16*20 = 1020.
    #   A target 0.8*1020/15 = 54.4, order 54.4 - 33.33 = 21.07; B order -16.
    #   Sell B 16 @ 20 = 320 -> cash 520; buy A 21.07 @ 15 = 316 -> cash 204.
    out = run(
        [(D1, "A", 10.0, 10.0), (D1, "B", 20.0, 20.0), (D2, "A", 12.0, 12.0), (D2, "B", 25.0, 25.0),
         (D3, "A", 15.0, 15.0), (D3, "B", 20.0, 20.0)],
        {D1: {"A": 0.4, "B": 0.4}, D2: {"A": 0.8}},
        sizing="fill_price",
    )
    a1, b1 = one(out["orders"], decision_date=D1, asset="A"), one(out["orders"], decision_date=D1, asset="B")
    assert (a1["decision_price"], a1["target_shares"], a1["status"]) == (10.0, approx(400 / 12), "filled")
    assert (b1["decision_price"], b1["target_shares"], b1["status"]) == (20.0, approx(16.0), "filled")
    a2 = one(out["orders"], decision_date=D2, asset="A")
    assert a2["target_shares"] == approx(54.4)
    assert a2["order_shares"] == approx(54.4 - 400 / 12)
    eq = by_date(out, "equity")
    assert eq[D2]["cash"] == approx(200.0)
    assert eq[D3]["cash"] == approx(204.0)
    assert eq[D3]["nav"] == approx(204.0 + 54.4 * 15)


@pytest.mark.parametrize("min_trade_value, status", [(40.0, "filled"), (50.0, "skipped")])
def test_fill_price_dust_and_skip_apply_to_the_resized_order(min_trade_value, status):
    # D1: A 0.5 -> at the D2 open 10, nav_open 1000: 50 shares, cash 500. D2 close 10: nav 1000.
    # D2: A 0.5 again; B 0 and not held. At the decision close A's order is 0 (dust with
    #   decision_close sizing), B's is 0 too.
    # D3 open A 12: nav_open = 500 + 50*12 = 1100, A target 0.5*1100/12 = 45.833, order -4.1667,
    #   notional at the decision close 10: 41.667 > 1e-9 * 1000, so an order; 41.667 < 50 skips it,
    #   >= 40 fills it (sell @ 12: cash 550). B re-sizes to 0: dust, no row.
    out = run(
        [(D1, "A", 10.0, 10.0), (D1, "B", 10.0, 10.0), (D2, "A", 10.0, 10.0), (D2, "B", 10.0, 10.0),
         (D3, "A", 12.0, 12.0), (D3, "B", 10.0, 10.0)],
        {D1: {"A": 0.5}, D2: {"A": 0.5, "B": 0.0}},
        sizing="fill_price",
        min_trade_value=min_trade_value,
    )
    (o,) = [o for o in out["orders"] if o["decision_date"] == D2]
    assert (o["asset"], o["fill_date"], o["status"]) == ("A", D3, status)
    assert o["target_shares"] == approx(1100 / 24)
    assert o["order_shares"] == approx(1100 / 24 - 50)
    cash = by_date(out, "equity")[D3]["cash"]
    assert cash == (approx(500.0 + (50 - 1100 / 24) * 12) if status == "filled" else approx(500.0))


def test_decision_close_dust_for_the_same_ledger():
    # Same as above with decision_close sizing: A's order at the D2 close is 0 -> dust, no row at all.
    out = run(
        [(D1, "A", 10.0, 10.0), (D2, "A", 10.0, 10.0), (D3, "A", 12.0, 12.0)],
        {D1: {"A": 0.5}, D2: {"A": 0.5}},
    )
    assert [o["decision_date"] for o in out["orders"]] == [D1]


def test_fill_price_pending_is_sized_at_the_decision_close():
    # Last-date decision: 0.5*1000/10 = 50 shares at the D1 close (there is no next open).
    out = run([(D1, "A", 10.0, 10.0)], {D1: {"A": 0.5}}, sizing="fill_price")
    (o,) = out["orders"]
    assert (o["target_shares"], o["status"], o["fill_date"]) == (50.0, "pending", None)


def test_turnover_and_returns_chain():
    # D1: A 1.0 -> 100 shares @ 10. D2 open 10 close 11: nav 1100, return 0.1, turnover 1000/1000.
    # D2: go to cash (rebalance date without targets): sell 100. D3 open 12: cash 1200.
    #   return 1200/1100 - 1, turnover 1200/1100. D4: nothing: return 0, turnover 0.
    out = run(
        [(D1, "A", 10.0, 10.0), (D2, "A", 10.0, 11.0), (D3, "A", 12.0, 13.0), (D4, "A", 13.0, 14.0)],
        {D1: {"A": 1.0}},
        rebalance={D1, D2},
    )
    eq = out["equity"]
    assert [r["date"] for r in eq] == [D1, D2, D3, D4]
    assert [r["nav"] for r in eq] == [1000.0, approx(1100.0), approx(1200.0), approx(1200.0)]
    assert [r["return"] for r in eq] == [0.0, approx(0.1), approx(1200 / 1100 - 1), 0.0]
    assert [r["turnover"] for r in eq] == [0.0, approx(1.0), approx(1200 / 1100), 0.0]
    growth = 1.0
    for r in eq:
        growth *= 1 + r["return"]
    assert growth == approx(eq[-1]["nav"] / 1000.0)


def test_row_order_of_bars_does_not_matter():
    rows = DELIST_ROWS[:]
    expected = run(rows, DELIST_TARGETS, delist_after=2, commission_bps=5.0)
    random.Random(1).shuffle(rows)
    assert run(rows, DELIST_TARGETS, delist_after=2, commission_bps=5.0) == expected


def test_random_panel_keeps_the_ledger_consistent():
    """Not hand-computed: a random panel checks the reference's own bookkeeping identities."""
    from tests.factories import bars_from_prices, make_prices, make_targets, targets_from_frame

    prices = make_prices(6, 60, seed=3, gap_prob=0.05, delist_prob=0.3, null_open_prob=0.05, jump_prob=0.02)
    targets, rebalance = targets_from_frame(make_targets(prices, seed=3, weight_mode="random", cash_prob=0.1))
    out = simulate(bars_from_prices(prices), targets, rebalance, commission_bps=7.0, slippage_bps=3.0,
                   delist_after=3)
    cash = 1_000_000.0
    trades_by_date = {}
    for t in out["trades"]:
        trades_by_date.setdefault(t["date"], []).append(t)
    for r in out["equity"]:
        for t in trades_by_date.get(r["date"], []):
            sign = 1 if t["side"] == "sell" else -1
            cash += sign * t["notional"] - t["commission"]
        assert r["cash"] == pytest.approx(cash, abs=1e-6)
        cash = r["cash"]  # clamps and exact zeros are the reference's to make
        pos = [p for p in out["positions"] if p["date"] == r["date"]]
        assert r["nav"] == pytest.approx(r["cash"] + sum(p["market_value"] for p in pos), rel=1e-12)
        assert r["cash"] >= 0 and r["gross_exposure"] <= 1 + 1e-9
    assert any(t["reason"] == "delisted" for t in out["trades"])
    assert {o["status"] for o in out["orders"]} >= {"filled", "cancelled"}


def test_factories_make_valid_seeded_inputs():
    """The inputs every property test builds on: valid OHLC, unique keys, targets on bars only."""
    import polars as pl

    from tests.factories import PRICE_SCHEMA, make_prices, make_targets

    for seed in range(5):
        kw = dict(gap_prob=0.1, delist_prob=0.5, null_open_prob=0.2, jump_prob=0.05)
        prices = make_prices(6, 50, seed, **kw)
        assert prices.equals(make_prices(6, 50, seed, **kw))
        assert dict(prices.schema) == PRICE_SCHEMA
        assert prices.equals(prices.sort("date", "asset"))
        assert prices.select("date", "asset").is_duplicated().sum() == 0
        assert prices.filter(pl.col("date").dt.weekday() > 5).height == 0
        assert prices.get_column("open").null_count() > 0
        checks = prices.select(
            (pl.col("close") > 0).all().alias("close"),
            (pl.col("low") > 0).all().alias("low"),
            (pl.col("high") >= pl.max_horizontal("open", "close")).all().alias("high_ok"),
            (pl.col("low") <= pl.min_horizontal("open", "close")).all().alias("low_ok"),
            (pl.col("volume") >= 0).all().alias("volume"),
        )
        assert all(checks.row(0))
        targets = make_targets(prices, seed, top_n=3, weight_mode="random", schedule_prob=0.7, cash_prob=0.1)
        assert targets.join(prices, on=["date", "asset"], how="anti").height == 0
        sums = targets.group_by("date").agg(pl.col("weight").sum()).get_column("weight")
        assert (targets.get_column("weight") >= 0).all() and sums.max() <= 1 + 1e-12


# --- financing (SEMANTICS *Financing*) -------------------------------------------------------------


def test_financing_counts_calendar_days_and_uses_the_rate_at_the_previous_close():
    # Fri 2024-01-05, Mon 01-08, Tue 01-09; all cash (no targets), 1,000.
    # Mon: 3 days since Fri at the rate in force on Fri: the row of 01-04 (0.073):
    #   1,000 x 0.073 x 3 / 365 = 0.6. The row dated Sat 01-06 applies from Mon's close on.
    # Tue: 1 day at 0.0365 (row of 01-06): 1,000.6 x 0.0365 / 365 = 0.10006.
    fri, mon, tue = date(2024, 1, 5), date(2024, 1, 8), date(2024, 1, 9)
    rows = [(fri, "A", 10.0, 10.0), (mon, "A", 10.0, 10.0), (tue, "A", 10.0, 10.0)]
    rates = {date(2024, 1, 4): 0.073, date(2024, 1, 6): 0.0365}
    eq = by_date(simulate(bars(*rows), {}, set(), initial_cash=1000.0, rates=rates), "equity")
    assert eq[fri]["financing"] == 0.0  # nothing on the first window date
    assert eq[mon]["financing"] == approx(0.6)
    assert eq[tue]["financing"] == approx(1000.6 * 0.0365 / 365)
    assert eq[tue]["cash"] == approx(1000.6 + 1000.6 * 0.0365 / 365)


def test_cash_rate_applies_before_the_first_rates_row():
    rows = [(D1, "A", 10.0, 10.0), (D2, "A", 10.0, 10.0), (D3, "A", 10.0, 10.0)]
    out = simulate(bars(*rows), {}, set(), initial_cash=365.0, cash_rate=0.01, rates={D2: 0.02})
    eq = by_date(out, "equity")
    assert eq[D2]["financing"] == approx(0.01)  # previous close D1 is before the row of D2
    assert eq[D3]["financing"] == approx(365.01 * 0.02 / 365)


def test_negative_cash_pays_margin_rate():
    # D1 decides 150% of NAV into A at 10 (borrow): 150 shares; D2 buys at 10: cash 1,000 - 1,500 = -500.
    # D3: -500 x 0.073 / 365 = -0.1 (margin_rate; cash_rate is for positive cash only).
    rows = [(D1, "A", 10.0, 10.0), (D2, "A", 10.0, 10.0), (D3, "A", 10.0, 10.0)]
    out = run(rows, {D1: {"A": 1.5}}, cash_shortfall="borrow", max_leverage=1.5, cash_rate=0.5, margin_rate=0.073)
    eq = by_date(out, "equity")
    assert eq[D2]["financing"] == approx(1000.0 * 0.5 / 365)  # D1's close: all cash
    assert eq[D3]["financing"] == approx((1000.0 * 0.5 / 365 - 500.0) * 0.073 / 365)


# --- shorts and leverage (SPEC 9, 14.7) ------------------------------------------------------------


def test_short_sale_then_cover_with_costs():
    # commission 10 bps, slippage 100 bps. D1: A -0.5 of nav 1000 at close 10 -> -50 shares.
    # D2 open 10: short sale 50 @ 9.9 = 495, commission 0.495; cash 1000 + 494.505 = 1494.505.
    # D2 close 8: nav 1494.505 - 400 = 1094.505; short exposure 400 / 1094.505, long 0.
    # D2 decision: weight 0 -> cover 50. D3 open 8: buy 50 @ 8.08 = 404, commission 0.404; cash 1090.101.
    out = run([(D1, "A", 10.0, 10.0), (D2, "A", 10.0, 8.0), (D3, "A", 8.0, 8.0)], {D1: {"A": -0.5}, D2: {}},
              commission_bps=10.0, slippage_bps=100.0, allow_short=True)
    eq = by_date(out, "equity")
    assert eq[D2]["cash"] == approx(1494.505) and eq[D2]["nav"] == approx(1094.505)
    assert eq[D2]["short_exposure"] == approx(400 / 1094.505) and eq[D2]["long_exposure"] == 0.0
    assert eq[D2]["net_exposure"] == approx(-400 / 1094.505) and eq[D2]["gross_exposure"] == approx(400 / 1094.505)
    assert eq[D3]["cash"] == approx(1090.101) and eq[D3]["market_value"] == 0.0
    assert [(t["side"], t["shares"], t["price"]) for t in out["trades"]] == [("sell", 50.0, 9.9), ("buy", 50.0, 8.08)]


def test_leverage_floor_scales_the_buys():
    # max_leverage 2. D1: A 1.0 and B 1.0 of nav 1000 at closes 10 -> 100 A, 100 B (2000 of buys).
    # D2 opens 10 and 15: need 1000 + 1500 = 2500 > cash 1000 + allowance (2 - 1) x 1000 = 2000:
    # factor 0.8 -> 80 A, 80 B; cash -1000 (the floor).
    out = run([(D1, "A", 10.0, 10.0), (D1, "B", 10.0, 10.0), (D2, "A", 10.0, 10.0), (D2, "B", 15.0, 15.0)],
              {D1: {"A": 1.0, "B": 1.0}}, max_leverage=2.0)
    assert by_date(out, "equity")[D2]["cash"] == approx(-1000.0)
    assert [(o["asset"], o["status"], o["filled_shares"]) for o in out["orders"]] == [
        ("A", "scaled", approx(80.0)), ("B", "scaled", approx(80.0))]


def test_a_delisted_short_is_bought_back_at_its_last_close():
    # D1: A -0.5 at 10 -> -50; D2 fills (cash 1500); A has no bar on D3, D4: delist_after 2 -> on D4
    # bought back at its last close 12, no costs: cash 1500 - 600 = 900.
    rows = [(D1, "A", 10.0, 10.0), (D1, "B", 1.0, 1.0), (D2, "A", 10.0, 12.0), (D2, "B", 1.0, 1.0),
            (D3, "B", 1.0, 1.0), (D4, "B", 1.0, 1.0)]
    out = run(rows, {D1: {"A": -0.5}}, delist_after=2, allow_short=True)
    t = one(out["trades"], reason="delisted")
    assert (t["date"], t["side"], t["shares"], t["price"], t["notional"]) == (D4, "buy", 50.0, 12.0, 600.0)
    assert by_date(out, "equity")[D4]["cash"] == approx(900.0)


def test_a_book_at_nav_below_zero_sizes_to_nothing():
    # D1: A -1.0 at 10 -> -100. D2 fills at 10 (cash 2000); A closes 25: nav 2000 - 2500 = -500.
    # D2 decision (A still -1.0): nav <= 0 -> target 0, cover 100. D3 open 25: need 2500 > cash
    # 2000 (no allowance): factor 0.8 -> 80 covered, cash 0, 20 short left.
    rows = [(D1, "A", 10.0, 10.0), (D2, "A", 10.0, 25.0), (D3, "A", 25.0, 25.0)]
    out = run(rows, {D1: {"A": -1.0}, D2: {"A": -1.0}}, allow_short=True)
    o = one(out["orders"], decision_date=D2)
    assert (o["target_shares"], o["order_shares"], o["status"]) == (0.0, 100.0, "scaled")
    assert o["filled_shares"] == approx(80.0) and by_date(out, "equity")[D3]["cash"] == approx(0.0)


def test_negative_weights_need_allow_short_and_gross_needs_max_leverage():
    with pytest.raises(ValueError, match="allow_short"):
        run([(D1, "A", 10.0, 10.0)], {D1: {"A": -0.5}})
    with pytest.raises(ValueError, match="max_leverage"):
        run([(D1, "A", 10.0, 10.0), (D1, "B", 1.0, 1.0)], {D1: {"A": -0.8, "B": 0.8}}, allow_short=True,
            max_leverage=1.5)
