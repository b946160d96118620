"""sql/strategy/stale.sql: the assets a `stale = "hold"` variant keeps on a rebalance date if held."""

import datetime as dt
import math

D1, D2, D3 = dt.date(2020, 1, 2), dt.date(2020, 1, 3), dt.date(2020, 1, 6)

VARIANTS = [{"variant": 0, "signal_id": 0, "stale": "hold"}, {"variant": 1, "signal_id": 0, "stale": "exit"}]
REBALANCE = [{"variant": v, "date": d} for v in (0, 1) for d in (D1, D2, D3)]
TARGETS = [
    {"variant": v, "date": D1, "asset": a, "weight": w}
    for v in (0, 1)
    for a, w in [("A", 0.25), ("B", 0.25), ("C", 0.25), ("Z", 0.0)]  # Z: a zero weight holds nothing
] + [{"variant": 0, "date": D2, "asset": "E", "weight": 0.25}]  # E: first targeted on D2
PRICES = [{"date": d, "asset": a} for d in (D1, D2, D3) for a in "ABCEZ" if not (d == D2 and a == "B")]
SIGNALS = [
    *({"date": D1, "asset": a, "score": 1.0} for a in "ABCEZ"),
    {"date": D2, "asset": "A", "score": 0.5},  # fresh
    {"date": D2, "asset": "B", "score": 0.5},  # a signal but no bar on D2: stale
    {"date": D2, "asset": "C", "score": None},  # NULL signal: stale
    {"date": D2, "asset": "E", "score": None},  # targeted only on D2 itself: not a candidate on D2
    {"date": D2, "asset": "Z", "score": None},  # only a zero weight before: not a candidate
    {"date": D3, "asset": "A", "score": math.nan},  # NaN: stale
    {"date": D3, "asset": "B", "score": 2.0},  # back, with a bar: fresh
    {"date": D3, "asset": "C", "score": math.inf},  # infinite: stale
    {"date": D3, "asset": "E", "score": None},  # targeted on D2 < D3: stale
]
INPUTS = {"variants": VARIANTS, "rebalance": REBALANCE, "final_targets": TARGETS, "prices": PRICES, "signals": SIGNALS}


def test_stale_assets_of_the_holding_variants_only(sql):
    rows = sql("strategy/stale", INPUTS, signals=["score"], signals_in_prices=False)
    assert [(r["variant"], r["date"], r["asset"]) for r in rows] == [
        (0, D2, "B"),
        (0, D2, "C"),
        (0, D3, "A"),
        (0, D3, "C"),
        (0, D3, "E"),
    ]


def test_signals_in_prices_need_no_bar_join(sql):
    """With the signal a column of prices, every signal row has its bar: only the signal decides."""
    prices = [{**s} for s in SIGNALS if not (s["date"] == D2 and s["asset"] == "B")]
    rows = sql("strategy/stale", {**INPUTS, "signals": prices}, signals=["score"], signals_in_prices=True)
    # B has no row on D2 at all (no bar): still stale
    assert [(r["date"], r["asset"]) for r in rows] == [(D2, "B"), (D2, "C"), (D3, "A"), (D3, "C"), (D3, "E")]
