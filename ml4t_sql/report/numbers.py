"""How the HTML pages write numbers: `fmt(value, kind)`, the project's one number format
(ml4t_sql.format: percent for returns and drawdowns, two decimals for ratios, cents for money,
separators for counts, days for durations, never `-0.00%`), re-exported so the pages have one name
for it."""

from __future__ import annotations

from ..format import NA, Kind, fmt

__all__ = ["NA", "Kind", "fmt"]
