"""SPEC section 7: properties every run of the engine must have, on random ragged panels."""

from __future__ import annotations

from datetime import date

import polars as pl
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from tests.depth import examples
from tests.factories import make_prices, make_targets, run_engine

SETTINGS = settings(max_examples=examples(30), deadline=None, suppress_health_check=[HealthCheck.too_slow])
TERMINAL = {"filled", "scaled", "cancelled", "skipped"}


def rows(df: pl.DataFrame) -> list[dict]:
    return df.drop("run_id", strict=False).iter_rows(named=True)


def rel_close(a: float, b: float, rel: float, floor: float) -> bool:
    return abs(a - b) <= max(rel * max(abs(a), abs(b)), floor)


@st.composite
def panels(draw, min_days=2, shorts=False):
    """A ragged panel with gaps, delistings and NULL opens, its targets and an execution config;
    `shorts`: signed weights with gross up to a drawn max_leverage (allow_short), any cash rule."""
    seed = draw(st.integers(0, 2**31 - 1))
    prices = make_prices(
        draw(st.integers(1, 6)),
        draw(st.integers(min_days, 40)),
        seed,
        gap_prob=draw(st.sampled_from([0.0, 0.05, 0.15])),
        delist_prob=draw(st.sampled_from([0.0, 0.3])),
        null_open_prob=draw(st.sampled_from([0.0, 0.1])),
        jump_prob=draw(st.sampled_from([0.0, 0.02])),
    )
    targets = make_targets(
        prices,
        seed,
        top_n=draw(st.integers(1, 4)),
        schedule_prob=draw(st.sampled_from([1.0, 0.4])),
        weight_mode="signed" if shorts else draw(st.sampled_from(["equal", "random"])),
        cash_prob=draw(st.sampled_from([0.0, 0.1])),
        max_gross=(lever := draw(st.sampled_from([1.0, 1.5, 3.0]))) if shorts else 1.0,
    )
    assume(targets.height > 0)
    execution = dict(
        sizing=draw(st.sampled_from(["decision_close", "fill_price"])),
        fractional=draw(st.booleans()),
        commission_bps=draw(st.sampled_from([0.0, 10.0])),
        slippage_bps=draw(st.sampled_from([0.0, 5.0])),
        min_trade_value=draw(st.sampled_from([0.0, 20_000.0])),
        delist_after=draw(st.sampled_from([0, 1, 3])),
    )
    if shorts:
        execution.update(allow_short=True, max_leverage=lever,
                         cash_shortfall=draw(st.sampled_from(["scale", "scale", "sequential"])))
    return prices, targets, execution


def calendar_of(prices: pl.DataFrame) -> list[date]:
    return sorted(prices.get_column("date").unique().to_list())


# --- NAV identity, cash, exposure ---------------------------------------------------------------


@SETTINGS
@given(panels())
def test_nav_identity_cash_and_exposure(case):
    prices, targets, execution = case
    run = run_engine(prices, targets, **execution)
    floor = 1e-9 * 1_000_000.0

    last_close = {}  # the last close at or before each date, from the input
    bars = {(d, a): c for d, a, c in prices.select("date", "asset", "close").iter_rows()}
    held = {}
    for p in rows(run.positions):
        held.setdefault(p["date"], []).append(p)
    equity = list(rows(run.equity))
    assert [r["date"] for r in equity] == calendar_of(prices)
    for r in equity:
        d = r["date"]
        last_close.update({a: c for (day, a), c in bars.items() if day == d})
        positions = held.get(d, [])
        for p in positions:
            assert p["shares"] != 0
            assert p["close"] == last_close[p["asset"]], f"close of {p['asset']} on {d} is not its last close"
            assert rel_close(p["market_value"], p["shares"] * p["close"], 1e-9, floor)
        mv = sum(p["shares"] * p["close"] for p in positions)
        assert rel_close(r["nav"], r["cash"] + mv, 1e-9, floor), f"NAV identity broken on {d}: {r}"
        assert rel_close(r["market_value"], mv, 1e-9, floor)
        assert r["cash"] >= 0.0, f"cash below 0 on {d}: {r['cash']}"
        assert r["gross_exposure"] <= 1 + 1e-9, f"gross exposure above 1 on {d}: {r['gross_exposure']}"
        if not execution["fractional"]:
            assert all(p["shares"] == int(p["shares"]) for p in positions)


