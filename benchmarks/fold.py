"""Time the fold alone, per window date: `run_fold` on a panel and targets built beforehand.

    python benchmarks/fold.py [--size 500x2520] [--repeat 5] [--json] [--risk]

Workload: the canonical strategy (rank by score, hold the top 25 equal weight, rebalance daily,
fractional shares) on a seeded panel of benchmarks/panel.py, in two shapes:

- 1 variant: top_n = 25, commission 0;
- 20 variants: top_n in (10, 15, 20, 25, 30) x commission_bps in (0, 1, 2, 5), folded at once;
- with `--risk`, also "1 variant, risk": top_n = 25 with every `[risk]` rule on (`RISK`), the
  panel carrying high and low.

The panel, targets and rules are built once through the pipeline's own functions (DuckDB), then
`run_fold` is called `--repeat` times; the best call, in microseconds per window date, is
reported. Only the fold is timed: nothing of loading, SQL or tables.

The script imports whichever ml4t_sql is first on the path, so the same script measures two
checkouts: `PYTHONPATH=/path/to/checkout python benchmarks/fold.py --json`.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from panel import cached_panel  # noqa: E402

GRIDS: dict[str, dict[str, list[Any]]] = {
    "1 variant": {"top_n": [25]},
    "20 variants": {"top_n": [10, 15, 20, 25, 30], "commission_bps": [0.0, 1.0, 2.0, 5.0]},
}
RISK = {"stop_loss": 0.05, "take_profit": 0.2, "trailing_stop": 0.1, "reentry_after": 1, "max_drawdown": 0.3}
"""The `[risk]` rules of the "1 variant, risk" workload."""


def build(prices: Path, grid: dict[str, list[Any]], risk: dict[str, Any] | None = None) -> tuple[Any, Any, Any]:
    """(panel, targets, rules) of the grid's variants on `prices`, through the pipeline's steps."""
    import duckdb

    from ml4t_sql.data.panel import iter_panels, load_targets, window_axes
    from ml4t_sql.data.quality import QualityReport
    from ml4t_sql.data.sources import load_sources
    from ml4t_sql.pipeline import rules_for
    from ml4t_sql.strategy.targets import build_targets
    from ml4t_sql.sweeps import load_sweep, variant_configs

    config: dict[str, Any] = {"data": {"prices": str(prices)}, "strategy": {"signal": "score", "rebalance": "daily"}}
    if risk:
        config["risk"] = risk
    base, combos = load_sweep(config, grid)
    variants = variant_configs(base, combos)
    con = duckdb.connect()
    load_sources(con, base, QualityReport())
    build_targets(con, base, [v.strategy for v in variants])
    T, N = (len(x) for x in window_axes(con))
    high_low = {"extremes": True} if risk else {}  # a checkout before [risk] has no extremes argument
    ((_, _, panel),) = iter_panels(con, base.execution.delist_after, T, N, max(T, 1), **high_low)
    targets = load_targets(con, panel.n_dates, len(variants))
    executions = [v.execution for v in variants]  # a checkout before [risk] has no risks argument
    rules = rules_for(executions, [v.risk for v in variants]) if risk else rules_for(executions)
    con.close()
    return panel, targets, rules


def time_fold(panel: Any, targets: Any, rules: Any, repeat: int) -> list[float]:
    """Seconds of each of `repeat` calls of run_fold (after one warm-up call)."""
    from ml4t_sql.engine.fold import run_fold

    run_fold(panel, targets, rules)
    out = []
    for _ in range(repeat):
        started = time.perf_counter()
        run_fold(panel, targets, rules)
        out.append(time.perf_counter() - started)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", default="500x2520")
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--json", action="store_true", help="one JSON line: microseconds per date, best call")
    parser.add_argument("--risk", action="store_true", help="also the 1-variant workload with every [risk] rule on")
    args = parser.parse_args()
    prices = cached_panel(args.size)

    import ml4t_sql

    result: dict[str, Any] = {"ml4t_sql": str(Path(ml4t_sql.__file__).parent), "size": args.size}
    workloads = [(label, grid, None) for label, grid in GRIDS.items()]
    workloads += [("1 variant, risk", GRIDS["1 variant"], RISK)] if args.risk else []
    for label, grid, risk in workloads:
        panel, targets, rules = build(prices, grid, risk)
        seconds = time_fold(panel, targets, rules, args.repeat)
        result[label] = min(seconds) / panel.n_dates * 1e6
    if args.json:
        print(json.dumps(result))
        return
    print(f"fold alone, {args.size}, best of {args.repeat} ({result['ml4t_sql']})")
    for label, _, _ in workloads:
        print(f"  {label}: {result[label]:.1f} us per date")


if __name__ == "__main__":
    main()
