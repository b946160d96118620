"""Run one scenario in ml4t-sql and in a peer, and compare what they did.

The peer runs as a subprocess in its own environment (tests/parity/envs.py), reading the panel
and scenario this module writes to a fresh workdir, and writing its equity and trades back there.
"""

from __future__ import annotations

import json
import os
import subprocess
import time
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import polars as pl

import ml4t_sql
from tests.parity import envs
from tests.parity.peers.common import build_case, targets_frame
from tests.parity.scenarios import CONVENTIONS, Scenario

PEERS_DIR = Path(__file__).resolve().parent / "peers"
RESULTS = envs.CACHE / "results"
PEER_TIMEOUT = 600


@dataclass
class Comparison:
    scenario: str
    peer: str
    version: str
    n_dates: int
    n_assets: int
    options: dict
    ml4t_trades: int
    peer_trades: int
    max_rel_equity_diff: float
    worst_date: str
    ml4t_seconds: float
    peer_seconds: float
    peer_wall_seconds: float
    first_divergence: str  # the first date whose trades differ, with both sides' trades

    def save(self) -> Path:
        RESULTS.mkdir(parents=True, exist_ok=True)
        path = RESULTS / f"{self.scenario}__{self.peer}.json"
        path.write_text(json.dumps(asdict(self), indent=1))
        return path


def ml4t_config(scenario: Scenario, panel: pl.DataFrame, peer: str | None) -> dict:
    execution = {k: v for k, v in scenario.as_json().items() if k in EXECUTION_KEYS and v is not None}
    if peer is not None:
        execution.update(options_for(scenario, peer))
    strategy = {"signal": "signal", "top_n": scenario.top_n, "rebalance": scenario.rebalance}
    if scenario.book:
        strategy.update(bottom_n=scenario.bottom_n, long_exposure=scenario.long_exposure,
                        short_exposure=scenario.short_exposure)  # fmt: skip
        execution.update(allow_short=True, max_leverage=scenario.max_leverage)
    data: dict = {"prices": panel}
    if (actions := scenario.actions()) is not None:
        data["actions"] = actions
    return {"data": data, "strategy": strategy, "execution": execution}


EXECUTION_KEYS = ("initial_cash", "fractional", "commission_bps", "slippage_bps", "delist_after",
                  "max_participation", "commission_per_share", "commission_min")  # fmt: skip


def options_for(scenario: Scenario, peer: str) -> dict:
    """ml4t-sql's compatibility options for this peer (rounding only matters for whole shares)."""
    return {k: v for k, v in CONVENTIONS[peer].items() if not (k == "rounding" and scenario.fractional)}


def run_ml4t(scenario: Scenario, panel: pl.DataFrame, peer: str | None) -> tuple[ml4t_sql.Run, float]:
    start = time.perf_counter()
    run = ml4t_sql.run(ml4t_config(scenario, panel, peer), write=False)
    return run, time.perf_counter() - start


def check_targets(scenario: Scenario, panel: pl.DataFrame, run: ml4t_sql.Run) -> None:
    """The pandas strategy the peers use must choose exactly ml4t-sql's targets (bar the last date)."""
    case = build_case(panel.to_pandas(), scenario.as_json())
    ours = targets_frame(case)
    last = case.dates[-1]
    sql = run.targets.filter(pl.col("date") != last).sort("date", "asset")
    theirs = pd.DataFrame({"date": sql["date"].to_list(), "asset": sql["asset"].to_list(), "weight": sql["weight"]})
    assert len(ours) == len(theirs), f"{scenario.name}: {len(ours)} target rows in pandas, {len(theirs)} in SQL"
    assert list(ours["date"]) == list(theirs["date"]) and list(ours["asset"]) == list(theirs["asset"])
    np.testing.assert_allclose(ours["weight"], theirs["weight"], rtol=1e-15, atol=0)


def run_peer(peer: str, scenario: Scenario, panel: pl.DataFrame, workdir: Path) -> dict:
    workdir.mkdir(parents=True, exist_ok=True)
    panel.write_parquet(workdir / "panel.parquet")
    if (actions := scenario.actions()) is not None:
        actions.write_parquet(workdir / "actions.parquet")
    (workdir / "scenario.json").write_text(json.dumps(scenario.as_json()))
    script = PEERS_DIR / f"run_{peer}.py"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTHON", "VIRTUAL_ENV"))}
    env["PYTHONWARNINGS"] = "ignore"
    start = time.perf_counter()
    proc = subprocess.run(
        [str(envs.python(peer)), str(script), str(workdir)],
        capture_output=True,
        text=True,
        env=env,
        timeout=PEER_TIMEOUT,
    )
    wall = time.perf_counter() - start
    if proc.returncode != 0:
        raise RuntimeError(f"{peer} runner failed ({proc.returncode}):\n{proc.stdout[-3000:]}\n{proc.stderr[-6000:]}")
    meta = json.loads((workdir / "meta.json").read_text())
    return {
        "meta": meta,
        "wall": wall,
        "equity": pd.read_parquet(workdir / "equity.parquet"),
        "trades": pd.read_parquet(workdir / "trades.parquet"),
    }


def compare(scenario: Scenario, peer: str, panel: pl.DataFrame, workdir: Path) -> Comparison:
    run, ml4t_seconds = run_ml4t(scenario, panel, peer)
    out = run_peer(peer, scenario, panel, workdir)
    eq = run.equity.sort("date")
    dates = [d.isoformat() for d in eq["date"].to_list()]
    theirs = out["equity"]
    assert list(theirs["date"]) == dates, f"{peer}: its dates differ from ml4t-sql's"
    ours_nav = eq["nav"].to_numpy()
    rel = np.abs(theirs["nav"].to_numpy() - ours_nav) / np.abs(ours_nav)
    worst = int(np.argmax(rel))
    ours_trades = run.trades.select("date", "asset", "side", "shares", "price")
    return Comparison(
        scenario=scenario.name,
        peer=peer,
        version=out["meta"]["version"],
        n_dates=len(dates),
        n_assets=panel["asset"].n_unique(),
        options=options_for(scenario, peer),
        ml4t_trades=run.trades.height,
        peer_trades=len(out["trades"]),
        max_rel_equity_diff=float(rel.max()),
        worst_date=dates[worst],
        ml4t_seconds=ml4t_seconds,
        peer_seconds=float(out["meta"]["seconds"]),
        peer_wall_seconds=out["wall"],
        first_divergence=first_divergence(ours_trades, out["trades"]),
    )


def first_divergence(ours: pl.DataFrame, theirs: pd.DataFrame) -> str:
    """The first date on which the two trade lists differ (asset and shares to 1e-9), as text."""
    mine = {}
    for d, a, side, q, p in ours.iter_rows():
        mine.setdefault(d.isoformat(), {})[a] = (q if side == "buy" else -q, p)
    other = {}
    for d, a, q, p in theirs.itertuples(index=False):
        other.setdefault(d, {})[a] = (q, p)
    for d in sorted(set(mine) | set(other)):
        x, y = mine.get(d, {}), other.get(d, {})
        same = set(x) == set(y) and all(np.isclose(x[a][0], y[a][0], rtol=1e-9, atol=1e-9) for a in x)
        if not same:
            return f"{d}: ml4t-sql {dict(sorted(x.items()))} | peer {dict(sorted(y.items()))}"
    return ""
