"""The corporate actions' SQL on literal rows: sql/sources/actions.sql, action_factors.sql,
action_by_date.sql, adjusted_prices.sql, returns.sql (read by volatility.sql and impact_history.sql),
and the rules sql/checks/bad_split.sql, bad_dividend.sql, split_without_bar.sql,
off_calendar_action.sql."""

import datetime as dt
import math

import pytest

from .conftest import impact_sigma, returns

D = [dt.date(2024, 1, d) for d in (8, 9, 10, 11, 12)]
# A: 2-for-1 split on D[2] (raw close 20 -> 10), dividend 0.5 on D[4] with no bar of A that day
# (paid at A's next bar: none here) and 1.0 on D[3]; B trades every day, no actions
PRICES = [
    *({"date": d, "asset": "A", "open": c, "high": c, "low": c, "close": c, "volume": 1.0}
      for d, c in zip(D[:4], [20.0, 20.0, 10.0, 10.0], strict=True)),
    *({"date": d, "asset": "B", "open": 5.0, "high": 5.0, "low": 5.0, "close": 5.0, "volume": 1.0} for d in D),
]  # fmt: skip
ACTIONS = [
    {"date": D[2], "asset": "A", "split": 2.0, "dividend": 0.0},
    {"date": D[3], "asset": "A", "split": 1.0, "dividend": 1.0},
    {"date": D[4], "asset": "A", "split": 1.0, "dividend": 0.5},
]


def test_actions_typed_with_defaults_for_nulls_and_missing_columns(sql):
    rows = "select date '2024-01-08' as d, 'A' as a, null::double as s, '0.25' as dv"
    typed = sql("sources/actions", {"input_actions": rows}, date="d", asset="a", split="s", dividend="dv", utc=False)
    assert typed == [{"date": D[0], "asset": "A", "split": 1.0, "dividend": 0.25}]
    only = "select date '2024-01-08' as date, 'A' as asset, 3 as split"
    assert sql("sources/actions", {"input_actions": only}, date="date", asset="asset", split="split", utc=False,
               dividend=None) == [{"date": D[0], "asset": "A", "split": 3.0, "dividend": 0.0}]  # fmt: skip


def test_factors_per_bar_from_the_previous_close(sql):
    # D[2]: 1 / 2 (no dividend); D[3]: 1 - 1.0 / 10 = 0.9 (previous close 10); D[4]: after A's last bar
    rows = sql("sources/action_factors", {"prices": PRICES, "actions": ACTIONS})
    assert rows == [{"date": D[2], "asset": "A", "factor": 0.5}, {"date": D[3], "asset": "A", "factor": 0.9}]


def test_a_dividend_in_a_gap_belongs_to_the_next_bar_and_several_multiply(sql):
    prices = [p for p in PRICES if not (p["asset"] == "B" and p["date"] in (D[1], D[2]))]
    actions = [{"date": D[1], "asset": "B", "split": 1.0, "dividend": 0.5},
               {"date": D[2], "asset": "B", "split": 2.0, "dividend": 1.0}]  # fmt: skip
    rows = sql("sources/action_factors", {"prices": prices, "actions": actions})
    (b,) = [r for r in rows if r["asset"] == "B"]
    assert b["date"] == D[3] and b["factor"] == pytest.approx((1 - 0.5 / 5) * (1 - 1.0 / 5) / 2, rel=1e-15)


def test_adjusted_prices_back_adjust_by_later_factors(sql):
    tables = {"prices": PRICES, "actions": ACTIONS}
    tables["action_factors"] = sql("sources/action_factors", tables)
    rows = {(r["date"], r["asset"]): r for r in sql("sources/adjusted_prices", tables, actions=True)}
    assert [rows[(d, "A")]["adjustment"] for d in D[:4]] == [0.45, 0.45, 0.9, 1.0]
    assert [rows[(d, "A")]["close"] for d in D[:4]] == pytest.approx([9.0, 9.0, 9.0, 10.0])
    assert {rows[(d, "B")]["close"] for d in D} == {5.0}
    assert rows[(D[0], "A")]["volume"] == 1.0  # volume stays raw
    plain = sql("sources/adjusted_prices", {"prices": PRICES}, actions=False)
    assert {r["adjustment"] for r in plain} == {1.0} and len(plain) == len(PRICES)


