"""The tearsheet's words: the strategy in one line, and the configuration and data-quality report
as readable rows (not JSON), from a run's `runs` row.

    strategy_line(config, info)  "Top 25 by momentum, equal weight, rebalanced daily; costs 1 bp
                                  commission + 2 bp slippage; 2014-02-10 to 2018-02-07 (1,007 dates)"
    config_rows(config)          (section, key, value) for every key that is set
    quality_rows(quality)        (check, relation, rows, policy, rule, example) per finding
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from .numbers import fmt

_RATE_KEYS = ("cash_rate", "margin_rate", "short_fee")


def strategy_line(config: Mapping[str, Any], info: Mapping[str, Any]) -> str:
    """Selection, weighting, schedule, costs and window of a run, in one sentence."""
    s: Mapping[str, Any] = config.get("strategy", {})
    e: Mapping[str, Any] = config.get("execution", {})
    d: Mapping[str, Any] = config.get("data", {})
    parts = [f"{_selection(s)}, {_weighting(s)}, {_schedule(s)}"]
    parts.append("costs " + _costs(e, d))
    window = f"{info['start_date']} to {info['end_date']} ({fmt(info['n_dates'], 'count')} dates)"
    parts.append(window)
    return "; ".join(parts)


def _selection(s: Mapping[str, Any]) -> str:
    if s.get("sql"):
        return "Custom SQL targets"
    signal = s.get("signal") or "signal"
    within = f" within each {s['group']}" if s.get("group_neutral") and s.get("group") else ""
    if s.get("quantiles"):
        q = int(s["quantiles"])
        leg = f"long the top of {q} quantiles"
        leg += ", short the bottom" if s.get("long_short") else ""
        return f"{leg[0].upper()}{leg[1:]} by {signal}{within}"
    top, bottom = int(s.get("top_n") or 0), int(s.get("bottom_n") or 0)
    if bottom:
        return f"Long the top {top}, short the bottom {bottom} by {signal}{within}"
    return f"Top {top} by {signal}{within}"


def _weighting(s: Mapping[str, Any]) -> str:
    w = str(s.get("weighting") or "equal").replace("_", "-")
    text = f"{w} weight"
    long_x, short_x = s.get("long_exposure"), s.get("short_exposure")
    if s.get("bottom_n") or s.get("long_short"):
        text += f" (long {_share(1.0 if long_x is None else long_x)}, short {_share(short_x or 0.0)})"
    elif long_x is not None and long_x != 1.0:
        text += f" ({_share(long_x)} invested)"
    return text


def _share(value: float) -> str:
    return f"{value * 100:g}%"


def _schedule(s: Mapping[str, Any]) -> str:
    if s.get("rebalance_every"):
        return f"rebalanced every {fmt(s['rebalance_every'], 'count')} dates"
    return f"rebalanced {s.get('rebalance') or 'daily'}"


def _costs(e: Mapping[str, Any], d: Mapping[str, Any]) -> str:
    costs = [f"{_bps(e.get('commission_bps', 0.0))} commission", f"{_bps(e.get('slippage_bps', 0.0))} slippage"]
    for key, label in (("commission_per_share", "per share"), ("commission_min", "minimum")):
        if e.get(key):
            costs.append(f"{fmt(e[key], 'money')} {label}")
    if e.get("impact_coefficient"):
        costs.append(f"impact {fmt(e['impact_coefficient'], 'ratio')} x sigma x sqrt(participation)")
    text = " + ".join(costs)
    if d.get("rates"):
        text += ", cash at the [data] rates series"
    elif e.get("cash_rate"):
        text += f", cash at {fmt(e['cash_rate'], 'pct')} a year"
    if e.get("short_fee") or d.get("borrow_fees"):
        fee = fmt(e.get("short_fee") or 0.0, "pct") if not d.get("borrow_fees") else "per-asset fees"
        text += f", borrow at {fee} a year"
    return text


def _bps(value: Any) -> str:
    text = f"{float(value or 0.0):g}"
    return f"{text} bp" if text == "1" else f"{text} bps"


def config_rows(config: Mapping[str, Any]) -> list[tuple[str, str, str]]:
    """(section, key, value) for every key of the configuration that is set (None left out); nested
    tables flattened to dotted keys (`quality.missing_open`)."""
    rows: list[tuple[str, str, str]] = []
    for section, values in config.items():
        if isinstance(values, Mapping):
            for key, value in _flatten(values):
                rows.append((section, key, _value(key, value)))
        elif values is not None:
            rows.append((section, "", _value(section, values)))
    return rows


def _flatten(values: Mapping[str, Any], prefix: str = "") -> list[tuple[str, Any]]:
    out: list[tuple[str, Any]] = []
    for key, value in values.items():
        name = f"{prefix}{key}"
        if isinstance(value, Mapping):
            out.extend(_flatten(value, f"{name}."))
        elif value is not None and value != "" and value != []:
            out.append((name, value))
    return out


def _value(key: str, value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        if key in _RATE_KEYS:
            return fmt(value, "pct")
        if key in ("initial_cash",):
            return fmt(value, "money")
        return f"{value:,.10g}"
    if isinstance(value, int):
        return fmt(value, "count")
    if isinstance(value, (list, tuple)):
        return ", ".join(str(v) for v in value)
    return str(value)


def quality_rows(quality: Mapping[str, Any]) -> list[dict[str, str]]:
    """One row per data-quality finding: what the rule is, how many rows it met, what the policy did,
    and the first example row as `column=value` pairs."""
    rows = []
    for check, finding in (quality.get("findings") or {}).items():
        examples = finding.get("examples") or []
        example = ", ".join(f"{k}={_example(v)}" for k, v in examples[0].items()) if examples else ""
        rows.append(
            {
                "check": check,
                "relation": str(finding.get("relation", "")),
                "rows": fmt(finding.get("count"), "count"),
                "policy": str(finding.get("policy", "")),
                "rule": str(finding.get("rule", "")),
                "example": example,
            }
        )
    return rows


def _example(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:.10g}"
    return "NULL" if value is None else str(value)
