"""ml4t_sql.format: one number format for every command and page (literal expected strings)."""

from __future__ import annotations

import math

import pytest

from ml4t_sql import format as fmt
from ml4t_sql.results.metrics import compute_metrics


@pytest.mark.parametrize(
    ("value", "kind", "text"),
    [
        (0.123456, "pct", "12.35%"),
        (-0.4, "pct", "-40.00%"),
        (-0.00001, "pct", "0.00%"),
        (-0.0, "pct", "0.00%"),
        (12.5, "pct", "1,250.00%"),
        (1.23456, "ratio", "1.23"),
        (-0.004, "ratio", "0.00"),
        (1121.2536867898746, "money", "1,121.25"),
        (-1234567.891, "money", "-1,234,567.89"),
        (12345.0, "count", "12,345"),
        (412.0, "days", "412 days"),
        (1.0, "days", "1 day"),
        (1121.2536867898746, "sig", "1,121"),
        (0.000123456, "sig", "0.0001235"),
        (9.99996, "sig", "10.00"),
        (-0.5, "sig", "-0.5000"),
        (0.0, "sig", "0"),
        (1.5e-9, "sig", "1.500e-09"),
        (None, "pct", "n/a"),
        (math.nan, "ratio", "n/a"),
        (math.inf, "money", "n/a"),
    ],
)
def test_fmt(value: float | None, kind: fmt.Kind, text: str) -> None:
    assert fmt.fmt(value, kind) == text


def test_metric_by_key() -> None:
    assert fmt.metric("total_return", 0.5) == "50.00%"
    assert fmt.metric("sharpe", 1.2345) == "1.23"
    assert fmt.metric("n_trades", 1500.0) == "1,500"
    assert fmt.metric("max_drawdown_duration", 30.0) == "30 days"
    assert fmt.metric("final_nav", 1_000_000.004) == "1,000,000.00"
    assert fmt.metric("some_new_key", 3.14159) == "3.142"


def test_every_metric_has_a_kind() -> None:
    import numpy as np

    n = 30
    rng = np.random.default_rng(1)
    returns = rng.normal(0, 0.01, n)
    nav = 1e6 * np.cumprod(1 + returns)
    keys = set(
        compute_metrics(
            nav=nav,
            returns=returns,
            initial_cash=1e6,
            turnover=np.full(n, 0.01),
            costs=np.zeros(n),
            n_trades=10,
            holdings=np.full(n, 5.0),
            gross=np.ones(n),
            net=np.ones(n),
            financing=np.zeros(n),
            benchmark=rng.normal(0, 0.01, n),
        )
    )
    assert keys <= set(fmt.METRIC_KINDS), keys - set(fmt.METRIC_KINDS)
