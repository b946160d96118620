"""Metrics of a run, from its equity curve and trades. Every key is defined here.

Returns are the daily NAV returns of the `equity` table (the first date's return is measured
against the initial cash). Annualization uses `PERIODS_PER_YEAR` = 252 trading days. The
risk-free rate is 0.

| metric | definition |
|---|---|
| total_return | final NAV / initial cash - 1 |
| cagr | (final NAV / initial cash) ** (252 / number of dates) - 1 |
| volatility | sample standard deviation of daily returns * sqrt(252) |
| sharpe | mean daily return / its sample standard deviation * sqrt(252) |
| sortino | mean daily return / sqrt(mean(min(return, 0)^2)) * sqrt(252) |
| max_drawdown | min over dates of NAV / running max NAV - 1 (<= 0) |
| calmar | cagr / -max_drawdown |
| hit_rate | share of dates with a positive return |
| best_day, worst_day | largest and smallest daily return |
| avg_turnover | mean daily turnover (traded notional / previous NAV) |
| annual_turnover | avg_turnover * 252 |
| total_costs | sum of commissions and slippage costs |
| n_trades | number of fills (rebalance trades and delistings) |
| avg_holdings | mean number of positions held at the close |
| avg_gross_exposure | mean gross exposure at the close |
| final_nav | NAV at the last date |
"""

from __future__ import annotations

import math

import numpy as np

PERIODS_PER_YEAR = 252


def compute_metrics(
    *,
    nav: np.ndarray,
    returns: np.ndarray,
    turnover: np.ndarray,
    costs: np.ndarray,
    gross: np.ndarray,
    holdings: np.ndarray,
    n_trades: int,
    initial_cash: float,
) -> dict[str, float]:
    n = len(nav)
    if n == 0:
        return {}
    growth = float(nav[-1] / initial_cash)
    total = growth - 1.0
    cagr = growth ** (PERIODS_PER_YEAR / n) - 1.0 if growth > 0 else -1.0
    sd = float(np.std(returns, ddof=1)) if n > 1 else math.nan
    mean = float(np.mean(returns))
    downside = float(np.sqrt(np.mean(np.minimum(returns, 0.0) ** 2)))
    running_max = np.maximum.accumulate(np.concatenate(([initial_cash], nav)))[1:]
    max_dd = float(np.min(nav / running_max - 1.0))
    return {
        "total_return": total,
        "cagr": cagr,
        "volatility": sd * math.sqrt(PERIODS_PER_YEAR),
        "sharpe": _ratio(mean, sd) * math.sqrt(PERIODS_PER_YEAR),
        "sortino": _ratio(mean, downside) * math.sqrt(PERIODS_PER_YEAR),
        "max_drawdown": max_dd,
        "calmar": _ratio(cagr, -max_dd),
        "hit_rate": float(np.mean(returns > 0)),
        "best_day": float(np.max(returns)),
        "worst_day": float(np.min(returns)),
        "avg_turnover": float(np.mean(turnover)),
        "annual_turnover": float(np.mean(turnover)) * PERIODS_PER_YEAR,
        "total_costs": float(np.sum(costs)),
        "n_trades": float(n_trades),
        "avg_holdings": float(np.mean(holdings)),
        "avg_gross_exposure": float(np.mean(gross)),
        "final_nav": float(nav[-1]),
    }


def _ratio(num: float, den: float) -> float:
    return num / den if den > 0 and math.isfinite(den) else math.nan
