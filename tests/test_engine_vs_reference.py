"""The engine against the plain-Python reference (tests/reference.py) on random panels.

Every table must have the same rows (same keys, same statuses) and the same values to 1e-9
relative, with an absolute floor for values near zero (1e-9 of the run's largest NAV for money,
1e-9 for ratios, and the share count worth that much money for shares).
Statuses must be identical: the float tie "B > cash" by the last bit (weights summing to 1 with
fill_price sizing and no costs) is settled by SEMANTICS.md itself (a scale factor within 1e-12 of
1 reports `filled`).
"""

from __future__ import annotations

import datetime as dt
import math
import random

import polars as pl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.depth import examples
from tests.factories import bars_from_prices, make_prices, make_targets, run_engine, shuffled, targets_from_frame
from tests.reference import simulate

REL = 1e-9


# --- running both ------------------------------------------------------------------------------


def run_reference(prices: pl.DataFrame, targets: pl.DataFrame, *, rates: pl.DataFrame | None = None,
                  **execution) -> dict:  # fmt: skip
    weights, rebalance = targets_from_frame(targets)
    table = None if rates is None else dict(rates.select("date", "rate").iter_rows())
    return simulate(bars_from_prices(prices), weights, rebalance, rates=table, **execution)


def random_rates(prices: pl.DataFrame, seed: int) -> pl.DataFrame:
    """(date, rate) rows on random calendar days (weekends too) from before the panel to inside it,
    rates between -2% and 12% (a zero among them); never on every date."""
    rng = random.Random(seed)
    first, last = prices["date"].min(), prices["date"].max()
    span = (last - first).days
    days = sorted({first + dt.timedelta(days=rng.randint(-10, max(span - 3, 0))) for _ in range(rng.randint(1, 8))})
    values = [rng.choice([0.0, rng.uniform(-0.02, 0.12)]) for _ in days]
    return pl.DataFrame({"date": days, "rate": values}, schema={"date": pl.Date, "rate": pl.Float64})


# --- comparing ---------------------------------------------------------------------------------

# column -> kind of absolute floor: money, ratio, shares (floor = money floor / the row's price),
# price (relative only), exact (compared with ==)
EQUITY = {"cash": "money", "market_value": "money", "nav": "money", "return": "ratio",
          "gross_exposure": "ratio", "net_exposure": "ratio", "long_exposure": "ratio", "short_exposure": "ratio",
          "turnover": "ratio", "costs": "money", "financing": "money", "dividends": "money"}
TRADES = {"side": "exact", "reason": "exact", "decision_date": "exact", "shares": "shares", "price": "price",
          "notional": "money", "commission": "money", "slippage_cost": "money"}
ORDERS = {"fill_date": "exact", "target_weight": "ratio", "decision_price": "price", "target_shares": "shares",
          "order_shares": "shares", "filled_shares": "shares", "status": "exact"}
POSITIONS = {"shares": "shares", "close": "price", "market_value": "money", "weight": "ratio"}
PRICE_OF = {"trades": "price", "orders": "decision_price", "positions": "close"}


def close_enough(a, b, floor: float) -> bool:
    if a is None or b is None:
        return a is None and b is None
    if math.isnan(a) or math.isnan(b):
        return False
    return abs(a - b) <= max(REL * max(abs(a), abs(b)), floor)


def compare_table(name: str, engine: pl.DataFrame, expected: list[dict], keys: list[str], columns: dict,
                  money_floor: float) -> list[str]:
    """Differences between the engine's table and the reference's rows, as readable lines."""
    got = {tuple(r[k] for k in keys): r for r in engine.drop("run_id").iter_rows(named=True)}
    want = {tuple(r[k] for k in keys): r for r in expected}
    problems = []
    if len(got) != engine.height:
        problems.append(f"{name}: duplicate keys {keys} in the engine's table")
    missing = sorted(set(want) - set(got))
    extra = sorted(set(got) - set(want))
    if missing:
        problems.append(f"{name}: rows missing from the engine {missing[:5]} (of {len(missing)}), "
                        f"reference rows: {[want[k] for k in missing[:3]]}")
    if extra:
        problems.append(f"{name}: rows the reference does not have {extra[:5]} (of {len(extra)}), "
                        f"engine rows: {[got[k] for k in extra[:3]]}")
    for key in sorted(set(got) & set(want)):
        g, w = got[key], want[key]
        price = w.get(PRICE_OF.get(name, ""), None)
        bad = []
        for col, kind in columns.items():
            if kind == "exact":
                if g[col] != w[col]:
                    bad.append(col)
                continue
            floor = {"money": money_floor, "ratio": REL, "price": 0.0}.get(kind)
            if kind == "shares":
                floor = money_floor / price
            if not close_enough(g[col], w[col], floor):
                bad.append(col)
        if bad:
            problems.append(f"{name} {dict(zip(keys, key, strict=True))}: {bad} differ\n  engine:    "
                            f"{ {c: g[c] for c in bad} }\n  reference: { {c: w[c] for c in bad} }")
    return problems


