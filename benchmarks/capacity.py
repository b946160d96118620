"""Time the fold with capacity and trading costs on (SPEC 10) against the plain fold.

    python benchmarks/capacity.py [--size 500x2520] [--repeat 5] [--json]

Workload: benchmarks/fold.py's canonical strategy (top 25 by score, equal weight, daily,
fractional shares, one variant) on the seeded panel of benchmarks/panel.py, folded twice on the
same panel and targets: plain (commission 0), and with every rule of SPEC 10 on at once:
max_participation 0.01, commission_bps 1 + commission_per_share 0.005 with commission_min 1,
impact_coefficient 0.1 (impact_vol_window 20), drift_band 0.005. The volume and sigma arrays are
built once through the pipeline's own function (ml4t_sql.data.capacity), outside the timing;
the best of `--repeat` calls of run_fold is reported in microseconds per window date.
"""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import replace
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from fold import time_fold  # noqa: E402
from panel import cached_panel  # noqa: E402

RULES = {"max_participation": 0.01, "commission_bps": 1.0, "commission_per_share": 0.005, "commission_min": 1.0,
         "impact_coefficient": 0.1, "impact_vol_window": 20, "drift_band": 0.005}  # fmt: skip


def build(prices: Path) -> tuple[Any, Any, Any, Any]:
    """(panel with volume and sigma, targets, plain rules, rules with SPEC 10 on)."""
    import duckdb

    from ml4t_sql.config import load_config
    from ml4t_sql.data.capacity import impact_sigma, sigma_windows
    from ml4t_sql.data.panel import iter_panels, load_targets, window_axes
    from ml4t_sql.data.quality import QualityReport
    from ml4t_sql.data.sources import load_sources
    from ml4t_sql.pipeline import rules_for
    from ml4t_sql.strategy.targets import build_targets

    data = {"prices": str(prices)}
    strategy = {"signal": "score", "rebalance": "daily"}
    plain = load_config({"data": data, "strategy": strategy})
    costly = load_config({"data": data, "strategy": strategy, "execution": RULES})
    con = duckdb.connect()
    load_sources(con, plain, QualityReport())
    build_targets(con, plain, [plain.strategy])
    T, N = (len(x) for x in window_axes(con))
    ((_, _, panel),) = iter_panels(con, plain.execution.delist_after, T, N, max(T, 1), volume=True)
    targets = load_targets(con, panel.n_dates, 1)
    windows = sigma_windows([costly.execution])
    assert windows is not None
    sigma = impact_sigma(con, windows, 0, panel.n_dates, panel, actions=False, targets=targets)
    con.close()
    panel = replace(panel, sigma=sigma, sigma_windows=windows)
    return panel, targets, rules_for([plain.execution]), rules_for([costly.execution])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", default="500x2520")
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    prices = cached_panel(args.size)
    panel, targets, plain, costly = build(prices)
    result: dict[str, Any] = {"size": args.size}
    for label, rules in (("plain", plain), ("capacity and costs", costly)):
        result[label] = min(time_fold(panel, targets, rules, args.repeat)) / panel.n_dates * 1e6
    result["ratio"] = result["capacity and costs"] / result["plain"]
    if args.json:
        print(json.dumps(result))
        return
    print(f"fold alone, {args.size}, best of {args.repeat}")
    for label in ("plain", "capacity and costs"):
        print(f"  {label}: {result[label]:.1f} us per date")
    print(f"  ratio: {result['ratio']:.2f}x")


if __name__ == "__main__":
    main()
