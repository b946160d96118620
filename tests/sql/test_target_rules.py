"""A custom strategy's rules: sql/checks/negative_weight, off_calendar_target, unpriced_target, leverage."""

import datetime as dt

D1, D2, D3 = dt.date(2020, 1, 2), dt.date(2020, 1, 3), dt.date(2020, 1, 4)
PRICES = [{"date": D1, "asset": "A"}, {"date": D2, "asset": "A"}, {"date": D2, "asset": "B"}]
CALENDAR = [{"date": D1, "date_idx": 0}, {"date": D2, "date_idx": 1}]


def t(day, asset, weight):
    return {"date": day, "asset": asset, "weight": weight}


def test_negative_weights(check):
    rows = check(
        "negative_weight", "raw_targets", {"raw_targets": [t(D1, "A", -0.1), t(D1, "B", 0.0), t(D1, "C", None)]}
    )
    assert rows == [t(D1, "A", -0.1)]


def test_dates_that_are_not_trading_dates(check):
    tables = {"raw_targets": [t(D1, "A", 0.5), t(D3, "A", 0.5)], "prices": PRICES}
    assert check("off_calendar_target", "raw_targets", tables) == [t(D3, "A", 0.5)]


def test_assets_without_a_bar_on_or_before_the_target_date(check):
    targets = [t(D1, "A", 0.5), t(D1, "B", 0.5), t(D1, "C", 0.0), t(D2, "B", 0.5), t(D2, "Z", 0.1)]
    tables = {"raw_targets": targets, "prices": PRICES, "calendar": CALENDAR}
    assert check("unpriced_target", "raw_targets", tables) == [t(D1, "B", 0.5), t(D2, "Z", 0.1)]  # a zero is fine


def test_gross_weight_above_max_leverage(check):
    targets = [t(D1, "A", 0.6), t(D1, "B", 0.4 + 1e-12), t(D2, "A", 0.7), t(D2, "B", 0.31)]
    limits = [{"max_leverage": 1.0}]
    rows = check("leverage", "raw_targets", {"raw_targets": targets, "target_limits": limits})
    assert [(r["date"], round(r["gross_weight"], 6)) for r in rows] == [(D2, 1.01)]  # 1e-9 of slack for sums
    shorts = [t(D1, "A", 0.8), t(D1, "B", -0.5), t(D2, "A", 1.0), t(D2, "B", -0.3 + 1e-12), t(D3, "A", -1.31)]
    rows = check("leverage", "raw_targets", {"raw_targets": shorts, "target_limits": [{"max_leverage": 1.3}]})
    assert [(r["date"], round(r["gross_weight"], 6)) for r in rows] == [(D3, 1.31)]  # |w| counts: 0.8 + 0.5 = 1.3
