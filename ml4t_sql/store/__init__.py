"""The warehouse: atomic publication of a run's tables, the DuckDB catalog of views, the run registry."""
