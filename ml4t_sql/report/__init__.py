"""Offline HTML pages from the run tables, drawn with the vendored ECharts: a run's tearsheet and a
comparison of runs (tearsheet), a sweep's heatmap page (sweep_page), a research run's page (research);
what they share is in common, how they write numbers in numbers."""
