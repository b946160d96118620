"""Reading inputs: registering relations, typed sources, the data-quality rules and their report,
the benchmark input, and the dense panel the engine folds.
"""
