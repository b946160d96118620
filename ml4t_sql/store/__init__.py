"""The warehouse: atomic publication of a run's tables, the DuckDB catalog of views, the run registry.

layout (where things live, what dead processes left), preflight (can the warehouse take a run),
warehouse (Stage, Spill, connect), manifest (each run's files, checked), catalog (ml4t.duckdb's
views, repaired when damaged), runs (list, find, load).
"""
