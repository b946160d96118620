"""The engine is the unit a worker process runs alone: NumPy, the standard library and
ml4t_sql.choices only; no DuckDB, Polars, pyarrow, Jinja or I/O."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

import ml4t_sql

PACKAGE = Path(ml4t_sql.__file__).parent
ENGINE = PACKAGE / "engine"
ALLOWED = {"numpy", "ml4t_sql.choices"}
"""What an engine module may import besides the standard library and its sibling modules."""


def imports(path: Path) -> list[tuple[str, int]]:
    """(absolute module name, line) of every import in `path` (relative ones resolved)."""
    package = "ml4t_sql.engine"
    out = []
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            out += [(alias.name, node.lineno) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.rsplit(".", node.level - 1)[0] if node.level > 1 else package
                name = f"{base}.{node.module}" if node.module else base
                if not node.module:  # from . import x: each x is a module of the package
                    out += [(f"{base}.{alias.name}", node.lineno) for alias in node.names]
                    continue
            else:
                name = node.module or ""
            out.append((name, node.lineno))
    return out


def allowed(name: str) -> bool:
    top = name.split(".")[0]
    if top in sys.stdlib_module_names or top == "numpy":
        return True
    if name in ALLOWED:
        return True
    return name.startswith("ml4t_sql.engine.") and (ENGINE / f"{name.split('.')[2]}.py").exists()


def test_the_rule_itself_tells_bad_imports_from_good():
    assert allowed("numpy.typing") and allowed("dataclasses") and allowed("ml4t_sql.choices")
    assert allowed("ml4t_sql.engine.state")
    for bad in ("duckdb", "polars", "pyarrow", "jinja2", "ml4t_sql.config", "ml4t_sql.store.state",
                "ml4t_sql.engine.nothing"):  # fmt: skip
        assert not allowed(bad), bad
    names = {name for name, _ in imports(ENGINE / "rules.py")}
    assert {"ml4t_sql.choices", "ml4t_sql.engine.panel", "dataclasses"} <= names  # relative imports resolved


@pytest.mark.parametrize("module", sorted(p.name for p in ENGINE.glob("*.py")))
def test_engine_modules_import_only_numpy_the_standard_library_and_choices(module: str):
    bad = [(name, line) for name, line in imports(ENGINE / module) if not allowed(name)]
    assert not bad, f"ml4t_sql/engine/{module} imports {bad}"


def test_importing_and_running_the_engine_loads_no_database_or_dataframe_library():
    script = """
import sys
import numpy as np
import ml4t_sql.engine as engine
panel = engine.Panel(np.full((3, 2), 10.0), np.full((3, 2), 10.0), np.zeros(4, dtype=np.int64),
                     np.zeros(0, dtype=np.int64))
targets = engine.Targets(np.ones((1, 3), dtype=bool), np.array([0, 2, 4, 6]), np.zeros(6, dtype=np.int64),
                         np.array([0, 1] * 3), np.full(6, 0.5))
one = np.ones(1)
rules = engine.Rules(initial_cash=1000 * one, fill_price_sizing=one < 0, fractional=one > 0,
                     commission_rate=0 * one, slippage_rate=0 * one, min_trade_value=0 * one)
ledger = engine.run_fold(panel, targets, rules)
assert len(ledger.trades) == 2, ledger.trades
print(sorted(m for m in ("duckdb", "polars", "pyarrow", "jinja2", "pandas") if m in sys.modules))
"""
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]", out.stdout + out.stderr
