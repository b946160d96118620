"""One way to write numbers for people: every command and page formats metrics through here.

    kind      example      used for
    pct       12.34%       returns, drawdowns, exposures, volatility, rates (a fraction: 0.1234)
    ratio     1.23         Sharpe, Sortino, Calmar, beta, turnover multiples (two decimals)
    money     1,234.57     NAV, costs, financing (cents, thousands separators)
    count     1,234        trades, rows, variants (an integer with separators)
    days      412 days     durations counted in trading dates
    sig       0.1235       any other float (four significant digits; `query`'s default)

A value that rounds to zero is written without its sign: never `-0.00%` or `-0.00`. NaN, an
infinity or None is `n/a`. `METRIC_KINDS` gives the kind of every metric of
ml4t_sql.results.metrics; `metric(key, value)` formats one by its key (a key not listed: `sig`).
"""

from __future__ import annotations

import math
from typing import Literal

Kind = Literal["pct", "ratio", "money", "count", "days", "sig"]
NA = "n/a"

METRIC_KINDS: dict[str, Kind] = {
    "total_return": "pct",
    "cagr": "pct",
    "volatility": "pct",
    "sharpe": "ratio",
    "sortino": "ratio",
    "max_drawdown": "pct",
    "max_drawdown_duration": "days",
    "longest_drawdown_duration": "days",
    "calmar": "ratio",
    "hit_rate": "pct",
    "best_day": "pct",
    "worst_day": "pct",
    "avg_turnover": "pct",
    "annual_turnover": "ratio",
    "total_turnover": "ratio",
    "total_costs": "money",
    "total_commission": "money",
    "total_spread": "money",
    "commission_bps": "ratio",
    "spread_bps": "ratio",
    "impact_bps": "ratio",
    "total_slippage": "money",
    "total_impact": "money",
    "total_financing": "money",
    "total_dividends": "money",
    "n_trades": "count",
    "avg_holdings": "ratio",
    "avg_gross_exposure": "pct",
    "avg_net_exposure": "pct",
    "avg_long_exposure": "pct",
    "avg_short_exposure": "pct",
    "final_nav": "money",
    "benchmark_total_return": "pct",
    "benchmark_cagr": "pct",
    "benchmark_volatility": "pct",
    "benchmark_sharpe": "ratio",
    "benchmark_max_drawdown": "pct",
    "excess_return": "pct",
    "alpha": "pct",
    "beta": "ratio",
    "correlation": "ratio",
    "tracking_error": "pct",
    "information_ratio": "ratio",
}
"""The kind of each metric key (keys of ml4t_sql.results.metrics; a few future ones included)."""


def fmt(value: float | int | None, kind: Kind = "sig") -> str:
    """`value` written as `kind` (module docstring); `n/a` for None, NaN and infinities."""
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
    return significant(float(value))


def metric(key: str, value: float | int | None) -> str:
    """A metric formatted by its key's kind (`METRIC_KINDS`; unknown keys: four significant digits)."""
    return fmt(value, METRIC_KINDS.get(key, "sig"))


def percent(value: float | None) -> str:
    return fmt(value, "pct")


def ratio(value: float | None) -> str:
    return fmt(value, "ratio")


def money(value: float | None) -> str:
    return fmt(value, "money")


def count(value: float | int | None) -> str:
    return fmt(value, "count")


def days(value: float | int | None) -> str:
    return fmt(value, "days")


def significant(value: float | None, digits: int = 4) -> str:
    """`value` to `digits` significant digits, thousands separated: 1,121, 0.1235, 1.235e-07."""
    if value is None or not math.isfinite(value):
        return NA
    if value == 0:
        return "0"
    magnitude = math.floor(math.log10(abs(value)))
    if magnitude >= 15 or magnitude < -5:
        return _unsigned_zero(f"{value:.{digits - 1}e}")
    decimals = max(digits - 1 - magnitude, 0)
    rounded = round(value, decimals)
    if rounded != 0 and math.floor(math.log10(abs(rounded))) > magnitude:  # 9.9996 -> 10.00: one digit fewer
        decimals = max(decimals - 1, 0)
    return _unsigned_zero(f"{value:,.{decimals}f}")


def _unsigned_zero(text: str) -> str:
    """`-0.00` -> `0.00`: a negative value that rounds to zero loses its sign."""
    if text.startswith("-") and not any(c in "123456789" for c in text.split("e")[0]):
        return text[1:]
    return text
