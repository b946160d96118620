"""The fold's ledger as the output tables of ml4t_sql.schema, the metrics, the benchmark series.
"""