def test_returns_are_the_adjusted_ones_and_inverse_vol_and_impact_read_them(sql):
    tables = {"prices": PRICES, "actions": ACTIONS,
              "universes": [{"universe_id": 0, "schedule": "daily", "vol_window": 2}],
              "schedule_dates": [{"schedule": "daily", "date": d} for d in D],
              "calendar": [{"date": d, "date_idx": i} for i, d in enumerate(D)],
              "assets": [{"asset": "A", "asset_idx": 0}, {"asset": "B", "asset_idx": 1}]}  # fmt: skip
    tables["action_factors"] = sql("sources/action_factors", tables)
    plain = {(r["date"], r["asset"]): r["ret"] for r in sql("sources/returns", tables, actions=False)}
    adjusted = {(r["date"], r["asset"]): r["ret"] for r in sql("sources/returns", tables, actions=True)}
    # A's raw returns: 0, -0.5, 0; adjusted: 10 / (20 x 0.5) - 1 = 0 (D2), 10 / (10 x 0.9) - 1 = 1/9 (D3)
    assert [plain[(d, "A")] for d in D[:4]] == [None, 0.0, -0.5, 0.0]
    assert [adjusted[(d, "A")] for d in D[:3]] == [None, 0.0, 0.0]
    assert adjusted[(D[3], "A")] == pytest.approx(1 / 9, rel=1e-15)
    assert all(adjusted[(d, "B")] == plain[(d, "B")] for d in D)
    for actions in (False, True):
        tables["returns"] = returns(actions=actions)
        vol = {(r["date"], r["asset"]): r["vol"] for r in sql("strategy/volatility", tables)}
        want = math.sqrt(((1 / 9) ** 2) / 2) if actions else math.sqrt(0.125)
        assert vol[(D[3 if actions else 2], "A")] == pytest.approx(want, rel=1e-12)
        sigma = impact_sigma(tables, (2,), 1, 5, actions=actions)[0, :, 0]  # fills on 1..4: a fill on 4 reads date 3
        assert sigma[3] == pytest.approx(math.sqrt(((1 / 9) ** 2) / 2) if actions else math.sqrt(0.125), rel=1e-12)


def test_action_by_date_keeps_the_window_and_real_actions(sql):
    cal = [{"date": d, "date_idx": i} for i, d in enumerate(D[1:])]
    assets = [{"asset": "A", "asset_idx": 0}]
    actions = [*ACTIONS, {"date": D[0], "asset": "A", "split": 3.0, "dividend": 0.0},
               {"date": D[1], "asset": "A", "split": 1.0, "dividend": 0.0},
               {"date": D[2], "asset": "Z", "split": 2.0, "dividend": 0.0}]  # fmt: skip
    rows = sql("sources/action_by_date", {"actions": actions, "calendar": cal, "assets": assets})
    assert [(r["date_idx"], r["split"], r["dividend"]) for r in rows] == [(1, 2.0, 0.0), (2, 1.0, 1.0), (3, 1.0, 0.5)]


def test_bad_splits_and_dividends(check):
    splits = [2.0, 0.0, -1.0, math.nan, math.inf, 0.1]
    rows = [{"date": D[0], "asset": f"S{i}", "split": s, "dividend": 0.0} for i, s in enumerate(splits)]
    assert [r["asset"] for r in check("bad_split", "actions", {"actions": rows})] == ["S1", "S2", "S3", "S4"]
    dividends = [0.0, -0.01, math.nan, math.inf, 3.0]
    rows = [{"date": D[0], "asset": f"S{i}", "split": 1.0, "dividend": v} for i, v in enumerate(dividends)]
    assert [r["asset"] for r in check("bad_dividend", "actions", {"actions": rows})] == ["S1", "S2", "S3"]


def test_splits_without_a_bar_inside_the_span_and_off_calendar_dates(check):
    actions = [{"date": D[4], "asset": "A", "split": 2.0, "dividend": 0.0},  # after A's last bar: fine
               {"date": D[1], "asset": "B", "split": 2.0, "dividend": 0.0},  # a bar: fine
               {"date": D[2], "asset": "C", "split": 2.0, "dividend": 0.0}]  # C has no prices: fine
    prices = [p for p in PRICES if not (p["asset"] == "B" and p["date"] == D[1])]
    found = check("split_without_bar", "actions", {"actions": actions, "prices": prices})
    assert [(r["date"], r["asset"]) for r in found] == [(D[1], "B")]
    weekend = [{"date": dt.date(2024, 1, 13), "asset": "A", "split": 1.0, "dividend": 0.1},
               {"date": dt.date(2023, 1, 1), "asset": "A", "split": 2.0, "dividend": 0.0}]  # before: unused
    found = check("off_calendar_action", "actions", {"actions": weekend, "prices": PRICES + [
        {**PRICES[-1], "date": dt.date(2024, 1, 15)}]})  # fmt: skip
    assert [r["date"] for r in found] == [dt.date(2024, 1, 13)]
