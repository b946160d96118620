"""The fold: a short loop over dates calling one named step per rule, over a serializable state.

    panel.py     Panel, Targets: the inputs (prices, delistings, target weights)
    rules.py     Rules: per-variant execution parameters; the codes and tolerances the steps share
    state.py     Book (the working state), FoldState (the state between chunks, a plain value)
    context.py   Context: a fold's inputs and per-fold invariants, as the steps read them
    ledger.py    typed records (Equity, Trades, Orders, Positions), Ledger, Journal, Day
    finance.py, delist.py, resize.py, fill.py, shortfall.py, close.py, stale.py, decide.py, sizing.py: the steps
                 and rules
    fold.py      run_fold and STEPS (its docstring says how to add a step)

Imports NumPy, the standard library and ml4t_sql.choices only (no DuckDB, Polars, pyarrow or
I/O), so a worker process or another machine can run it alone; tests/test_layout.py holds it to
that.
"""

from .fold import STEPS, run_fold
from .ledger import Equity, Ledger, Orders, Positions, Trades
from .panel import Finance, Panel, Targets
from .rules import Rules
from .state import FoldState

__all__ = [
    "STEPS", "Equity", "Finance", "FoldState", "Ledger", "Orders", "Panel", "Positions", "Rules", "Targets", "Trades",
    "run_fold",
]  # fmt: skip
