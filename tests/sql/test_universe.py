"""sql/strategy/universe.sql: per universe, a bar on t and a finite signal on t, on the dates its
schedule rebalances, and every filter the universe sets (price, adv, history, membership, group,
inverse_vol's sigma)."""

import datetime as dt
import math
from typing import Any

import polars as pl

D1, D2 = dt.date(2020, 1, 2), dt.date(2020, 1, 3)

UNIVERSE_SCHEMA = {
    "universe_id": pl.Int64, "signal_id": pl.Int64, "schedule": pl.String, "min_price": pl.Float64,
    "min_adv": pl.Float64, "adv_window": pl.Int64, "min_history": pl.Int64, "membership": pl.Boolean,
    "group_id": pl.Int64, "vol_window": pl.Int64, "min_signal": pl.Float64,
}  # fmt: skip


def universes(*rows: dict[str, Any]) -> pl.DataFrame:
    """`ml4t.universes` rows: every filter off unless given."""
    full = [{**{k: None for k in UNIVERSE_SCHEMA}, "membership": False, **row} for row in rows]
    return pl.DataFrame(full, schema=UNIVERSE_SCHEMA)


def price(day, asset, close=1.0):
    return {"date": day, "asset": asset, "close": close}


SIGNALS = [
    {"date": D1, "asset": "A", "score": 0.5, "other": 1.0},
    {"date": D1, "asset": "B", "score": None, "other": 1.0},  # NULL: never eligible
    {"date": D1, "asset": "C", "score": math.nan, "other": 1.0},  # NaN: never eligible
    {"date": D1, "asset": "D", "score": math.inf, "other": 1.0},  # infinite: never eligible
    {"date": D1, "asset": "E", "score": -0.2, "other": 1.0},
    {"date": D1, "asset": "F", "score": 0.9, "other": 1.0},  # no bar on D1: not eligible
    {"date": D2, "asset": "A", "score": 0.7, "other": 2.0},  # D2 is rebalanced only with "other"
]
PRICES = [price(D1, a) for a in "ABCDE"] + [price(D2, "A"), price(D2, "F")]
SCHEDULES = [{"schedule": "monthly", "date": D1}, {"schedule": "daily", "date": D1}, {"schedule": "daily", "date": D2}]
BASE = universes({"universe_id": 0, "signal_id": 0, "schedule": "monthly"},
                 {"universe_id": 1, "signal_id": 1, "schedule": "daily"})  # fmt: skip
INPUTS = {"signals": SIGNALS, "prices": PRICES, "schedule_dates": SCHEDULES, "universes": BASE}
OFF = {"min_price": False, "min_signal": False, "history": False, "adv": False, "vol": False, "membership": False,
       "groups": [], "ungrouped": False}  # fmt: skip


def keys(rows):
    return [(r["universe_id"], r["date"], r["asset"], r["signal"]) for r in rows]


def test_eligibility_per_universe_and_schedule(sql):
    rows = sql("strategy/universe", INPUTS, signals=["score", "other"], signals_in_prices=False, **OFF)
    assert keys(rows) == [
        (0, D1, "A", 0.5),
        (0, D1, "E", -0.2),
        (1, D1, "A", 1.0),
        (1, D1, "B", 1.0),
        (1, D1, "C", 1.0),
        (1, D1, "D", 1.0),
        (1, D1, "E", 1.0),
        (1, D2, "A", 2.0),
    ]
    assert {(r["grp"], r["vol"]) for r in rows} == {(None, None)}  # no group, no inverse_vol


def test_signals_inside_prices_need_no_join(sql):
    """When the signal is a column of prices, every signal row is a bar: no join with prices."""
    inputs = {k: v for k, v in INPUTS.items() if k != "prices"}
    rows = sql("strategy/universe", inputs, signals=["score"], signals_in_prices=True, **OFF)
    assert [(r["date"], r["asset"]) for r in rows] == [(D1, "A"), (D1, "E"), (D1, "F")]


def test_two_universes_of_one_signal_differ_only_by_their_filters(sql):
    """min_price is inclusive (close = min_price passes); a universe without it keeps every asset."""
    prices = [price(D1, "A", 10.0), price(D1, "B", 9.99), price(D1, "E", 20.0)]
    signals = [{"date": D1, "asset": a, "score": 1.0} for a in "ABE"]
    inputs = {
        "signals": signals,
        "prices": prices,
        "schedule_dates": SCHEDULES,
        "universes": universes(
            {"universe_id": 0, "signal_id": 0, "schedule": "daily", "min_price": 10.0},
            {"universe_id": 1, "signal_id": 0, "schedule": "daily"},
        ),  # fmt: skip
    }
    rows = sql("strategy/universe", inputs, signals=["score"], signals_in_prices=True, **{**OFF, "min_price": True})
    assert [(r["universe_id"], r["asset"]) for r in rows] == [(0, "A"), (0, "E"), (1, "A"), (1, "B"), (1, "E")]


