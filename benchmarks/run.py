"""Measure ml4t-sql against vectorbt on the canonical workload, for several panel sizes.

    python benchmarks/run.py [--sizes 500x252,500x2520,...] [--no-vectorbt] [--repeat 3]

Workload: rank every asset by its score each day, hold the top 25 equal weight, rebalance daily,
fill at the next open (the README's example, on seeded synthetic panels from benchmarks/panel.py,
plus the bundled S&P 500 set). For each size it reports:

- whole process: a fresh `python` that imports ml4t_sql, runs, and writes the tables to a
  temporary warehouse (start to tables written), and its peak RSS;
- in-process: the best of `--repeat` runs in a warm process, total and per phase (load and
  validate, SQL targets, panel, fold, tables, write);
- vectorbt 1.2 (`Portfolio.from_orders`, numba) in its own environment, built by the parity
  suite's tests/parity/envs.py and driven by its runner tests/parity/peers/run_vectorbt.py on the
  same panel and targets: the whole process (second run, numba cache warm) and the in-process
  simulation time the runner measures, with the ratio to ml4t-sql.

Panels are cached under benchmarks/.data/ (git-ignored). Results go to benchmarks/results.json and
are printed as a markdown table for benchmarks/RESULTS.md.
"""

from __future__ import annotations

import argparse
import json
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(HERE))

from panel import write_panel  # noqa: E402

DEFAULT_SIZES = "500x252,500x2520,3000x2520,3000x6300,10000x2520,sp500"
SP500 = REPO / "warehouse" / "sample" / "sp500_5yr.parquet"

CHILD = r"""
import json, resource, sys, time
started = time.perf_counter()
import ml4t_sql
config = json.loads(sys.argv[1])
repeat = int(sys.argv[2])
first = ml4t_sql.run(config, warehouse=sys.argv[3])
whole = time.perf_counter() - started
best = first.timings
for _ in range(repeat - 1):
    again = ml4t_sql.run(config, warehouse=sys.argv[3])
    if again.timings["total"] < best["total"]:
        best = again.timings
print(json.dumps({"whole_s": whole, "first": first.timings, "best": best,
                  "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
                  "rows": {k: v.height for k, v in first.tables.items()}}))
"""


def ml4t_config(prices: Path, *, real: bool) -> dict:
    if real:
        return {
            "data": {
                "prices": str(prices),
                "signals": str(REPO / "examples" / "momentum_12_1.sql"),
                "quality": {"missing_open": "no_fill", "inconsistent_ohlc": "drop"},
            },
            "strategy": {"signal": "momentum", "top_n": 25, "rebalance": "daily"},
            "execution": {"start": "2014-02-10", "delist_after": 15},
        }
    return {"data": {"prices": str(prices)}, "strategy": {"signal": "score", "top_n": 25, "rebalance": "daily"}}


def measure_ml4t(prices: Path, repeat: int, *, real: bool) -> dict:
    with tempfile.TemporaryDirectory() as wh:
        config = json.dumps(ml4t_config(prices, real=real))
        started = time.perf_counter()
        done = subprocess.run(
            [sys.executable, "-c", CHILD, config, "1", wh], capture_output=True, text=True, check=True
        )
        process_s = time.perf_counter() - started
        cold = json.loads(done.stdout.strip().splitlines()[-1])
        warm = json.loads(
            subprocess.run(
                [sys.executable, "-c", CHILD, config, str(repeat + 1), wh], capture_output=True, text=True, check=True
            )
            .stdout.strip()
            .splitlines()[-1]
        )
    return {
        "process_s": process_s,
        "peak_rss_mb": cold["peak_rss_mb"],
        "in_process": warm["best"],
        "rows": cold["rows"],
    }


