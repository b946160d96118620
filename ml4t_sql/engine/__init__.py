"""The fold: a short loop over dates calling one named step per rule, over a serializable state.

Imports NumPy and the standard library only (no DuckDB, Polars or I/O), so a worker process or
another machine can run it alone; tests/test_layout.py holds it to that.
"""
