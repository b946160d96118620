"""sql/results/benchmark.sql: both series with a NAV from the initial cash; the primary one flagged."""

import datetime as dt

import pytest

D = [dt.date(2020, 1, d) for d in (2, 3, 6)]


def test_navs_compound_from_the_initial_cash_and_primary_is_the_users_benchmark(sql):
    universe = [{"date": d, "return": r} for d, r in zip(D, (0.0, 0.1, -0.5), strict=True)]
    bench = [{"date": d, "return": r} for d, r in zip(D, (0.0, 0.2, 0.25), strict=True)]
    out = sql(
        "results/benchmark",
        {"universe_returns": universe, "benchmark_returns": bench},
        {"initial_cash": 100.0, "primary": "benchmark"},
        has_benchmark=True,
    )
    got = {(r["series"], r["date"]): (r["nav"], r["is_primary"]) for r in out}
    assert got[("universe", D[2])] == (pytest.approx(55.0), False)
    assert got[("benchmark", D[0])] == (pytest.approx(100.0), True)
    assert got[("benchmark", D[2])] == (pytest.approx(150.0), True)
    assert len(out) == 6


def test_without_a_benchmark_only_the_universe_which_is_primary(sql):
    universe = [{"date": D[0], "return": 0.0}, {"date": D[1], "return": 0.1}]
    out = sql("results/benchmark", {"universe_returns": universe}, {"initial_cash": 10.0, "primary": "universe"},
              has_benchmark=False)  # fmt: skip
    assert [(r["series"], r["nav"], r["is_primary"]) for r in out] == [
        ("universe", 10.0, True), ("universe", pytest.approx(11.0), True),
    ]  # fmt: skip
