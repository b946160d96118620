"""The universe's input relations, literal rows in and out: sql/strategy/history.sql, adv.sql,
volatility.sql, membership.sql and groups.sql. Each computes on every bar (history before the
window counts) and keeps the rebalance dates of the universes that need it."""

import datetime as dt
import math
import statistics

import numpy as np
import polars as pl
import pytest

from .conftest import impact_sigma, returns
from .test_universe import universes

DAYS = [dt.date(2020, 1, d) for d in (2, 3, 6, 7, 8)]
D1, D2, D3, D4, D5 = DAYS


def bar(day, asset, close, volume=100.0):
    return {"date": day, "asset": asset, "close": close, "volume": volume}


# A trades every day; B skips D2 and D4 (its own consecutive bars span the gaps); C has one bar.
PRICES = [bar(d, "A", c) for d, c in zip(DAYS, (10.0, 11.0, 9.9, 9.9, 12.0), strict=True)]
PRICES += [bar(D1, "B", 5.0, 10.0), bar(D3, "B", 6.0, None), bar(D5, "B", 3.0, 30.0), bar(D5, "C", 1.0)]
DAILY = [{"schedule": "daily", "date": d} for d in DAYS] + [{"schedule": "monthly", "date": D1}]


def run(sql, name, **universe):
    inputs = {"prices": PRICES, "returns": returns(), "schedule_dates": DAILY,
              "universes": universes({"universe_id": 0, "signal_id": 0, "schedule": "daily", **universe},
                                     {"universe_id": 1, "signal_id": 0, "schedule": "monthly"})}  # fmt: skip
    return sql(f"strategy/{name}", inputs)


def test_history_counts_each_assets_own_bars_up_to_t(sql):
    rows = run(sql, "history", min_history=2)
    got = {(r["date"], r["asset"]): r["n_bars"] for r in rows}
    assert got == {(D1, "A"): 1, (D2, "A"): 2, (D3, "A"): 3, (D4, "A"): 4, (D5, "A"): 5,
                   (D1, "B"): 1, (D3, "B"): 2, (D5, "B"): 3, (D5, "C"): 1}  # fmt: skip


def test_history_only_on_the_dates_of_universes_that_need_it(sql):
    inputs = {
        "prices": PRICES,
        "schedule_dates": DAILY,
        "universes": universes({"universe_id": 0, "signal_id": 0, "schedule": "monthly", "min_history": 3}),
    }
    assert {r["date"] for r in sql("strategy/history", inputs)} == {D1}


def test_adv_averages_the_last_bars_fewer_when_fewer_and_skips_missing_volumes(sql):
    rows = run(sql, "adv", min_adv=1.0, adv_window=2)
    got = {(r["date"], r["asset"]): r["adv"] for r in rows if r["asset"] != "A"}
    assert got == {
        (D1, "B"): 50.0,  # one bar: its own dollar volume
        (D3, "B"): 50.0,  # D3 has no volume: left out of the mean
        (D5, "B"): 90.0,  # bars D3 (no volume) and D5: 3 x 30
        (D5, "C"): 100.0,
    }
    a = {r["date"]: r["adv"] for r in rows if r["asset"] == "A"}
    assert a[D5] == pytest.approx((9.9 * 100 + 12.0 * 100) / 2, rel=1e-15)
    assert {r["adv_window"] for r in rows} == {2}


def test_adv_per_window_in_use(sql):
    inputs = {"prices": PRICES, "schedule_dates": DAILY,
              "universes": universes({"universe_id": 0, "signal_id": 0, "schedule": "daily", "min_adv": 1.0,
                                      "adv_window": 1},
                                     {"universe_id": 1, "signal_id": 0, "schedule": "monthly", "min_adv": 1.0,
                                      "adv_window": 3})}  # fmt: skip
    rows = sql("strategy/adv", inputs)
    assert {(r["adv_window"], r["date"]) for r in rows if r["asset"] == "A"} == {(1, d) for d in DAYS} | {(3, D1)}
    one = {r["date"]: r["adv"] for r in rows if r["asset"] == "B" and r["adv_window"] == 1}
    assert one[D3] is None  # a window of its one bar without a volume: no adv