def assert_same_run(run, ref: dict, targets: pl.DataFrame, initial_cash: float) -> None:
    money_floor = REL * max([initial_cash] + [abs(r["nav"]) for r in ref["equity"]])
    problems = []
    problems += compare_table("equity", run.equity, ref["equity"], ["date"], EQUITY, money_floor)
    # a trade worth no more than the money floor is float noise of cash at (not exactly) 0: a buy
    # scaled to cash of 4e-11 on one side and of exactly 0 on the other
    trades = run.trades.filter(pl.col("notional") > money_floor)
    ref_trades = [r for r in ref["trades"] if r["notional"] > money_floor]
    problems += compare_table("trades", trades, ref_trades, ["date", "asset"], TRADES, money_floor)
    problems += compare_table("orders", run.orders, ref["orders"], ["decision_date", "asset"], ORDERS, money_floor)
    problems += compare_table("positions", run.positions, ref["positions"], ["date", "asset"], POSITIONS, money_floor)
    want_targets = sorted(targets.select("date", "asset", "weight").iter_rows())
    got_targets = sorted(run.targets.select("date", "asset", "weight").iter_rows())
    if got_targets != want_targets:
        problems.append(f"targets: engine {got_targets[:5]} ..., strategy returned {want_targets[:5]} ...")
    assert not problems, "engine and reference disagree:\n" + "\n".join(problems[:20])


def check_case(prices, targets, *, shuffle=False, rates=None, **execution):
    ref = run_reference(prices, targets, rates=rates, **execution)
    if shuffle:
        prices, targets = shuffled(prices, 1), shuffled(targets, 2)
    data = None if rates is None else {"rates": rates, "quality": {"stale_rate": "carry"}}
    run = run_engine(prices, targets, data=data, **execution)
    assert_same_run(run, ref, targets, execution.get("initial_cash", 1_000_000.0))
    return ref


# --- fixed seeds -------------------------------------------------------------------------------

FIXED = [
    dict(seed=1),
    dict(seed=2, sizing="fill_price"),
    dict(seed=3, fractional=False, commission_bps=10.0, slippage_bps=5.0),
    dict(seed=4, sizing="fill_price", fractional=False, min_trade_value=20_000.0),
    dict(seed=5, commission_bps=25.0, slippage_bps=10.0, delist_after=1),
    dict(seed=6, delist_after=0, min_trade_value=5_000.0, weight_mode="random"),
    dict(seed=7, sizing="fill_price", commission_bps=3.0, delist_after=2, weight_mode="random"),
    dict(seed=8, fractional=False, initial_cash=20_000.0, delist_after=3, weight_mode="random"),
    dict(seed=9, cash_shortfall="sequential", commission_bps=10.0, slippage_bps=5.0, delist_after=2),
    dict(seed=10, fractional=False, rounding="order", cash_shortfall="sequential", commission_bps=5.0),
    dict(seed=11, fractional=False, rounding="order_snap", cash_shortfall="borrow", sizing="fill_price"),
    dict(seed=12, cash_shortfall="borrow", commission_bps=25.0, min_trade_value=5_000.0),
    # shorts and leverage: signed weights, gross up to max_leverage
    dict(seed=13, weight_mode="signed", allow_short=True, commission_bps=10.0, slippage_bps=5.0),
    dict(seed=14, weight_mode="signed", allow_short=True, max_leverage=2.0, commission_bps=5.0, delist_after=2),
    dict(seed=15, weight_mode="signed", allow_short=True, max_leverage=1.6, fractional=False, sizing="fill_price"),
    dict(seed=16, weight_mode="signed", allow_short=True, max_leverage=2.5, cash_shortfall="sequential",
         slippage_bps=10.0),
    dict(seed=17, weight_mode="signed", allow_short=True, max_leverage=3.0, fractional=False, rounding="order",
         cash_shortfall="borrow", min_trade_value=20_000.0),
    dict(seed=18, weight_mode="random", max_leverage=1.8, commission_bps=25.0, delist_after=1),
    dict(seed=19, cash_rate=0.05, margin_rate=0.09, cash_shortfall="borrow", commission_bps=5.0, with_rates=True),
    dict(seed=20, cash_rate=0.03, fractional=False, delist_after=2, with_rates=True, weight_mode="random"),
    dict(seed=21, cash_rate=0.04, margin_rate=0.2, cash_shortfall="borrow", sizing="fill_price"),
]


