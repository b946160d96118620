"""sql/strategy/schedule_dates.sql: every schedule's dates on a calendar that starts mid-period."""

import datetime as dt

import pytest

d = dt.date
# Thu 2020-03-26 .. Tue 2020-04-07, a gap over the weekend and a missing Monday (2020-03-30),
# then 2020-06-30 and 2020-07-01 (quarter turn).
CALENDAR = [
    d(2020, 3, 26), d(2020, 3, 27), d(2020, 3, 31), d(2020, 4, 1), d(2020, 4, 2),
    d(2020, 4, 6), d(2020, 4, 7), d(2020, 6, 30), d(2020, 7, 1),
]  # fmt: skip
EXPECTED = {
    "daily": CALENDAR,
    # first date of each ISO week: Thu 26 (opens the calendar), Tue 31 (Monday missing), Mon 6 Apr,
    # Tue 30 Jun (week of Mon 29 Jun), and 1 Jul is in the same week
    "weekly": [d(2020, 3, 26), d(2020, 3, 31), d(2020, 4, 6), d(2020, 6, 30)],
    "monthly": [d(2020, 3, 26), d(2020, 4, 1), d(2020, 6, 30), d(2020, 7, 1)],
    "month_end": [d(2020, 3, 31), d(2020, 4, 7), d(2020, 6, 30), d(2020, 7, 1)],
    "quarterly": [d(2020, 3, 26), d(2020, 4, 1), d(2020, 7, 1)],
    # rebalance_every = k: window dates 0, k, 2k, ... (the gaps of the calendar do not count)
    "every_1": CALENDAR,
    "every_3": [d(2020, 3, 26), d(2020, 4, 1), d(2020, 4, 7)],
    "every_4": [d(2020, 3, 26), d(2020, 4, 2), d(2020, 7, 1)],
    "every_20": [d(2020, 3, 26)],
}


@pytest.fixture(scope="module")
def rows():
    from .conftest import run_sql

    calendar = [{"date": day, "date_idx": i} for i, day in enumerate(CALENDAR)]
    return run_sql("strategy/schedule_dates", {"calendar": calendar}, {"every": [1, 3, 4, 20]})


@pytest.mark.parametrize("schedule", sorted(EXPECTED))
def test_schedules(rows, schedule):
    assert sorted(r["date"] for r in rows if r["schedule"] == schedule) == EXPECTED[schedule]


def test_no_other_schedule(rows):
    assert {r["schedule"] for r in rows} == set(EXPECTED)


def test_no_every_k_schedule_without_a_k():
    from .conftest import run_sql

    calendar = [{"date": day, "date_idx": i} for i, day in enumerate(CALENDAR)]
    rows = run_sql("strategy/schedule_dates", {"calendar": calendar}, {"every": []})
    assert {r["schedule"] for r in rows} == {"daily", "weekly", "monthly", "month_end", "quarterly"}
