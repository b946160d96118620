"""ml4t-sql: a DataFrame-native, relational backtest pipeline for multi-asset portfolios.

import ml4t_sql
run = ml4t_sql.run("examples/top25_momentum.toml")   # -> Run(.run_id, .equity, .trades, ...)
con = ml4t_sql.connect("warehouse")                  # DuckDB connection with the run tables

`ml4t_sql.research(config)` studies a signal before a backtest (docs/RESEARCH.md).

The names below are imported on first use, so that `import ml4t_sql.engine` (the fold alone, for
a worker process) loads NumPy and nothing else.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

_PUBLIC = {
    "Config": "config",
    "load_config": "config",
    "ConfigError": "errors",
    "InputError": "errors",
    "Ml4tError": "errors",
    "Run": "pipeline",
    "run": "pipeline",
    "Sweep": "sweeps",
    "sweep": "sweeps",
    "check": "validation",
    "Research": "diagnostics",
    "research": "diagnostics",
    "connect": "store.warehouse",
}

__all__ = [
    "Config", "ConfigError", "InputError", "Ml4tError", "Research", "Run", "Sweep", "check", "connect", "load_config",
    "research", "run", "sweep", "__version__",
]  # fmt: skip

if TYPE_CHECKING:
    from .config import Config, load_config
    from .diagnostics import Research, research
    from .errors import ConfigError, InputError, Ml4tError
    from .pipeline import Run, run
    from .store.warehouse import connect
    from .sweeps import Sweep, sweep
    from .validation import check


def __getattr__(name: str) -> Any:
    if name in _PUBLIC:
        module = importlib.import_module(f".{_PUBLIC[name]}", __name__)
        value = getattr(module, name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'ml4t_sql' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(__all__)