def max_gross(case: dict) -> float:
    return case.get("max_leverage", 1.0) if case.get("weight_mode") == "signed" else 1.0


@pytest.mark.parametrize("case", FIXED, ids=lambda c: "-".join(f"{k}={v}" for k, v in c.items()))
def test_fixed_seed(case):
    case = dict(case)
    seed = case.pop("seed")
    gross = max_gross(case)
    weight_mode = case.pop("weight_mode", "equal")
    with_rates = case.pop("with_rates", False)
    prices = make_prices(8, 60, seed, gap_prob=0.05, delist_prob=0.3, null_open_prob=0.05, jump_prob=0.01)
    targets = make_targets(prices, seed, top_n=4, schedule_prob=0.6, weight_mode=weight_mode, cash_prob=0.1,
                           max_gross=gross)  # fmt: skip
    rates = random_rates(prices, seed) if with_rates else None
    ref = check_case(prices, targets, shuffle=seed % 2 == 0, rates=rates, **case)
    # the fixed cases must exercise the rules they are there for
    assert ref["trades"] and ref["orders"]
    if "cash_rate" in case:
        assert any(r["financing"] != 0 for r in ref["equity"])
    if case.get("margin_rate"):
        assert any(r["financing"] < 0 for r in ref["equity"]), "negative cash must pay margin_rate"


def test_fixed_seeds_cover_every_status_and_delistings():
    """The fixed panels, taken together, produce every status and a delisting (reference only)."""
    statuses, reasons = set(), set()
    for case in FIXED:
        case = dict(case)
        seed = case.pop("seed")
        gross = max_gross(case)
        weight_mode = case.pop("weight_mode", "equal")
        case.pop("with_rates", None)
        prices = make_prices(8, 60, seed, gap_prob=0.05, delist_prob=0.3, null_open_prob=0.05, jump_prob=0.01)
        targets = make_targets(prices, seed, top_n=4, schedule_prob=0.6, weight_mode=weight_mode, cash_prob=0.1,
                               max_gross=gross)  # fmt: skip
        ref = run_reference(prices, targets, **case)
        statuses |= {o["status"] for o in ref["orders"]}
        reasons |= {t["reason"] for t in ref["trades"]}
    assert statuses == {"filled", "scaled", "cancelled", "skipped", "pending"}
    assert reasons == {"rebalance", "delisted"}


# --- random panels -----------------------------------------------------------------------------


