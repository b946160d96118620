"""sql/reports/cumulative_spread.sql: growth of 1 in the shortest horizon's spread, chained over dates."""

import datetime as dt

import pytest

DAYS = [dt.date(2020, 1, d) for d in (2, 3, 6)]


def test_growth_of_the_shortest_horizon(sql):
    spread = [{"run_id": "r", "date": d, "horizon": 2, "top_return": 0.0, "bottom_return": 0.0, "spread": s}
              for d, s in zip(DAYS, [0.1, -0.5, 0.2], strict=True)]  # fmt: skip
    spread.append(
        {"run_id": "r", "date": DAYS[0], "horizon": 5, "top_return": 0.0, "bottom_return": 0.0, "spread": 9.0}
    )
    rows = sql("reports/cumulative_spread", {"quantile_spread": spread})
    assert [r["horizon"] for r in rows] == [2, 2, 2]
    assert [r["growth"] for r in sorted(rows, key=lambda r: r["date"])] == pytest.approx([1.1, 0.55, 0.66])