@SETTINGS
@given(panels(shorts=True))
def test_nav_identity_floor_and_exposures_with_shorts(case):
    """NAV identity; long - short = net, long + short = gross; on a date whose fills bought
    anything, cash after them is at or above the floor (1 - max_leverage) x max(nav at the
    decision, 0) (decision_close sizing: that NAV is the decision date's equity nav)."""
    prices, targets, execution = case
    run = run_engine(prices, targets, **execution)
    floor = 1e-9 * 1_000_000.0
    held: dict = {}
    for d, q, c in run.positions.select("date", "shares", "close").iter_rows():
        held[d] = held.get(d, 0.0) + q * c
        if not execution["fractional"]:
            assert q == int(q)
    equity = {r["date"]: r for r in rows(run.equity)}
    for d, r in equity.items():
        assert rel_close(r["nav"], r["cash"] + held.get(d, 0.0), 1e-9, floor), f"NAV identity broken on {d}: {r}"
        if r["nav"] > 0:  # a NAV below 0 (shorts can take it there) flips every ratio's sign
            assert r["long_exposure"] >= 0 and r["short_exposure"] >= 0
        assert rel_close(r["long_exposure"] - r["short_exposure"], r["net_exposure"], 1e-9, 1e-9), r
        assert rel_close(r["long_exposure"] + r["short_exposure"], r["gross_exposure"], 1e-9, 1e-9), r
    if execution["sizing"] != "decision_close":
        return
    bought = run.trades.filter((pl.col("reason") == "rebalance") & (pl.col("side") == "buy"))
    for fill_date, decision_date in bought.select("date", "decision_date").unique().iter_rows():
        nav_d = max(equity[decision_date]["nav"], 0.0)
        cash_floor = (1.0 - execution["max_leverage"]) * nav_d
        cash = equity[fill_date]["cash"]
        slack = 1e-9 * max(abs(nav_d), 1.0)
        assert cash >= cash_floor - slack, f"cash {cash} below its floor {cash_floor} on {fill_date}"


@SETTINGS
@given(panels())
def test_delisting_fires_on_the_kth_missing_date(case):
    prices, targets, execution = case
    k = execution["delist_after"]
    run = run_engine(prices, targets, **execution)
    index = {d: i for i, d in enumerate(calendar_of(prices))}
    bar_days, close = {}, {}
    for d, a, c in prices.select("date", "asset", "close").iter_rows():
        bar_days.setdefault(a, []).append(index[d])
        close[(index[d], a)] = c

    def last_bar(a, i):
        return max(j for j in bar_days[a] if j <= i)

    for t in rows(run.trades):
        if t["reason"] == "delisted":
            i = index[t["date"]]
            assert k > 0 and last_bar(t["asset"], i) == i - k, f"delisting on the wrong date: {t}"
            assert t["price"] == close[(i - k, t["asset"])], f"delisted away from its last close: {t}"
            assert t["commission"] == 0.0 and t["slippage_cost"] == 0.0
    if k > 0:
        for p in rows(run.positions):
            i = index[p["date"]]
            assert i - last_bar(p["asset"], i) < k, f"{p['asset']} still held on {p['date']}, {k}+ dates without a bar"


# --- targeting ---------------------------------------------------------------------------------


@SETTINGS
@given(
    seed=st.integers(0, 2**31 - 1),
    n_assets=st.integers(1, 6),
    n_days=st.integers(3, 12),
    weight_mode=st.sampled_from(["equal", "random"]),
    sizing=st.sampled_from(["decision_close", "fill_price"]),
    fractional=st.booleans(),
)
def test_retargeting_at_unchanged_prices_trades_nothing(seed, n_assets, n_days, weight_mode, sizing, fractional):
    prices = make_prices(n_assets, n_days, seed, ragged=False, flat=True)
    first = make_targets(prices.filter(pl.col("date") == pl.col("date").min()), seed, weight_mode=weight_mode)
    days = calendar_of(prices)
    targets = pl.concat([first.with_columns(pl.lit(d).alias("date")) for d in days])  # same targets every day
    run = run_engine(prices, targets, sizing=sizing, fractional=fractional)

    orders = list(rows(run.orders))
    assert orders, "the first decision must trade"
    assert {o["decision_date"] for o in orders} == {days[0]}, "re-targeting at unchanged prices made orders"
    assert {t["date"] for t in rows(run.trades)} == {days[1]}
    for r in rows(run.equity):
        assert rel_close(r["nav"], 1_000_000.0, 1e-9, 0.0)


# --- one decision, one bar ---------------------------------------------------------------------


