"""sql/reports/sweep_grid.sql: one metric over two swept keys; grid order; best of a shared cell."""

import json
import math


def _variants(params):
    return [
        {"run_id": "s", "variant": i, "name": ", ".join(f"{k}={v}" for k, v in p.items()), "params": json.dumps(p)}
        for i, p in enumerate(params)
    ]


def _metrics(values, metric="sharpe"):
    return [{"run_id": "s", "variant": i, "metric": metric, "value": v} for i, v in enumerate(values)] + [
        {"run_id": "s", "variant": i, "metric": "cagr", "value": 9.0} for i in range(len(values))
    ]


def test_two_keys_in_grid_order(sql):
    params = [{"top_n": n, "rebalance": r} for n in (50, 10) for r in ("monthly", "daily")]
    out = sql(
        "reports/sweep_grid",
        {"variants": _variants(params), "metrics": _metrics([0.1, 0.2, 0.3, 0.4])},
        {"metric": "sharpe", "x_key": "top_n", "y_key": "rebalance"},
    )
    got = sorted((r["x_order"], r["y_order"], r["x"], r["y"], r["value"], r["best_variant"]) for r in out)
    assert got == [
        (1, 1, "50", "monthly", 0.1, 0),
        (1, 2, "50", "daily", 0.2, 1),
        (2, 1, "10", "monthly", 0.3, 2),
        (2, 2, "10", "daily", 0.4, 3),
    ]  # fmt: skip  (50 first: the grid's order, not the values')


def test_a_third_key_keeps_the_best_variant_and_nan_is_left_out(sql):
    params = [{"a": a, "b": b, "c": c} for a in (1, 2) for b in ("x",) for c in (0, 5)]
    values = [0.5, 0.7, math.nan, math.nan]
    out = sql(
        "reports/sweep_grid",
        {"variants": _variants(params), "metrics": _metrics(values)},
        {"metric": "sharpe", "x_key": "a", "y_key": "b"},
    )
    got = {r["x"]: (r["value"], r["best_variant"], r["n_variants"]) for r in out}
    assert got == {"1": (0.7, 1, 2), "2": (None, 2, 2)}


def test_one_key_gives_one_row(sql):
    params = [{"top_n": n} for n in (10, 25)]
    out = sql(
        "reports/sweep_grid",
        {"variants": _variants(params), "metrics": _metrics([1.0, 2.0])},
        {"metric": "sharpe", "x_key": "top_n", "y_key": ""},
    )
    assert sorted((r["x"], r["y"], r["y_order"], r["value"]) for r in out) == [
        ("10", None, 1, 1.0),
        ("25", None, 1, 2.0),
    ]
