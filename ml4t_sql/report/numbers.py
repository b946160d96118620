"""How the HTML pages write numbers: one function, `fmt(value, kind)`.

The project's one number format is `ml4t_sql.format` (percent for returns and drawdowns, two
decimals for ratios, cents for money, separators for counts, days for durations, never `-0.00%`).
Until that module is on every branch this one stands in for it with the same rules and the same
signature; `fmt` then becomes `from ..format import fmt` and the pages do not change.
"""

from __future__ import annotations

import math
from typing import Literal

Kind = Literal["pct", "ratio", "money", "count", "days", "sig"]
NA = "n/a"


def fmt(value: float | int | None, kind: Kind = "sig") -> str:
    """`value` written as `kind`; `n/a` for None, NaN and infinities; a zero never has a sign."""
    if value is None or not math.isfinite(value):
        return NA
    if kind == "pct":
        return _unsigned_zero(f"{value * 100:,.2f}") + "%"
    if kind in ("ratio", "money"):
        return _unsigned_zero(f"{value:,.2f}")
    if kind == "count":
        return _unsigned_zero(f"{value:,.0f}")
    if kind == "days":
        text = _unsigned_zero(f"{value:,.0f}")
        return f"{text} day" if text == "1" else f"{text} days"
    return _unsigned_zero(f"{value:,.4g}")


def _unsigned_zero(text: str) -> str:
    """`-0.00` -> `0.00`: a negative value that rounds to zero loses its sign."""
    if text.startswith("-") and not any(c in "123456789" for c in text.split("e")[0]):
        return text[1:]
    return text