@SETTINGS
@given(panels())
def test_every_order_resolves_on_the_next_bar(case):
    prices, targets, execution = case
    run = run_engine(prices, targets, **execution)
    days = calendar_of(prices)
    next_day = dict(zip(days, days[1:], strict=False))
    tradable = {(d, a) for d, a, o in prices.select("date", "asset", "open").iter_rows() if o is not None}
    has_bar = {(d, a) for d, a in prices.select("date", "asset").iter_rows()}
    rebalance = set(targets.get_column("date").to_list())

    orders = {(o["decision_date"], o["asset"]): o for o in rows(run.orders)}
    for (decided, asset), o in orders.items():
        assert decided in rebalance
        if decided == days[-1]:  # no next bar: pending, or skipped when too small to send
            small = abs(o["order_shares"]) * o["decision_price"] < execution["min_trade_value"]
            assert (o["status"], o["fill_date"], o["filled_shares"]) == (
                "skipped" if small else "pending", None, 0.0), o
            continue
        assert o["fill_date"] == next_day[decided], f"order outlived its bar: {o}"
        assert o["status"] in TERMINAL, o
        if o["status"] != "skipped":
            assert (o["status"] == "cancelled") == ((o["fill_date"], asset) not in tradable), o
        if o["status"] in ("cancelled", "skipped"):
            assert o["filled_shares"] == 0.0, o
        elif o["status"] == "filled":
            assert rel_close(o["filled_shares"], o["order_shares"], 1e-9, 1e-9), o
        else:  # scaled: a buy, cut
            assert o["order_shares"] > 0 and 0 <= o["filled_shares"] <= o["order_shares"] * (1 + 1e-12), o
        if not execution["fractional"]:
            assert o["target_shares"] == int(o["target_shares"]) and o["filled_shares"] == int(o["filled_shares"])

    # one common factor for every scaled buy of a decision (fractional shares)
    if execution["fractional"]:
        ratios = {}
        for o in orders.values():
            if o["status"] == "scaled":
                ratios.setdefault(o["decision_date"], []).append(o["filled_shares"] / o["order_shares"])
        for decided, rs in ratios.items():
            assert max(rs) - min(rs) <= 1e-9, f"buys of {decided} scaled by different factors {rs}"

    traded = set()
    for t in rows(run.trades):
        assert t["shares"] > 0
        if t["reason"] == "delisted":
            assert t["decision_date"] is None and (t["date"], t["asset"]) not in has_bar, t
            continue
        o = orders[(t["decision_date"], t["asset"])]
        assert t["date"] == o["fill_date"], f"trade {t} not on its decision's fill date"
        signed = t["shares"] if t["side"] == "buy" else -t["shares"]
        assert rel_close(signed, o["filled_shares"], 1e-12, 0.0), (t, o)
        traded.add((t["decision_date"], t["asset"]))
    assert traded == {k for k, o in orders.items() if o["filled_shares"] != 0}


# --- no look-ahead -----------------------------------------------------------------------------


def same_rows(full: list[dict], cut: list[dict], what: str) -> None:
    """Rows equal, floats to 1e-12 (a look-ahead shows up far above that)."""
    assert len(full) == len(cut), f"{what}: {len(full)} rows in the full run, {len(cut)} after truncation"
    for f, c in zip(full, cut, strict=True):
        assert f.keys() == c.keys()
        for k in f:
            if isinstance(f[k], float) and isinstance(c[k], float):
                assert rel_close(f[k], c[k], 1e-12, 1e-12 * 1_000_000.0), f"{what}: {k} differs: {f} vs {c}"
            else:
                assert f[k] == c[k], f"{what}: {k} differs: {f} vs {c}"


def sort_rows(rs, *keys):
    return sorted(rs, key=lambda r: tuple(r[k] for k in keys))


@SETTINGS
@given(panels(min_days=3), st.floats(0.0, 1.0))
def test_truncating_the_future_changes_nothing_before(case, where):
    check_truncation(case, where)


@SETTINGS
@given(panels(min_days=3, shorts=True), st.floats(0.0, 1.0))
def test_truncating_the_future_changes_nothing_before_with_shorts(case, where):
    check_truncation(case, where)