def filtered(sql, universe: dict[str, Any], **tables: Any) -> list[tuple[str, Any, Any]]:
    """(asset, grp, vol) of universe 0 on D1, with assets A..E priced and signalled, and `tables`."""
    inputs = {
        "signals": [{"date": D1, "asset": a, "score": float(i)} for i, a in enumerate("ABCDE")],
        "prices": [price(D1, a) for a in "ABCDE"],
        "schedule_dates": [{"schedule": "daily", "date": D1}],
        "universes": universes({"universe_id": 0, "signal_id": 0, "schedule": "daily", **universe}),
        **tables,
    }
    flags = {
        "history": "history" in tables, "adv": "adv" in tables, "vol": "volatility" in tables,
        "membership": "membership" in tables, "min_price": False, "min_signal": False,
        "ungrouped": tables.pop("_ungrouped", False),
    }  # fmt: skip
    inputs.pop("_ungrouped", None)
    groups = [{"column": "sector", "source": "static"}] if "groups" in tables else []
    rows = sql("strategy/universe", inputs, signals=["score"], signals_in_prices=False, groups=groups, **flags)
    return [(r["asset"], r["grp"], r["vol"]) for r in rows]


def test_history_adv_and_volatility_filters_read_their_relations(sql):
    history = [{"date": D1, "asset": a, "n_bars": n} for a, n in zip("ABCD", (1, 5, 6, 9), strict=True)]  # E: none
    got = filtered(sql, {"min_history": 6}, history=history)
    assert [a for a, _, _ in got] == ["C", "D"]  # at least 6 bars; E has no row: not eligible
    adv = [{"adv_window": w, "date": D1, "asset": a, "adv": v} for w, a, v in
           [(20, "A", 5.0), (20, "B", 4.999), (20, "C", None), (5, "D", 100.0), (20, "E", 7.0)]]  # fmt: skip
    got = filtered(sql, {"min_adv": 5.0, "adv_window": 20}, adv=adv)
    assert [a for a, _, _ in got] == ["A", "E"]  # NULL adv fails; D's adv is of another window
    vol = [{"vol_window": 3, "date": D1, "asset": a, "vol": v} for a, v in [("A", 0.02), ("B", 0.0), ("C", 0.01)]]
    got = filtered(sql, {"vol_window": 3}, volatility=vol)
    assert got == [("A", None, 0.02), ("C", None, 0.01)]  # sigma 0 is not eligible; D, E have too few returns


def test_membership_and_groups(sql):
    members = [{"date": D1, "asset": a} for a in "BCD"]
    assert [a for a, _, _ in filtered(sql, {"membership": True}, membership=members)] == ["B", "C", "D"]
    groups = [{"group_id": 0, "date": D1, "asset": a, "grp": g} for a, g in [("A", "x"), ("B", "x"), ("C", "solo")]]
    got = filtered(sql, {"group_id": 0}, groups=groups)
    assert got == [("A", "x", None), ("B", "x", None), ("C", "solo", None)]  # a group of one is a group
    ungrouped = filtered(sql, {"group_id": 0}, groups=groups, _ungrouped=True)
    assert [a for a, _, _ in ungrouped] == ["D", "E"]  # exactly what the group alone keeps out


def test_min_signal_is_an_eligibility_filter_of_its_universe(sql):
    """SPEC 14.3: signal > min_signal decides eligibility (strictly above; NULL: no filter), so it
    shapes what quantiles, the short leg and group counts see."""
    both = universes({"universe_id": 0, "signal_id": 0, "schedule": "monthly", "min_signal": 0.5},
                     {"universe_id": 1, "signal_id": 0, "schedule": "monthly"})  # fmt: skip
    rows = sql("strategy/universe", {**INPUTS, "universes": both}, signals=["score"], signals_in_prices=False,
               **{**OFF, "min_signal": True})  # fmt: skip
    assert keys(rows) == [(1, D1, "A", 0.5), (1, D1, "E", -0.2)]  # A's 0.5 is not above 0.5
