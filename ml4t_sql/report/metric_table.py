"""The tearsheet's metrics table: every metric key with its group, label and number kind."""

from __future__ import annotations

from collections.abc import Mapping

from .numbers import Kind, fmt

# metric key -> (group, label, kind of number)
METRICS: dict[str, tuple[str, str, Kind]] = {
    "total_return": ("Returns", "Total return", "pct"),
    "cagr": ("Returns", "CAGR", "pct"),
    "best_day": ("Returns", "Best day", "pct"),
    "worst_day": ("Returns", "Worst day", "pct"),
    "hit_rate": ("Returns", "Hit rate (positive days)", "pct"),
    "final_nav": ("Returns", "Final NAV", "money"),
    "volatility": ("Risk", "Volatility (annualized)", "pct"),
    "sharpe": ("Risk", "Sharpe ratio", "ratio"),
    "sortino": ("Risk", "Sortino ratio", "ratio"),
    "max_drawdown": ("Risk", "Max drawdown", "pct"),
    "max_drawdown_duration": ("Risk", "Max drawdown duration", "days"),
    "longest_drawdown_duration": ("Risk", "Longest drawdown", "days"),
    "calmar": ("Risk", "Calmar ratio", "ratio"),
    "avg_turnover": ("Trading", "Average daily turnover", "pct"),
    "annual_turnover": ("Trading", "Annual turnover", "ratio"),
    "total_turnover": ("Trading", "Total turnover", "ratio"),
    "n_trades": ("Trading", "Trades", "count"),
    "avg_holdings": ("Trading", "Average holdings", "ratio"),
    "avg_gross_exposure": ("Trading", "Average gross exposure", "pct"),
    "avg_net_exposure": ("Trading", "Average net exposure", "pct"),
    "avg_long_exposure": ("Trading", "Average long exposure", "pct"),
    "avg_short_exposure": ("Trading", "Average short exposure", "pct"),
    "total_costs": ("Costs", "Total trading costs", "money"),
    "total_commission": ("Costs", "Commission", "money"),
    "total_slippage": ("Costs", "Slippage", "money"),
    "total_impact": ("Costs", "Market impact", "money"),
    "total_financing": ("Costs", "Financing (+ earned, - paid)", "money"),
    "total_dividends": ("Costs", "Dividends (+ received, - paid)", "money"),
    "benchmark_total_return": ("Benchmark", "Benchmark total return", "pct"),
    "benchmark_cagr": ("Benchmark", "Benchmark CAGR", "pct"),
    "benchmark_volatility": ("Benchmark", "Benchmark volatility", "pct"),
    "benchmark_sharpe": ("Benchmark", "Benchmark Sharpe ratio", "ratio"),
    "benchmark_max_drawdown": ("Benchmark", "Benchmark max drawdown", "pct"),
    "excess_return": ("Benchmark", "Excess return (relative wealth)", "pct"),
    "alpha": ("Benchmark", "Alpha (annualized)", "pct"),
    "beta": ("Benchmark", "Beta", "ratio"),
    "correlation": ("Benchmark", "Correlation", "ratio"),
    "tracking_error": ("Benchmark", "Tracking error", "pct"),
    "information_ratio": ("Benchmark", "Information ratio", "ratio"),
}


def metric_groups(metrics: Mapping[str, float]) -> list[tuple[str, list[tuple[str, str, str]]]]:
    """[(group, [(key, label, formatted value)])] for the metrics a run has, in METRICS' order."""
    groups: dict[str, list[tuple[str, str, str]]] = {}
    for key, (group, label, kind) in METRICS.items():
        if key in metrics:
            groups.setdefault(group, []).append((key, label, fmt(metrics[key], kind)))
    return list(groups.items())


def metric_text(key: str, value: float | None) -> str:
    """One metric formatted by its kind (a key not listed: two decimals)."""
    return fmt(value, METRICS[key][2] if key in METRICS else "ratio")