def check_truncation(case, where):
    prices, targets, execution = case
    days = calendar_of(prices)
    d = days[min(int(where * len(days)), len(days) - 1)]
    cut_targets = targets.filter(pl.col("date") <= d)
    assume(cut_targets.height > 0)
    full = run_engine(prices, targets, **execution)
    cut = run_engine(prices.filter(pl.col("date") <= d), cut_targets, **execution)

    for table, date_col, keys in (("equity", "date", ["date"]), ("positions", "date", ["date", "asset"]),
                                  ("trades", "date", ["date", "asset"]), ("targets", "date", ["date", "asset"])):
        a = [r for r in rows(getattr(full, table)) if r[date_col] <= d]
        b = list(rows(getattr(cut, table)))
        same_rows(sort_rows(a, *keys), sort_rows(b, *keys), f"{table} up to {d}")
    a = [r for r in rows(full.orders) if r["decision_date"] < d]
    b = [r for r in rows(cut.orders) if r["decision_date"] < d]
    same_rows(sort_rows(a, "decision_date", "asset"), sort_rows(b, "decision_date", "asset"), f"orders before {d}")

    # the decision on d itself, in the cut run, has no next bar: pending (or skipped) with no fill
    # date. With decision_close sizing it is the same set of orders as in the full run.
    a = sort_rows([r for r in rows(full.orders) if r["decision_date"] == d], "asset")
    b = sort_rows([r for r in rows(cut.orders) if r["decision_date"] == d], "asset")
    assert all(r["status"] in ("pending", "skipped") and r["fill_date"] is None for r in b)
    if execution["sizing"] == "decision_close":
        assert [r["asset"] for r in a] == [r["asset"] for r in b]
        for f, c in zip(a, b, strict=True):
            assert rel_close(f["order_shares"], c["order_shares"], 1e-12, 1e-9), (f, c)
            assert (f["status"] == "skipped") == (c["status"] == "skipped"), (f, c)


# --- determinism -------------------------------------------------------------------------------


@SETTINGS
@given(st.booleans().flatmap(lambda shorts: panels(shorts=shorts)))
def test_same_inputs_give_identical_tables(case):
    prices, targets, execution = case
    one, two = run_engine(prices, targets, **execution), run_engine(prices, targets, **execution)
    for table in ("equity", "trades", "orders", "positions", "targets"):
        a, b = getattr(one, table), getattr(two, table)
        assert a.columns[0] == "run_id" and b.columns[0] == "run_id"
        assert a.drop("run_id").equals(b.drop("run_id")), f"{table} differs between two identical runs"


# --- no look-ahead through a signal computed by a .sql file ----------------------------------------

MOMENTUM_SQL = """
-- 5-bar momentum of each asset, from the validated prices (known after the close of `date`)
select date, asset, close / lag(close, 5) over (partition by asset order by date) - 1 as momentum
from prices
"""


@pytest.mark.parametrize("seed,rebalance", [(3, "daily"), (4, "weekly"), (5, "month_end"), (6, "quarterly")])
def test_a_signal_query_sees_nothing_after_the_cut(tmp_path, seed: int, rebalance: str):
    """Truncating prices after d changes nothing dated <= d, with signals from a `.sql` input."""
    import ml4t_sql

    (tmp_path / "momentum.sql").write_text(MOMENTUM_SQL)
    prices = make_prices(8, 45, seed, gap_prob=0.05, delist_prob=0.2)

    def run(frame: pl.DataFrame):
        config = {
            "data": {"prices": frame, "signals": str(tmp_path / "momentum.sql"), "quality": {"no_signal_date": "cash"}},
            "strategy": {"signal": "momentum", "top_n": 3, "rebalance": rebalance},
            "execution": {"delist_after": 3, "commission_bps": 5.0, "start": prices["date"].min()},
        }  # an explicit start: a cut before the first signal would move an "auto" one (tests/test_window.py)
        return ml4t_sql.run(config, write=False)

    full = run(prices)
    days = calendar_of(prices)
    cuts = [days[0], days[6], days[len(days) // 2], days[-2]]
    if rebalance == "month_end":  # it knows whether t ends its month (docs/SEMANTICS.md): cut on month ends
        cuts = [d for d, after in zip(days, days[1:], strict=False) if d.month != after.month]
    for d in cuts:
        cut = run(prices.filter(pl.col("date") <= d))
        for table, keys in (("equity", ["date"]), ("positions", ["date", "asset"]), ("trades", ["date", "asset"]),
                            ("targets", ["date", "asset"])):  # fmt: skip
            a = [r for r in rows(getattr(full, table)) if r["date"] <= d]
            same_rows(sort_rows(a, *keys), sort_rows(list(rows(getattr(cut, table))), *keys), f"{table} up to {d}")
        a = [r for r in rows(full.orders) if r["decision_date"] < d]
        b = [r for r in rows(cut.orders) if r["decision_date"] < d]
        same_rows(sort_rows(a, "decision_date", "asset"), sort_rows(b, "decision_date", "asset"), f"orders before {d}")
