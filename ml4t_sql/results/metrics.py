"""Metrics of a run, from its equity curve, positions, trades and benchmark. Every key is defined here.

`r` are the daily NAV returns of the `equity` table, one per window date (the first date's is
measured against the initial cash, and is 0: cash is first invested at the next open). `b` are the
returns of the primary benchmark series on the same dates (table `benchmark`, `is_primary`).
`P` = `[metrics] periods_per_year` (252), `rf` = `[metrics] risk_free_rate` (annual, default 0),
`rf_d = (1 + rf) ** (1 / P) - 1` the rate of one trading date. `std` is the sample standard
deviation (ddof = 1); `mean` the arithmetic mean; `n` the number of window dates. docs/METRICS.md
compares each definition with empyrical's, and lists every case where a metric is NaN
(`NAN_METRICS`); any other NaN or an infinity stops the run (ml4t_sql.results.guard).

total_return                final NAV / initial cash - 1
cagr                        (final NAV / initial cash) ** (P / n) - 1; -1 if nothing is left; NaN
                            if it overflows a double (a huge P over a few dates)
volatility                  std(r) * sqrt(P)
sharpe                      mean(r - rf_d) / std(r - rf_d) * sqrt(P)
sortino                     mean(r - rf_d) / sqrt(mean(min(r - rf_d, 0) ** 2)) * sqrt(P);
                            NaN if no date is below rf_d
max_drawdown                min over dates of NAV / running max NAV - 1 (<= 0); the running max
                            starts at the initial cash
max_drawdown_duration       trading dates from the peak before the max drawdown to the first date
                            back at that peak, or to the last date if never; 0 without a drawdown
longest_drawdown_duration   the longest such peak-to-recovery stretch of any drawdown
calmar                      cagr / -max_drawdown; NaN without a drawdown
hit_rate                    share of dates with r > 0
best_day, worst_day         max(r), min(r)
avg_turnover                mean daily turnover (traded notional / previous NAV)
annual_turnover             avg_turnover * P
total_turnover              sum of daily turnover
total_costs                 sum of commissions and slippage costs
total_commission            sum of commissions (total_costs = total_commission + total_slippage)
total_slippage              sum of slippage costs
total_financing             sum of the equity table's financing: interest earned on cash less
                            interest on negative cash and short fees paid (signed: + earned)
total_dividends             sum of the equity table's dividends: received on longs less paid on
                            shorts ([data] actions; signed: + received)
n_trades                    number of fills (rebalance trades and delistings)
avg_holdings                mean number of positions held at the close (0 on dates in cash)
avg_gross_exposure          mean gross exposure at the close
avg_net_exposure            mean net exposure at the close
final_nav                   NAV at the last date

With a benchmark series b:

benchmark_total_return, benchmark_cagr, benchmark_volatility, benchmark_sharpe,
benchmark_max_drawdown      the definitions above, applied to b
excess_return               (1 + total_return) / (1 + benchmark_total_return) - 1, the last value
                            of the excess-return curve
beta                        cov(r - rf_d, b - rf_d) / var(b - rf_d)
alpha                       (1 + mean((r - rf_d) - beta * (b - rf_d))) ** P - 1; NaN if it overflows
correlation                 Pearson correlation of r and b
tracking_error              std(r - b) * sqrt(P)
information_ratio           mean(r - b) / std(r - b) * sqrt(P)
"""

from __future__ import annotations

import math

import numpy as np

PERIODS_PER_YEAR = 252

NAN_METRICS: dict[str, str] = {
    "volatility": "fewer than two dates",
    "sharpe": "fewer than two dates, or returns without variation",
    "sortino": "no date below the daily risk-free rate",
    "cagr": "the annualized growth overflows a double (a huge periods_per_year over a few dates)",
    "calmar": "no drawdown, or cagr is NaN",
    "benchmark_cagr": "as cagr, for the benchmark",
    "benchmark_volatility": "fewer than two dates",
    "benchmark_sharpe": "fewer than two dates, or benchmark returns without variation",
    "beta": "benchmark returns without variation",
    "alpha": "beta is NaN, or the annualized alpha overflows a double",
    "correlation": "strategy or benchmark returns without variation",
    "tracking_error": "fewer than two dates",
    "information_ratio": "fewer than two dates, or r - b without variation",
}
"""The metrics that may be NaN, each with when (docs/METRICS.md). Any other NaN is a bug."""


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
    net: np.ndarray | None = None,
    commission: float = 0.0,
    slippage: float = 0.0,
    financing: np.ndarray | None = None,
    dividends: np.ndarray | None = None,
    benchmark: np.ndarray | None = None,
    risk_free_rate: float = 0.0,
    periods_per_year: int = PERIODS_PER_YEAR,
) -> dict[str, float]:
    """Every metric of the module docstring, in that order (benchmark keys only with `benchmark`)."""
    n = len(nav)
    if n == 0:
        return {}
    if not np.isfinite(nav).all():  # an overflow upstream: the guard refuses the run, showing the equity rows
        return {"final_nav": math.nan}
    p = periods_per_year
    rf = (1.0 + risk_free_rate) ** (1.0 / p) - 1.0
    out = performance(returns, np.concatenate(([initial_cash], nav)), rf, p)
    max_dd_days, longest_days = drawdown_durations(nav, initial_cash)
    out["max_drawdown_duration"] = float(max_dd_days)
    out["longest_drawdown_duration"] = float(longest_days)
    out["calmar"] = _ratio(out["cagr"], -out["max_drawdown"])
    out.update(
        {
            "hit_rate": float(np.mean(returns > 0)),
            "best_day": float(np.max(returns)),
            "worst_day": float(np.min(returns)),
            "avg_turnover": float(np.mean(turnover)),
            "annual_turnover": float(np.mean(turnover)) * p,
            "total_turnover": float(np.sum(turnover)),
            "total_costs": float(np.sum(costs)),
            "total_commission": float(commission),
            "total_slippage": float(slippage),
            "total_financing": float(np.sum(financing)) if financing is not None else 0.0,
            "total_dividends": float(np.sum(dividends)) if dividends is not None else 0.0,
            "n_trades": float(n_trades),
            "avg_holdings": float(np.mean(holdings)),
            "avg_gross_exposure": float(np.mean(gross)),
            "avg_net_exposure": float(np.mean(net)) if net is not None else math.nan,
            "final_nav": float(nav[-1]),
        }
    )
    if benchmark is not None:
        out.update(relative(returns, benchmark, rf, p))
    return out


