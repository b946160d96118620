"""sql/reports/halts.sql: each max_drawdown halt, its drawdown against the peak since the last resume,
and the dates without a decision."""

import datetime as dt

import pytest

D = [dt.date(2020, 1, d) for d in range(1, 11)]
NAV = [100, 110, 98, 97, 96, 99, 100, 90, 91, 92]


def _event(date, rule, run="r"):
    return {"run_id": run, "date": date, "asset": None, "rule": rule, "detail": ""}


def test_halts_their_depth_and_length(sql):
    equity = [{"run_id": "r", "date": d, "nav": float(n)} for d, n in zip(D, NAV, strict=True)]
    # halt at D2 (98 vs peak 110), resume at D5 (peak restarts at 99), halt at D7 (90 vs 100), never resumed
    events = [_event(D[2], "max_drawdown"), _event(D[5], "resume"), _event(D[7], "max_drawdown"),
              {"run_id": "r", "date": D[3], "asset": "A", "rule": "stop_loss", "detail": ""}]  # fmt: skip
    out = sql("reports/halts", {"equity": equity, "events": events})
    out.sort(key=lambda r: r["date"])
    got = [(r["date"], r["drawdown"], r["resume_date"], r["dates_halted"]) for r in out]
    assert got == [
        (D[2], pytest.approx(98 / 110 - 1), D[5], 2),
        (D[7], pytest.approx(90 / 100 - 1), None, 2),
    ]