def test_volatility_needs_vol_window_returns_over_the_assets_own_bars(sql):
    rows = run(sql, "volatility", vol_window=2)
    got = {(r["date"], r["asset"]): r["vol"] for r in rows}
    assert set(got) == {(D3, "A"), (D4, "A"), (D5, "A"), (D5, "B")}  # 2 returns need 3 bars; C has none
    assert got[(D5, "B")] == pytest.approx(statistics.stdev([6.0 / 5.0 - 1, 3.0 / 6.0 - 1]), rel=1e-12)
    assert got[(D4, "A")] == pytest.approx(statistics.stdev([9.9 / 11.0 - 1, 0.0]), rel=1e-12)
    assert all(math.isfinite(v) for v in got.values())


def test_membership_spans_are_inclusive_and_an_open_end_runs_on(sql):
    members = [
        {"asset": "A", "start_date": D2, "end_date": D2},  # start = end: a member on that date only
        {"asset": "A", "start_date": D4, "end_date": D5},  # a second span of A after a gap
        {"asset": "B", "start_date": D3, "end_date": None},  # still a member
        {"asset": "C", "start_date": dt.date(2019, 1, 1), "end_date": D1},  # ends on the first date
    ]
    frame = pl.DataFrame(members, schema={"asset": pl.String, "start_date": pl.Date, "end_date": pl.Date})
    inputs = {
        "members": frame,
        "schedule_dates": DAILY,
        "universes": universes({"universe_id": 0, "signal_id": 0, "schedule": "daily", "membership": True}),
    }
    rows = sql("strategy/membership", inputs, spans=True)
    assert sorted((r["date"], r["asset"]) for r in rows) == [
        (D1, "C"), (D2, "A"), (D3, "B"), (D4, "A"), (D4, "B"), (D5, "A"), (D5, "B"),
    ]  # fmt: skip


def test_membership_snapshots_hold_until_the_next_one(sql):
    members = [{"date": dt.date(2019, 12, 31), "asset": "A"}, {"date": dt.date(2019, 12, 31), "asset": "B"},
               {"date": D3, "asset": "B"}, {"date": D3, "asset": "C"}]  # fmt: skip
    inputs = {
        "members": members,
        "schedule_dates": DAILY,
        "universes": universes({"universe_id": 0, "signal_id": 0, "schedule": "daily", "membership": True}),
    }
    rows = sql("strategy/membership", inputs, spans=False)
    by_date = {d: sorted(r["asset"] for r in rows if r["date"] == d) for d in DAYS}
    assert by_date == {D1: ["A", "B"], D2: ["A", "B"], D3: ["B", "C"], D4: ["B", "C"], D5: ["B", "C"]}


def test_membership_before_the_first_snapshot_is_empty(sql):
    inputs = {
        "members": [{"date": D4, "asset": "A"}],
        "schedule_dates": DAILY,
        "universes": universes({"universe_id": 0, "signal_id": 0, "schedule": "daily", "membership": True}),
    }
    rows = sql("strategy/membership", inputs, spans=False)
    assert sorted(r["date"] for r in rows) == [D4, D5]


GROUPED = universes({"universe_id": 0, "signal_id": 0, "schedule": "daily", "group_id": 0},
                    {"universe_id": 1, "signal_id": 0, "schedule": "monthly", "group_id": 1})  # fmt: skip


def test_static_groups_on_every_needed_date_and_a_null_is_no_group(sql):
    attributes = [{"asset": "A", "sector": "tech", "size": 1}, {"asset": "B", "sector": None, "size": 2},
                  {"asset": "C", "sector": "solo", "size": 3}]  # fmt: skip
    inputs = {"attributes": attributes, "schedule_dates": DAILY, "universes": GROUPED, "prices": PRICES}
    plan = [{"column": "sector", "source": "static"}, {"column": "size", "source": "static"}]
    rows = sql("strategy/groups", inputs, groups=plan)
    sector = {(r["date"], r["asset"]): r["grp"] for r in rows if r["group_id"] == 0}
    assert sector == {**{(d, "A"): "tech" for d in DAYS}, **{(d, "C"): "solo" for d in DAYS}}  # B: NULL, no row
    size = {(r["date"], r["asset"]): r["grp"] for r in rows if r["group_id"] == 1}
    assert size == {(D1, "A"): "1", (D1, "B"): "2", (D1, "C"): "3"}  # monthly: D1 only; values as text


