"""ml4t-sql: a DataFrame-native, relational backtest pipeline for multi-asset portfolios.

import ml4t_sql
run = ml4t_sql.run("examples/top25_momentum.toml")   # -> Run(.run_id, .equity, .trades, ...)
con = ml4t_sql.connect("warehouse")                  # DuckDB connection with the run tables
"""

__version__ = "0.1.0"

from .config import Config, load_config  # noqa: E402
from .errors import ConfigError, InputError, Ml4tError  # noqa: E402
from .pipeline import Run, run  # noqa: E402
from .warehouse import connect  # noqa: E402

__all__ = ["Config", "ConfigError", "InputError", "Ml4tError", "Run", "connect", "load_config", "run", "__version__"]