def performance(returns: np.ndarray, wealth: np.ndarray, rf: float, periods_per_year: int) -> dict[str, float]:
    """total_return, cagr, volatility, sharpe, sortino, max_drawdown of one daily return series.

    wealth: the value before the first date, then at each date's close (for the strategy: the
    initial cash, then NAV); rf: the risk-free rate of one trading date.
    """
    p, n = periods_per_year, len(returns)
    sd = float(np.std(returns, ddof=1)) if n > 1 else math.nan
    excess = returns - rf
    mean_excess = float(np.mean(excess))
    downside = float(np.sqrt(np.mean(np.minimum(excess, 0.0) ** 2)))
    growth = float(wealth[-1] / wealth[0])
    return {
        "total_return": growth - 1.0,
        "cagr": annualized(growth, p / n),
        "volatility": sd * math.sqrt(p),
        "sharpe": _ratio(mean_excess, sd) * math.sqrt(p),
        "sortino": _ratio(mean_excess, downside) * math.sqrt(p),
        "max_drawdown": float(np.min(wealth / np.maximum.accumulate(wealth) - 1.0)),
    }


def relative(returns: np.ndarray, bench: np.ndarray, rf: float, periods_per_year: int) -> dict[str, float]:
    """Benchmark keys of the module docstring; `bench` holds b on the same dates as `returns`."""
    p = periods_per_year
    b = performance(bench, np.cumprod(np.concatenate(([1.0], 1.0 + bench))), rf, p)
    excess, bench_excess = returns - rf, bench - rf
    centered = bench_excess - np.mean(bench_excess)
    beta = _ratio(float(np.mean(centered * excess)), float(np.mean(centered**2)))
    alpha = annualized(1.0 + float(np.mean(excess - beta * bench_excess)), p)
    active = returns - bench
    te = float(np.std(active, ddof=1)) if len(active) > 1 else math.nan
    growth = float(np.prod(1.0 + returns))
    sd_r, sd_b = float(np.std(returns)), float(np.std(bench))
    corr = _ratio(float(np.mean((returns - np.mean(returns)) * (bench - np.mean(bench)))), sd_r * sd_b)
    return {
        "benchmark_total_return": b["total_return"],
        "benchmark_cagr": b["cagr"],
        "benchmark_volatility": b["volatility"],
        "benchmark_sharpe": b["sharpe"],
        "benchmark_max_drawdown": b["max_drawdown"],
        "excess_return": growth / (1.0 + b["total_return"]) - 1.0,
        "alpha": alpha,
        "beta": beta,
        "correlation": corr,
        "tracking_error": te * math.sqrt(p),
        "information_ratio": _ratio(float(np.mean(active)), te) * math.sqrt(p),
    }


def drawdown_durations(nav: np.ndarray, initial_cash: float) -> tuple[int, int]:
    """(max_drawdown_duration, longest_drawdown_duration) in trading dates.

    A drawdown is a maximal run of dates i..j with NAV below its running peak (which starts at the
    initial cash, before the first date). It lasts from the peak (i - 1) to the recovery (j + 1),
    or to the last date if NAV never gets back: j - i + 2 dates, or j - i + 1 if unrecovered.
    """
    wealth = np.concatenate(([initial_cash], nav))
    peak = np.maximum.accumulate(wealth)
    under = wealth < peak
    if not under.any():
        return 0, 0
    edges = np.diff(np.concatenate(([0], under.astype(np.int8), [0])))
    starts, ends = np.flatnonzero(edges == 1), np.flatnonzero(edges == -1) - 1
    last = len(wealth) - 1
    durations = ends - starts + np.where(ends < last, 2, 1)
    trough = int(np.argmin(wealth / peak))
    episode = int(np.flatnonzero((starts <= trough) & (trough <= ends))[0])
    return int(durations[episode]), int(durations.max())


def annualized(growth: float, exponent: float) -> float:
    """``growth ** exponent - 1``: a growth factor compounded to a year; -1 when nothing is left
    (growth <= 0). NaN when the result is beyond the largest double (about 1.8e308), which takes a
    huge `periods_per_year` over a few dates: docs/METRICS.md lists it (cagr, alpha)."""
    if growth <= 0:
        return -1.0
    try:
        return float(growth) ** float(exponent) - 1.0
    except OverflowError:  # Python's float power raises rather than return inf
        return math.nan


def _ratio(num: float, den: float) -> float:
    return num / den if den > 0 and math.isfinite(den) else math.nan
