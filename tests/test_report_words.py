"""The tearsheet's words and numbers: ml4t_sql.report.numbers.fmt and ml4t_sql.report.summary."""

from __future__ import annotations

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ml4t_sql.report.numbers import fmt
from ml4t_sql.report.summary import config_rows, quality_rows, strategy_line

INFO = {"start_date": "2020-01-02", "end_date": "2020-12-31", "n_dates": 252}


@pytest.mark.parametrize(
    ("value", "kind", "text"),
    [
        (0.123456, "pct", "12.35%"), (-0.00004, "pct", "0.00%"), (-0.0, "pct", "0.00%"), (-0.5, "pct", "-50.00%"),
        (1.234, "ratio", "1.23"), (-0.004, "ratio", "0.00"), (1234567.891, "money", "1,234,567.89"),
        (-0.001, "money", "0.00"), (26920, "count", "26,920"), (1, "days", "1 day"), (223, "days", "223 days"),
        (None, "pct", "n/a"), (math.nan, "money", "n/a"), (math.inf, "ratio", "n/a"),
    ],
)  # fmt: skip
def test_formats(value, kind, text):  # type: ignore[no-untyped-def]
    assert fmt(value, kind) == text


@given(st.floats(min_value=-1e-3, max_value=1e-3, allow_nan=False), st.sampled_from(["pct", "ratio", "money", "count"]))
def test_a_value_that_rounds_to_zero_has_no_sign(value: float, kind):  # type: ignore[no-untyped-def]
    text = fmt(value, kind)
    digits = text.rstrip("%").lstrip("-").replace(",", "").replace(".", "")
    assert not (text.startswith("-") and set(digits) <= {"0"})


def _config(**strategy):  # type: ignore[no-untyped-def]
    base = {"signal": "momentum", "top_n": 10, "weighting": "equal", "rebalance": "weekly"}
    execution = {"commission_bps": 0.5, "slippage_bps": 0.0}
    return {"strategy": {**base, **strategy}, "execution": execution, "data": {}}


@pytest.mark.parametrize(
    ("strategy", "words"),
    [
        ({}, "Top 10 by momentum, equal weight, rebalanced weekly"),
        (
            {"rebalance_every": 5, "weighting": "inverse_vol"},
            "Top 10 by momentum, inverse-vol weight, rebalanced every 5 dates",
        ),
        (
            {"quantiles": 5, "long_short": True, "short_exposure": 0.5},
            "Long the top of 5 quantiles, short the bottom by momentum, equal weight (long 100%, short 50%), "
            "rebalanced weekly",
        ),
        (
            {"sql": "select 1", "long_exposure": 0.5},
            "Custom SQL targets, equal weight (50% invested), rebalanced weekly",
        ),
    ],
)
def test_strategy_line(strategy, words):  # type: ignore[no-untyped-def]
    line = strategy_line(_config(**strategy), INFO)
    assert line == f"{words}; costs 0.5 bps commission + 0 bps slippage; 2020-01-02 to 2020-12-31 (252 dates)"


def test_config_rows_flatten_and_leave_unset_keys_out():
    config = {
        "data": {"prices": "p.parquet", "universe": None, "quality": {"missing_open": "no_fill"}},
        "execution": {"short_fee": 0.005, "initial_cash": 1e6, "allow_short": True, "delist_after": 15},
    }
    assert config_rows(config) == [
        ("data", "prices", "p.parquet"), ("data", "quality.missing_open", "no_fill"),
        ("execution", "short_fee", "0.50%"), ("execution", "initial_cash", "1,000,000.00"),
        ("execution", "allow_short", "true"), ("execution", "delist_after", "15"),
    ]  # fmt: skip


def test_quality_rows_name_the_rule_and_the_first_example():
    quality = {
        "findings": {
            "gaps": {
                "count": 1234,
                "policy": "delist_after = 15",
                "relation": "prices",
                "rule": "interior gaps",
                "examples": [{"asset": "A", "missing_dates": 2, "close": 1.5, "x": None}],
            }
        }
    }
    assert quality_rows(quality) == [
        {"check": "gaps", "relation": "prices", "rows": "1,234", "policy": "delist_after = 15",
         "rule": "interior gaps", "example": "asset=A, missing_dates=2, close=1.5, x=NULL"},
    ]  # fmt: skip
    assert quality_rows({}) == []


def test_the_metrics_table_writes_each_metric_as_the_cli_does():
    from ml4t_sql.format import METRIC_KINDS
    from ml4t_sql.report.metric_table import METRICS

    assert {k: kind for k, (_, _, kind) in METRICS.items() if k in METRIC_KINDS} == {
        k: v for k, v in METRIC_KINDS.items() if k in METRICS
    }