def test_point_in_time_groups_take_the_latest_row_dated_on_or_before_t(sql):
    attributes = [
        {"date": dt.date(2019, 6, 1), "asset": "A", "sector": "tech"},
        {"date": D3, "asset": "A", "sector": "energy"},  # A changes sector on D3
        {"date": D4, "asset": "A", "sector": None},  # and has none from D4
        {"date": D2, "asset": "B", "sector": "tech"},  # B has no group before D2
    ]
    inputs = {"attributes": attributes, "schedule_dates": DAILY, "universes": GROUPED, "prices": PRICES}
    rows = sql("strategy/groups", inputs, groups=[{"column": "sector", "source": "dated"}])
    got = {(r["date"], r["asset"]): r["grp"] for r in rows if r["group_id"] == 0}
    assert got == {(D1, "A"): "tech", (D2, "A"): "tech", (D3, "A"): "energy",
                   (D2, "B"): "tech", (D3, "B"): "tech", (D4, "B"): "tech", (D5, "B"): "tech"}  # fmt: skip


def test_groups_from_a_column_of_prices_are_the_bars_values(sql):
    prices = [{**p, "industry": "x" if p["asset"] == "A" else None} for p in PRICES]
    inputs = {"schedule_dates": DAILY, "universes": GROUPED, "prices": prices}
    rows = sql("strategy/groups", inputs, groups=[{"column": "industry", "source": "prices"}])
    assert {(r["date"], r["asset"], r["grp"]) for r in rows} == {(d, "A", "x") for d in DAYS}


def test_windows_see_every_earlier_bar_when_only_a_late_date_is_needed(sql):
    """The needed dates filter the rows after the windows, never before (no history is lost)."""
    late = [{"schedule": "month_end", "date": D5}]
    keys = {"min_history": 1, "min_adv": 1.0, "adv_window": 5, "vol_window": 4}
    inputs = {"prices": PRICES, "returns": returns(), "schedule_dates": late,
              "universes": universes({"universe_id": 0, "signal_id": 0, "schedule": "month_end", **keys})}  # fmt: skip
    assert {r["asset"]: r["n_bars"] for r in sql("strategy/history", inputs)} == {"A": 5, "B": 3, "C": 1}
    adv = {r["asset"]: r["adv"] for r in sql("strategy/adv", inputs)}
    assert adv["A"] == pytest.approx(100 * (10.0 + 11.0 + 9.9 + 9.9 + 12.0) / 5, rel=1e-15)
    vol = {r["asset"]: r["vol"] for r in sql("strategy/volatility", inputs)}
    closes = [10.0, 11.0, 9.9, 9.9, 12.0]
    assert set(vol) == {"A"} and vol["A"] == pytest.approx(
        statistics.stdev([b / a - 1 for a, b in zip(closes, closes[1:], strict=False)])
    )


@pytest.mark.parametrize("name", ["adv", "volatility", "impact_sigma"])
def test_window_values_on_t_do_not_change_when_later_bars_are_added(sql, name):
    """The truncation invariant, bit for bit: DuckDB's windowed avg and stddev_samp combine partial
    results in an order that depends on the partition's length (a third of the rows differed in
    their last bits on the S&P sample); the lists of the files do not, nor impact's sigma, taken
    as the fold reads it (sql/sources/impact_history.sql and the chunk's panel)."""
    from tests.factories import make_prices

    prices = make_prices(20, 600, seed=2).select("date", "asset", "close", "volume")
    dates = sorted(prices["date"].unique())
    cut = dates[300]
    keys = {"min_adv": 1.0, "adv_window": 60, "vol_window": 60}

    def rows(frame: pl.DataFrame) -> dict:
        inputs = {"prices": frame, "returns": returns(),
                  "schedule_dates": [{"schedule": "daily", "date": d} for d in dates],
                  "universes": universes({"universe_id": 0, "signal_id": 0, "schedule": "daily", **keys})}  # fmt: skip
        if name == "impact_sigma":  # the sigma of the decisions up to the cut (window dates 0..300)
            inputs["calendar"] = [{"date": d, "date_idx": i} for i, d in enumerate(sorted(frame["date"].unique()))]
            inputs["assets"] = [{"asset": a, "asset_idx": i} for i, a in enumerate(sorted(frame["asset"].unique()))]
            return dict(np.ndenumerate(impact_sigma(inputs, (60,), 1, 302)[0]))
        value = "adv" if name == "adv" else "vol"
        return {(r["date"], r["asset"]): r[value] for r in sql(f"strategy/{name}", inputs) if r["date"] <= cut}

    full, truncated = rows(prices), rows(prices.filter(pl.col("date") <= cut))
    assert len(full) > 4_000 and full == truncated
