"""ml4t-sql against vectorbt, bt, backtrader and zipline-reloaded on the same scenarios.

Each peer runs in its own pinned environment (built on first use, see tests/parity/envs.py), with
its conventions set to equal ml4t-sql's, or ml4t-sql's compatibility options set to reproduce the
peer's rule (tests/parity/scenarios.py, CONVENTIONS). Where they are equal, NAV must agree to 1e-9
relative on every date and the trade counts must be identical. The differences that remain are
listed in KNOWN_DIFFERENCES with their cause and a bound on their size; the test checks they still
exist and stay within the bound, and the report
(docs/VALIDATION.md; `python -m tests.parity.report` after a run) gives their size.
"""

from __future__ import annotations

import pytest

from tests.parity import envs
from tests.parity.harness import check_targets, compare, run_ml4t
from tests.parity.scenarios import KNOWN_DIFFERENCES, SCENARIOS, Scenario

pytestmark = pytest.mark.parity

REL = 1e-9

_panels: dict[str, object] = {}


def panel_of(scenario: Scenario):
    if scenario.name not in _panels:
        _panels[scenario.name] = scenario.panel()
    return _panels[scenario.name]


@pytest.fixture(scope="session")
def peer_envs() -> dict:
    return envs.ensure_all()


@pytest.mark.parametrize("scenario", SCENARIOS, ids=lambda s: s.name)
def test_peers_see_the_same_targets(scenario: Scenario):
    """The pandas top-N that every peer runner uses picks exactly ml4t-sql's SQL targets."""
    panel = panel_of(scenario)
    run, _ = run_ml4t(scenario, panel, None)
    check_targets(scenario, panel, run)
    assert run.trades.height > 0


CELLS = [(s, p) for s in SCENARIOS for p in s.peers]


@pytest.mark.parametrize("scenario,peer", CELLS, ids=[f"{s.name}-{p}" for s, p in CELLS])
def test_parity(scenario: Scenario, peer: str, peer_envs: dict, tmp_path):
    if peer in scenario.skip:
        pytest.skip(scenario.skip[peer])
    result = compare(scenario, peer, panel_of(scenario), tmp_path / peer)
    result.save()
    known = KNOWN_DIFFERENCES.get((scenario.name, peer))
    equal = result.max_rel_equity_diff <= REL and result.ml4t_trades == result.peer_trades
    if known:
        assert not equal, f"listed as a known difference but now equal ({known.cause}); remove it from the list"
        assert result.max_rel_equity_diff <= known.max_rel_nav, (
            f"known difference grew: NAV differs by {result.max_rel_equity_diff:.3g} > {known.max_rel_nav:.3g}"
        )
        assert abs(result.ml4t_trades - result.peer_trades) <= known.max_trade_diff, (
            f"known difference grew: trades {result.ml4t_trades} vs {result.peer_trades}"
        )
        return
    assert result.ml4t_trades == result.peer_trades, (
        f"trade counts differ: ml4t-sql {result.ml4t_trades}, {peer} {result.peer_trades}\n"
        f"first divergence {result.first_divergence}"
    )
    assert result.max_rel_equity_diff <= REL, (
        f"NAV differs by {result.max_rel_equity_diff:.3g} relative on {result.worst_date}\n"
        f"first divergence {result.first_divergence}"
    )
