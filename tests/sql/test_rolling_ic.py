"""sql/reports/rolling_ic.sql: trailing means over the last $window rows per run and horizon, NULLs skipped."""

import datetime as dt

import pytest

DAYS = [dt.date(2020, 1, d) for d in (2, 3, 6, 7)]


def test_trailing_means_per_horizon(sql):
    values = [0.1, None, 0.3, 0.5]
    ic = [
        {"run_id": "r", "date": d, "horizon": 1, "n_pairs": 2, "ic": v, "rank_ic": v}
        for d, v in zip(DAYS, values, strict=True)
    ]
    ic.append({"run_id": "r", "date": DAYS[0], "horizon": 5, "n_pairs": 2, "ic": 0.9, "rank_ic": 0.9})
    rows = sql("reports/rolling_ic", {"information_coefficient": ic}, {"window": 2})
    got = {(r["horizon"], r["date"]): r["rolling_rank_ic"] for r in rows}
    assert got[(1, DAYS[0])] == pytest.approx(0.1)
    assert got[(1, DAYS[1])] == pytest.approx(0.1)  # NULL skipped
    assert got[(1, DAYS[2])] == pytest.approx(0.3)  # window of 2: the NULL and 0.3
    assert got[(1, DAYS[3])] == pytest.approx(0.4)
    assert got[(5, DAYS[0])] == pytest.approx(0.9)  # another horizon apart
