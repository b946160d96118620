"""sql/checks/off_schedule_target.sql: a custom strategy's rows on window dates off its schedule."""

import datetime as dt

D1, D2, D3, D4 = (dt.date(2020, 1, d) for d in (2, 3, 6, 7))


def test_rows_on_trading_dates_that_are_not_rebalance_dates(check):
    targets = [
        {"date": D1, "asset": "A", "weight": 0.5},  # a rebalance date
        {"date": D2, "asset": "A", "weight": 0.5},  # a trading date off the schedule: ignored
        {"date": D2, "asset": "B", "weight": None},
        {"date": dt.date(2019, 12, 31), "asset": "A", "weight": 0.5},  # before the window
        {"date": D3, "asset": "A", "weight": 0.5},  # a rebalance date
        {"date": D4, "asset": "A", "weight": 0.2},  # off the schedule
    ]
    tables = {
        "raw_targets": targets,
        "calendar": [{"date": d, "date_idx": i} for i, d in enumerate((D1, D2, D3, D4))],
        "rebalance_dates": [{"date": D1}, {"date": D3}],
    }
    rows = check("off_schedule_target", "raw_targets", tables)
    assert rows == [
        {"date": D2, "asset": "A", "weight": 0.5},
        {"date": D2, "asset": "B", "weight": None},
        {"date": D4, "asset": "A", "weight": 0.2},
    ]


def test_timestamps_count_by_their_date(check):
    targets = [{"date": dt.datetime(2020, 1, 3), "asset": "A", "weight": 1.0}]
    tables = {"raw_targets": targets, "calendar": [{"date": D2, "date_idx": 0}], "rebalance_dates": [{"date": D1}]}
    assert check("off_schedule_target", "raw_targets", tables) == [{"date": D2, "asset": "A", "weight": 1.0}]
