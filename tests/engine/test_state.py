"""FoldState: a plain value of arrays and integers, round-trips through to_dict / from_dict bit for bit."""

from __future__ import annotations

import numpy as np
import pytest

from ml4t_sql.engine import FoldState, run_fold

from .cases import random_case, rules


def a_state_with_pending() -> FoldState:
    for seed in range(100):
        panel, targets, r = random_case(seed)
        half = panel.n_dates // 2
        state = run_fold(panel.chunk(0, half), targets.chunk(0, half), r,
                         state=FoldState.start(r, panel.n_assets, panel.n_dates)).state  # fmt: skip
        if state.pending_date >= 0 and state.pending_variant.size and state.pending_close.size:
            return state
    raise AssertionError("no random case leaves a fill_price decision pending at half time")


def test_the_state_is_arrays_and_integers_only_and_round_trips():
    state = a_state_with_pending()
    values = state.to_dict()
    assert all(isinstance(v, int) or isinstance(v, np.ndarray) for v in values.values())
    assert all(v.ndim == 1 for v in values.values() if isinstance(v, np.ndarray))
    again = FoldState.from_dict({k: v.copy() if isinstance(v, np.ndarray) else v for k, v in values.items()})
    assert again.equals(state) and again == state
    assert FoldState.from_dict({k: v.tolist() if isinstance(v, np.ndarray) else v for k, v in values.items()}) == state


def test_equality_is_bitwise():
    r = rules(2)
    a = FoldState.start(r, 3, 10)
    assert a == FoldState.start(r, 3, 10)
    for name, value in (("cash", np.array([1000.0, 999.0])), ("offset", 1)):
        changed = a.to_dict() | {name: value}
        assert not FoldState.from_dict(changed).equals(a), name
    nan_a = a.to_dict() | {"cash": np.array([np.nan, 1.0])}
    assert FoldState.from_dict(nan_a) == FoldState.from_dict(nan_a)  # the same NaN is equal
    signed = a.to_dict() | {"shares": np.array([0.0, -0.0, 0, 0, 0, 0])}
    assert FoldState.from_dict(signed) != a  # -0.0 is not 0.0 bit for bit


def test_states_are_read_only():
    state = a_state_with_pending()
    for name, value in state.to_dict().items():
        if isinstance(value, np.ndarray):
            assert not value.flags.writeable, name
    with pytest.raises(ValueError):
        state.cash[0] = 1.0


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"nav_prev": np.zeros(3)}, "nav_prev need 2 entries"),
        ({"shares": np.zeros(5)}, "a multiple of 2"),
        ({"offset": 11}, "offset 11 outside the window"),
        ({"pending_weight": np.zeros(1)}, "differ in length"),
        ({"cash": np.zeros(2, dtype=np.int64)}, "cash must be a 1-d float64 array"),
        ({"offset": 1.5}, "offset must be an integer"),
        ({"pending_date": 0, "pending_nav": np.zeros(2), "offset": 0}, "not before offset"),
        ({"pending_date": 0, "offset": 1}, "pending_nav needs 2 entries"),
    ],
)
def test_from_dict_refuses_inconsistent_values(change, message):
    values = FoldState.start(rules(2), 3, 10).to_dict() | change
    with pytest.raises(ValueError, match=message):
        FoldState.from_dict(values)


def test_from_dict_names_missing_and_unknown_fields():
    values = FoldState.start(rules(1), 2, 5).to_dict()
    del values["cash"]
    with pytest.raises(ValueError, match=r"missing fields \['cash'\], unknown fields \['extra'\]"):
        FoldState.from_dict(values | {"extra": 1})


def test_the_risk_state_round_trips_and_a_state_from_before_it_loads():
    state = a_state_with_pending()
    assert state.entry_price.size and state.peak.size, "the random case carries the [risk] state"
    values = state.to_dict()
    assert FoldState.from_dict(dict(values)) == state
    plain = FoldState.start(rules(2), 3, 10).to_dict()
    risk = ("entry_price", "best_close", "reentry_left", "peak", "halt_left", "halt_waiting")
    older = {k: v for k, v in plain.items() if k not in risk}
    assert FoldState.from_dict(older) == FoldState.start(rules(2), 3, 10)
