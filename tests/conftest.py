"""Test depth: the everyday fast subset (`-m "not parity and not slow"`) runs the property tests with
fewer examples; a full run (CI's `pytest`, no marker filter) runs every example. See tests/depth.py.

Property tests draw the same examples on every run (`derandomize`), so a green suite stays green on
another machine; `ML4T_SQL_HYPOTHESIS=explore` draws fresh ones (and keeps failures in
.hypothesis/), which is how to hunt for new counterexamples (README, *Set up*)."""

from __future__ import annotations

import os

import pytest
from hypothesis import settings

settings.register_profile("repeatable", derandomize=True, print_blob=True)
settings.register_profile("explore", print_blob=True)
settings.load_profile("explore" if os.environ.get("ML4T_SQL_HYPOTHESIS") == "explore" else "repeatable")


def pytest_configure(config: pytest.Config) -> None:
    quick = "not slow" in (config.getoption("markexpr") or "")
    os.environ.setdefault("ML4T_SQL_TEST_DEPTH", "quick" if quick else "full")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Subprocess- and filesystem-heavy tests count as slow: the fast subset leaves them out."""
    for item in items:
        if item.get_closest_marker("process") is not None:
            item.add_marker(pytest.mark.slow)


@pytest.fixture(autouse=True)
def _own_state(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> None:
    """No test reads the user's ML4T_SQL_WAREHOUSE or writes the user's last-run record (store.locate)."""
    monkeypatch.delenv("ML4T_SQL_WAREHOUSE", raising=False)
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path_factory.mktemp("state")))
