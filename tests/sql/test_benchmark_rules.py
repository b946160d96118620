"""sql/checks/non_finite_value.sql, nonpositive_level.sql and benchmark_coverage.sql on a benchmark."""

import datetime as dt
import math

D = [dt.date(2020, 1, d) for d in (2, 3, 6, 7)]
ROWS = [{"date": D[0], "value": 0.01}, {"date": D[1], "value": None}, {"date": D[2], "value": math.nan},
        {"date": D[3], "value": -math.inf}]  # fmt: skip


def test_null_nan_and_infinite_values(check):
    rows = check("non_finite_value", "benchmark_input", {"benchmark_input": ROWS}, column="value")
    assert [r["date"] for r in rows] == D[1:]


def test_levels_at_or_below_zero(check):
    rows = [{"date": D[i], "value": v} for i, v in enumerate([-1.0, -0.99, 0.0, 5.0])]
    returns = check("nonpositive_level", "benchmark_input", {"benchmark_input": rows}, kind="return")
    assert [r["value"] for r in returns] == [-1.0]  # -100%: everything lost
    prices = check("nonpositive_level", "benchmark_input", {"benchmark_input": rows}, kind="price")
    assert [r["value"] for r in prices] == [-1.0, -0.99, 0.0]


def test_coverage_of_the_window(sql):
    calendar = [{"date": d, "date_idx": i} for i, d in enumerate(D[1:3])]
    covered = {"benchmark_input": [{"date": D[0]}, {"date": D[3]}], "calendar": calendar}
    assert sql("checks/benchmark_coverage", covered) == []
    late = {"benchmark_input": [{"date": D[2]}, {"date": D[3]}], "calendar": calendar}
    assert sql("checks/benchmark_coverage", late) == [
        {"first_date": D[2], "last_date": D[3], "window_start": D[1], "window_end": D[2]}
    ]
