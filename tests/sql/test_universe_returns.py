"""sql/results/universe_returns.sql: equal weight over assets with a bar today and on the previous trading date."""

import datetime as dt

import pytest

D0, D1, D2, D3 = (dt.date(2020, 1, d) for d in (1, 2, 3, 6))  # D0 is before the window


def bar(date, asset, close):
    return {"date": date, "asset": asset, "close": close}


def test_mean_of_close_to_close_returns_gaps_and_new_listings_left_out(sql):
    prices = [
        bar(D0, "A", 10.0), bar(D0, "B", 20.0),
        bar(D1, "A", 11.0), bar(D1, "B", 19.0),                      # first window date: 0
        bar(D2, "A", 12.1), bar(D2, "C", 5.0),                       # B missing; C is new: only A counts
        bar(D3, "A", 12.1), bar(D3, "B", 30.0), bar(D3, "C", 6.0),   # B skipped D2: out; C counts
    ]  # fmt: skip
    calendar = [{"date": d, "date_idx": i} for i, d in enumerate((D1, D2, D3))]
    assets = [{"asset": a, "asset_idx": i} for i, a in enumerate("ABC")]
    out = sql("results/universe_returns", {"prices": prices, "calendar": calendar, "assets": assets})
    assert [(r["date"], r["n_assets"]) for r in out] == [(D1, 0), (D2, 1), (D3, 2)]
    assert [r["return"] for r in out] == pytest.approx([0.0, 0.1, (0.0 + 0.2) / 2], abs=1e-15)


def test_a_date_where_no_asset_has_two_bars_returns_zero(sql):
    prices = [bar(D1, "A", 10.0), bar(D2, "B", 10.0)]
    calendar = [{"date": D1, "date_idx": 0}, {"date": D2, "date_idx": 1}]
    assets = [{"asset": "A", "asset_idx": 0}, {"asset": "B", "asset_idx": 1}]
    out = sql("results/universe_returns", {"prices": prices, "calendar": calendar, "assets": assets})
    assert [(r["return"], r["n_assets"]) for r in out] == [(0.0, 0), (0.0, 0)]
