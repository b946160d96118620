"""One virtual environment per peer engine, built from pinned requirements and reused.

The peers cannot share an environment with each other or with ml4t-sql (zipline-reloaded 3.2 pins
pandas < 3, vectorbt 1.2 wants pandas >= 3), so each gets its own, under the git-ignored
`.parity/envs/<peer>-<key>/`, where key hashes the peer's requirements file and the Python
version. An environment is used only once its `.ready` file exists; a half-built one (killed
mid-install) is deleted and built again. Builds run in parallel (pip is mostly waiting on the
network); a file lock keeps two test processes from building the same environment at once.

Nothing here is installed into the environment running the tests.
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import os
import shutil
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent.parent
CACHE = REPO / ".parity"
PEERS = ("vectorbt", "bt", "backtrader", "zipline", "alphalens", "cvxportfolio")
PACKAGE = {
    "vectorbt": "vectorbt", "bt": "bt", "backtrader": "backtrader", "zipline": "zipline-reloaded",
    "alphalens": "alphalens-reloaded", "cvxportfolio": "cvxportfolio",
}  # fmt: skip
"""alphalens (signal research, tests/parity/test_alphalens.py) is a peer of `ml4t-sql research`, not of the fold;
cvxportfolio (tests/parity/test_borrow_fees.py) is the peer of the borrow fee only."""


def requirements(peer: str) -> Path:
    return HERE / "requirements" / f"{peer}.txt"


def env_dir(peer: str) -> Path:
    text = requirements(peer).read_bytes()
    key = hashlib.sha256(text + f"{sys.version_info[:2]}".encode()).hexdigest()[:12]
    return CACHE / "envs" / f"{peer}-{key}"


def python(peer: str) -> Path:
    return env_dir(peer) / "bin" / "python"


def pinned_version(peer: str) -> str:
    name = PACKAGE[peer].lower()
    for line in requirements(peer).read_text().splitlines():
        if line.lower().startswith(name + "=="):
            return line.split("==", 1)[1].strip()
    raise ValueError(f"{requirements(peer)} does not pin {name}")


def ensure(peer: str) -> dict:
    """Build the peer's environment if it is not there; return {peer, python, seconds, built}."""
    target = env_dir(peer)
    target.parent.mkdir(parents=True, exist_ok=True)
    with open(target.parent / f".{peer}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        ready = target / ".ready"
        if ready.exists():
            return {**json.loads(ready.read_text()), "built": False}
        for stale in target.parent.glob(f"{peer}-*"):  # other keys (old pins) and half-built dirs
            shutil.rmtree(stale)
        start = time.perf_counter()
        log = target.parent / f"{peer}.log"
        with open(log, "w") as out:
            steps = [
                [sys.executable, "-m", "venv", str(target)],
                [str(target / "bin" / "python"), "-m", "pip", "install", "--quiet", "--no-input",
                 "-r", str(requirements(peer))],
            ]  # fmt: skip
            env = {**os.environ, "PIP_DISABLE_PIP_VERSION_CHECK": "1", "PYTHONWARNINGS": "ignore"}
            for cmd in steps:
                # one retry: a registry hiccup should not fail the suite
                if not any(subprocess.run(cmd, stdout=out, stderr=subprocess.STDOUT, env=env).returncode == 0
                           for _ in range(2)):  # fmt: skip
                    shutil.rmtree(target, ignore_errors=True)
                    raise RuntimeError(f"building the {peer} environment failed; see {log}")
        info = {"peer": peer, "python": str(target / "bin" / "python"), "seconds": time.perf_counter() - start}
        ready.write_text(json.dumps(info))
        return {**info, "built": True}


def ensure_all(peers: tuple[str, ...] = PEERS) -> dict[str, dict]:
    """Every peer's environment, built in parallel where missing."""
    with ThreadPoolExecutor(max_workers=len(peers)) as pool:
        return dict(zip(peers, pool.map(ensure, peers), strict=True))


if __name__ == "__main__":
    for name, info in ensure_all(tuple(sys.argv[1:]) or PEERS).items():
        print(f"{name:10s} {'built' if info['built'] else 'ready'} {info['seconds']:.0f}s {info['python']}")
