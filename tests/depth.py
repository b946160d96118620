"""How deep the property tests go: every example in a full run, a fifth in the fast subset.

`ML4T_SQL_TEST_DEPTH` is "full" or "quick"; tests/conftest.py sets it from the marker expression
(`-m "not ... slow"` is quick), unless it is already set.
"""

from __future__ import annotations

import os

QUICK = os.environ.get("ML4T_SQL_TEST_DEPTH", "full") == "quick"


def examples(full: int) -> int:
    """Hypothesis examples for a property that runs `full` of them in a full run."""
    return max(6, full // 5) if QUICK else full


def sample(items: list, every: int) -> list:
    """All of `items` in a full run; in the fast subset every `every`-th, the first and the last."""
    if not QUICK or len(items) <= 2:
        return items
    return [x for i, x in enumerate(items) if i % every == 0 or i == len(items) - 1]
