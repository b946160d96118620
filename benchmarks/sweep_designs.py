"""Measure the sweep designs that issue 5 asks to compare, on one 100-variant grid.

    python benchmarks/sweep_designs.py [--size 500x2520] [--skip-pool]

Grid: top_n in 5..50 (10 values) x commission_bps in (0, 1, 2, 5, 10) x rebalance in (daily,
monthly) = 100 variants of the canonical strategy. Measured, each in this process, warm:

1. targets: all variants in one SQL statement (what ml4t_sql.sweep does) vs one statement per
   variant;
2. fold: one fold carrying every variant (shares[V, N]) vs one fold per variant;
3. whole sweeps: ml4t_sql.sweep (in memory, and written), vs a process pool of single runs.

Prints a markdown table for docs/SWEEPS.md.
"""

from __future__ import annotations

import argparse
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Any

import duckdb

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from panel import cached_panel  # noqa: E402

import ml4t_sql  # noqa: E402
from ml4t_sql.data.panel import load_panel, load_targets  # noqa: E402
from ml4t_sql.data.quality import QualityReport  # noqa: E402
from ml4t_sql.data.sources import load_sources  # noqa: E402
from ml4t_sql.engine.fold import run_fold  # noqa: E402
from ml4t_sql.pipeline import rules_for  # noqa: E402
from ml4t_sql.strategy.targets import build_targets  # noqa: E402
from ml4t_sql.sweeps import load_sweep, sweep, variant_configs  # noqa: E402

GRID = {
    "top_n": [5, 10, 15, 20, 25, 30, 35, 40, 45, 50],
    "commission_bps": [0.0, 1.0, 2.0, 5.0, 10.0],
    "rebalance": ["daily", "monthly"],
}


def config(prices: Path) -> dict[str, Any]:
    return {"data": {"prices": str(prices)}, "strategy": {"signal": "score"}}


def timed(fn: Any) -> tuple[float, Any]:
    started = time.perf_counter()
    out = fn()
    return time.perf_counter() - started, out


def single_run(args: tuple[str, dict[str, Any]]) -> float:
    prices, values = args
    cfg = config(Path(prices))
    cfg["strategy"].update({k: values[k] for k in ("top_n", "rebalance")})
    cfg["execution"] = {"commission_bps": values["commission_bps"]}
    return ml4t_sql.run(cfg, write=False).timings["total"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", default="500x2520")
    parser.add_argument("--skip-pool", action="store_true")
    args = parser.parse_args()
    prices = cached_panel(args.size)

    base, combos = load_sweep(config(prices), GRID)
    variants = variant_configs(base, combos)
    con = duckdb.connect()
    load_sources(con, base, QualityReport())

    rows: list[tuple[str, float]] = []
    t_one, _ = timed(lambda: build_targets(con, base, [v.strategy for v in variants]))
    rows.append(("targets: one statement for all 100 variants", t_one))

    def per_variant() -> None:
        for v in variants:
            build_targets(con, base, [v.strategy])

    t_each, _ = timed(per_variant)
    rows.append(("targets: one statement per variant (100)", t_each))

    build_targets(con, base, [v.strategy for v in variants])
    panel, _, _ = load_panel(con, base.execution.delist_after)
    targets = load_targets(con, panel.n_dates, len(variants))
    rules = rules_for([v.execution for v in variants])
    t_fold, _ = timed(lambda: run_fold(panel, targets, rules))
    rows.append(("fold: one fold carrying all 100 variants", t_fold))

    def fold_each() -> None:
        for i, v in enumerate(variants):
            build_targets(con, base, [v.strategy])
            single = load_targets(con, panel.n_dates, 1)
            run_fold(panel, single, rules_for([v.execution]))
            del i

    t_folds, _ = timed(fold_each)
    rows.append(("fold: one fold per variant (100, incl. loading each variant's targets)", t_folds))

    t_sweep, _ = timed(lambda: sweep(config(prices), grid=GRID, write=False))
    rows.append(("ml4t_sql.sweep, in memory", t_sweep))
    import tempfile

    with tempfile.TemporaryDirectory() as wh:
        t_written, _ = timed(lambda: sweep(config(prices), grid=GRID, warehouse=wh))
    rows.append(("ml4t_sql.sweep, tables written", t_written))

    if not args.skip_pool:
        work = [(str(prices), c) for c in combos]
        with ProcessPoolExecutor(max_workers=2) as pool:
            t_pool, _ = timed(lambda: list(pool.map(single_run, work)))
        rows.append(("process pool of 2: 100 single runs, in memory", t_pool))

    print(f"| design ({args.size}, 100 variants) | seconds |\n|---|---|")
    for label, seconds in rows:
        print(f"| {label} | {seconds:.2f} |")


if __name__ == "__main__":
    main()