@st.composite
def cases(draw):
    seed = draw(st.integers(0, 2**31 - 1))
    prices = make_prices(
        draw(st.integers(1, 6)),
        draw(st.integers(2, 40)),
        seed,
        ragged=draw(st.booleans()),
        gap_prob=draw(st.sampled_from([0.0, 0.05, 0.15])),
        delist_prob=draw(st.sampled_from([0.0, 0.3])),
        null_open_prob=draw(st.sampled_from([0.0, 0.05, 0.2])),
        jump_prob=draw(st.sampled_from([0.0, 0.0, 0.02])),
    )
    lever = draw(st.sampled_from([None, None, 1.0, 1.5, 3.0]))  # shorts: signed weights, gross up to lever
    targets = make_targets(
        prices,
        seed,
        top_n=draw(st.integers(1, 4)),
        schedule_prob=draw(st.sampled_from([1.0, 0.5, 0.2])),
        weight_mode="signed" if lever is not None else draw(st.sampled_from(["equal", "random"])),
        cash_prob=draw(st.sampled_from([0.0, 0.1])),
        max_gross=lever if lever is not None else 1.0,
    )
    if targets.height == 0:  # a custom strategy must return at least one row
        targets = make_targets(prices, seed, schedule_prob=1.0)
    execution = dict(
        initial_cash=draw(st.sampled_from([1_000_000.0, 25_000.0])),
        sizing=draw(st.sampled_from(["decision_close", "fill_price"])),
        fractional=draw(st.booleans()),
        commission_bps=draw(st.sampled_from([0.0, 5.0, 25.0])),
        slippage_bps=draw(st.sampled_from([0.0, 2.0, 10.0])),
        min_trade_value=draw(st.sampled_from([0.0, 0.0, 1_000.0, 50_000.0])),
        delist_after=draw(st.sampled_from([0, 1, 2, 5])),
        cash_shortfall=draw(st.sampled_from(["scale", "scale", "sequential", "borrow"])),
    )
    if not execution["fractional"]:
        execution["rounding"] = draw(st.sampled_from(["target", "order", "order_snap"]))
    if lever is not None:
        execution.update(allow_short=True, max_leverage=lever)
    rates = None
    if draw(st.booleans()):  # financing: constant rates, a rates relation, or both
        execution["cash_rate"] = draw(st.sampled_from([0.0, 0.02, -0.01, 0.5]))
        execution["margin_rate"] = draw(st.sampled_from([0.0, 0.07, 0.9]))
        if lever is not None:
            execution["short_fee"] = draw(st.sampled_from([0.0, 0.03, 0.4]))
        rates = random_rates(prices, seed) if draw(st.booleans()) else None
    return prices, targets, execution, rates, draw(st.booleans())


@settings(max_examples=examples(100), deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(cases())
def test_engine_matches_reference(case):
    prices, targets, execution, rates, shuffle = case
    check_case(prices, targets, shuffle=shuffle, rates=rates, **execution)


# --- the comparison itself can fail ------------------------------------------------------------


def as_engine_frame(rows: list[dict], first: dict) -> pl.DataFrame:
    """Reference rows as an engine-style frame (run_id first)."""
    schema = {"run_id": pl.String, **{c: (pl.Date if "date" in c else pl.String if isinstance(v, str)
                                          else pl.Float64) for c, v in first.items()}}
    return pl.DataFrame([{"run_id": "r", **r} for r in rows], schema=schema)


def test_comparison_flags_value_key_and_status_differences():
    prices = make_prices(4, 30, 11, gap_prob=0.1, delist_prob=0.3, null_open_prob=0.1)
    targets = make_targets(prices, 11, schedule_prob=0.5, cash_prob=0.1)
    ref = run_reference(prices, targets, commission_bps=5.0, min_trade_value=50_000.0, delist_after=2)
    floor = REL * 1_000_000.0
    orders = as_engine_frame(ref["orders"], ref["orders"][0])
    assert compare_table("orders", orders, ref["orders"], ["decision_date", "asset"], ORDERS, floor) == []

    nudged = orders.with_columns(pl.when(pl.int_range(pl.len()) == 0).then(pl.col("target_shares") * (1 + 1e-7))
                                 .otherwise(pl.col("target_shares")).alias("target_shares"))
    (line,) = compare_table("orders", nudged, ref["orders"], ["decision_date", "asset"], ORDERS, floor)
    assert "target_shares" in line

    relabelled = orders.with_columns(pl.lit("cancelled").alias("status"))
    assert compare_table("orders", relabelled, ref["orders"], ["decision_date", "asset"], ORDERS, floor)
    assert compare_table("orders", orders.slice(1), ref["orders"], ["decision_date", "asset"], ORDERS, floor)

    equity = as_engine_frame(ref["equity"], ref["equity"][0])
    assert compare_table("equity", equity, ref["equity"], ["date"], EQUITY, floor) == []
    shifted = equity.with_columns(pl.col("cash") + 1e-2)
    assert len(compare_table("equity", shifted, ref["equity"], ["date"], EQUITY, floor)) == equity.height
