"""sql/checks/no_signal_date.sql: rebalance dates without one finite signal of an asset with a bar."""

import datetime as dt
import math

D1, D2, D3, D4 = (dt.date(2020, 1, d) for d in (2, 3, 6, 7))
SIGNALS = [
    {"date": D1, "asset": "A", "s": 1.0},  # D1: a finite signal with a bar
    {"date": D2, "asset": "A", "s": None},  # D2: NULL and NaN only
    {"date": D2, "asset": "B", "s": math.nan},
    {"date": D3, "asset": "C", "s": 2.0},  # D3: finite, but C has no bar on D3
    {"date": D3, "asset": "A", "s": math.inf},
]  # D4: no signal rows at all
PRICES = [{"date": d, "asset": "A"} for d in (D1, D2, D3, D4)]
TABLES = {"signals": SIGNALS, "prices": PRICES, "rebalance_dates": [{"date": d} for d in (D1, D2, D3, D4)]}


def test_dates_without_a_finite_signal_of_an_asset_with_a_bar(check):
    rows = check("no_signal_date", "signals", TABLES, signal="s", separate=True)
    assert rows == [
        {"date": D2, "signal_rows": 2, "non_null": 1},  # NaN is not NULL, and not finite
        {"date": D3, "signal_rows": 2, "non_null": 2},
        {"date": D4, "signal_rows": 0, "non_null": 0},
    ]


def test_signals_inside_prices_have_a_bar_each(check):
    rows = check("no_signal_date", "signals", {k: v for k, v in TABLES.items() if k != "prices"}, signal="s",
                 separate=False)  # fmt: skip
    assert [r["date"] for r in rows] == [D2, D4]  # D3's finite signal of C counts: C has a bar by construction
