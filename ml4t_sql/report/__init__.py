"""Offline HTML pages (tearsheet, comparison) from the run tables, drawn with the vendored ECharts.
"""
