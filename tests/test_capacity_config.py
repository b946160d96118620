"""The capacity and trading-cost keys of `[execution]` (SPEC 10): ranges, units, slips and ties."""

from __future__ import annotations

import math

import pytest

from ml4t_sql.config import load_config
from ml4t_sql.sweeps import EXECUTION_KEYS
from tests.test_config import base, refused


@pytest.mark.parametrize(
    ("key", "value", "needle"),
    [
        ("max_participation", 0.0, "must be positive"),
        ("max_participation", 1.5, "must be at most 1"),
        ("max_participation", 10, "did you mean 0.1?"),
        ("max_participation", math.nan, "must be a finite number"),
        ("commission_per_share", -0.01, "must be >= 0"),
        ("commission_per_share", math.nan, "must be a finite number"),
        ("commission_min", -1.0, "must be >= 0"),
        ("commission_min", math.inf, "must be a finite number"),
        ("impact_coefficient", -0.5, "must be >= 0"),
        ("impact_coefficient", math.nan, "must be a finite number"),
        ("impact_vol_window", 1, "must be at least 2"),
        ("drift_band", 1.0, "must be below 1"),
        ("drift_band", 5, "did you mean 0.05?"),
        ("drift_band", -0.01, "must be >= 0"),
        ("lot_size", 0, "must be at least 1"),
    ],
)
def test_bad_values_are_refused_with_the_key_the_rule_and_the_unit(key, value, needle):
    message = refused("execution", key, value, fractional=False)
    assert f"[execution] `{key}`" in message and needle in message and "allowed:" in message


def test_lot_size_needs_whole_shares():
    message = refused("execution", "lot_size", 100)
    assert "`lot_size`" in message and "fractional = false" in message
    assert load_config(base(execution={"lot_size": 100, "fractional": False})).execution.lot_size == 100


def test_per_share_fees_and_minimums_are_refused_with_sequential_fills():
    for key in ("commission_per_share", "commission_min"):
        message = refused("execution", key, 1.0, cash_shortfall="sequential")
        assert "sequential" in message and key in message


def test_the_defaults_turn_every_rule_off():
    x = load_config(base()).execution
    assert (x.max_participation, x.commission_per_share, x.commission_min, x.impact_coefficient) == (None, 0, 0, 0)
    assert (x.impact_vol_window, x.drift_band, x.lot_size) == (20, None, None)


def test_a_full_participation_and_a_zero_band_are_meaningful_values():
    x = load_config(base(execution={"max_participation": 1, "drift_band": 0})).execution
    assert (x.max_participation, x.drift_band) == (1, 0)


def test_every_capacity_key_is_sweepable():
    keys = {"max_participation", "commission_per_share", "commission_min", "impact_coefficient", "impact_vol_window",
            "drift_band", "lot_size"}  # fmt: skip
    assert keys <= set(EXECUTION_KEYS)
