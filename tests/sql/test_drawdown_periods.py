"""sql/reports/drawdown_periods.sql: spells under water, peak to recovery, durations in trading dates."""

import datetime as dt

D = [dt.date(2020, 1, 1) + dt.timedelta(days=i) for i in range(8)]


def test_spells_recovered_and_not_with_the_stats_duration_rule(sql):
    # drawdown by date: 0, -0.1, -0.2, 0, 0, -0.05, -0.3, -0.3 (the last spell never recovers)
    dd = [0.0, -0.1, -0.2, 0.0, 0.0, -0.05, -0.3, -0.3]
    rows = [{"run_id": "r", "date": d, "drawdown": x} for d, x in zip(D, dd, strict=True)]
    out = sql("reports/drawdown_periods", {"drawdowns": rows})
    assert out == [
        {"run_id": "r", "peak_date": D[0], "trough_date": D[2], "recovery_date": D[3], "depth": -0.2, "duration": 3},
        {"run_id": "r", "peak_date": D[4], "trough_date": D[6], "recovery_date": None, "depth": -0.3, "duration": 3},
    ]  # fmt: skip


def test_a_spell_from_the_first_date_has_no_peak_date(sql):
    dd = [-0.01, -0.02, 0.0]
    rows = [{"run_id": "r", "date": d, "drawdown": x} for d, x in zip(D[:3], dd, strict=True)]
    (out,) = sql("reports/drawdown_periods", {"drawdowns": rows})
    assert (out["peak_date"], out["trough_date"], out["recovery_date"], out["duration"]) == (None, D[1], D[2], 3)


def test_ties_at_the_trough_take_the_earliest_date(sql):
    dd = [0.0, -0.1, -0.1, 0.0]
    rows = [{"run_id": "r", "date": d, "drawdown": x} for d, x in zip(D[:4], dd, strict=True)]
    (out,) = sql("reports/drawdown_periods", {"drawdowns": rows})
    assert out["trough_date"] == D[1]
