"""The whole run with caps, costs and stops on against the plain run (issue 13: at most 1.5x).

    python benchmarks/rules.py [--size 500x2520] [--repeat 5] [--write] [--json] [RUN ...]

Workload: top 25 by score, equal weight, daily, fractional shares, one variant, on the seeded
panel of benchmarks/panel.py; `ml4t_sql.run(config)` in one warm process (each configuration
run once before the timing), the configurations interleaved `--repeat` times and the best of
each kept, so a slow moment of a shared machine touches them alike. RUN names any of:

- plain: no rule of SPEC 10 or 11 (commission 0);
- spec10: participation 1%, 1 bps + 0.005 a share with a minimum of 1, impact 0.1 (window 20),
  drift band 0.005;
- spec11: stop loss 5%, take-profit 20%, trailing stop 10%, reentry after 1 date, max drawdown 30%;
- desk: spec10 and a 10% trailing stop (the rules of examples/top25_momentum_desk.toml);
- stops: spec10 and the position rules of spec11 (the three stops and reentry after 1 date):
  caps, costs and stops on, the run the issue's 1.5x is about;
- all: spec10 and spec11 (the position rules and the max drawdown halt).

Without `--write` the runs publish nothing (`write=False`); with it each writes its tables to a
fresh warehouse, as `ml4t-sql run` does. Prints seconds, the ratio to plain and each phase.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from panel import cached_panel  # noqa: E402

SPEC10 = {"max_participation": 0.01, "commission_bps": 1.0, "commission_per_share": 0.005, "commission_min": 1.0,
          "impact_coefficient": 0.1, "impact_vol_window": 20, "drift_band": 0.005}  # fmt: skip
STOPS = {"stop_loss": 0.05, "take_profit": 0.2, "trailing_stop": 0.1, "reentry_after": 1}
SPEC11 = {**STOPS, "max_drawdown": 0.3}


def configs(prices: Path) -> dict[str, dict[str, Any]]:
    base = {"data": {"prices": str(prices)}, "strategy": {"signal": "score", "rebalance": "daily", "top_n": 25}}
    return {
        "plain": base,
        "spec10": {**base, "execution": SPEC10},
        "spec11": {**base, "risk": SPEC11},
        "desk": {**base, "execution": SPEC10, "risk": {"trailing_stop": 0.1}},
        "stops": {**base, "execution": SPEC10, "risk": STOPS},
        "all": {**base, "execution": SPEC10, "risk": SPEC11},
    }


def main() -> None:
    import ml4t_sql

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("runs", nargs="*", default=["plain", "spec10", "spec11", "desk", "stops", "all"])
    parser.add_argument("--size", default="500x2520")
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--write", action="store_true")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    prices = cached_panel(args.size)
    runs = ["plain", *[r for r in args.runs if r != "plain"]]
    every = configs(prices)
    best: dict[str, dict[str, float]] = defaultdict(lambda: defaultdict(lambda: float("inf")))
    with tempfile.TemporaryDirectory() as tmp:
        for round_ in range(args.repeat + 1):  # round 0 warms each configuration up
            for name in runs:
                started = time.perf_counter()
                result = ml4t_sql.run(every[name], warehouse=Path(tmp) / f"{name}{round_}", write=args.write)
                seconds = time.perf_counter() - started
                if round_:
                    best[name]["run"] = min(best[name]["run"], seconds)
                    for phase, value in result.timings.items():
                        best[name][phase] = min(best[name][phase], value)
    table = {name: {"seconds": best[name]["run"], "ratio": best[name]["run"] / best["plain"]["run"],
                    "phases": {k: v for k, v in best[name].items() if k not in ("run", "total")}}
             for name in runs}  # fmt: skip
    if args.json:
        print(json.dumps({"size": args.size, "write": args.write, "runs": table}))
        return
    print(f"whole run, {args.size}, best of {args.repeat}, {'writing' if args.write else 'write=False'}")
    for name, row in table.items():
        phases = " ".join(f"{k} {v:.2f}" for k, v in row["phases"].items())
        print(f"  {name:7s} {row['seconds']:6.2f} s  {row['ratio']:.2f}x  ({phases})")


if __name__ == "__main__":
    main()
