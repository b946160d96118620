"""Portfolio construction in SQL: the built-in pipeline (universe, ranks, selection, weights,
schedules) and users' own strategy queries.
"""