def measure_vectorbt(prices: Path, *, real: bool) -> dict:
    import polars as pl

    from tests.parity import envs

    info = envs.ensure("vectorbt")
    runner = REPO / "tests" / "parity" / "peers" / "run_vectorbt.py"
    with tempfile.TemporaryDirectory() as work:
        if real:
            panel = sp500_with_momentum(prices)
        else:
            panel = pl.read_parquet(prices).rename({"score": "signal"})
        panel.write_parquet(Path(work) / "panel.parquet")
        scenario = {
            "name": "bench", "rebalance": "daily", "top_n": 25, "initial_cash": 1_000_000.0, "fractional": True,
            "commission_bps": 0.0, "slippage_bps": 0.0, "delist_after": 5 if not real else 15,
        }  # fmt: skip
        (Path(work) / "scenario.json").write_text(json.dumps(scenario))
        runs = []
        for _ in range(2):  # the first run fills numba's cache
            started = time.perf_counter()
            subprocess.run([str(info["python"]), str(runner), work], check=True, capture_output=True, text=True)
            meta = json.loads((Path(work) / "meta.json").read_text())
            runs.append({"process_s": time.perf_counter() - started, "in_process_s": meta["seconds"]})
    return {"version": meta["version"], **runs[-1], "first_process_s": runs[0]["process_s"]}


def sp500_with_momentum(prices: Path) -> Any:
    """The S&P sample as the example sees it: inconsistent bars dropped, 12-1 momentum from the
    example's SQL as `signal`, from the window start on."""
    import duckdb

    con = duckdb.connect()
    con.read_parquet(str(prices)).create_view("raw")
    con.execute(
        "create view prices as select * from raw where coalesce(high >= greatest(open, close) "
        "and low <= least(open, close) and high >= low, true)"
    )
    momentum = (REPO / "examples" / "momentum_12_1.sql").read_text()
    return con.sql(
        f"select p.*, m.momentum as signal from prices as p join ({momentum}) as m using (date, asset) "
        "where p.date >= date '2014-02-10'"
    ).pl()


def panel_path(size: str) -> tuple[Path, bool]:
    if size == "sp500":
        return SP500, True
    n_assets, n_days = (int(x) for x in size.split("x"))
    out = HERE / ".data" / size
    path = out / "prices.parquet"
    if not path.exists():
        write_panel(n_assets, n_days, out, seed=0)
    return path, False


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default=DEFAULT_SIZES)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--no-vectorbt", action="store_true")
    args = parser.parse_args()
    results = []
    for size in args.sizes.split(","):
        path, real = panel_path(size)
        row = {"size": size, "ml4t": measure_ml4t(path, args.repeat, real=real)}
        if not args.no_vectorbt and size in ("500x252", "500x2520", "3000x2520", "sp500"):
            row["vectorbt"] = measure_vectorbt(path, real=real)
        results.append(row)
        print(json.dumps(row), file=sys.stderr, flush=True)
    machine = {"python": platform.python_version(), "machine": platform.machine(), "cpus": _cpus()}
    (HERE / "results.json").write_text(json.dumps({"machine": machine, "results": results}, indent=1))
    print(markdown(results))


def markdown(results: list[dict]) -> str:
    lines = [
        "| panel | whole process | peak RSS | in-process | load+validate | targets | panel | fold | tables | write "
        "| vectorbt in-process | vectorbt process | ratio in-process |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for r in results:
        m, p = r["ml4t"], r["ml4t"]["in_process"]
        v = r.get("vectorbt")
        vb = (
            (f"{v['in_process_s']:.3f} s", f"{v['process_s']:.1f} s", f"{v['in_process_s'] / p['total']:.1f}x")
            if v
            else ("", "", "")
        )
        lines.append(
            f"| {r['size']} | {m['process_s']:.2f} s | {m['peak_rss_mb']:.0f} MB | {p['total']:.3f} s "
            f"| {p['load_validate']:.3f} | {p['targets']:.3f} | {p['panel']:.3f} | {p['fold']:.3f} "
            f"| {p['tables']:.3f} | {p.get('write', 0):.3f} | {vb[0]} | {vb[1]} | {vb[2]} |"
        )
    return "\n".join(lines)


def _cpus() -> int:
    import os

    return len(os.sched_getaffinity(0))


if __name__ == "__main__":
    main()
