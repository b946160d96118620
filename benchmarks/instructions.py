"""Instructions of one `run_fold` call under valgrind (callgrind): the default path's cost, free of
the shared machine's load.

    python benchmarks/instructions.py [--size 500x1260] [--workload "1 variant"] [--risk]

For each checkout given by `--checkout` (default: this one), the script builds the workload of
benchmarks/fold.py with that checkout's own pipeline (a Panel of one checkout does not unpickle
in another), pickles it, then runs two processes under callgrind: one that unpickles the inputs
and calls `run_fold` once, one that only unpickles them. The difference is the fold's
instructions. `PYTHONHASHSEED=0` and one BLAS thread keep the loading run repeatable (it varies
by a few million instructions; differences below about 1% are noise).

    python benchmarks/instructions.py --checkout /tmp/before --checkout .

prints one line per checkout: fold instructions and the change against the first.
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent


def build(checkout: Path, size: str, workload: str, risk: bool, out: Path) -> None:
    """Pickle (panel, targets, rules) built by `checkout`'s pipeline (a subprocess)."""
    code = (
        "import pickle, sys; sys.path.insert(0, sys.argv[1]); import fold; from panel import cached_panel\n"
        "prices = cached_panel(sys.argv[2])\n"
        "inputs = fold.build(prices, fold.GRIDS[sys.argv[3]], fold.RISK if sys.argv[4] == '1' else None)\n"
        "pickle.dump(inputs, open(sys.argv[5], 'wb'))\n"
    )
    env = {**os.environ, "PYTHONPATH": str(checkout)}
    subprocess.run([sys.executable, "-c", code, str(HERE), size, workload, "1" if risk else "0", str(out)],
                   env=env, check=True)  # fmt: skip


def instructions(checkout: Path, inputs: Path, *, fold: bool) -> int:
    """Instructions of a process that unpickles `inputs` and (with `fold`) folds them once."""
    code = "import pickle, sys; p, t, r = pickle.load(open(sys.argv[1], 'rb'))\n"
    if fold:
        code += "from ml4t_sql.engine.fold import run_fold; run_fold(p, t, r)\n"
    else:
        code += "import ml4t_sql.engine.fold\n"
    env = {**os.environ, "PYTHONPATH": str(checkout), "PYTHONHASHSEED": "0", "OPENBLAS_NUM_THREADS": "1"}
    with tempfile.TemporaryDirectory() as tmp:
        command = ["valgrind", "--tool=callgrind", f"--callgrind-out-file={tmp}/out", sys.executable, "-c", code]
        done = subprocess.run([*command, str(inputs)], env=env, capture_output=True, text=True, check=True)
    found = re.search(r"Collected : (\d+)", done.stderr)
    if found is None:
        raise SystemExit(f"callgrind printed no instruction count:\n{done.stderr[-2000:]}")
    return int(found.group(1))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--checkout", action="append", type=Path, help="a checkout to measure (repeatable)")
    parser.add_argument("--size", default="500x1260")
    parser.add_argument("--workload", default="1 variant", choices=["1 variant", "20 variants"])
    parser.add_argument("--risk", action="store_true", help="every [risk] rule on (benchmarks/fold.py's RISK)")
    args = parser.parse_args()
    checkouts = [c.resolve() for c in (args.checkout or [HERE.parent])]
    first = None
    with tempfile.TemporaryDirectory() as tmp:
        for i, checkout in enumerate(checkouts):
            inputs = Path(tmp) / f"inputs{i}.pkl"
            build(checkout, args.size, args.workload, args.risk, inputs)
            n = instructions(checkout, inputs, fold=True) - instructions(checkout, inputs, fold=False)
            first = first or n
            print(f"{checkout}: {args.workload}{', risk' if args.risk else ''}, {args.size}: {n / 1e6:,.1f}e6 "
                  f"instructions per fold ({(n / first - 1) * 100:+.1f}% against the first)", flush=True)  # fmt: skip


if __name__ == "__main__":
    main()
